import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal } from '../../../test/support/local-http.js';
import { UpstreamError } from './language-model.js';
import { SseParser, UpstreamEndpoint } from './upstream-sse.js';

describe('SseParser', () => {
  const parse = (...chunks: string[]) => {
    const parser = new SseParser();
    const events = chunks.flatMap((c) => parser.push(c));
    return [...events, ...parser.end()];
  };

  it.each([
    ['LF', ['data: a\n\ndata: b\n\n'], ['a', 'b']],
    ['CRLF', ['data: a\r\n\r\ndata: b\r\n\r\n'], ['a', 'b']],
    ['CR', ['data: a\r\rdata: b\r\r'], ['a', 'b']],
    ['CRLF split between chunks', ['data: a\r', '\n\r', '\ndata: b\r\n\r\n'], ['a', 'b']],
    ['an event split mid-line', ['da', 'ta: {"x"', ':1}\n', '\n'], ['{"x":1}']],
    ['multi-line data joined with LF', ['data: one\ndata: two\n\n'], ['one\ntwo']],
    ['no space after the colon', ['data:tight\n\n'], ['tight']],
    ['only the first space is dropped', ['data:  two spaces\n\n'], [' two spaces']],
    ['comments and unknown fields ignored', [': keep-alive\nid: 7\nretry: 10\ndata: x\n\n'], ['x']],
    ['blank lines without data dispatch nothing', ['\n\n\ndata: x\n\n\n\n'], ['x']],
    ['a last event without its blank line', ['data: a\n\ndata: last'], ['a', 'last']],
    ['an empty data line is an empty event', ['data\n\n'], ['']],
  ])('%s', (_name, chunks, expected) => {
    expect(parse(...chunks).map((e) => e.data)).toEqual(expected);
  });

  it('reports the event name, reset after each event', () => {
    expect(parse('event: error\ndata: {}\n\ndata: plain\n\n')).toEqual([
      { event: 'error', data: '{}' },
      { event: undefined, data: 'plain' },
    ]);
  });
});

describe('UpstreamEndpoint', () => {
  let server: Server;
  let endpoint: UpstreamEndpoint;
  const seen: { path: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    const started = await listenLocal((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(text);
        };
        switch (req.url) {
          case '/v1/ok':
            return answer(200, '{"fine":true}');
          case '/v1/limited':
            return answer(429, '{"error":{"message":"slow down","code":"rate_limit_exceeded"}}', {
              'retry-after': '7',
            });
          case '/v1/bad':
            return answer(400, '{"error":{"message":"temperature is too high"}}');
          case '/v1/no-model':
            return answer(404, '{"error":{"message":"The model x does not exist","code":"model_not_found"}}');
          case '/v1/text-error':
            return answer(503, 'upstream overloaded');
          case '/v1/silent':
            return;
        }
      });
    });
    server = started.server;
    endpoint = new UpstreamEndpoint(`${started.origin}/v1`, { authorization: 'Bearer sk-x' });
  });
  afterAll(async () => {
    endpoint.close();
    await closeLocal(server);
  });

  const post = (path: string, signal = new AbortController().signal, headersTimeoutMs?: number) =>
    endpoint.post(path, '{"a":1}', { signal, headersTimeoutMs });

  it('posts JSON below the base URL with its headers and resolves on a 2xx', async () => {
    const response = await post('/ok');
    response.resume();
    expect(response.statusCode).toBe(200);
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ path: '/v1/ok', body: '{"a":1}' });
    expect(request.headers).toMatchObject({
      authorization: 'Bearer sk-x',
      'content-type': 'application/json',
      'content-length': '7',
    });
  });

  it.each([
    [
      '/limited',
      { upstreamStatus: 429, isRetryable: true, retryAfterSeconds: 7, code: 'provider_unavailable' },
    ],
    ['/bad', { upstreamStatus: 400, isRetryable: false, code: 'invalid_request', status: 400 }],
    ['/no-model', { upstreamStatus: 404, isRetryable: false, code: 'model_not_found', status: 404 }],
    ['/text-error', { upstreamStatus: 503, isRetryable: true, code: 'provider_unavailable' }],
  ])('turns an error answer from %s into an UpstreamError', async (path, expected) => {
    const error = await post(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject(expected);
  });

  it('keeps the upstream message', async () => {
    const limited = (await post('/limited').catch((e: unknown) => e)) as Error;
    expect(limited.message).toContain('slow down');
    const text = (await post('/text-error').catch((e: unknown) => e)) as Error;
    expect(text.message).toContain('upstream overloaded');
  });

  it('gives up after the headers timeout with a retryable error', async () => {
    const error = await post('/silent', new AbortController().signal, 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isRetryable).toBe(true);
    expect((error as Error).message).toMatch(/connect timeout/);
  });

  it('rejects with the signal reason when aborted, before or during the call', async () => {
    const before = new AbortController();
    before.abort(new Error('gone before'));
    await expect(post('/ok', before.signal)).rejects.toThrow('gone before');
    const during = new AbortController();
    const pending = post('/silent', during.signal);
    setTimeout(() => during.abort(new Error('gone during')), 20);
    await expect(pending).rejects.toThrow('gone during');
  });

  it('reports an unreachable upstream as retryable', async () => {
    const nowhere = new UpstreamEndpoint('http://127.0.0.1:1/v1', {});
    const error = await nowhere.post('/x', '{}', { signal: new AbortController().signal }).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isRetryable).toBe(true);
    nowhere.close();
  });

  it.each(['ftp://example.com/v1', 'not a url'])('refuses the base URL %s', (url) => {
    expect(() => new UpstreamEndpoint(url, {})).toThrow();
  });
});

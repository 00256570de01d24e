import { afterEach, describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  NexusAI,
  RateLimitError,
  retryDelayMs,
} from '../src/index.js';
import { type Behaviour, json, MisbehavingServer, nexusError } from './support/misbehaving-server.js';

/**
 * Retries, back-off, timeouts and connection errors, against a small node:http server that fails on
 * demand (a real Nexus does not produce these when asked) and an injected fetch. `Retry-After: 0` keeps
 * the retried cases fast; the back-off itself is checked as a function.
 */

let server: MisbehavingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(behaviour: Behaviour, options: ConstructorParameters<typeof NexusAI>[0] = {}) {
  server = await MisbehavingServer.start(behaviour);
  return { server, client: new NexusAI({ apiKey: 'nx-test', baseURL: server.url, ...options }) };
}

const ok = { id: 'conv_1', title: 't' };
const failThen =
  (
    failures: number,
    status: number,
    code: string,
    headers: Record<string, string> = { 'retry-after': '0' },
  ) =>
  (i: number, _req: unknown, res: Parameters<Behaviour>[2]) =>
    i < failures ? json(res, status, nexusError(code, `failure ${i}`), headers) : json(res, 200, ok);

describe('retries', () => {
  it('retries a POST after 503s with the same Idempotency-Key, and succeeds', async () => {
    const { server, client } = await serve(failThen(2, 503, 'service_unavailable'));
    const conversation = await client.conversations.create({ model: 'local' });
    expect(conversation).toEqual(ok);
    expect(server.requests).toHaveLength(3);
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^nexus-sdk-[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    // The body is sent again, unchanged.
    expect(new Set(server.requests.map((r) => r.body))).toEqual(new Set(['{"model":"local"}']));
  });

  it('gives each POST its own key, uses the caller’s key when given, and sends none on GET', async () => {
    const { server, client } = await serve((_i, _req, res) => json(res, 200, ok));
    await client.conversations.create({ model: 'local' });
    await client.conversations.create({ model: 'local' });
    await client.conversations.create({ model: 'local' }, { idempotencyKey: 'order-17' });
    await client.conversations.retrieve('conv_1');
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe('order-17');
    expect(keys[3]).toBeUndefined();
  });

  it.each([
    [429, 'rate_limited', RateLimitError],
    [500, 'internal_error', InternalServerError],
    [502, 'provider_unavailable', InternalServerError],
    [408, 'request_timeout', undefined],
    [409, 'idempotency_key_in_use', ConflictError],
  ])('retries %i %s up to maxRetries, then throws with retryCount', async (status, code, cls) => {
    const { server, client } = await serve(failThen(99, status, code), { maxRetries: 2 });
    const error = await client.conversations.retrieve('conv_1').catch((e: unknown) => e);
    if (cls) expect(error).toBeInstanceOf(cls);
    expect(error).toMatchObject({ status, code, retryCount: 2, message: 'failure 2' });
    expect(server.requests).toHaveLength(3);
  });

  it.each([
    [501, 'not_implemented'],
    [400, 'validation_failed'],
    [404, 'not_found'],
    [409, 'file_in_use'],
    [422, 'idempotency_key_mismatch'],
  ])('does not retry %i %s', async (status, code) => {
    const { server, client } = await serve(failThen(99, status, code));
    const error = await client.conversations.retrieve('conv_1').catch((e: unknown) => e);
    expect(error).toMatchObject({ status, code, retryCount: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('honours a per-request maxRetries over the client’s', async () => {
    const { server, client } = await serve(failThen(99, 503, 'service_unavailable'), { maxRetries: 2 });
    await expect(client.conversations.retrieve('conv_1', { maxRetries: 0 })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(server.requests).toHaveLength(1);
    await expect(client.conversations.retrieve('conv_1', { maxRetries: 1 })).rejects.toMatchObject({
      retryCount: 1,
    });
    expect(server.requests).toHaveLength(3);
  });

  it('retries a connection dropped before any answer (exponential back-off), then succeeds', async () => {
    const { server, client } = await serve((i, req, res) => {
      if (i === 0) req.socket.destroy();
      else json(res, 200, ok);
    });
    await expect(client.conversations.retrieve('conv_1')).resolves.toEqual(ok);
    expect(server.requests).toHaveLength(2);
  });

  it('throws APIConnectionError when nothing listens, after its retries', async () => {
    const { server: s } = await serve(() => undefined);
    const url = s.url;
    await s.close();
    server = undefined;
    const client = new NexusAI({ apiKey: 'nx-test', baseURL: url, maxRetries: 1 });
    const error = (await client.models.list().then(
      () => undefined,
      (e: unknown) => e,
    )) as APIConnectionError;
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APITimeoutError);
    expect([error.status, error.code, error.retryCount, error.isRetryable]).toEqual([
      undefined,
      'connection_error',
      1,
      true,
    ]);
    expect(error.message).toContain(url);
  });

  it('throws APITimeoutError when no answer comes within timeout, retrying each attempt', async () => {
    const { server, client } = await serve(() => undefined, { timeout: 150, maxRetries: 1 });
    const error = (await client.conversations.retrieve('conv_1').catch((e: unknown) => e)) as APITimeoutError;
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect([error.code, error.retryCount]).toEqual(['timeout', 1]);
    expect(server.requests).toHaveLength(2);
    // A per-request timeout and maxRetries override the client's.
    await expect(
      client.conversations.retrieve('conv_1', { timeout: 50, maxRetries: 0 }),
    ).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringContaining('50 ms'),
    });
    expect(server.requests).toHaveLength(3);
  });

  it('an aborted signal rejects with APIUserAbortError and is never retried', async () => {
    const { server, client } = await serve(() => undefined, { maxRetries: 2 });
    const controller = new AbortController();
    const pending = client.conversations.retrieve('conv_1', { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect((error as APIUserAbortError).isRetryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('retries an upload from bytes (replayable) but never one from a stream', async () => {
    const { server, client } = await serve(failThen(1, 503, 'service_unavailable'));
    await client.files.upload({
      file: new TextEncoder().encode('# Hi'),
      filename: 'hi.md',
      purpose: 'document',
    });
    expect(server.requests).toHaveLength(2);
    // The same parts again (FormData picks a new boundary each time; the server's idempotency check
    // fingerprints a multipart body by its media type only).
    const withoutBoundary = (body: string) => body.replace(/-{4,}[\w-]+/g, '--boundary');
    expect(withoutBoundary(server.requests[1]!.body)).toBe(withoutBoundary(server.requests[0]!.body));
    expect(server.requests[0]!.body).toContain('filename="hi.md"');
    expect(server.requests[0]!.body).toContain('# Hi');

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('# Streamed'));
        controller.close();
      },
    });
    const { server: second, client: streaming } = await (async () => {
      await server.close();
      return serve(failThen(1, 503, 'service_unavailable'));
    })();
    const error = await streaming.files
      .upload({ file: stream, filename: 'streamed.md', purpose: 'document' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, retryCount: 0 });
    expect(second.requests).toHaveLength(1);
    expect(second.requests[0]!.body).toContain('# Streamed');
    expect(second.requests[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  });

  it('does not retry a stream once data has arrived: a dropped stream throws from the loop', async () => {
    const { server, client } = await serve((_i, req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_stream_1' });
      res.write(
        'event: task.delta\ndata: {"type":"task.delta","task_id":"task_1","delta":{"content":"Hel"}}\n\n',
        () => setTimeout(() => req.socket.destroy(), 20),
      );
    });
    const stream = await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Hi' } });
    expect(stream.requestId).toBe('req_stream_1');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) if (chunk.type === 'task.delta') seen.push(chunk.delta.content);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['Hel']);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(server.requests).toHaveLength(1);
  });

  it('stream.abort() ends the loop quietly; an aborted signal ends it with APIUserAbortError', async () => {
    const { client } = await serve((_i, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'event: task.delta\ndata: {"type":"task.delta","task_id":"task_1","delta":{"content":"a"}}\n\n',
      );
      // ...and then nothing more: the stream stays open.
    });
    const params = { task_type: 'text_generation' as const, input: { prompt: 'Hi' } };
    const stream = await client.invokeStream(params);
    const seen: string[] = [];
    for await (const chunk of stream) {
      seen.push(chunk.type);
      stream.abort();
    }
    expect(seen).toEqual(['task.delta']);

    const controller = new AbortController();
    const signalled = await client.invokeStream(params, { signal: controller.signal });
    const error = await (async () => {
      for await (const _ of signalled) controller.abort();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIUserAbortError);
  });

  it('an error before a stream starts is retried like any answer', async () => {
    const { server, client } = await serve((i, _req, res) => {
      if (i === 0) return json(res, 503, nexusError('service_unavailable', 'later'), { 'retry-after': '0' });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'event: task.completed\ndata: {"type":"task.completed","task":{"id":"task_1","status":"succeeded"},"usage":{"input_tokens":1,"output_tokens":2}}\n\n',
      );
    });
    const stream = await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Hi' } });
    const task = await stream.finalTask();
    expect(task).toMatchObject({ id: 'task_1', status: 'succeeded' });
    expect(server.requests).toHaveLength(2);
  });
});

describe('an injected fetch', () => {
  it('is called with the URL, method, headers and body, and its failures are retried', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetch = async (url: string, init: RequestInit): Promise<Response> => {
      calls.push({ url, init });
      if (calls.length === 1) throw new TypeError('fetch failed');
      return new Response(JSON.stringify(ok), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    };
    const client = new NexusAI({
      apiKey: 'nx-injected',
      baseURL: 'https://nexus.example.com/v1/',
      tenant: 'ten_01jd8x3k5q9v7w2m4n6p8r0s1t',
      defaultHeaders: { 'x-trace': 'abc' },
      fetch,
    });
    await expect(
      client.conversations.create({ model: 'local' }, { headers: { 'x-trace': 'override' } }),
    ).resolves.toEqual(ok);
    expect(calls).toHaveLength(2);
    const [first, second] = calls;
    expect(first!.url).toBe('https://nexus.example.com/v1/conversations');
    expect(first!.init.method).toBe('POST');
    expect(first!.init.body).toBe('{"model":"local"}');
    const headers = first!.init.headers as Record<string, string>;
    expect(headers).toMatchObject({
      authorization: 'Bearer nx-injected',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-nexus-tenant': 'ten_01jd8x3k5q9v7w2m4n6p8r0s1t',
      'x-trace': 'override',
    });
    expect((second!.init.headers as Record<string, string>)['idempotency-key']).toBe(
      headers['idempotency-key'],
    );
  });

  it('a query is encoded, with unset values left out', async () => {
    const urls: string[] = [];
    const client = new NexusAI({
      apiKey: 'nx',
      baseURL: 'http://h',
      fetch: async (url) => {
        urls.push(url);
        return new Response('{"data":[],"next_cursor":null}', {
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    await client.conversations.list({ archived: 'false', limit: 5, cursor: undefined });
    await client.conversations.messages.list('conv_1', { order: 'desc' });
    expect(urls).toEqual([
      'http://h/v1/conversations?archived=false&limit=5',
      'http://h/v1/conversations/conv_1/messages?order=desc',
    ]);
  });

  it('a 400 answer is a BadRequestError, not retried', async () => {
    let n = 0;
    const client = new NexusAI({
      apiKey: 'nx',
      baseURL: 'http://h',
      fetch: async () => {
        n++;
        return new Response(JSON.stringify(nexusError('validation_failed', 'bad')), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    await expect(client.models.list()).rejects.toBeInstanceOf(BadRequestError);
    expect(n).toBe(1);
  });
});

describe('retryDelayMs (the back-off)', () => {
  it.each([
    [1, 0, 500],
    [2, 0, 1000],
    [3, 0, 2000],
    [4, 0, 4000],
    [5, 0, MAX_BACKOFF_MS],
    [9, 0, MAX_BACKOFF_MS],
    [1, 1, 375],
    [3, 0.5, 1750],
  ])(
    'retry %i with random %d waits %i ms (exponential, jitter takes up to 25%% off)',
    (retry, random, ms) => {
      expect(retryDelayMs(retry, undefined, () => random)).toBe(ms);
    },
  );

  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['0', 0],
    ['2', 2000],
    ['1.25', 1250],
    ['3600', MAX_RETRY_AFTER_MS],
    [new Date(now + 5000).toUTCString(), 5000],
    [new Date(now - 5000).toUTCString(), 0],
    [new Date(now + 3_600_000).toUTCString(), MAX_RETRY_AFTER_MS],
  ])('Retry-After %s wins over the back-off: %i ms (capped)', (value, ms) => {
    expect(retryDelayMs(3, new Headers({ 'retry-after': value }), () => 0, now)).toBe(ms);
  });

  it('an unparsable Retry-After falls back to the back-off', () => {
    expect(retryDelayMs(2, new Headers({ 'retry-after': 'later' }), () => 0, now)).toBe(1000);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, UpstreamError } from './language-model.js';
import { OpenAICompatibleModel } from './openai-compatible.js';

/**
 * The connect timeout: model `silent` gets a server that accepts and never answers; model `slow` gets
 * headers at once and its two chunks 300 ms apart, longer than the timeout, which must not matter.
 */
let server: Server;
let baseUrl: string;
const chunk = (content: string) =>
  `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"slow","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (JSON.parse(body).model === 'silent') return;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('first '));
      setTimeout(() => {
        res.write(chunk('last'));
        res.write(
          'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"slow","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
        );
        res.end('data: [DONE]\n\n');
      }, 300);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the OpenAI-compatible adapter', () => {
  const model = () => new OpenAICompatibleModel({ baseUrl, apiKey: 'sk-test', connectTimeoutMs: 100 });
  const ask = (name: string) =>
    collect(
      model().stream(
        { model: name, messages: [{ role: 'user', content: 'hi' }], params: {} },
        { signal: new AbortController().signal },
      ),
    );

  it('gives up on an upstream that sends no response headers within the connect timeout (retryable)', async () => {
    const failure = await ask('silent').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).isRetryable).toBe(true);
  });

  it('lets a stream run past the connect timeout once the headers came', async () => {
    const completion = await ask('slow');
    expect(completion.text).toBe('first last');
    expect(completion.finishReason).toBe('stop');
  });
});

/**
 * Images and audio against a small server whose answer each test sets: what the adapter makes of
 * answers a real upstream might give (URLs it must not follow, bytes that are not images, errors).
 */
describe('the OpenAI-compatible adapter’s images and audio', () => {
  let media: Server;
  let mediaUrl: string;
  let answer: (path: string, body: string, res: import('node:http').ServerResponse) => void;
  const seen: { path: string; body: string }[] = [];
  beforeAll(async () => {
    media = createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', body });
        answer(req.url ?? '', body, res);
      });
    });
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
    mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    media.closeAllConnections();
    await new Promise((resolve) => media.close(resolve));
  });
  const model = () =>
    new OpenAICompatibleModel({ baseUrl: mediaUrl, apiKey: 'sk-test', connectTimeoutMs: 5_000 });
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (_path: string, _body: string, res: import('node:http').ServerResponse) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const image = () =>
    model().generateImage(
      { model: 'img', prompt: 'p', width: 256, height: 256, n: 1 },
      { signal: new AbortController().signal },
    );
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as UpstreamError,
    );

  it.each<[string, unknown, RegExp, boolean]>([
    [
      'a URL on a private address it may not fetch',
      { data: [{ url: 'http://10.255.255.1/x.png' }] },
      /url_blocked/,
      false,
    ],
    ['a URL with another scheme', { data: [{ url: 'file:///etc/passwd' }] }, /url_blocked/, false],
    [
      'base64 that is not an image',
      { data: [{ b64_json: Buffer.from('hello').toString('base64') }] },
      /not an image/,
      false,
    ],
    ['no images', { data: [] }, /no images/, false],
    ['an image with neither b64_json nor url', { data: [{}] }, /without b64_json or url/, false],
  ])('refuses an upstream answering %s', async (_name, body, message, retryable) => {
    answer = json(200, body);
    const error = await failure(image());
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error?.message).toMatch(message);
    expect(error?.isRetryable).toBe(retryable);
  });

  it('maps an HTTP error like chat: 429 with Retry-After is retryable and says how long to wait', async () => {
    answer = json(429, { error: { message: 'slow down' } }, { 'retry-after': '7' });
    const error = await failure(image());
    expect(error).toMatchObject({ isRetryable: true, retryAfterSeconds: 7, upstreamStatus: 429 });
  });

  it('maps an upstream 400 to invalid_request with its message, not retried', async () => {
    answer = json(400, { error: { message: 'bad prompt' } });
    const error = await failure(image());
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      isRetryable: false,
      message: 'bad prompt',
    });
  });

  it('answers an unreachable upstream as retryable', async () => {
    const gone = new OpenAICompatibleModel({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' });
    const error = await failure(
      gone.synthesizeSpeech(
        { model: 'tts', text: 'hi', format: 'wav' },
        { signal: new AbortController().signal },
      ),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error?.isRetryable).toBe(true);
  });

  it('does not ask again with json when the 400 is about something else', async () => {
    answer = json(400, { error: { message: 'audio file is too short' } });
    const before = seen.length;
    const error = await failure(
      model().transcribe(
        { model: 'asr', audio: new Uint8Array(100), filename: 'a.wav', mediaType: 'audio/wav' },
        { signal: new AbortController().signal },
      ),
    );
    expect(error?.code).toBe('invalid_request');
    expect(seen.length - before).toBe(1);
    expect(seen.at(-1)!.body).toContain('verbose_json');
  });

  it('keeps non-WAV speech as the upstream typed it, its length unknown (0)', async () => {
    answer = (_p, _b, res) =>
      res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(Buffer.from('ID3fake-mp3'));
    const result = await model().synthesizeSpeech(
      { model: 'tts', text: 'hi', format: 'wav' },
      { signal: new AbortController().signal },
    );
    expect(result).toMatchObject({ mediaType: 'audio/mpeg', durationSeconds: 0 });
    expect(Buffer.from(result.audio).toString()).toBe('ID3fake-mp3');
  });
});

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

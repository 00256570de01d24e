import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedFetchError } from './guarded-fetch.js';
import { guardedPost } from './guarded-post.js';
import { SsrfPolicy } from './ssrf-guard.js';

let server: Server;
let origin: string;
let port: number;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      switch (req.url) {
        case '/ok':
          res.writeHead(204);
          res.end();
          return;
        case '/echo':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, body }));
          return;
        case '/redirect':
          res.writeHead(302, { location: '/ok' });
          res.end();
          return;
        case '/busy':
          res.writeHead(503, { 'retry-after': '7' });
          res.end('try later');
          return;
        case '/big':
          res.writeHead(200, { 'content-type': 'text/plain' });
          for (let i = 0; i < 100; i++) res.write('z'.repeat(1000));
          res.end();
          return;
        case '/hang':
          res.writeHead(200);
          res.write('partial');
          return; // never ends
        default:
          res.writeHead(500);
          res.end('boom');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const allowLocal = new SsrfPolicy(['127.0.0.1']);
const post = (
  path: string,
  extra: { policy?: SsrfPolicy; timeoutMs?: number; maxResponseBytes?: number } = {},
) =>
  guardedPost(`${origin}${path}`, {
    policy: extra.policy ?? allowLocal,
    body: '{"hello":"wörld"}',
    headers: { 'Content-Type': 'application/json', 'X-Test': 'yes' },
    timeoutMs: extra.timeoutMs ?? 5_000,
    maxResponseBytes: extra.maxResponseBytes ?? 1024,
  });

async function failure(promise: Promise<unknown>): Promise<GuardedFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GuardedFetchError);
  return error as GuardedFetchError;
}

describe('guardedPost', () => {
  it('POSTs the body with the headers and answers the status and body', async () => {
    const answer = await post('/echo');
    expect(answer.status).toBe(200);
    expect(JSON.parse(Buffer.from(answer.body).toString())).toEqual({
      method: 'POST',
      body: '{"hello":"wörld"}',
    });
    const request = received.at(-1)!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-test']).toBe('yes');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength('{"hello":"wörld"}')));
  });

  it.each([
    ['/ok', 204],
    ['/missing', 500],
    ['/busy', 503],
  ])('answers %s with its status, whatever it is', async (path, status) => {
    expect((await post(path)).status).toBe(status);
  });

  it('does not follow redirects', async () => {
    const before = received.length;
    const answer = await post('/redirect');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/ok');
    expect(received.length).toBe(before + 1);
  });

  it('gives the response headers (Retry-After)', async () => {
    const answer = await post('/busy');
    expect(answer.headers['retry-after']).toBe('7');
    expect(Buffer.from(answer.body).toString()).toBe('try later');
    expect(answer.truncated).toBe(false);
  });

  it('keeps only the first maxResponseBytes of the answer', async () => {
    const answer = await post('/big', { maxResponseBytes: 100 });
    expect(answer.status).toBe(200);
    expect(answer.body.byteLength).toBe(100);
    expect(answer.truncated).toBe(true);
  });

  it('refuses a loopback target that is not allowlisted, before connecting', async () => {
    const before = received.length;
    const error = await failure(post('/ok', { policy: new SsrfPolicy([]) }));
    expect(error.code).toBe('url_blocked');
    expect(error.details).toMatchObject({ reason: 'loopback' });
    expect(received.length).toBe(before);
  });

  it('connects to the address the policy resolved, and refuses a name that resolves to a private one', async () => {
    const pinned = new SsrfPolicy(['127.0.0.1'], async () => [{ address: '127.0.0.1', family: 4 }]);
    const answer = await guardedPost(`http://hooks.invalid:${port}/ok`, {
      policy: pinned,
      body: '{}',
      headers: {},
      timeoutMs: 5000,
      maxResponseBytes: 10,
    });
    expect(answer.status).toBe(204);
    const rebinding = new SsrfPolicy([], async () => [{ address: '127.0.0.1', family: 4 }]);
    const error = await failure(
      guardedPost(`http://rebind.invalid:${port}/ok`, {
        policy: rebinding,
        body: '{}',
        headers: {},
        timeoutMs: 5000,
        maxResponseBytes: 10,
      }),
    );
    expect(error.code).toBe('url_blocked');
    expect(error.details).toMatchObject({ reason: 'loopback', address: '127.0.0.1' });
  });

  it('gives up at the deadline', async () => {
    const error = await failure(post('/hang', { timeoutMs: 200 }));
    expect(error.code).toBe('url_timeout');
  });

  it('reports a refused connection as a fetch failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      guardedPost(`http://127.0.0.1:${deadPort}/`, {
        policy: allowLocal,
        body: '{}',
        headers: {},
        timeoutMs: 5000,
        maxResponseBytes: 10,
      }),
    );
    expect(error.code).toBe('url_fetch_failed');
    expect(error.details).toMatchObject({ cause: 'ECONNREFUSED' });
  });

  it("passes the caller's abort through as it is", async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    const pending = guardedPost(`${origin}/hang`, {
      policy: allowLocal,
      body: '{}',
      headers: {},
      timeoutMs: 5000,
      maxResponseBytes: 1_000_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedFetchError, guardedFetch } from './guarded-fetch.js';
import { SsrfPolicy } from './ssrf-guard.js';

let server: Server;
let origin: string;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hops = Number(url.searchParams.get('n') ?? 0);
    switch (url.pathname) {
      case '/doc.html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<h1>Hello</h1>');
        return;
      case '/gzip':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(gzipSync('compressed body'));
        return;
      case '/bomb':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(gzipSync(Buffer.alloc(5_000_000, 0x61)));
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2000' });
        res.end('x'.repeat(2000));
        return;
      case '/chunked-big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 10; i++) res.write('y'.repeat(500));
        res.end();
        return;
      case '/attachment':
        res.writeHead(200, {
          'content-type': 'application/pdf',
          'content-disposition': 'attachment; filename="report 2024.pdf"',
        });
        res.end('%PDF-1.4');
        return;
      case '/to-private':
        res.writeHead(302, { location: 'http://10.0.0.1/secret' });
        res.end();
        return;
      case '/to-metadata':
        res.writeHead(301, { location: 'http://[::ffff:169.254.169.254]/latest/meta-data/' });
        res.end();
        return;
      case '/chain':
        res.writeHead(302, { location: hops >= 3 ? '/doc.html' : `/chain?n=${hops + 1}` });
        res.end();
        return;
      case '/loop':
        res.writeHead(307, { location: `/loop?n=${hops + 1}` });
        res.end();
        return;
      case '/slow':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('start');
        return; // never ends
      case '/missing':
        res.writeHead(404);
        res.end('nope');
        return;
      default:
        res.writeHead(500);
        res.end();
    }
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
const fetchLocal = (
  path: string,
  extra: { maxBytes?: number; timeoutMs?: number; policy?: SsrfPolicy } = {},
) =>
  guardedFetch(`${origin}${path}`, {
    policy: extra.policy ?? allowLocal,
    maxBytes: extra.maxBytes ?? 1_000_000,
    timeoutMs: extra.timeoutMs ?? 5_000,
  });

async function failure(promise: Promise<unknown>): Promise<GuardedFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GuardedFetchError);
  return error as GuardedFetchError;
}

describe('guardedFetch', () => {
  it('fetches an allowlisted address with its media type, and decodes gzip', async () => {
    const page = await fetchLocal('/doc.html');
    expect(page.mediaType).toBe('text/html');
    expect(Buffer.from(page.bytes).toString()).toBe('<h1>Hello</h1>');
    expect(page.filename).toBe('doc.html');
    const zipped = await fetchLocal('/gzip');
    expect(Buffer.from(zipped.bytes).toString()).toBe('compressed body');
    const pdf = await fetchLocal('/attachment');
    expect(pdf.filename).toBe('report 2024.pdf');
    expect(pdf.mediaType).toBe('application/pdf');
  });

  it('refuses the loopback address when it is not allowlisted', async () => {
    const error = await failure(fetchLocal('/doc.html', { policy: new SsrfPolicy([]) }));
    expect(error.code).toBe('url_blocked');
    expect(error.details).toMatchObject({ reason: 'loopback' });
  });

  it.each([
    ['/to-private', 'private'],
    ['/to-metadata', 'link_local'],
  ])('checks every redirect hop: %s → %s', async (path, reason) => {
    const error = await failure(fetchLocal(path));
    expect(error.code).toBe('url_blocked');
    expect(error.details).toMatchObject({ reason });
  });

  it('follows up to five redirects and refuses the sixth', async () => {
    const page = await fetchLocal('/chain');
    expect(page.redirects).toHaveLength(4);
    expect(page.url).toBe(`${origin}/doc.html`);
    const error = await failure(fetchLocal('/loop'));
    expect(error.code).toBe('url_too_many_redirects');
  });

  it('connects to the address the policy resolved (a name only its resolver knows)', async () => {
    const policy = new SsrfPolicy(['127.0.0.1'], async () => [{ address: '127.0.0.1', family: 4 }]);
    const page = await guardedFetch(`http://pinned.invalid:${port}/doc.html`, {
      policy,
      maxBytes: 1000,
      timeoutMs: 5000,
    });
    expect(Buffer.from(page.bytes).toString()).toBe('<h1>Hello</h1>');
    const rebinding = new SsrfPolicy([], async () => [{ address: '127.0.0.1', family: 4 }]);
    const error = await failure(
      guardedFetch(`http://rebind.invalid:${port}/doc.html`, {
        policy: rebinding,
        maxBytes: 1000,
        timeoutMs: 5000,
      }),
    );
    expect(error.code).toBe('url_blocked');
  });

  it.each([
    ['/big', 'url_too_large'],
    ['/chunked-big', 'url_too_large'],
    ['/bomb', 'url_too_large'],
    ['/missing', 'url_http_error'],
  ])('%s → %s', async (path, code) => {
    const error = await failure(fetchLocal(path, { maxBytes: 1000 }));
    expect(error.code).toBe(code);
  });

  it('gives up at the deadline', async () => {
    const error = await failure(fetchLocal('/slow', { timeoutMs: 200 }));
    expect(error.code).toBe('url_timeout');
  });

  it('reports an unreachable server as a fetch failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      guardedFetch(`http://127.0.0.1:${deadPort}/`, { policy: allowLocal, maxBytes: 10, timeoutMs: 5000 }),
    );
    expect(error.code).toBe('url_fetch_failed');
  });
});

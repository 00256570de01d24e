import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithConnectTimeout } from './connect-timeout.js';

/** /silent accepts and never answers; /slow-body sends headers at once and the body 300 ms later. */
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/silent') return;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    setTimeout(() => res.end('last'), 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the connect timeout', () => {
  const timed = fetchWithConnectTimeout(fetch, 100);

  it('gives up on an upstream that sends no response headers', async () => {
    await expect(timed(`${base}/silent`)).rejects.toThrow(/connect timeout/);
  });

  it('lets a body stream past the timeout once the headers came', async () => {
    const response = await timed(`${base}/slow-body`);
    expect(await response.text()).toBe('first last');
  });

  it("still honours the caller's own signal", async () => {
    const controller = new AbortController();
    const pending = fetchWithConnectTimeout(fetch, 10_000)(`${base}/silent`, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });
});

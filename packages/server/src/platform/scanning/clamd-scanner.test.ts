import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EICAR_SIGNATURE, FakeClamd } from '../../../test/fakes/fake-clamd.js';
import { EICAR } from '../../../test/fixtures/files/samples.js';
import { ClamdScanner } from './clamd-scanner.js';

const chunks = (...parts: (string | Buffer)[]) =>
  Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

describe('ClamdScanner against a fake clamd', () => {
  let clamd: FakeClamd;
  let scanner: ClamdScanner;

  beforeAll(async () => {
    clamd = await FakeClamd.start({ streamMaxLength: 1024 * 1024 });
    scanner = new ClamdScanner({
      host: '127.0.0.1',
      port: clamd.port,
      timeoutMs: 2_000,
      maxBytes: 1024 * 1024,
    });
  });
  afterAll(async () => {
    await clamd.close();
  });

  it('answers PONG to a ping', async () => {
    await expect(scanner.ping()).resolves.toBeUndefined();
  });

  it('finds clean content clean', async () => {
    expect(await scanner.scan(chunks('hello ', 'world'))).toEqual({ clean: true });
    expect(clamd.scans.at(-1)).toEqual({ bytes: 11, verdict: 'stream: OK' });
  });

  it('flags EICAR, also when it straddles chunk boundaries', async () => {
    expect(await scanner.scan(chunks(EICAR))).toEqual({ clean: false, signature: EICAR_SIGNATURE });
    const big = Buffer.concat([Buffer.alloc(100_000, 0x41), Buffer.from(EICAR), Buffer.alloc(10, 0x41)]);
    // 64 KiB INSTREAM chunks: the string sits across the boundary at 65,536 bytes only if placed there.
    const across = Buffer.concat([Buffer.alloc(65_536 - 20, 0x41), Buffer.from(EICAR)]);
    expect(await scanner.scan(chunks(big))).toEqual({ clean: false, signature: EICAR_SIGNATURE });
    expect(await scanner.scan(chunks(across))).toEqual({ clean: false, signature: EICAR_SIGNATURE });
  });

  it('sends at most maxBytes (clamd StreamMaxLength) of a larger file', async () => {
    const limited = new ClamdScanner({
      host: '127.0.0.1',
      port: clamd.port,
      timeoutMs: 2_000,
      maxBytes: 200_000,
    });
    expect(await limited.scan(chunks(Buffer.alloc(150_000), Buffer.alloc(150_000)))).toEqual({ clean: true });
    expect(clamd.scans.at(-1)?.bytes).toBe(200_000);
  });

  it('fails closed when clamd refuses a stream over its StreamMaxLength', async () => {
    const tooMuch = new ClamdScanner({
      host: '127.0.0.1',
      port: clamd.port,
      timeoutMs: 2_000,
      maxBytes: 4 * 1024 * 1024,
    });
    await expect(tooMuch.scan(chunks(Buffer.alloc(3 * 1024 * 1024)))).rejects.toMatchObject({
      code: 'virus_scan_unavailable',
      status: 503,
    });
  });

  it('fails closed on an ERROR answer', async () => {
    clamd.mode = 'error';
    try {
      await expect(scanner.scan(chunks('x'))).rejects.toMatchObject({ code: 'virus_scan_unavailable' });
    } finally {
      clamd.mode = 'scan';
    }
  });
});

describe('ClamdScanner when clamd is not usable', () => {
  it.each([
    ['nothing listens', async () => ({ port: await freePort(), close: async () => {} })],
    [
      'clamd closes without answering',
      async () => {
        const fake = await FakeClamd.start({ mode: 'close' });
        return { port: fake.port, close: () => fake.close() };
      },
    ],
    [
      'clamd never answers (timeout)',
      async () => {
        const fake = await FakeClamd.start({ mode: 'hang' });
        return { port: fake.port, close: () => fake.close() };
      },
    ],
  ])('%s → virus_scan_unavailable', async (_case, start) => {
    const target = await start();
    try {
      const scanner = new ClamdScanner({
        host: '127.0.0.1',
        port: target.port,
        timeoutMs: 300,
        maxBytes: 1024,
      });
      await expect(scanner.scan(chunks('content'))).rejects.toMatchObject({
        code: 'virus_scan_unavailable',
        status: 503,
        details: { dependency: 'virus_scanner' },
      });
      await expect(scanner.ping()).rejects.toMatchObject({ code: 'virus_scan_unavailable' });
    } finally {
      await target.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

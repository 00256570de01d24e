import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStorage } from './object-storage.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A stream of `size` pseudo-random bytes in 64 KiB chunks, with no length announced. */
function generated(size: number, seed: number): { stream: Readable; sha256: string } {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  for (let at = 0; at < size; at += 65_536) {
    const chunk = Buffer.alloc(Math.min(65_536, size - at), (at / 65_536 + seed) % 251);
    hash.update(chunk);
    chunks.push(chunk);
  }
  return { stream: Readable.from(chunks), sha256: hash.digest('hex') };
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The behaviour every ObjectStorage adapter must have. Run by local-object-storage.test.ts (a temporary
 * folder) and s3-object-storage.test.ts (s3rver, a local S3). Each test uses its own keys.
 * `largeBytes` is the size of the "large upload of unknown length" case: the S3 test sets its multipart
 * threshold below it so that path is exercised. Concurrent writes of one key leave one whole version on
 * S3, MinIO, COS and OSS, but s3rver (the test stand-in) writes objects in place: `atomicConcurrentPuts:
 * false` checks instead that concurrent writes of identical content leave it whole — all Nexus needs, as it
 * writes one key concurrently only with the same content (the same upload twice).
 */
export function describeObjectStorageContract(
  name: string,
  open: () => Promise<{ storage: ObjectStorage; cleanup: () => Promise<void> }>,
  options: { largeBytes: number; atomicConcurrentPuts?: boolean },
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let storage: ObjectStorage;
    let cleanup: () => Promise<void>;
    let scratch: string;
    let n = 0;
    const key = (label: string) => `contract/${label}-${Date.now().toString(36)}-${n++}`;

    beforeAll(async () => {
      ({ storage, cleanup } = await open());
      scratch = await mkdtemp(path.join(tmpdir(), 'nexus-storage-contract-'));
    });
    afterAll(async () => {
      await storage?.close();
      await cleanup?.();
      await rm(scratch, { recursive: true, force: true });
    });

    it('stores a stream and reads it back whole', async () => {
      const k = key('stream');
      const bytes = randomBytes(100_000);
      const put = await storage.put(k, Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]), {
        size: bytes.length,
      });
      expect(put.size).toBe(bytes.length);
      const object = await storage.get(k);
      expect(object?.size).toBe(bytes.length);
      expect(object?.range).toBeUndefined();
      expect(sha(await readAll(object!.body))).toBe(sha(bytes));
    });

    it('stores bytes given as a Uint8Array', async () => {
      const k = key('bytes');
      expect((await storage.put(k, new TextEncoder().encode('héllo'))).size).toBe(6);
      expect((await readAll((await storage.get(k))!.body)).toString('utf8')).toBe('héllo');
    });

    it('stores a large stream of unknown length without losing a byte', async () => {
      const k = key('large');
      const { stream, sha256 } = generated(options.largeBytes, 7);
      expect((await storage.put(k, stream)).size).toBe(options.largeBytes);
      expect(await storage.head(k)).toEqual({ key: k, size: options.largeBytes });
      const hash = createHash('sha256');
      for await (const chunk of (await storage.get(k))!.body) hash.update(chunk);
      expect(hash.digest('hex')).toBe(sha256);
    });

    it('stores a local file (putFile), small and large', async () => {
      for (const size of [1_000, options.largeBytes]) {
        const k = key('file');
        const file = path.join(scratch, `upload-${n}`);
        const bytes = Buffer.alloc(size, 3);
        bytes.write('start', 0);
        await writeFile(file, bytes);
        expect((await storage.putFile(k, file)).size).toBe(size);
        await rm(file, { force: true });
        expect((await storage.head(k))?.size).toBe(size);
        expect(sha(await readAll((await storage.get(k))!.body))).toBe(sha(bytes));
      }
    });

    it('reads byte ranges, clamped to the object', async () => {
      const k = key('range');
      await storage.put(k, Buffer.from('0123456789'));
      const middle = await storage.get(k, { range: { start: 2, end: 4 } });
      expect(middle?.size).toBe(10);
      expect(middle?.range).toEqual({ start: 2, end: 4 });
      expect((await readAll(middle!.body)).toString()).toBe('234');
      const tail = await storage.get(k, { range: { start: 7 } });
      expect(tail?.range).toEqual({ start: 7, end: 9 });
      expect((await readAll(tail!.body)).toString()).toBe('789');
      const past = await storage.get(k, { range: { start: 8, end: 100 } });
      expect(past?.range).toEqual({ start: 8, end: 9 });
      expect((await readAll(past!.body)).toString()).toBe('89');
      await expect(storage.get(k, { range: { start: 10 } })).rejects.toThrow(RangeError);
    });

    it('answers null for a missing object, and deleting one is not an error', async () => {
      const k = key('missing');
      expect(await storage.get(k)).toBeNull();
      expect(await storage.head(k)).toBeNull();
      await storage.delete(k);
    });

    it('deletes', async () => {
      const k = key('delete');
      await storage.put(k, Buffer.from('bye'));
      await storage.delete(k);
      expect(await storage.head(k)).toBeNull();
      expect(await storage.get(k)).toBeNull();
    });

    it('replaces an object on a second put', async () => {
      const k = key('replace');
      await storage.put(k, Buffer.from('first version'));
      await storage.put(k, Buffer.from('second'));
      expect((await readAll((await storage.get(k))!.body)).toString()).toBe('second');
    });

    if (options.atomicConcurrentPuts === false) {
      // What Nexus relies on (it writes one key concurrently only with the same content): that holds even
      // where the server writes objects in place.
      it('leaves the content after concurrent puts of the same content', async () => {
        const k = key('concurrent-same');
        const content = 'd'.repeat(70_000);
        await Promise.all([1, 2, 3].map(() => storage.put(k, Readable.from([Buffer.from(content)]))));
        expect((await readAll((await storage.get(k))!.body)).toString()).toBe(content);
      });
    } else {
      it('leaves one whole object after concurrent puts', async () => {
        const k = key('concurrent');
        const versions = ['a'.repeat(50_000), 'b'.repeat(60_000), 'c'.repeat(70_000)];
        await Promise.all(versions.map((v) => storage.put(k, Readable.from([Buffer.from(v)]))));
        const final = (await readAll((await storage.get(k))!.body)).toString();
        expect(versions).toContain(final);
      });
    }

    it('keeps no object when the source stream fails, and the previous one stays', async () => {
      const k = key('failing');
      await storage.put(k, Buffer.from('kept'));
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(10_000, 1));
          this.destroy(new Error('client went away'));
        },
      });
      await expect(storage.put(k, failing)).rejects.toThrow();
      expect((await readAll((await storage.get(k))!.body)).toString()).toBe('kept');
      const fresh = key('failing-fresh');
      const failingAgain = new Readable({
        read() {
          this.destroy(new Error('client went away'));
        },
      });
      await expect(storage.put(fresh, failingAgain)).rejects.toThrow();
      expect(await storage.head(fresh)).toBeNull();
    });

    it.each([
      '',
      '/abs',
      'a//b',
      '../escape',
      'a/../../b',
      'a/./b',
      '.tmp/x',
      'a/.hidden',
      'sp ace',
      'a\\b',
      'x'.repeat(1025),
    ])('refuses the key %j', async (bad) => {
      await expect(storage.put(bad, Buffer.from('x'))).rejects.toThrow(RangeError);
      await expect(storage.get(bad)).rejects.toThrow(RangeError);
      await expect(storage.delete(bad)).rejects.toThrow(RangeError);
    });

    it('hands out a link that serves the object with the given headers, or null when it cannot', async () => {
      const k = key('presign');
      await storage.put(k, Buffer.from('linked content'));
      const url = await storage.presignGet(k, {
        expiresInSeconds: 60,
        contentType: 'text/plain',
        contentDisposition: 'attachment; filename="linked.txt"',
      });
      if (storage.kind === 'local') {
        expect(url).toBeNull();
        return;
      }
      expect(url).toMatch(/^https?:\/\//);
      const response = await fetch(url!);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="linked.txt"');
      expect(await response.text()).toBe('linked content');
    });
  });
}

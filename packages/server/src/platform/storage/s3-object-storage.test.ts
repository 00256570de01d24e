import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startS3rver } from '../../../test/support/s3rver.js';
import { describeObjectStorageContract } from './object-storage.contract.js';
import { S3ObjectStorage } from './s3-object-storage.js';

const MiB = 1024 * 1024;

describeObjectStorageContract(
  'S3 (s3rver)',
  async () => {
    const s3 = await startS3rver();
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'nexus-s3-spool-'));
    // A low multipart threshold (parts at S3's 5 MiB minimum) so the large cases go up in parts.
    const storage = new S3ObjectStorage({
      ...s3.settings,
      spoolDir,
      multipartThresholdBytes: 5 * MiB,
      partSizeBytes: 5 * MiB,
    });
    return {
      storage,
      cleanup: async () => {
        await s3.close();
        await rm(spoolDir, { recursive: true, force: true });
      },
    };
  },
  { largeBytes: 11 * MiB + 123, atomicConcurrentPuts: false },
);

describe('S3ObjectStorage', () => {
  it('answers 503 service_unavailable (dependency storage) when the endpoint cannot be reached', async () => {
    const storage = new S3ObjectStorage({
      bucket: 'nexus',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      forcePathStyle: true,
      connectTimeoutMs: 1_000,
    });
    try {
      for (const call of [
        () => storage.head('k'),
        () => storage.get('k'),
        () => storage.put('k', Buffer.from('x')),
        () => storage.delete('k'),
      ]) {
        await expect(call()).rejects.toMatchObject({
          code: 'service_unavailable',
          status: 503,
          details: { dependency: 'storage' },
        });
      }
    } finally {
      await storage.close();
    }
  });

  it('presigns links for a public endpoint when one is configured', async () => {
    const storage = new S3ObjectStorage({
      bucket: 'nexus',
      endpoint: 'http://minio.internal:9000',
      publicEndpoint: 'https://files.example.com',
      region: 'us-east-1',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      forcePathStyle: true,
    });
    const url = new URL(await storage.presignGet('ten_1/ab/abc', { expiresInSeconds: 300 }));
    expect(url.origin).toBe('https://files.example.com');
    expect(url.pathname).toBe('/nexus/ten_1/ab/abc');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    await storage.close();
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3StorageSettings } from '../../src/platform/storage/s3-object-storage.js';

/** A running s3rver (a local S3) with one bucket, and the settings that reach it. */
export interface LocalS3 {
  url: string;
  bucket: string;
  /** Settings for S3ObjectStorage. */
  settings: S3StorageSettings;
  /** The S3_* environment for a Nexus app. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts s3rver on a random port over a temporary folder; `close` stops it and removes the folder.
 * s3rver accepts its default credentials (`S3RVER`/`S3RVER`); it does not verify presigned links'
 * signatures or expiry, so those are tested against the HMAC links of the local folder instead.
 * @example const s3 = await startS3rver(); ... await s3.close();
 */
export async function startS3rver(bucket = 'nexus'): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'nexus-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const address = (await server.run()) as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    bucket,
    settings: {
      bucket,
      endpoint: url,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    },
    env: {
      S3_ENDPOINT: url,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

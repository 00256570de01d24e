import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ServiceUnavailableError } from '../../errors.js';
import {
  assertObjectKey,
  type ByteRange,
  type ObjectHead,
  type ObjectStorage,
  type PresignOptions,
  type PutOptions,
  type StoredObject,
} from './object-storage.js';

export interface S3StorageSettings {
  bucket: string;
  /** Unset: AWS's endpoint for the region. MinIO, Tencent COS, Aliyun OSS: their S3 endpoint. */
  endpoint?: string;
  /** The endpoint written into presigned links, when clients reach storage by another address. */
  publicEndpoint?: string;
  region: string;
  /** Unset: the SDK's default credential chain (environment, shared files, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `bucket` in the path (MinIO, s3rver) rather than in the host name (AWS, COS, OSS). */
  forcePathStyle: boolean;
  /** Where bodies of unknown length wait before upload (default: the OS temp folder). */
  spoolDir?: string;
  /** Objects larger than this go up as a multipart upload (default 64 MiB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 64 MiB; S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  connectTimeoutMs?: number;
}

const MiB = 1024 * 1024;
/** S3 allows at most 10,000 parts; larger objects get proportionally larger parts. */
const MAX_PARTS = 10_000;

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Tencent COS, Aliyun OSS).
 *
 * Uploads need a known length: PutObject with a streamed body must send Content-Length, and without
 * `@aws-sdk/lib-storage` (not a dependency) there is no managed upload of a stream of unknown size. So a
 * body of unknown length is first spooled to a temporary file; files go up with PutObject up to
 * `multipartThresholdBytes`, above it as a multipart upload whose parts are read from the file by range
 * (never buffered whole). Checksums are only sent when an operation requires them, because MinIO, COS,
 * OSS and s3rver do not all understand the SDK's newer default (`aws-chunked` trailing checksums).
 *
 * Network failures and 5xx answers become `503 service_unavailable` with `details.dependency: "storage"`.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly presigner: S3Client;
  private readonly bucket: string;
  private readonly spoolDir: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(settings: S3StorageSettings) {
    this.bucket = settings.bucket;
    this.spoolDir = settings.spoolDir ?? tmpdir();
    this.multipartThreshold = settings.multipartThresholdBytes ?? 64 * MiB;
    this.partSize = settings.partSizeBytes ?? 64 * MiB;
    const config = (endpoint: string | undefined): S3ClientConfig => ({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(endpoint ? { endpoint } : {}),
      ...(settings.accessKeyId && settings.secretAccessKey
        ? {
            credentials: {
              accessKeyId: settings.accessKeyId,
              secretAccessKey: settings.secretAccessKey,
            },
          }
        : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: settings.connectTimeoutMs ?? 5_000, requestTimeout: 120_000 },
    });
    this.client = new S3Client(config(settings.endpoint));
    this.presigner = settings.publicEndpoint ? new S3Client(config(settings.publicEndpoint)) : this.client;
  }

  async put(key: string, body: Readable | Uint8Array, options: PutOptions = {}): Promise<{ size: number }> {
    assertObjectKey(key);
    if (!(body instanceof Readable)) {
      await this.call((c) =>
        c.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: body.byteLength,
            ...(options.contentType ? { ContentType: options.contentType } : {}),
          }),
        ),
      );
      return { size: body.byteLength };
    }
    if (options.size !== undefined && options.size <= this.multipartThreshold) {
      await this.call((c) =>
        c.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: options.size,
            ...(options.contentType ? { ContentType: options.contentType } : {}),
          }),
        ),
      );
      return { size: options.size };
    }
    await mkdir(this.spoolDir, { recursive: true });
    const spool = path.join(this.spoolDir, `s3-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`);
    try {
      await pipeline(body, createWriteStream(spool, { flags: 'wx' }));
      return await this.putFile(key, spool, options);
    } finally {
      await rm(spool, { force: true });
    }
  }

  async putFile(
    key: string,
    file: string,
    options: Omit<PutOptions, 'size'> = {},
  ): Promise<{ size: number }> {
    assertObjectKey(key);
    const size = (await stat(file)).size;
    const contentType = options.contentType ? { ContentType: options.contentType } : {};
    if (size <= this.multipartThreshold) {
      await this.call((c) =>
        c.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: createReadStream(file),
            ContentLength: size,
            ...contentType,
          }),
        ),
      );
      return { size };
    }
    const partSize = Math.max(this.partSize, Math.ceil(size / MAX_PARTS));
    const { UploadId } = await this.call((c) =>
      c.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ...contentType })),
    );
    try {
      const parts: { ETag: string | undefined; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(start + partSize, size) - 1;
        const { ETag } = await this.call((c) =>
          c.send(
            new UploadPartCommand({
              Bucket: this.bucket,
              Key: key,
              UploadId,
              PartNumber: n,
              Body: createReadStream(file, { start, end }),
              ContentLength: end - start + 1,
            }),
          ),
        );
        parts.push({ ETag, PartNumber: n });
      }
      await this.call((c) =>
        c.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
      return { size };
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<StoredObject | null> {
    assertObjectKey(key);
    const range = options.range;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      );
      const body = out.Body as Readable;
      if (!range) return { key, size: out.ContentLength ?? 0, body };
      // Content-Range: bytes start-end/size
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
      if (!match) {
        // A server that ignored the range sent the whole object.
        const size = out.ContentLength ?? 0;
        return { key, size, body, range: { start: 0, end: size - 1 } };
      }
      return {
        key,
        size: Number(match[3]),
        body,
        range: { start: Number(match[1]), end: Number(match[2]) },
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      if (statusOf(error) === 416) throw new RangeError('Range not satisfiable');
      throw storageError(error);
    }
  }

  async head(key: string): Promise<ObjectHead | null> {
    assertObjectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storageError(error);
    }
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    await this.call((c) => c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async presignGet(key: string, options: PresignOptions): Promise<string> {
    assertObjectKey(key);
    return getSignedUrl(
      this.presigner,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
        ...(options.contentDisposition ? { ResponseContentDisposition: options.contentDisposition } : {}),
      }),
      { expiresIn: options.expiresInSeconds },
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }

  /** Runs one S3 call, turning an unreachable or failing storage into a 503. */
  private async call<T>(work: (client: S3Client) => Promise<T>): Promise<T> {
    try {
      return await work(this.client);
    } catch (error) {
      throw storageError(error);
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function isNetworkError(error: unknown): boolean {
  const e = error as { code?: string; name?: string; errors?: unknown[] };
  if (e?.name === 'TimeoutError' || (e?.code !== undefined && NETWORK_CODES.has(e.code))) return true;
  // AggregateError from connecting to several addresses (IPv4 and IPv6).
  return Array.isArray(e?.errors) && e.errors.some(isNetworkError);
}

/**
 * Unreachable storage and its 5xx answers are a 503; anything else (access denied, no such bucket, a bug)
 * stays what it is and becomes a logged 500.
 */
function storageError(error: unknown): unknown {
  const status = statusOf(error);
  if ((status !== undefined && status >= 500) || (status === undefined && isNetworkError(error)))
    return new ServiceUnavailableError('File storage is unavailable; try again shortly', {
      cause: error,
      details: { dependency: 'storage' },
    });
  return error;
}

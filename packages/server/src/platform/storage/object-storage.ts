import type { Readable } from 'node:stream';

/** An inclusive byte range of an object, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  /** Inclusive; absent means "to the end". */
  end?: number;
}

/** What storage knows about an object. */
export interface ObjectHead {
  key: string;
  /** Size of the whole object in bytes. */
  size: number;
}

/** An object being read: the bytes asked for, and the whole object's size. */
export interface StoredObject extends ObjectHead {
  body: Readable;
  /** The range served, clamped to the object; absent when the whole object is served. */
  range?: { start: number; end: number };
}

export interface PutOptions {
  /** The body's length when known in advance (lets S3 stream it without spooling). */
  size?: number;
  contentType?: string;
}

export interface PresignOptions {
  /** How long the link works, in seconds (S3 caps this at 7 days). */
  expiresInSeconds: number;
  /** Sent back as the response's Content-Type. */
  contentType?: string;
  /** Sent back as the response's Content-Disposition. */
  contentDisposition?: string;
}

/**
 * Where file bytes live: a local folder (embedded default) or an S3-compatible bucket. Keys are
 * slash-separated paths of safe segments (see {@link assertObjectKey}); writing a key replaces its object
 * atomically (a reader sees the old object or the new one, never half of one). Every method is safe to
 * call concurrently, also from several instances.
 *
 * @example
 * await storage.put('ten_1/ab/abcd…', Readable.from(chunks), { size });
 * const object = await storage.get('ten_1/ab/abcd…', { range: { start: 0, end: 99 } });
 */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  /** Stores a stream or bytes under `key` (replacing any object there). Resolves to the stored size. */
  put(key: string, body: Readable | Uint8Array, options?: PutOptions): Promise<{ size: number }>;
  /**
   * Stores the local file at `path` under `key`. The adapter may move the file instead of copying it, so
   * the caller must not rely on `path` afterwards (and should remove it if it is still there).
   */
  putFile(key: string, path: string, options?: Omit<PutOptions, 'size'>): Promise<{ size: number }>;
  /** The object (or `range` of it), or null when there is none. */
  get(key: string, options?: { range?: ByteRange }): Promise<StoredObject | null>;
  /** The object's size, or null when there is none. */
  head(key: string): Promise<ObjectHead | null>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL that serves the object to anyone holding it until it expires, or null when this storage cannot
   * serve objects itself (the local folder: Nexus then signs a link to its own download route).
   */
  presignGet(key: string, options: PresignOptions): Promise<string | null>;
  close(): Promise<void>;
}

/** A key segment: letters, digits, `.`, `_`, `-`; not `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Throws unless `key` is a storage key both adapters accept: 1–1024 characters of slash-separated safe
 * segments, with no empty, `.` or `..` segment (so a key can never leave the local folder).
 */
export function assertObjectKey(key: string): void {
  const segments = key.split('/');
  const ok =
    key.length > 0 &&
    key.length <= 1024 &&
    segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..' && !s.startsWith('.'));
  if (!ok) throw new RangeError(`Invalid object key: ${JSON.stringify(key)}`);
}

/** A range as HTTP asks for it: from a position (to an end or the end), or the last `suffix` bytes. */
export type RangeRequest = ByteRange | { suffix: number };

/**
 * The bytes a range request means in an object of `size` bytes, or null when it cannot be satisfied.
 * @example resolveRange({ suffix: 3 }, 10) // { start: 7, end: 9 }
 */
export function resolveRange(request: RangeRequest, size: number): { start: number; end: number } | null {
  if ('suffix' in request) {
    if (request.suffix <= 0 || size === 0) return null;
    return { start: Math.max(0, size - request.suffix), end: size - 1 };
  }
  return clampRange(request, size);
}

/**
 * A range clamped to an object of `size` bytes, or null when it cannot be satisfied (starts past the end).
 * @example clampRange({ start: 5 }, 10) // { start: 5, end: 9 }
 */
export function clampRange(range: ByteRange, size: number): { start: number; end: number } | null {
  if (range.start < 0 || range.start >= size) return null;
  const end = Math.min(range.end ?? size - 1, size - 1);
  if (end < range.start) return null;
  return { start: range.start, end };
}

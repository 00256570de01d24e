import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, FileTooLargeError, isAppError } from '../../errors.js';
import { TextProbe, type TextProfile } from './file-formats.js';

/** An upload written to a temporary file, with what was learned while writing it. */
export interface SpooledUpload {
  path: string;
  size: number;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
  /** Present when the text check was asked for. */
  text?: TextProfile;
  /** Removes the temporary file (safe to call more than once, and after the file was moved away). */
  discard(): Promise<void>;
}

export interface SpoolOptions {
  /** Folder for temporary files (created if missing). */
  dir: string;
  /** More bytes than this: the upload stops at once with 413 `file_too_large` and nothing is kept. */
  maxBytes: number;
  /** Follow the bytes with a {@link TextProbe} (for text formats). */
  inspectText: boolean;
}

/**
 * Streams `source` to a temporary file, hashing (SHA-256) and counting as it goes, so an upload of any
 * size needs only a stream's buffers in memory. Passing `maxBytes` destroys `source` (which stops reading
 * the request), removes the partial file and throws `file_too_large`; any other failure (the client
 * going away) also leaves no file behind.
 * @example const upload = await spoolUpload(part.file, { dir, maxBytes: 10_000_000, inspectText: false });
 */
export async function spoolUpload(source: Readable, options: SpoolOptions): Promise<SpooledUpload> {
  await mkdir(options.dir, { recursive: true });
  const file = path.join(options.dir, `upload-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`);
  const discard = () => rm(file, { force: true });
  const hash = createHash('sha256');
  const probe = options.inspectText ? new TextProbe() : undefined;
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      size += chunk.length;
      if (size > options.maxBytes) {
        done(
          new FileTooLargeError(`The file is larger than this tenant's limit of ${options.maxBytes} bytes`, {
            details: { limit_bytes: options.maxBytes },
          }),
        );
        return;
      }
      hash.update(chunk);
      probe?.update(chunk);
      done(null, chunk);
    },
  });
  // Errors of the source (the client went away, a malformed multipart body) are the request's fault, not
  // the server's: they become a 400 instead of a logged 500.
  let sourceError: unknown;
  const onSourceError = (error: unknown) => {
    sourceError ??= error;
  };
  source.once('error', onSourceError);
  try {
    await pipeline(source, meter, createWriteStream(file, { flags: 'wx' }));
  } catch (error) {
    source.destroy();
    await discard();
    if (error === sourceError && !isAppError(error))
      throw new BadRequestError('The upload was interrupted or its body is malformed', { cause: error });
    throw error;
  } finally {
    source.off('error', onSourceError);
  }
  return {
    path: file,
    size,
    sha256: hash.digest('hex'),
    ...(probe ? { text: probe.finish() } : {}),
    discard,
  };
}

/**
 * Removes spool files older than `olderThanMs` (left behind by a process that died mid-upload). Files of
 * uploads in progress, here or on another instance sharing the folder, are younger and stay.
 */
export async function sweepSpool(dir: string, olderThanMs: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  const cutoff = Date.now() - olderThanMs;
  for (const name of names) {
    if (!name.startsWith('upload-')) continue;
    const file = path.join(dir, name);
    try {
      if ((await stat(file)).mtimeMs < cutoff) {
        await rm(file, { force: true });
        removed++;
      }
    } catch {
      // Gone meanwhile (another instance swept it, or its upload finished).
    }
  }
  return removed;
}

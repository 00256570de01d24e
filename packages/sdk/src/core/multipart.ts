import { NexusValidationError } from '../errors.js';
import { isNode, randomUUID } from './runtime.js';

/**
 * A Node.js `Readable` (such as `fs.createReadStream(path)`), described structurally so that the SDK's
 * types do not need `@types/node`: anything async-iterable over byte chunks with a `pipe` method.
 */
export interface NodeReadableLike extends AsyncIterable<unknown> {
  pipe: (...args: never[]) => unknown;
  /** `fs.ReadStream` has the path it reads: its base name becomes the file name. */
  path?: unknown;
}

/**
 * What an upload can be made from:
 * - a **string**: a path on disk (Node only; read through `node:fs`, imported only when used);
 * - bytes: a `Uint8Array` (a Node `Buffer` is one) or an `ArrayBuffer`;
 * - a `Blob` or `File` (browsers, Node 20+);
 * - a stream: a Node `Readable` or a web `ReadableStream<Uint8Array>` — sent as it is read, never held in
 *   memory, and therefore never retried (a stream cannot be sent twice).
 */
export type Uploadable =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | NodeReadableLike
  | ReadableStream<Uint8Array>;

/** An upload resolved to its name and its bytes (a Blob, replayable) or a one-shot stream. */
export interface UploadPart {
  filename: string;
  content: Blob | ReadableStream<Uint8Array>;
}

/** A request body for multipart uploads: replayable (FormData) or a one-shot stream with its content type. */
export type MultipartBody =
  | { kind: 'form'; form: FormData }
  | { kind: 'stream'; stream: ReadableStream<Uint8Array>; contentType: string };

interface NodeFs {
  openAsBlob?: (path: string) => Promise<Blob>;
  promises: {
    readFile(path: string): Promise<Uint8Array>;
    stat(path: string): Promise<{ isFile(): boolean }>;
  };
}

// A variable specifier: bundlers for browsers do not try to resolve node:fs, and it is loaded only for paths.
const NODE_FS = 'node:fs';

/** The last path segment of a path (either slash), without needing node:path. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream | null)?.getReader === 'function';
}

function isNodeReadable(value: unknown): value is NodeReadableLike {
  const v = value as NodeReadableLike | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.pipe === 'function' &&
    typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The file name an upload has by itself: a path's base name, a `File`'s name, an `fs.ReadStream`'s path;
 * undefined for bytes, plain Blobs and other streams (they need `filename`).
 * @example inferFilename('/tmp/report.pdf') // 'report.pdf'
 */
export function inferFilename(file: Uploadable): string | undefined {
  if (typeof file === 'string') return baseName(file);
  if (typeof File !== 'undefined' && file instanceof File && file.name) return file.name;
  const named = file as { name?: unknown; path?: unknown };
  if (typeof named.name === 'string' && named.name && typeof Blob !== 'undefined' && file instanceof Blob)
    return named.name;
  if (isNodeReadable(file) && typeof named.path === 'string') return baseName(named.path);
  return undefined;
}

/**
 * Turns an {@link Uploadable} into its part: paths become file-backed Blobs (`fs.openAsBlob`: streamed,
 * not read into memory, and replayable), bytes become Blobs, streams stay streams.
 * @example const part = await toUploadPart('/tmp/report.pdf'); // { filename: 'report.pdf', content: Blob }
 */
export async function toUploadPart(file: Uploadable, filename?: string): Promise<UploadPart> {
  const name = filename ?? inferFilename(file);
  if (!name)
    throw new NexusValidationError(
      'validation_failed',
      'Give the file a name (the filename option): Nexus checks its extension against the purpose',
    );
  if (typeof file === 'string') return { filename: name, content: await blobFromPath(file) };
  if (file instanceof Uint8Array || file instanceof ArrayBuffer)
    return { filename: name, content: new Blob([file as Uint8Array<ArrayBuffer>]) };
  if (typeof Blob !== 'undefined' && file instanceof Blob) return { filename: name, content: file };
  if (isReadableStream(file)) return { filename: name, content: file };
  if (isNodeReadable(file)) return { filename: name, content: streamFromIterable(file) };
  throw new NexusValidationError(
    'validation_failed',
    'Unsupported file input: give a path, a Uint8Array/Buffer, an ArrayBuffer, a Blob/File, a Node Readable or a ReadableStream',
  );
}

async function blobFromPath(path: string): Promise<Blob> {
  if (!isNode())
    throw new NexusValidationError(
      'validation_failed',
      'A file path can only be uploaded in Node.js; in a browser pass a File, a Blob or bytes',
    );
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_FS)) as NodeFs;
  const stat = await fs.promises.stat(path).catch((error: unknown) => {
    throw new NexusValidationError('validation_failed', `Cannot read ${path}: ${(error as Error).message}`);
  });
  if (!stat.isFile()) throw new NexusValidationError('validation_failed', `${path} is not a file`);
  if (typeof fs.openAsBlob === 'function') return fs.openAsBlob(path);
  return new Blob([(await fs.promises.readFile(path)) as Uint8Array<ArrayBuffer>]);
}

const encoder = new TextEncoder();

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new NexusValidationError('validation_failed', 'A file stream must yield bytes or strings');
}

/** A web ReadableStream over an async iterable of byte chunks (a Node Readable). */
function streamFromIterable(source: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(toBytes(value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** WHATWG's escaping of a name in a multipart header: `"` and line breaks percent-encoded, UTF-8 as is. */
function escapeName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * The multipart body for `fields` (sent first, in order) and `files` (each under `fileField`). All-Blob
 * parts give a replayable `FormData`; any stream gives a one-shot streamed body built here, parts in order.
 * @example const body = multipartBody({ purpose: 'document' }, 'file', [await toUploadPart('a.pdf')]);
 */
export function multipartBody(
  fields: Record<string, string>,
  fileField: string,
  files: readonly UploadPart[],
): MultipartBody {
  if (files.every((f) => typeof Blob !== 'undefined' && f.content instanceof Blob)) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const f of files) form.append(fileField, f.content as Blob, f.filename);
    return { kind: 'form', form };
  }
  const boundary = `----nexus-sdk-${randomUUID().replace(/-/g, '')}`;
  const chunks: (Uint8Array | (() => ReadableStream<Uint8Array>))[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  for (const f of files) {
    const type = (f.content instanceof Blob && f.content.type) || 'application/octet-stream';
    chunks.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(fileField)}"; filename="${escapeName(f.filename)}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
    );
    const content = f.content;
    chunks.push(() => (content instanceof Blob ? content.stream() : content));
    chunks.push(encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));

  let index = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (true) {
        if (current) {
          const { done, value } = await current.read();
          if (!done) {
            controller.enqueue(toBytes(value));
            return;
          }
          current = undefined;
        }
        const next = chunks[index++];
        if (next === undefined) {
          controller.close();
          return;
        }
        if (next instanceof Uint8Array) {
          controller.enqueue(next);
          return;
        }
        current = next().getReader();
      }
    },
    async cancel(reason) {
      await current?.cancel(reason);
    },
  });
  return { kind: 'stream', stream, contentType: `multipart/form-data; boundary=${boundary}` };
}

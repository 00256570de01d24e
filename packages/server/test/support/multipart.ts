import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** One part of a multipart/form-data body: a text field, or a file. */
export type Part =
  | { name: string; value: string }
  | { name: string; filename: string; content: Buffer | string; contentType?: string };

function header(part: Part, boundary: string): Buffer {
  const lines = [`--${boundary}`];
  if ('value' in part) {
    lines.push(`Content-Disposition: form-data; name="${part.name}"`, '', '');
  } else {
    lines.push(
      `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"`,
      `Content-Type: ${part.contentType ?? 'application/octet-stream'}`,
      '',
      '',
    );
  }
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/**
 * A multipart/form-data body with its Content-Type header, in the order given (Nexus wants `purpose`
 * before `file`).
 * @example const { payload, headers } = multipart([{ name: 'purpose', value: 'document' }, { name: 'file', filename: 'a.txt', content: 'hi' }]);
 */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----nexus${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(header(part, boundary));
    chunks.push('value' in part ? Buffer.from(part.value) : Buffer.from(part.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** The usual upload: `purpose` then `file`. */
export function upload(purpose: string, filename: string, content: Buffer | string) {
  return multipart([
    { name: 'purpose', value: purpose },
    { name: 'file', filename, content },
  ]);
}

/**
 * A multipart upload whose file content is generated on the fly and never held whole: `purpose`, then a
 * file made of `chunks`. To know the content's SHA-256, hash the chunks as the generator makes them.
 */
export function streamingUpload(
  purpose: string,
  filename: string,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): { body: Readable; headers: Record<string, string> } {
  const boundary = `----nexus${randomBytes(8).toString('hex')}`;
  async function* generate() {
    yield header({ name: 'purpose', value: purpose }, boundary);
    yield Buffer.from(purpose);
    yield Buffer.from('\r\n');
    yield header({ name: 'file', filename, content: '', contentType: 'text/plain' }, boundary);
    for await (const chunk of chunks) yield chunk;
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return {
    body: Readable.from(generate()),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

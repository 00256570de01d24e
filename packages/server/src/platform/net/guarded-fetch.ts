import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { SsrfBlockedError, type SsrfPolicy } from './ssrf-guard.js';

/** Why a guarded fetch failed; stable strings (knowledge-base documents report them as their failure code). */
export type FetchFailure =
  | 'url_blocked'
  | 'url_timeout'
  | 'url_too_large'
  | 'url_too_many_redirects'
  | 'url_http_error'
  | 'url_fetch_failed';

export class GuardedFetchError extends Error {
  constructor(
    readonly code: FetchFailure,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GuardedFetchError';
  }
}

export interface GuardedFetchOptions {
  policy: SsrfPolicy;
  /** The largest body accepted, after decompression. */
  maxBytes: number;
  /** Deadline for the whole fetch, redirects included. */
  timeoutMs: number;
  /** Default 5. */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Sent as `Accept`. */
  accept?: string;
  userAgent?: string;
}

export interface GuardedFetchResult {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  /** The `Content-Type` without parameters, lower case; null when absent. */
  mediaType: string | null;
  /** A file name from `Content-Disposition`, else the last path segment of the final URL. */
  filename: string | null;
  bytes: Uint8Array;
  redirects: string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET `url` through the SSRF guard: every hop (redirects are followed by hand, at most `maxRedirects`) is
 * checked by the policy and connected to the address the policy checked; the body is limited to
 * `maxBytes` (declared length and actual bytes, after gzip/deflate/brotli decoding) and the whole fetch to
 * `timeoutMs`. Throws {@link GuardedFetchError} with a stable code.
 * @example const page = await guardedFetch('https://example.com/doc.html', { policy, maxBytes: 1e7, timeoutMs: 15_000 });
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<GuardedFetchResult> {
  const maxRedirects = options.maxRedirects ?? 5;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const redirects: string[] = [];
  let current = url;
  try {
    for (;;) {
      const target = checked(options.policy, current);
      const response = await request(target, options, signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.resume();
        const location = response.headers.location;
        if (!location)
          throw new GuardedFetchError('url_http_error', `HTTP ${status} without a Location header`, {
            status,
          });
        if (redirects.length >= maxRedirects)
          throw new GuardedFetchError('url_too_many_redirects', `More than ${maxRedirects} redirects`, {
            max_redirects: maxRedirects,
          });
        current = new URL(location, target).toString();
        redirects.push(current);
        continue;
      }
      if (status < 200 || status > 299) {
        response.resume();
        throw new GuardedFetchError('url_http_error', `The server answered HTTP ${status}`, { status });
      }
      const bytes = await readBody(response, options.maxBytes, signal);
      return {
        url: target.toString(),
        status,
        mediaType: mediaTypeOf(response.headers['content-type']),
        filename: filenameOf(response.headers['content-disposition'], target),
        bytes,
        redirects,
      };
    }
  } catch (error) {
    throw asFetchError(error, signal, deadline, options);
  }
}

function checked(policy: SsrfPolicy, url: string): URL {
  try {
    return policy.checkUrl(url);
  } catch (error) {
    if (error instanceof SsrfBlockedError)
      throw new GuardedFetchError('url_blocked', error.message, { reason: error.reason, url });
    throw error;
  }
}

function request(
  target: URL,
  options: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'GET',
        // No pooled agent: every connection goes through the policy's lookup, and nothing is shared.
        agent: false,
        lookup: options.policy.lookup,
        signal,
        headers: {
          accept: options.accept ?? '*/*',
          'accept-encoding': 'gzip, deflate, br',
          'user-agent': options.userAgent ?? 'Nexus-Fetcher/1.0',
        },
      },
      resolve,
    );
    req.once('error', reject);
    req.end();
  });
}

async function readBody(
  response: http.IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  const encoding = String(response.headers['content-encoding'] ?? 'identity')
    .toLowerCase()
    .trim();
  if (encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new GuardedFetchError(
      'url_too_large',
      `The document is ${declared} bytes; the limit is ${maxBytes}`,
      {
        limit_bytes: maxBytes,
      },
    );
  }
  let body: Readable = response;
  if (encoding === 'gzip' || encoding === 'x-gzip') body = response.pipe(zlib.createGunzip());
  else if (encoding === 'deflate') body = response.pipe(zlib.createInflate());
  else if (encoding === 'br') body = response.pipe(zlib.createBrotliDecompress());
  else if (encoding !== 'identity') {
    response.destroy();
    throw new GuardedFetchError('url_fetch_failed', `Unsupported Content-Encoding "${encoding}"`, {
      encoding,
    });
  }
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      signal.throwIfAborted();
      total += (chunk as Buffer).length;
      if (total > maxBytes)
        throw new GuardedFetchError('url_too_large', `The document is larger than ${maxBytes} bytes`, {
          limit_bytes: maxBytes,
        });
      parts.push(chunk as Buffer);
    }
  } finally {
    if (body !== response) body.destroy();
    response.destroy();
  }
  const out = Buffer.concat(parts, total);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function asFetchError(
  error: unknown,
  signal: AbortSignal,
  deadline: AbortSignal,
  options: GuardedFetchOptions,
): Error {
  if (error instanceof GuardedFetchError) return error;
  if (error instanceof SsrfBlockedError)
    return new GuardedFetchError('url_blocked', error.message, {
      reason: error.reason,
      ...(error.address ? { address: error.address } : {}),
    });
  // The caller's own abort (shutdown) passes through as it is.
  if (options.signal?.aborted)
    return options.signal.reason instanceof Error ? options.signal.reason : (error as Error);
  if (deadline.aborted || signal.aborted)
    return new GuardedFetchError('url_timeout', `The fetch took longer than ${options.timeoutMs} ms`, {
      timeout_ms: options.timeoutMs,
    });
  const cause = error as NodeJS.ErrnoException;
  // The policy's lookup reports a refused address through the socket error.
  const blocked = findSsrfBlock(error);
  if (blocked)
    return new GuardedFetchError('url_blocked', blocked.message, {
      reason: blocked.reason,
      ...(blocked.address ? { address: blocked.address } : {}),
    });
  return new GuardedFetchError(
    'url_fetch_failed',
    `The fetch failed: ${cause.code ? `${cause.code} ` : ''}${cause.message ?? String(error)}`,
    cause.code ? { cause: cause.code } : {},
    { cause: error },
  );
}

/** The SSRF policy refuses an address through the socket's lookup error (possibly wrapped, or aggregated). */
export function findSsrfBlock(error: unknown): SsrfBlockedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof SsrfBlockedError) return current;
    if (current instanceof AggregateError) {
      const inner = current.errors.find((e) => e instanceof SsrfBlockedError);
      if (inner) return inner as SsrfBlockedError;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function mediaTypeOf(header: string | undefined): string | null {
  if (!header) return null;
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === '' ? null : type;
}

function filenameOf(disposition: string | undefined, url: URL): string | null {
  if (disposition) {
    const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
    if (star) {
      try {
        return decodeURIComponent(star[1]!.trim());
      } catch {
        // falls through to the plain parameter
      }
    }
    const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
    if (plain) return plain[1]!.trim();
  }
  const segment = url.pathname.split('/').filter(Boolean).pop();
  if (!segment) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

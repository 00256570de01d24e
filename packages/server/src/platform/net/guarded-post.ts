import http from 'node:http';
import https from 'node:https';
import { findSsrfBlock, GuardedFetchError } from './guarded-fetch.js';
import type { SsrfPolicy } from './ssrf-guard.js';

export interface GuardedPostOptions {
  policy: SsrfPolicy;
  body: string | Uint8Array;
  /** Request headers (`content-length` is set from the body). */
  headers: Record<string, string>;
  /** Deadline for the whole exchange: connecting, sending, the response head and the kept body. */
  timeoutMs: number;
  /** Response body bytes kept; the rest is not read (the connection is closed). */
  maxResponseBytes: number;
  signal?: AbortSignal;
}

export interface GuardedPostResult {
  /** Any status, 3xx included: redirects are never followed. */
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The first `maxResponseBytes` of the body, as received (no content decoding). */
  body: Uint8Array;
  /** Whether the body was longer than what was kept. */
  truncated: boolean;
}

/**
 * POSTs `body` to `url` through the SSRF guard, for URLs a tenant chose (webhooks): the URL is checked by
 * the policy and the connection made to the address the policy's lookup checked (so a DNS answer that
 * changes after the check cannot switch the target), redirects are not followed, and only the first
 * `maxResponseBytes` of the answer are read. Answers every status; throws {@link GuardedFetchError}
 * (`url_blocked`, `url_timeout`, `url_fetch_failed`) when there is no answer.
 * @example const answer = await guardedPost(url, { policy, body, headers, timeoutMs: 10_000, maxResponseBytes: 4096 });
 */
export async function guardedPost(url: string, options: GuardedPostOptions): Promise<GuardedPostResult> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  try {
    const target = options.policy.checkUrl(url);
    const response = await send(target, options, signal);
    const { body, truncated } = await readPrefix(response, options.maxResponseBytes);
    return { status: response.statusCode ?? 0, headers: response.headers, body, truncated };
  } catch (error) {
    throw postError(error, deadline, options);
  }
}

function send(target: URL, options: GuardedPostOptions, signal: AbortSignal): Promise<http.IncomingMessage> {
  const client = target.protocol === 'https:' ? https : http;
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        // No pooled agent: every connection goes through the policy's lookup, and nothing is shared.
        agent: false,
        lookup: options.policy.lookup,
        signal,
        headers: {
          'accept-encoding': 'identity',
          ...options.headers,
          'content-length': String(body.byteLength),
        },
      },
      resolve,
    );
    req.once('error', reject);
    req.end(body);
  });
}

async function readPrefix(
  response: http.IncomingMessage,
  maxBytes: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const parts: Buffer[] = [];
  let total = 0;
  let truncated = false;
  try {
    for await (const chunk of response) {
      const buffer = chunk as Buffer;
      const room = maxBytes - total;
      if (buffer.length > room) {
        parts.push(buffer.subarray(0, room));
        total += room;
        truncated = true;
        break;
      }
      parts.push(buffer);
      total += buffer.length;
    }
  } finally {
    response.destroy();
  }
  const out = Buffer.concat(parts, total);
  return { body: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), truncated };
}

function postError(error: unknown, deadline: AbortSignal, options: GuardedPostOptions): Error {
  if (error instanceof GuardedFetchError) return error;
  const blocked = findSsrfBlock(error);
  if (blocked)
    return new GuardedFetchError('url_blocked', blocked.message, {
      reason: blocked.reason,
      ...(blocked.address ? { address: blocked.address } : {}),
    });
  // The caller's own abort (shutdown) passes through as it is.
  if (options.signal?.aborted)
    return options.signal.reason instanceof Error ? options.signal.reason : (error as Error);
  if (deadline.aborted)
    return new GuardedFetchError('url_timeout', `No answer within ${options.timeoutMs} ms`, {
      timeout_ms: options.timeoutMs,
    });
  const cause = error as NodeJS.ErrnoException;
  return new GuardedFetchError(
    'url_fetch_failed',
    `The request failed: ${cause.code ? `${cause.code} ` : ''}${cause.message ?? String(error)}`,
    cause.code ? { cause: cause.code } : {},
    { cause: error },
  );
}

import { retryAfterSeconds } from '../errors.js';

/** The first back-off (before jitter); each retry doubles it. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** The longest exponential back-off. */
export const MAX_BACKOFF_MS = 8_000;
/** The longest wait the SDK accepts from a server's `Retry-After` (longer answers are capped to this). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retry number `retry` (1 for the first retry).
 *
 * The server's `Retry-After` (seconds or an HTTP date) wins when present, capped at
 * {@link MAX_RETRY_AFTER_MS}. Otherwise exponential back-off — 0.5 s, 1 s, 2 s, … up to
 * {@link MAX_BACKOFF_MS} — with up to 25 % jitter taken off, so that clients that failed together do not
 * retry together. `random` is injectable for tests.
 * @example retryDelayMs(1, undefined, () => 0) // 500
 * @example retryDelayMs(3, new Headers({ 'retry-after': '2' })) // 2000
 */
export function retryDelayMs(
  retry: number,
  headers: Headers | undefined,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const retryAfter = retryAfterSeconds(headers, now);
  if (retryAfter !== null) return Math.min(Math.round(retryAfter * 1000), MAX_RETRY_AFTER_MS);
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** Math.max(0, retry - 1), MAX_BACKOFF_MS);
  const jitter = 1 - 0.25 * random();
  return Math.round(base * jitter);
}

/**
 * When a failed webhook delivery is tried again. Each failed attempt waits longer — about 10 s, 30 s,
 * 2 min, 10 min, 30 min and 1 h (with the default 10 s base; ±20 % jitter so receivers that failed
 * together are not retried together), then every 2–3 h — until the retry window (24 h by default) after
 * the first attempt has passed: the last retry is made at the end of the window, and a failure after it
 * ends the delivery as `failed`. A `Retry-After` on 429 or 503 replaces the back-off, within the window.
 */

/** The back-off steps, in units of the base delay (10 s by default). */
const STEPS = [1, 3, 12, 60, 180, 360] as const;
/** After the steps: every 720–1080 base delays (2–3 h by default). */
const LATE_MIN = 720;
const LATE_SPREAD = 360;
const JITTER = 0.2;

/**
 * The wait after failed attempt number `attempt` (1-based), in milliseconds; `random` returns [0, 1).
 * @example retryDelayMs(1, 10_000, () => 0.5) // 10000
 * @example retryDelayMs(7, 10_000, () => 0) // 7200000 (2 h)
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const step = STEPS[Math.max(1, attempt) - 1];
  if (step !== undefined) return Math.round(step * baseMs * (1 - JITTER + 2 * JITTER * random()));
  return Math.round(baseMs * (LATE_MIN + LATE_SPREAD * random()));
}

/**
 * When to try again after failed attempt `attempt` (all times in epoch milliseconds), or null when the
 * window is over and the delivery fails. `retryAfterMs` (the receiver's `Retry-After`) replaces the
 * back-off; either is cut at the window's end, where one last attempt is made.
 */
export function nextAttemptAt(input: {
  attempt: number;
  now: number;
  firstAttemptAt: number;
  windowMs: number;
  baseMs: number;
  retryAfterMs?: number | null | undefined;
  random?: () => number;
}): number | null {
  const deadline = input.firstAttemptAt + input.windowMs;
  if (input.now >= deadline) return null;
  const delay = input.retryAfterMs ?? retryDelayMs(input.attempt, input.baseMs, input.random);
  return Math.min(input.now + delay, deadline);
}

/**
 * A `Retry-After` value in milliseconds from `now`: delay-seconds (`120`) or an HTTP date; null when
 * absent or unreadable. A date in the past is 0.
 * @example parseRetryAfter('120', Date.now()) // 120000
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

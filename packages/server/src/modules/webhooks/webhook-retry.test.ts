import { describe, expect, it } from 'vitest';
import { nextAttemptAt, parseRetryAfter, retryDelayMs } from './webhook-retry.js';

const BASE = 10_000;
const MIN = 60_000;
const HOUR = 3_600_000;

describe('webhook retry schedule', () => {
  it.each([
    [1, 10_000],
    [2, 30_000],
    [3, 2 * MIN],
    [4, 10 * MIN],
    [5, 30 * MIN],
    [6, HOUR],
  ])('after attempt %i waits %i ms (no jitter)', (attempt, ms) => {
    expect(retryDelayMs(attempt, BASE, () => 0.5)).toBe(ms);
  });

  it.each([
    [1, 8_000, 12_000],
    [4, 8 * MIN, 12 * MIN],
    [6, 48 * MIN, 72 * MIN],
  ])('jitter keeps attempt %i within ±20 %% (%i–%i ms)', (attempt, low, high) => {
    expect(retryDelayMs(attempt, BASE, () => 0)).toBe(low);
    expect(retryDelayMs(attempt, BASE, () => 0.999_999)).toBeCloseTo(high, -1);
  });

  it.each([7, 8, 12, 40])('after attempt %i waits 2–3 h', (attempt) => {
    expect(retryDelayMs(attempt, BASE, () => 0)).toBe(2 * HOUR);
    expect(retryDelayMs(attempt, BASE, () => 0.5)).toBe(2.5 * HOUR);
    expect(retryDelayMs(attempt, BASE, () => 0.999_999)).toBeLessThan(3 * HOUR);
  });

  it('grows with the attempt number up to the 2–3 h steady state', () => {
    const delays = Array.from({ length: 7 }, (_, i) => retryDelayMs(i + 1, BASE, () => 0.5));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
  });

  it('scales with the base delay (tests use milliseconds)', () => {
    expect(retryDelayMs(1, 5, () => 0.5)).toBe(5);
    expect(retryDelayMs(3, 5, () => 0.5)).toBe(60);
  });

  it('a day of failures is about fifteen attempts, the last at the end of the window', () => {
    const first = 0;
    const window = 24 * HOUR;
    const times = [first];
    for (let attempt = 1; ; attempt++) {
      const next = nextAttemptAt({
        attempt,
        now: times.at(-1)!,
        firstAttemptAt: first,
        windowMs: window,
        baseMs: BASE,
        random: () => 0.5,
      });
      if (next === null) break;
      times.push(next);
    }
    expect(times.slice(0, 7)).toEqual([0, 10_000, 40_000, 160_000, 760_000, 2_560_000, 6_160_000]);
    expect(times.at(-1)).toBe(window);
    expect(times.length).toBeGreaterThanOrEqual(14);
    expect(times.length).toBeLessThanOrEqual(17);
  });

  it('honours Retry-After instead of the back-off, within the window', () => {
    const base = { attempt: 1, now: 1_000, firstAttemptAt: 0, windowMs: HOUR, baseMs: BASE };
    expect(nextAttemptAt({ ...base, retryAfterMs: 0 })).toBe(1_000);
    expect(nextAttemptAt({ ...base, retryAfterMs: 120_000 })).toBe(121_000);
    // Past the window: one last attempt at its end.
    expect(nextAttemptAt({ ...base, retryAfterMs: 2 * HOUR })).toBe(HOUR);
    expect(nextAttemptAt({ ...base, retryAfterMs: null, random: () => 0.5 })).toBe(11_000);
  });

  it('gives up once the window has passed', () => {
    const base = { attempt: 9, firstAttemptAt: 0, windowMs: HOUR, baseMs: BASE };
    expect(nextAttemptAt({ ...base, now: HOUR })).toBeNull();
    expect(nextAttemptAt({ ...base, now: HOUR + 1 })).toBeNull();
    expect(nextAttemptAt({ ...base, now: HOUR - 1, random: () => 0 })).toBe(HOUR);
  });

  const NOW = Date.parse('2026-11-25T10:00:00Z');
  it.each([
    ['0', 0],
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Wed, 25 Nov 2026 10:01:00 GMT', 60_000],
    ['Wed, 25 Nov 2026 09:00:00 GMT', 0],
    [undefined, null],
    ['', null],
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    ['12345678901', null],
  ])('Retry-After %j → %j ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

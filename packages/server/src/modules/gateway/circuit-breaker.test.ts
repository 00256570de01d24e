import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../providers/llm/language-model.js';
import { CircuitBreaker, retryWait } from './router.js';

describe('the circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the cooldown, closes on success', () => {
    const breaker = new CircuitBreaker(2, 1000);
    const t0 = 1_000_000;
    breaker.onFailure(t0);
    expect(breaker.tryAcquire(t0)).toBe(true);
    breaker.onFailure(t0);
    expect(breaker.tryAcquire(t0 + 999)).toBe(false);
    expect(breaker.retryInMs(t0 + 400)).toBe(600);
    expect(breaker.tryAcquire(t0 + 1000)).toBe(true);
    // Only one trial at a time while half-open.
    expect(breaker.tryAcquire(t0 + 1001)).toBe(false);
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire(t0 + 1002)).toBe(true);
  });

  it('reopens for a full cooldown when the trial fails', () => {
    const breaker = new CircuitBreaker(1, 1000);
    breaker.onFailure(0);
    expect(breaker.tryAcquire(1000)).toBe(true);
    breaker.onFailure(1000);
    expect(breaker.tryAcquire(1999)).toBe(false);
    expect(breaker.tryAcquire(2000)).toBe(true);
  });
});

describe('retry waits', () => {
  const settings = { retryBaseMs: 100, maxRetryWaitMs: 5000 };
  it.each([
    ['Retry-After wins over back-off', new UpstreamError('x', { retryAfterSeconds: 2 }), 0, 1, 2000],
    ['Retry-After is capped', new UpstreamError('x', { retryAfterSeconds: 60 }), 0, 1, 5000],
    ['full jitter at attempt 0', new Error('x'), 0, 0.5, 50],
    ['doubles per attempt', new Error('x'), 3, 0.5, 400],
    ['capped at the maximum', new Error('x'), 10, 1, 5000],
  ])('%s', (_label, error, attempt, random, expected) => {
    expect(retryWait(error, attempt, settings, () => random)).toBe(expected);
  });
});

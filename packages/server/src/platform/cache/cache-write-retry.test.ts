import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError, ValidationError } from '../../errors.js';
import { CacheWriteRetry } from './cache-write-retry.js';

const logger = { warn: vi.fn(), error: vi.fn() } as never;
const unavailable = () => new ServiceUnavailableError('The cache is unavailable');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A write that fails with service_unavailable `failures` times, then succeeds; counts its calls. */
function flakyWrite(failures: number) {
  const calls = { n: 0, done: false };
  const write = async () => {
    calls.n += 1;
    if (calls.n <= failures) throw unavailable();
    calls.done = true;
  };
  return { write, calls };
}

describe('CacheWriteRetry', () => {
  let retry: CacheWriteRetry;
  afterEach(() => retry?.stop());

  it('writes at once when the cache answers', async () => {
    retry = new CacheWriteRetry({ logger, intervalMs: 5 });
    const { write, calls } = flakyWrite(0);
    await retry.write('k', write, Date.now() + 60_000);
    expect(calls).toEqual({ n: 1, done: true });
    expect(retry.waiting).toBe(0);
  });

  it('keeps a write the unreachable cache refused and makes it once the cache is back', async () => {
    retry = new CacheWriteRetry({ logger, intervalMs: 5 });
    const { write, calls } = flakyWrite(3);
    await retry.write('k', write, Date.now() + 60_000);
    expect(retry.isWaiting('k')).toBe(true);
    for (let i = 0; i < 100 && !calls.done; i++) await sleep(5);
    expect(calls).toEqual({ n: 4, done: true });
    expect(retry.isWaiting('k')).toBe(false);
  });

  it('keeps the latest write per key, and drops one that no longer matters', async () => {
    retry = new CacheWriteRetry({ logger, intervalMs: 5 });
    const older = flakyWrite(1);
    const newer = flakyWrite(1);
    await retry.write('k', older.write, Date.now() + 60_000);
    await retry.write('k', newer.write, Date.now() + 60_000);
    const expired = flakyWrite(1);
    await retry.write('gone', expired.write, Date.now() + 1);
    expect(retry.waiting).toBe(2);
    for (let i = 0; i < 100 && retry.waiting > 0; i++) await sleep(5);
    expect(older.calls.n).toBe(1);
    expect(newer.calls.done).toBe(true);
    expect(expired.calls).toEqual({ n: 1, done: false });
  });

  it.each([
    ['a refused command (a bug, not an outage)', () => new ValidationError('bad')],
    ['an unexpected error', () => new Error('boom')],
  ])('throws %s at once and keeps nothing', async (_case, error) => {
    retry = new CacheWriteRetry({ logger, intervalMs: 5 });
    await expect(retry.write('k', () => Promise.reject(error()), Date.now() + 60_000)).rejects.toThrow();
    expect(retry.waiting).toBe(0);
  });

  it('stops retrying at shutdown and refuses to keep writes after it', async () => {
    retry = new CacheWriteRetry({ logger, intervalMs: 5 });
    const { write, calls } = flakyWrite(1_000);
    await retry.write('k', write, Date.now() + 60_000);
    retry.stop();
    expect(retry.waiting).toBe(0);
    const seen = calls.n;
    await sleep(30);
    expect(calls.n).toBe(seen);
    await expect(retry.write('k', write, Date.now() + 60_000)).rejects.toThrow(ServiceUnavailableError);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from './cache.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every Cache implementation must have. Run by memory-cache.test.ts and, against a real
 * Redis, by test/integration/redis-cache.test.ts. Each test uses its own keys, so the suite needs no reset.
 */
export function describeCacheContract(name: string, open: () => Promise<Cache>): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    let n = 0;
    const key = (label: string) => `contract:${label}:${Date.now()}:${n++}`;

    beforeAll(async () => {
      cache = await open();
    });
    afterAll(async () => {
      await cache.close();
    });

    it('gets what was set and null for missing keys', async () => {
      const k = key('get');
      expect(await cache.get(k)).toBeNull();
      await cache.set(k, 'value ✓');
      expect(await cache.get(k)).toBe('value ✓');
      expect(await cache.ttl(k)).toBeNull();
    });

    it('expires entries after their TTL', async () => {
      const k = key('ttl');
      await cache.set(k, 'v', 80);
      const ttl = await cache.ttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(80);
      await sleep(150);
      expect(await cache.get(k)).toBeNull();
      expect(await cache.ttl(k)).toBeNull();
    });

    it('deletes and reports whether the key existed', async () => {
      const k = key('del');
      await cache.set(k, 'v');
      expect(await cache.delete(k)).toBe(true);
      expect(await cache.delete(k)).toBe(false);
      expect(await cache.get(k)).toBeNull();
    });

    it('setIfAbsent stores only once', async () => {
      const k = key('nx');
      expect(await cache.setIfAbsent(k, 'first', 10_000)).toBe(true);
      expect(await cache.setIfAbsent(k, 'second', 10_000)).toBe(false);
      expect(await cache.get(k)).toBe('first');
    });

    it('increments atomically under concurrency and applies the TTL only on creation', async () => {
      const k = key('incr');
      const results = await Promise.all(Array.from({ length: 50 }, () => cache.increment(k, 1, 60_000)));
      expect(new Set(results).size).toBe(50);
      expect(Math.max(...results)).toBe(50);
      expect(await cache.increment(k, -10)).toBe(40);
      const ttl = await cache.ttl(k);
      expect(ttl).toBeGreaterThan(50_000);
    });

    it('counter keys expire', async () => {
      const k = key('incr-ttl');
      await cache.increment(k, 5, 60);
      await sleep(120);
      expect(await cache.increment(k, 1)).toBe(1);
    });

    it('token bucket allows the burst, then refuses with a retry time, then refills', async () => {
      const k = key('bucket');
      const bucket = { capacity: 5, refillPerSecond: 20 };
      const decisions = await Promise.all(Array.from({ length: 8 }, () => cache.consumeTokens(k, bucket)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      const refused = decisions.filter((d) => !d.allowed);
      expect(refused).toHaveLength(3);
      for (const d of refused) {
        expect(d.retryAfterMs).toBeGreaterThan(0);
        expect(d.retryAfterMs).toBeLessThanOrEqual(50);
        expect(d.limit).toBe(5);
      }
      await sleep(120);
      const later = await cache.consumeTokens(k, bucket);
      expect(later.allowed).toBe(true);
    });

    it('token bucket charges the cost and refuses a cost larger than what is left', async () => {
      const k = key('bucket-cost');
      const bucket = { capacity: 10, refillPerSecond: 0.001 };
      expect((await cache.consumeTokens(k, bucket, 7)).remaining).toBe(3);
      const refused = await cache.consumeTokens(k, bucket, 4);
      expect(refused.allowed).toBe(false);
      expect(refused.remaining).toBe(3);
      expect((await cache.consumeTokens(k, bucket, 3)).allowed).toBe(true);
    });

    it('token bucket rejects impossible settings', async () => {
      await expect(cache.consumeTokens(key('bad'), { capacity: 0, refillPerSecond: 1 })).rejects.toThrow(
        RangeError,
      );
      await expect(cache.consumeTokens(key('bad'), { capacity: 2, refillPerSecond: 1 }, 3)).rejects.toThrow(
        RangeError,
      );
    });

    it('reserveCounters adds to every counter or to none, and names the one over its limit', async () => {
      const [a, b] = [key('rc-a'), key('rc-b')];
      const both = (x: number, y: number, limitB: number | null = 5) => [
        { key: a, amount: x, limit: 100, ttlMs: 60_000 },
        { key: b, amount: y, limit: limitB, ttlMs: 60_000 },
      ];
      expect(await cache.reserveCounters(both(10, 3))).toEqual({ allowed: true, values: [10, 3] });
      expect(await cache.reserveCounters(both(10, 3))).toEqual({ allowed: false, blocked: 1, current: 3 });
      // Nothing was added to the first counter by the refused call.
      expect(await cache.get(a)).toBe('10');
      expect(await cache.reserveCounters(both(90, 2))).toEqual({ allowed: true, values: [100, 5] });
      expect(await cache.reserveCounters(both(1, 0))).toEqual({ allowed: false, blocked: 0, current: 100 });
      // Unchecked (limit null) and negative amounts always apply: settling and refunds.
      expect(await cache.reserveCounters(both(-40, 7, null))).toEqual({ allowed: true, values: [60, 12] });
      const ttl = await cache.ttl(a);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('reserveCounters lets exactly the limit through under concurrency', async () => {
      const [requests, tokens] = [key('rc-req'), key('rc-tok')];
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          cache.reserveCounters([
            { key: requests, amount: 1, limit: 10, ttlMs: 60_000 },
            { key: tokens, amount: 7, limit: null, ttlMs: 60_000 },
          ]),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect(await cache.get(requests)).toBe('10');
      expect(await cache.get(tokens)).toBe('70');
    });

    it('reserveCounters counters expire with their TTL', async () => {
      const k = key('rc-ttl');
      await cache.reserveCounters([{ key: k, amount: 3, limit: 3, ttlMs: 60 }]);
      await sleep(120);
      expect(await cache.reserveCounters([{ key: k, amount: 3, limit: 3, ttlMs: 60 }])).toEqual({
        allowed: true,
        values: [3],
      });
    });

    it('a lock has one holder at a time and frees on release', async () => {
      const k = key('lock');
      const attempts = await Promise.all(Array.from({ length: 10 }, () => cache.acquireLock(k, 5_000)));
      const holders = attempts.filter((l) => l !== null);
      expect(holders).toHaveLength(1);
      expect(await cache.acquireLock(k, 5_000)).toBeNull();
      expect(await holders[0]!.release()).toBe(true);
      expect(await holders[0]!.release()).toBe(false);
      const next = await cache.acquireLock(k, 5_000);
      expect(next).not.toBeNull();
      await next!.release();
    });

    it('a lock expires, and an expired holder can neither release nor extend the new holder’s lock', async () => {
      const k = key('lock-exp');
      const first = await cache.acquireLock(k, 60);
      expect(first).not.toBeNull();
      await sleep(120);
      const second = await cache.acquireLock(k, 5_000);
      expect(second).not.toBeNull();
      expect(await first!.release()).toBe(false);
      expect(await first!.extend(5_000)).toBe(false);
      expect(await second!.extend(10_000)).toBe(true);
      expect(await cache.ttl(k)).toBeGreaterThan(5_000);
      await second!.release();
    });

    it('publishes to every subscriber of a channel and stops after unsubscribe', async () => {
      const channel = key('chan');
      const a: string[] = [];
      const b: string[] = [];
      const offA = await cache.subscribe(channel, (m) => a.push(m));
      const offB = await cache.subscribe(channel, (m) => b.push(m));
      await cache.publish(channel, 'one');
      await waitFor(() => a.length === 1 && b.length === 1);
      await offA();
      await cache.publish(channel, 'two');
      await waitFor(() => b.length === 2);
      expect(a).toEqual(['one']);
      expect(b).toEqual(['one', 'two']);
      await offB();
      await cache.publish(channel, 'three');
      await sleep(50);
      expect(b).toEqual(['one', 'two']);
    });

    it('does not deliver messages from other channels', async () => {
      const got: string[] = [];
      const off = await cache.subscribe(key('mine'), (m) => got.push(m));
      await cache.publish(key('other'), 'x');
      await sleep(50);
      expect(got).toEqual([]);
      await off();
    });

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

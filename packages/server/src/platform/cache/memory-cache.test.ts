import { describe, expect, it } from 'vitest';
import { describeCacheContract } from './cache.contract.js';
import { MemoryCache } from './memory-cache.js';

describeCacheContract('memory', async () => new MemoryCache());

describe('MemoryCache', () => {
  it('refuses ping after close', async () => {
    const cache = new MemoryCache();
    await cache.close();
    await expect(cache.ping()).rejects.toThrow(/closed/);
  });

  it('uses the injected clock for expiry', async () => {
    let now = 1_000;
    const cache = new MemoryCache(() => now);
    await cache.set('k', 'v', 100);
    now += 99;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeNull();
    await cache.close();
  });

  it('refuses to increment a non-integer value', async () => {
    const cache = new MemoryCache();
    await cache.set('k', 'text');
    await expect(cache.increment('k')).rejects.toThrow(TypeError);
    await cache.close();
  });
});

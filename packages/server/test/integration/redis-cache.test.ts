import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/errors.js';
import { describeCacheContract } from '../../src/platform/cache/cache.contract.js';
import { RedisCache } from '../../src/platform/cache/redis-cache.js';
import { deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

const prefix = `${uniqueName('cache')}:`;

describeCacheContract('redis', () => RedisCache.connect({ url: REDIS_URL, keyPrefix: prefix }));

describe('RedisCache', () => {
  afterAll(async () => {
    await deleteRedisKeys(prefix);
  });

  it('shares state between two connections (two instances)', async () => {
    const a = await RedisCache.connect({ url: REDIS_URL, keyPrefix: prefix });
    const b = await RedisCache.connect({ url: REDIS_URL, keyPrefix: prefix });
    const bucket = { capacity: 4, refillPerSecond: 0.01 };
    const decisions = await Promise.all([
      ...Array.from({ length: 4 }, () => a.consumeTokens('shared-bucket', bucket)),
      ...Array.from({ length: 4 }, () => b.consumeTokens('shared-bucket', bucket)),
    ]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
    const lock = await a.acquireLock('shared-lock', 5_000);
    expect(lock).not.toBeNull();
    expect(await b.acquireLock('shared-lock', 5_000)).toBeNull();
    const received: string[] = [];
    const off = await b.subscribe('shared-channel', (m) => received.push(m));
    await a.publish('shared-channel', 'hello');
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual(['hello']);
    await off();
    await lock!.release();
    await a.close();
    await b.close();
  });

  it('keeps keys under its prefix', async () => {
    const cache = await RedisCache.connect({ url: REDIS_URL, keyPrefix: prefix });
    await cache.set('prefixed', '1', 10_000);
    const raw = new Redis(REDIS_URL);
    expect(await raw.get(`${prefix}prefixed`)).toBe('1');
    expect(await raw.get('prefixed')).toBeNull();
    await raw.quit();
    await cache.close();
  });

  it('refuses to connect to a Redis that is not there, naming it', async () => {
    await expect(RedisCache.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 })).rejects.toThrow(
      /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/,
    );
  });

  it('turns a lost connection into service_unavailable instead of hanging', async () => {
    const cache = await RedisCache.connect({ url: REDIS_URL, keyPrefix: prefix });
    await cache.close();
    const failing = await cache.get('x').catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(ServiceUnavailableError);
    expect((failing as ServiceUnavailableError).details).toEqual({ dependency: 'cache' });
  });
});

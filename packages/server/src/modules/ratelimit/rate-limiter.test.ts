import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../errors.js';
import type { Cache } from '../../platform/cache/cache.js';
import { MemoryCache } from '../../platform/cache/memory-cache.js';
import type { Principal } from '../access/principal.js';
import {
  clientBucketId,
  RateLimiter,
  type RateLimitScope,
  type RateLimitSettings,
  RateLimitUnavailableError,
  rateLimitHeaders,
  rateLimitSubjects,
} from './rate-limiter.js';

const user: Principal = { kind: 'user', userId: 'usr_1', sessionId: 'ses_1', isPlatformAdmin: false };
const key: Principal = { kind: 'api_key', keyId: 'key_1', tenantId: 'ten_1', userId: 'usr_1', scopes: [] };

function settings(overrides: Partial<RateLimitSettings> = {}): RateLimitSettings {
  return {
    enabled: true,
    perMinute: { ip: 60, user: 60, key: 60 },
    burst: { ip: 10, user: 3, key: 2 },
    failMode: 'open',
    timeoutMs: 50,
    circuitMs: 1_000,
    ...overrides,
  };
}

describe('rateLimitSubjects', () => {
  it.each<[string, Principal | null, string, string[]]>([
    ['anonymous: the address only', null, '203.0.113.7', ['rl:ip:203.0.113.7']],
    ['a user: address and user', user, '203.0.113.7', ['rl:ip:203.0.113.7', 'rl:user:usr_1']],
    [
      'an API key: address and key (not its creator)',
      key,
      '203.0.113.7',
      ['rl:ip:203.0.113.7', 'rl:key:key_1'],
    ],
    ['IPv6 per /64', null, '2001:db8:1:2:3:4:5:6', ['rl:ip:2001:db8:1:2::/64']],
    ['IPv4-mapped IPv6 as IPv4', null, '::ffff:198.51.100.9', ['rl:ip:198.51.100.9']],
  ])('%s', (_label, principal, ip, keys) => {
    expect(rateLimitSubjects(principal, ip).map((s) => s.key)).toEqual(keys);
  });

  it.each([
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:0:ffff::1', '2001:db8:0:0::/64'],
    ['2001:0db8:00aa:0001:1:2:3:4', '2001:db8:aa:1::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['10.0.0.1', '10.0.0.1'],
    ['', ''],
  ])('counts %s under %s', (ip, id) => {
    expect(clientBucketId(ip)).toBe(id);
  });

  it('puts two addresses of one /64 in one bucket and of two /64s in two', () => {
    expect(clientBucketId('2001:db8:0:1::a')).toBe(clientBucketId('2001:db8:0:1:ffff::b'));
    expect(clientBucketId('2001:db8:0:1::a')).not.toBe(clientBucketId('2001:db8:0:2::a'));
  });
});

describe('RateLimiter', () => {
  it('reports the tightest bucket and refuses once it is empty', async () => {
    const limiter = new RateLimiter({ cache: new MemoryCache(), settings: settings() });
    const subjects = rateLimitSubjects(key, '10.0.0.1');
    const first = await limiter.check(subjects);
    expect(first).toMatchObject({
      allowed: true,
      degraded: false,
      decision: { scope: 'key', limit: 2, remaining: 1 },
    });
    expect(await limiter.check(subjects)).toMatchObject({ allowed: true, decision: { remaining: 0 } });
    const refused = await limiter.check(subjects);
    expect(refused).toMatchObject({ allowed: false, decision: { scope: 'key', remaining: 0 } });
    const error = limiter.refusal(refused);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(Number(error.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(error.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' });
    expect(error.details).toMatchObject({ scope: 'key' });
  });

  it('keeps buckets apart per key, per user and per address', async () => {
    const limiter = new RateLimiter({ cache: new MemoryCache(), settings: settings() });
    for (let i = 0; i < 3; i++)
      expect((await limiter.check(rateLimitSubjects(user, '10.0.0.1'))).allowed).toBe(true);
    expect((await limiter.check(rateLimitSubjects(user, '10.0.0.2'))).decision?.scope).toBe('user');
    expect((await limiter.check(rateLimitSubjects(user, '10.0.0.2'))).allowed).toBe(false);
    const other: Principal = { ...user, userId: 'usr_2' } as Principal;
    expect((await limiter.check(rateLimitSubjects(other, '10.0.0.1'))).allowed).toBe(true);
  });

  it('tells the observer which scope refused', async () => {
    const seen: RateLimitScope[] = [];
    const limiter = new RateLimiter({
      cache: new MemoryCache(),
      settings: settings({ burst: { ip: 1, user: 5, key: 5 } }),
      observer: { onRateLimited: (scope) => seen.push(scope) },
    });
    await limiter.check(rateLimitSubjects(null, '10.0.0.9'));
    await limiter.check(rateLimitSubjects(null, '10.0.0.9'));
    expect(seen).toEqual(['ip']);
  });

  it('formats headers in whole seconds, rounded up', () => {
    expect(
      rateLimitHeaders({ allowed: true, limit: 5, remaining: 3, retryAfterMs: 0, resetMs: 1_001 }),
    ).toEqual({
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '3',
      'x-ratelimit-reset': '2',
    });
  });
});

/** A cache whose token buckets fail (Redis gone) or never answer (Redis hung), counting the attempts. */
function brokenCache(mode: 'fail' | 'hang'): Cache & { calls: number } {
  const cache = new MemoryCache() as unknown as Cache & { calls: number; kind: 'redis' };
  Object.defineProperty(cache, 'kind', { value: 'redis' });
  cache.calls = 0;
  cache.consumeTokens = () => {
    cache.calls++;
    return mode === 'fail' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise(() => {});
  };
  return cache;
}

describe('RateLimiter when the cache is unavailable', () => {
  it.each(['fail', 'hang'] as const)(
    'fails open (%s) and then skips the cache while the circuit is open',
    async (mode) => {
      let now = 1_000_000;
      const cache = brokenCache(mode);
      const limiter = new RateLimiter({ cache, settings: settings(), now: () => now });
      expect(await limiter.check(rateLimitSubjects(user, '10.0.0.1'))).toEqual({
        allowed: true,
        decision: null,
        degraded: true,
      });
      expect(limiter.degraded).toBe(true);
      expect(await limiter.check(rateLimitSubjects(user, '10.0.0.1'))).toMatchObject({
        allowed: true,
        degraded: true,
      });
      // Two buckets (address and user) were asked once; the second request did not ask at all.
      expect(cache.calls).toBe(2);
      now += 1_001;
      expect(limiter.degraded).toBe(false);
      await limiter.check(rateLimitSubjects(user, '10.0.0.1'));
      expect(cache.calls).toBe(4);
    },
  );

  it('fails closed with 503 rate_limit_unavailable when configured', async () => {
    const limiter = new RateLimiter({
      cache: brokenCache('fail'),
      settings: settings({ failMode: 'closed' }),
    });
    const error = await limiter.check(rateLimitSubjects(null, '10.0.0.1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitUnavailableError);
    expect(error).toMatchObject({ code: 'rate_limit_unavailable', status: 503 });
  });
});

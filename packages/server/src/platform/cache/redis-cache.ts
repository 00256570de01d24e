import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisClient, redisConnectError, runRedis } from '../redis-connection.js';
import type {
  Cache,
  CounterReservation,
  CounterReserveResult,
  Lock,
  RateLimitDecision,
  TokenBucket,
} from './cache.js';
import { validateBucket } from './cache.js';

// The token bucket runs inside Redis so concurrent instances see one bucket; it reads Redis's clock
// (TIME) so instances with skewed clocks still agree. Same arithmetic as refillBucket() in cache.ts.
const TOKEN_BUCKET = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) / 1000 * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
local ms_per_token = 1000 / rate
local reset_ms = math.ceil((capacity - tokens) * ms_per_token)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], reset_ms + 1000)
local retry_ms = 0
if allowed == 0 then retry_ms = math.ceil((cost - tokens) * ms_per_token) end
return {allowed, tostring(tokens), retry_ms, reset_ms}
`;

const INCREMENT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`;

// All or nothing over several counters (quota reserve/settle): checks every limit first, then adds to
// every counter, in one script, so concurrent reservations on any instance cannot pass a limit together.
// ARGV: amount, limit (-1: unchecked), ttl in ms, for each key. Same rule as checkCounters() in cache.ts.
const RESERVE_COUNTERS = `
local n = #KEYS
for i = 1, n do
  local amount = tonumber(ARGV[(i - 1) * 3 + 1])
  local limit = tonumber(ARGV[(i - 1) * 3 + 2])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  if limit >= 0 and amount > 0 and current + amount > limit then return {0, i - 1, current} end
end
local values = {1}
for i = 1, n do
  local existed = redis.call('EXISTS', KEYS[i])
  local value = redis.call('INCRBY', KEYS[i], ARGV[(i - 1) * 3 + 1])
  local ttl = tonumber(ARGV[(i - 1) * 3 + 3])
  if existed == 0 and ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl) end
  values[i + 1] = value
end
return values
`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

interface ScriptedRedis extends Redis {
  nexusTokenBucket(
    key: string,
    capacity: number,
    rate: number,
    cost: number,
  ): Promise<[number, string, number, number]>;
  nexusIncrement(key: string, by: number, ttlMs: number): Promise<number>;
  nexusReserveCounters(keys: number, ...args: (string | number)[]): Promise<number[]>;
  nexusReleaseLock(key: string, token: string): Promise<number>;
  nexusExtendLock(key: string, token: string, ttlMs: number): Promise<number>;
}

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key and channel, so several deployments (or test runs) can share one Redis. */
  keyPrefix?: string;
  connectTimeoutMs?: number;
}

/** The cache on Redis (ioredis): shared by every instance. Connection failures surface as `service_unavailable`. */
export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  private readonly client: ScriptedRedis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly prefix: string;

  private constructor(options: RedisCacheOptions) {
    this.prefix = options.keyPrefix ?? '';
    this.client = redisClient(options.url, options.connectTimeoutMs) as ScriptedRedis;
    this.client.defineCommand('nexusTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    this.client.defineCommand('nexusIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.client.defineCommand('nexusReserveCounters', { lua: RESERVE_COUNTERS });
    this.client.defineCommand('nexusReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
    this.client.defineCommand('nexusExtendLock', { numberOfKeys: 1, lua: EXTEND_LOCK });
  }

  /** Connects and checks the connection; rejects when Redis cannot be reached. */
  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    const cache = new RedisCache(options);
    try {
      await cache.client.connect();
    } catch (error) {
      cache.client.disconnect();
      throw redisConnectError(options.url, error);
    }
    return cache;
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.k(key)));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.run(() =>
      ttlMs === undefined
        ? this.client.set(this.k(key), value)
        : this.client.set(this.k(key), value, 'PX', Math.max(1, ttlMs)),
    );
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const result = await this.run(() =>
      ttlMs === undefined
        ? this.client.set(this.k(key), value, 'NX')
        : this.client.set(this.k(key), value, 'PX', Math.max(1, ttlMs), 'NX'),
    );
    return result === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run(() => this.client.del(this.k(key)))) > 0;
  }

  async ttl(key: string): Promise<number | null> {
    const ms = await this.run(() => this.client.pttl(this.k(key)));
    return ms < 0 ? null : ms;
  }

  increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    return this.run(() => this.client.nexusIncrement(this.k(key), by, ttlMs ?? 0));
  }

  async consumeTokens(key: string, bucket: TokenBucket, cost = 1): Promise<RateLimitDecision> {
    validateBucket(bucket, cost);
    const [allowed, tokens, retryAfterMs, resetMs] = await this.run(() =>
      this.client.nexusTokenBucket(this.k(key), bucket.capacity, bucket.refillPerSecond, cost),
    );
    return {
      allowed: allowed === 1,
      remaining: Math.floor(Number(tokens)),
      limit: bucket.capacity,
      retryAfterMs,
      resetMs,
    };
  }

  async reserveCounters(counters: readonly CounterReservation[]): Promise<CounterReserveResult> {
    if (counters.length === 0) return { allowed: true, values: [] };
    const keys = counters.map((c) => this.k(c.key));
    const args = counters.flatMap((c) => [
      Math.trunc(c.amount),
      c.limit === null ? -1 : Math.max(0, Math.trunc(c.limit)),
      Math.max(0, Math.ceil(c.ttlMs)),
    ]);
    const reply = await this.run(() => this.client.nexusReserveCounters(keys.length, ...keys, ...args));
    if (reply[0] === 1) return { allowed: true, values: reply.slice(1).map(Number) };
    return { allowed: false, blocked: Number(reply[1]), current: Number(reply[2]) };
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const token = randomUUID();
    if (!(await this.setIfAbsent(key, token, ttlMs))) return null;
    return {
      key,
      release: async () => (await this.run(() => this.client.nexusReleaseLock(this.k(key), token))) === 1,
      extend: async (newTtlMs: number) =>
        (await this.run(() => this.client.nexusExtendLock(this.k(key), token, Math.max(1, newTtlMs)))) === 1,
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run(() => this.client.publish(this.k(channel), message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const subscriber = await this.subscriberConnection();
    const name = this.k(channel);
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
      await this.run(() => subscriber.subscribe(name));
    }
    set.add(handler);
    return async () => {
      const current = this.handlers.get(name);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(name);
      await this.run(() => subscriber.unsubscribe(name));
    };
  }

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.subscriber?.quit(), this.client.quit()]);
    this.subscriber?.disconnect();
    this.client.disconnect();
  }

  private async subscriberConnection(): Promise<Redis> {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.client.duplicate();
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    this.subscriber = subscriber;
    await this.run(() => subscriber.connect());
    return subscriber;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return runRedis(operation, 'The cache is unavailable', 'cache');
  }
}

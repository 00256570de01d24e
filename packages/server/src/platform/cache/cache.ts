/**
 * The cache port: key/value with TTL, atomic counters, a token-bucket rate limiter, locks with expiry and
 * pub/sub. `MemoryCache` serves one process (embedded default); `RedisCache` is shared by every instance.
 * Both pass the same contract suite (cache.contract.ts).
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  /** Stores `value`; with `ttlMs` it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores `value` only when `key` is absent; true when it was stored. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Removes `key`; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Remaining lifetime in ms, `null` when the key has no expiry or does not exist. */
  ttl(key: string): Promise<number | null>;
  /** Atomically adds `by` and returns the new value; `ttlMs` applies when this call creates the key. */
  increment(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Takes `cost` tokens from a token bucket; atomic across every user of the same cache. */
  consumeTokens(key: string, bucket: TokenBucket, cost?: number): Promise<RateLimitDecision>;
  /**
   * Adds each counter's `amount` in one atomic step, all or nothing: when any counter with a `limit` would
   * pass it, nothing changes and the answer names that counter (quota reserve/settle, see quota.service.ts).
   */
  reserveCounters(counters: readonly CounterReservation[]): Promise<CounterReserveResult>;
  /** Takes a lock that expires after `ttlMs` unless extended; `null` when someone else holds it. */
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  publish(channel: string, message: string): Promise<void>;
  /** Calls `handler` for each message on `channel` until the returned function is called. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface TokenBucket {
  /** The most tokens the bucket holds (the burst). */
  capacity: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  limit: number;
  /** When not allowed: how long until `cost` tokens are there again. 0 when allowed. */
  retryAfterMs: number;
  /** How long until the bucket is full again. */
  resetMs: number;
}

/** One counter of a {@link Cache.reserveCounters} call. */
export interface CounterReservation {
  key: string;
  /** Added to the counter (negative to give back). */
  amount: number;
  /** The most the counter may hold after the addition; `null`: unchecked (settling, refunds). */
  limit: number | null;
  /** Lifetime in ms set when this call creates the counter (the counter's period plus a margin). */
  ttlMs: number;
}

/** `allowed`: every counter was added to; else nothing changed and `blocked` is the first counter over. */
export type CounterReserveResult =
  | { allowed: true /** The counters' new values, in order. */; values: number[] }
  | {
      allowed: false /** Index of the first counter that would pass its limit. */;
      blocked: number /** Its value now. */;
      current: number;
    };

/** The all-or-nothing check both implementations share (Redis runs the same steps in Lua). */
export function checkCounters(
  counters: readonly CounterReservation[],
  current: readonly number[],
): { blocked: number; current: number } | null {
  for (const [i, c] of counters.entries()) {
    const value = current[i] ?? 0;
    if (c.limit !== null && c.amount > 0 && value + c.amount > c.limit) return { blocked: i, current: value };
  }
  return null;
}

export interface Lock {
  readonly key: string;
  /** Releases the lock if this holder still owns it; false when it had already expired or been taken. */
  release(): Promise<boolean>;
  /** Pushes the expiry to `ttlMs` from now if this holder still owns it. */
  extend(ttlMs: number): Promise<boolean>;
}

/** The token-bucket arithmetic both implementations share (Redis runs the same steps in Lua). */
export function refillBucket(
  state: { tokens: number; updatedAtMs: number } | null,
  bucket: TokenBucket,
  nowMs: number,
  cost: number,
): { tokens: number; decision: RateLimitDecision } {
  const elapsed = state ? Math.max(0, nowMs - state.updatedAtMs) : 0;
  const available = state
    ? Math.min(bucket.capacity, state.tokens + (elapsed / 1000) * bucket.refillPerSecond)
    : bucket.capacity;
  const allowed = available >= cost;
  const tokens = allowed ? available - cost : available;
  const msPerToken = 1000 / bucket.refillPerSecond;
  return {
    tokens,
    decision: {
      allowed,
      remaining: Math.floor(tokens),
      limit: bucket.capacity,
      retryAfterMs: allowed ? 0 : Math.ceil((cost - available) * msPerToken),
      resetMs: Math.ceil((bucket.capacity - tokens) * msPerToken),
    },
  };
}

export function validateBucket(bucket: TokenBucket, cost: number): void {
  if (!(bucket.capacity > 0) || !(bucket.refillPerSecond > 0)) {
    throw new RangeError('token bucket capacity and refillPerSecond must be positive');
  }
  if (!(cost > 0) || cost > bucket.capacity)
    throw new RangeError(`cost must be between 0 and ${bucket.capacity}`);
}

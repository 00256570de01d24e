import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type Cache,
  type CounterReservation,
  type CounterReserveResult,
  checkCounters,
  type Lock,
  type RateLimitDecision,
  refillBucket,
  type TokenBucket,
  validateBucket,
} from './cache.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/** The in-process cache: correct for one instance; use Redis when several instances share state. */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, { tokens: number; updatedAtMs: number; expiresAt: number }>();
  private readonly bus = new EventEmitter().setMaxListeners(0);
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000).unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.live(key);
    return entry?.expiresAt == null ? null : entry.expiresAt - this.now();
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const entry = this.live(key);
    if (entry) {
      const current = Number(entry.value);
      if (!Number.isInteger(current)) throw new TypeError(`value at ${key} is not an integer`);
      entry.value = String(current + by);
      return current + by;
    }
    this.entries.set(key, { value: String(by), expiresAt: this.expiry(ttlMs) });
    return by;
  }

  async consumeTokens(key: string, bucket: TokenBucket, cost = 1): Promise<RateLimitDecision> {
    validateBucket(bucket, cost);
    const now = this.now();
    const stored = this.buckets.get(key);
    const state = stored && stored.expiresAt > now ? stored : null;
    const { tokens, decision } = refillBucket(state, bucket, now, cost);
    this.buckets.set(key, { tokens, updatedAtMs: now, expiresAt: now + decision.resetMs + 1000 });
    return decision;
  }

  async reserveCounters(counters: readonly CounterReservation[]): Promise<CounterReserveResult> {
    // No await between the check and the additions: atomic within this process.
    const current = counters.map((c) => Number(this.live(c.key)?.value ?? 0));
    const over = checkCounters(counters, current);
    if (over) return { allowed: false, ...over };
    const values: number[] = [];
    for (const c of counters) {
      const entry = this.live(c.key);
      if (entry) {
        entry.value = String(Number(entry.value) + c.amount);
        values.push(Number(entry.value));
      } else {
        this.entries.set(c.key, { value: String(c.amount), expiresAt: this.expiry(c.ttlMs) });
        values.push(c.amount);
      }
    }
    return { allowed: true, values };
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const token = randomUUID();
    if (!(await this.setIfAbsent(key, token, ttlMs))) return null;
    const owns = () => this.live(key)?.value === token;
    return {
      key,
      release: async () => {
        if (!owns()) return false;
        this.entries.delete(key);
        return true;
      },
      extend: async (newTtlMs: number) => {
        const entry = this.live(key);
        if (!entry || entry.value !== token) return false;
        entry.expiresAt = this.expiry(newTtlMs);
        return true;
      },
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    // Delivered asynchronously, as Redis delivers it, so publishers never run subscriber code inline.
    queueMicrotask(() => this.bus.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return async () => {
      this.bus.off(channel, handler);
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('cache is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
  }

  private expiry(ttlMs?: number): number | null {
    return ttlMs === undefined ? null : this.now() + Math.max(1, ttlMs);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries)
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, bucket] of this.buckets) if (bucket.expiresAt <= now) this.buckets.delete(key);
  }
}

import { ServiceUnavailableError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';

/**
 * Cache writes that must not be lost when the cache (Redis) is unreachable: a revocation's block-list
 * entry, the eviction of a revoked API key. The database already holds the change, and while the cache is
 * away every instance reads the database instead; what must not happen is the cache coming back without
 * the write. So a write that fails with `service_unavailable` is kept (the latest per key) and tried again
 * every `intervalMs` until it succeeds or no longer matters (`until`). Other errors are thrown as usual.
 *
 * @example
 * const retry = new CacheWriteRetry({ logger });
 * await retry.write(`revoked:session:${id}`, () => cache.set(`revoked:session:${id}`, '1', ttlMs), Date.now() + ttlMs);
 */
export class CacheWriteRetry {
  private readonly pending = new Map<string, { write: () => Promise<unknown>; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: { logger: Logger; intervalMs?: number; now?: () => number }) {}

  /** Writes now; if the cache is unreachable, keeps the write for later and returns without an error. */
  async write(key: string, write: () => Promise<unknown>, until: number): Promise<void> {
    try {
      await write();
      this.pending.delete(key);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError) || this.stopped) throw error;
      this.pending.set(key, { write, until });
      this.schedule();
    }
  }

  /** Whether a write for `key` is waiting for the cache. */
  isWaiting(key: string): boolean {
    return this.pending.has(key);
  }

  /** Writes still waiting for the cache. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Stops retrying (shutdown); writes still waiting are dropped, the database keeps the truth. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0)
      this.deps.logger.warn({ writes: this.pending.size }, 'cache writes dropped at shutdown');
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.intervalMs ?? 1_000);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    const now = this.deps.now?.() ?? Date.now();
    for (const [key, entry] of [...this.pending]) {
      if (this.stopped) return;
      if (entry.until <= now) {
        this.pending.delete(key);
        continue;
      }
      try {
        await entry.write();
        // A newer write for the key may have replaced this one while it ran.
        if (this.pending.get(key) === entry) this.pending.delete(key);
      } catch (error) {
        if (!(error instanceof ServiceUnavailableError)) {
          this.pending.delete(key);
          this.deps.logger.error({ err: error, key }, 'cache write failed');
        }
      }
    }
    if (this.pending.size > 0) this.schedule();
  }
}

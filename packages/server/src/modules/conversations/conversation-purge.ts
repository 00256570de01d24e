import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { ConversationsRepository } from './conversations.repository.js';

export interface ConversationPurgeSettings {
  /** Soft-deleted conversations older than this are removed for good. */
  purgeAfterMs: number;
  /** How often each instance looks for them. */
  intervalMs: number;
  /** Conversations removed per statement (each takes its messages along). */
  batchSize?: number;
}

const LOCK_KEY = 'conv:purge:lock';

/**
 * The background job that removes soft-deleted conversations (and their messages) once they are older
 * than `purgeAfterMs`. Every instance runs the timer; a lock in the cache port (Redis in production) lets
 * one of them work at a time, so several instances never race over the same rows. The timer is unref'd:
 * it never keeps the process alive.
 */
export class ConversationPurger {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      db: Executor;
      conversations: ConversationsRepository;
      cache: Cache;
      logger: Pick<Logger, 'info' | 'warn'>;
      settings: ConversationPurgeSettings;
    },
  ) {}

  /** Starts the periodic purge (idempotent). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.runOnce().catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'conversation purge failed; will retry on the next tick');
      });
    }, this.deps.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a purge in progress to finish. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * One purge pass: how many conversations were removed. 0 without touching the database when another
   * instance (or an earlier pass here) holds the lock.
   * @example await purger.runOnce() // 3
   */
  async runOnce(now: Date = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = this.purge(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async purge(now: Date): Promise<number> {
    const { purgeAfterMs, intervalMs, batchSize = 500 } = this.deps.settings;
    // Held at most one interval, so a crashed holder never blocks the job for long.
    const lock = await this.deps.cache.acquireLock(LOCK_KEY, Math.max(30_000, intervalMs));
    if (!lock) return 0;
    try {
      const before = new Date(now.getTime() - purgeAfterMs);
      let total = 0;
      for (;;) {
        const removed = await this.deps.conversations.purgeDeleted(this.deps.db, before, batchSize);
        total += removed;
        if (removed < batchSize) break;
        await lock.extend(Math.max(30_000, intervalMs));
      }
      if (total > 0) this.deps.logger.info({ purged: total }, 'purged deleted conversations');
      return total;
    } finally {
      await lock.release();
    }
  }
}

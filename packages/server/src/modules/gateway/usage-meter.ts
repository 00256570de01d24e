import { setImmediate } from 'node:timers/promises';
import type { Insertable } from 'kysely';
import type { Logger } from '../../observability/logger.js';
import type { LlmCallsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type LlmCallRecord = Insertable<LlmCallsTable>;

export interface UsageMeterSettings {
  /** Write when this many records are waiting... */
  batchSize: number;
  /** ...or this long after the first one arrived. */
  flushIntervalMs: number;
  /** Records kept while the database is unreachable; beyond it the oldest are dropped (and logged). */
  maxBuffered: number;
  /**
   * Rows per INSERT, the event loop let through between statements. For PGlite, which runs each
   * statement on the event loop (about 0.15 ms a row): one 200-row insert held every request for 25 ms
   * or more. Default: the whole batch in one statement (PostgreSQL works on its own).
   */
  rowsPerStatement?: number;
}

/**
 * Metering off the request path: calls are buffered and inserted in batches. A failed write keeps the
 * batch for the next flush; `close()` (graceful shutdown) writes everything still buffered.
 */
export class UsageMeter {
  private buffer: LlmCallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private dropped = 0;

  constructor(
    private readonly deps: {
      db: Executor;
      logger: Logger;
      settings: UsageMeterSettings;
      /** Sees every call as it is recorded (the Prometheus LLM metrics); must be cheap and not throw. */
      observer?: (call: LlmCallRecord) => void;
    },
  ) {}

  record(call: LlmCallRecord): void {
    this.deps.observer?.(call);
    this.buffer.push(call);
    const { batchSize, maxBuffered, flushIntervalMs } = this.deps.settings;
    if (this.buffer.length > maxBuffered) {
      const excess = this.buffer.length - maxBuffered;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.buffer.length >= batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), flushIntervalMs).unref();
  }

  /** Writes what is buffered now (waits for a flush already running first). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.buffer.length > 0) await this.flush();
  }

  get pending(): number {
    return this.buffer.length;
  }

  private async write(batch: LlmCallRecord[]): Promise<void> {
    const rows = this.deps.settings.rowsPerStatement ?? batch.length;
    let written = 0;
    try {
      for (; written < batch.length; written += rows) {
        if (written > 0) await setImmediate();
        await this.deps.db
          .insertInto('llm_calls')
          .values(batch.slice(written, written + rows))
          .execute();
      }
      if (this.dropped > 0) {
        this.deps.logger.error(
          { dropped: this.dropped },
          'metering records were dropped while the database was unreachable',
        );
        this.dropped = 0;
      }
    } catch (error) {
      // What was written stays written: only the rest is tried again.
      const unwritten = batch.slice(written);
      this.deps.logger.warn(
        { err: error, records: unwritten.length },
        'could not write metering records; will retry',
      );
      this.buffer = [...unwritten, ...this.buffer];
      this.timer ??= setTimeout(() => void this.flush(), this.deps.settings.flushIntervalMs).unref();
    }
  }
}

import { randomBytes } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { Executor } from '../../platform/db/transaction.js';
import { ClaimLoop } from '../../platform/jobs/claim-loop.js';
import type { TaskRow, TasksRepository } from './tasks.repository.js';

/** Why a running task was stopped (the abort reason). */
export class TaskStop extends Error {
  constructor(readonly kind: 'cancelled' | 'client_gone' | 'shutdown' | 'lease_lost') {
    super(`task stopped: ${kind}`);
    this.name = 'AbortError';
  }
}

export interface TaskWorkerSettings {
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
}

/**
 * The async task worker, one per instance: claims queued tasks from the database with a lease
 * (`FOR UPDATE SKIP LOCKED`, so instances never run the same task), runs up to `concurrency` at once, and
 * reclaims the tasks of instances that died (their leases ran out). Stopping gives the running tasks back
 * to the queue for another instance.
 */
export class TaskWorker {
  readonly id = `worker_${randomBytes(6).toString('hex')}`;
  private readonly loop: ClaimLoop<TaskRow>;

  constructor(deps: {
    db: Executor;
    tasks: TasksRepository;
    logger: Pick<Logger, 'info' | 'warn' | 'error'>;
    settings: TaskWorkerSettings;
    /** Runs a claimed task to its end (or back to the queue). */
    run: (row: TaskRow, signal: AbortSignal) => Promise<unknown>;
    /** Tasks the reclaimer ended (`failed: interrupted`): their webhooks and files. */
    ended: (rows: TaskRow[]) => Promise<void>;
  }) {
    const { db, tasks, logger, settings } = deps;
    this.loop = new ClaimLoop({
      pollMs: settings.pollMs,
      concurrency: settings.concurrency,
      idOf: (row) => row.id,
      housekeeping: async () => {
        const ended = await tasks.reclaimExpired(db, settings.maxAttempts);
        if (ended.length === 0) return;
        logger.warn({ tasks: ended.length }, 'tasks interrupted by a lost instance were ended');
        await deps.ended(ended);
      },
      claim: async (free) => {
        const claimed: TaskRow[] = [];
        while (claimed.length < free) {
          const row = await tasks.claimNext(db, this.id, settings.leaseMs);
          if (!row) break;
          claimed.push(row);
        }
        return claimed;
      },
      run: (row, signal) =>
        deps
          .run(row, signal)
          .then(() => undefined)
          .catch((error: unknown) => logger.error({ err: error, task_id: row.id }, 'task run failed')),
      onError: (error) => logger.warn({ err: error }, 'the task worker could not claim work; retrying later'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Looks for work now (a task was queued on this instance). */
  wake(): void {
    this.loop.wake();
  }

  /** Tasks running on this worker. */
  get running(): number {
    return this.loop.active;
  }

  /** Stops claiming and gives the running tasks back to the queue (without counting the run). */
  async stop(): Promise<void> {
    this.loop.stopClaiming();
    this.loop.abortAll(new TaskStop('shutdown'));
    await this.loop.settled();
  }
}

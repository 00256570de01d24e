import { type Selectable, sql } from 'kysely';
import type { TaskStatus, TasksTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type TaskRow = Selectable<TasksTable>;

export interface NewTask {
  id: string;
  createdBy: string | null;
  apiKeyId: string | null;
  principal: Record<string, unknown>;
  taskType: string;
  mode: 'sync' | 'async';
  status: 'queued' | 'running';
  input: Record<string, unknown>;
  config: Record<string, unknown>;
  sessionId: string | null;
  metadata: Record<string, string>;
  webhookUrl: string | null;
  fileIds: string[];
  /** A running (sync) task is leased to this worker from the start. */
  lockedBy?: string;
  leaseMs?: number;
}

export interface TaskResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  output?: Record<string, unknown> | null;
  error?: { code: string; message: string } | null;
  usage?: { input_tokens: number; output_tokens: number } | null;
}

export interface ListTasksFilter {
  status?: TaskStatus | undefined;
  taskType?: string | undefined;
  /** Only tasks with an id before this one (the cursor). */
  beforeId?: string | undefined;
  limit: number;
}

const ACTIVE: TaskStatus[] = ['queued', 'running'];

/** Tasks: creation, the caller's list, the work queue (claim with a lease, heartbeat, reclaim) and results. */
export class TasksRepository {
  async insert(db: Executor, tenantId: string, task: NewTask): Promise<TaskRow> {
    return db
      .insertInto('tasks')
      .values({
        id: task.id,
        tenant_id: tenantId,
        created_by: task.createdBy,
        api_key_id: task.apiKeyId,
        principal: JSON.stringify(task.principal),
        task_type: task.taskType,
        mode: task.mode,
        status: task.status,
        input: JSON.stringify(task.input),
        config: JSON.stringify(task.config),
        session_id: task.sessionId,
        metadata: JSON.stringify(task.metadata),
        webhook_url: task.webhookUrl,
        file_ids: task.fileIds,
        ...(task.status === 'running'
          ? {
              attempts: 1,
              started_at: sql<Date>`now()`,
              locked_by: task.lockedBy ?? null,
              locked_until: sql<Date>`now() + ${task.leaseMs ?? 60_000} * interval '1 millisecond'`,
            }
          : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async get(db: Executor, tenantId: string, id: string): Promise<TaskRow | undefined> {
    return db
      .selectFrom('tasks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The tasks `createdBy` created in the tenant, newest first. */
  async list(db: Executor, tenantId: string, createdBy: string, filter: ListTasksFilter): Promise<TaskRow[]> {
    let query = db
      .selectFrom('tasks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('created_by', '=', createdBy);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.taskType) query = query.where('task_type', '=', filter.taskType);
    if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Takes the next due queued task for `workerId` (never one another worker holds). */
  async claimNext(db: Executor, workerId: string, leaseMs: number): Promise<TaskRow | undefined> {
    const { rows } = await sql<TaskRow>`
      update tasks set
        status = 'running',
        attempts = attempts + 1,
        locked_by = ${workerId},
        locked_until = now() + ${leaseMs} * interval '1 millisecond',
        started_at = coalesce(started_at, now())
      where id = (
        select id from tasks
        where status = 'queued' and available_at <= now()
        order by available_at, id
        limit 1
        for update skip locked
      )
      returning *`.execute(db);
    return rows[0];
  }

  /**
   * Extends the lease of a running task; `held` false when the worker lost it (reclaimed, finished),
   * `cancel` true when a cancel was asked for (on any instance).
   */
  async heartbeat(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string,
    leaseMs: number,
  ): Promise<{ held: boolean; cancel: boolean }> {
    const row = await db
      .updateTable('tasks')
      .set({ locked_until: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('locked_by', '=', workerId)
      .returning('cancel_requested')
      .executeTakeFirst();
    return { held: row !== undefined, cancel: row?.cancel_requested ?? false };
  }

  /**
   * Records how a task ended, if it has not ended yet (and, with `workerId`, only while that worker holds
   * it). Returns the finished row, or undefined when the task had already ended or was taken away.
   */
  async finish(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string | null,
    result: TaskResult,
  ): Promise<TaskRow | undefined> {
    let query = db
      .updateTable('tasks')
      .set({
        status: result.status,
        output: result.output ? JSON.stringify(result.output) : null,
        error: result.error ? JSON.stringify(result.error) : null,
        usage: result.usage ? JSON.stringify(result.usage) : null,
        locked_by: null,
        locked_until: null,
        completed_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', 'in', ACTIVE);
    if (workerId) query = query.where('locked_by', '=', workerId);
    return query.returningAll().executeTakeFirst();
  }

  /** Gives a running task back to the queue (a retryable failure, or its worker stopping). */
  async requeue(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string,
    delayMs: number,
    countAttempt: boolean,
  ): Promise<boolean> {
    const result = await db
      .updateTable('tasks')
      .set({
        status: 'queued',
        locked_by: null,
        locked_until: null,
        available_at: sql`now() + ${delayMs} * interval '1 millisecond'`,
        ...(countAttempt ? {} : { attempts: sql`greatest(attempts - 1, 0)` }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Asks the instance running a task to stop it; true when the task is running. */
  async requestCancel(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const result = await db
      .updateTable('tasks')
      .set({ cancel_requested: true })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Cancels a queued task at once; undefined when it is not queued. */
  async cancelQueued(db: Executor, tenantId: string, id: string): Promise<TaskRow | undefined> {
    return db
      .updateTable('tasks')
      .set({
        status: 'cancelled',
        error: JSON.stringify({ code: 'cancelled', message: 'The task was cancelled' }),
        completed_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Running tasks whose lease ran out (their instance died): async ones with attempts left go back to the
   * queue; the rest — sync tasks (their caller already got an error) and async ones out of attempts —
   * end `failed` with code `interrupted` and are returned, for their files and webhooks.
   */
  async reclaimExpired(db: Executor, maxAttempts: number): Promise<TaskRow[]> {
    await sql`
      update tasks set status = 'queued', locked_by = null, locked_until = null, available_at = now()
      where status = 'running' and locked_until < now() and mode = 'async' and attempts < ${maxAttempts}
        and not cancel_requested`.execute(db);
    const { rows } = await sql<TaskRow>`
      update tasks set
        status = case when cancel_requested then 'cancelled' else 'failed' end,
        error = case when cancel_requested
          then ${JSON.stringify({ code: 'cancelled', message: 'The task was cancelled' })}::jsonb
          else ${JSON.stringify({ code: 'interrupted', message: 'The task stopped when the server running it went away' })}::jsonb
        end,
        locked_by = null, locked_until = null, completed_at = now()
      where status = 'running' and locked_until < now()
      returning *`.execute(db);
    return rows;
  }
}

import {
  AppError,
  BadRequestError,
  ConflictError,
  isAppError,
  NotFoundError,
  ServiceUnavailableError,
} from '../../errors.js';
import { isId, newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import type { AccessService } from '../access/access.service.js';
import { requirePrincipal } from '../access/access.service.js';
import type { Principal, RequestContext } from '../access/principal.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { FilesService } from '../files/files.service.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { type DeltaSink, TaskExecutor, type TaskOutcome } from './task-executor.js';
import {
  parseTask,
  TaskOptionUnsupportedError,
  type TaskSpec,
  type TaskType,
  validationErrorOf,
} from './task-types.js';
import { TaskStop, TaskWorker } from './task-worker.js';
import type { TaskResult, TaskRow, TasksRepository } from './tasks.repository.js';
import { invokeBody } from './tasks.schemas.js';

/** No task with that id for this caller (another user's or tenant's task answers the same: `not_found`). */
export class TaskNotFoundError extends NotFoundError {
  constructor() {
    super('No such task');
  }
}

/** No session (conversation) with that id for this caller: `not_found`. */
export class SessionNotFoundError extends NotFoundError {
  constructor() {
    super('No such session');
  }
}

/** Cancel of a task that has already ended. */
export class TaskNotCancellableError extends ConflictError {
  override readonly code = 'task_not_cancellable';
}

export class BatchTooLargeError extends BadRequestError {
  override readonly code = 'batch_too_large';
}

/** A synchronous task that failed: the failure's own code, status and retryability, with the task's id. */
export class TaskFailedError extends AppError {
  readonly code: string;
  readonly status: number;
  override readonly isRetryable: boolean;
  constructor(taskId: string, cause: unknown) {
    const app = isAppError(cause) ? cause : undefined;
    const details = app?.details && !Array.isArray(app.details) ? app.details : {};
    super(app?.message ?? 'The task failed', {
      cause,
      details: { ...details, task_id: taskId },
      ...(app?.headers ? { headers: app.headers } : {}),
    });
    this.code = app?.code ?? 'internal_error';
    this.status = app?.status ?? 500;
    this.isRetryable = app?.isRetryable ?? false;
  }
}

export interface InvokeRequest {
  task_type?: unknown;
  input?: unknown;
  config?: unknown;
  session_id?: string | null | undefined;
  stream?: boolean | undefined;
  async?: boolean | undefined;
  webhook_url?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
}

/** A task's webhook: where it goes, whether it arrived, and every attempt. */
export interface WebhookState {
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: {
    attempt: number;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    at: string;
  }[];
}

export interface TaskView {
  id: string;
  object: 'task';
  task_type: TaskType;
  status: TaskRow['status'];
  output: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  usage: { input_tokens: number; output_tokens: number } | null;
  session_id: string | null;
  metadata: Record<string, string>;
  webhook: WebhookState | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export type BatchItemResult =
  | { index: number; status: TaskRow['status']; task: TaskView; error?: { code: string; message: string } }
  | { index: number; status: 'failed'; error: { code: string; message: string; details?: unknown } };

export interface TasksSettings {
  /** Queued tasks run at once by this instance's worker. */
  concurrency: number;
  /** How often an idle worker looks for queued tasks (queueing on this instance wakes it at once). */
  pollMs: number;
  /** How long a running task's claim lasts without a heartbeat. */
  leaseMs: number;
  /** How often a running task renews its lease and looks for a cancel from another instance. */
  heartbeatMs: number;
  /** Runs of an async task that keeps failing retryably (or losing its worker) before it fails. */
  maxAttempts: number;
  /** First back-off before a retryable failure runs again (doubles per attempt). */
  retryBaseMs: number;
  /** Items one `POST /v1/invoke/batch` may have. */
  batchMaxItems: number;
  /** Synchronous batch items run at once. */
  batchConcurrency: number;
}

/** A validated invocation, ready to store and run. */
interface Prepared {
  tenantId: string;
  principal: Principal;
  spec: TaskSpec;
  request: InvokeRequest;
  sessionId: string | null;
  webhookUrl: string | null;
}

/** A streaming invocation that has been accepted (stored, running): run it while encoding its events. */
export interface StartedTask {
  task: TaskView;
  /** Runs the task; `onDelta` gets text as it comes. Resolves with the finished task; throws TaskFailedError. */
  run(signal: AbortSignal, onDelta: DeltaSink): Promise<TaskView>;
}

/**
 * The task API: `invoke` (synchronous, streaming or queued), batches, reading and cancelling tasks. Every
 * invocation is a stored task, so its result, error, usage and webhook deliveries can be read later;
 * queued ones run on the worker of any instance. Input files are held from creation until the task ends.
 *
 * @example
 * const task = await tasks.invoke(ctx, { task_type: 'text_generation', input: { prompt: 'Hi' } }, signal);
 * task.output // { text: '...', finish_reason: 'stop', model: 'local' }
 */
export class TasksService {
  readonly worker: TaskWorker;
  /** Tasks running on this instance (sync, streaming and the worker's), by id: a cancel aborts them here. */
  private readonly running = new Map<string, AbortController>();
  private readonly instanceId = `tasks_${newId('task').slice(-10)}`;

  constructor(
    private readonly deps: {
      db: Executor;
      tasks: TasksRepository;
      access: Pick<AccessService, 'resolveTenant' | 'require'>;
      executor: TaskExecutor;
      files: Pick<FilesService, 'hold' | 'release'>;
      sessions: Pick<ConversationsService, 'get'>;
      webhooks: Pick<WebhooksService, 'checkUrl' | 'enqueue' | 'deliveries'>;
      logger: Pick<Logger, 'info' | 'warn' | 'error'>;
      settings: TasksSettings;
    },
  ) {
    this.worker = new TaskWorker({
      db: deps.db,
      tasks: deps.tasks,
      logger: deps.logger,
      settings: deps.settings,
      run: (row, signal) => this.runQueued(row, signal),
      ended: (rows) => this.afterReclaim(rows),
    });
  }

  start(): void {
    this.worker.start();
  }

  async close(): Promise<void> {
    await this.worker.stop();
  }

  /**
   * Runs a task now and answers the finished task, or queues it (`async: true`) and answers it `queued`.
   * Bad input answers 400 before anything is stored; a task that fails answers its error (TaskFailedError,
   * with `details.task_id`) and stays stored as `failed`.
   */
  async invoke(ctx: RequestContext, request: InvokeRequest, signal: AbortSignal): Promise<TaskView> {
    if (request.stream)
      throw new TaskOptionUnsupportedError(
        'Streaming invocations answer with events; use the streaming route',
        {
          details: { param: 'stream' },
        },
      );
    const prepared = await this.prepare(ctx, request);
    if (request.async) return this.enqueue(prepared);
    const task = await this.create(prepared, 'running');
    return this.runNow(ctx, prepared, task, signal);
  }

  /**
   * Accepts a streaming invocation (`stream: true`, text generation only): validated and stored `running`;
   * the caller opens its stream and then calls `run`. A client that goes away cancels the task.
   */
  async invokeStreaming(ctx: RequestContext, request: InvokeRequest): Promise<StartedTask> {
    const prepared = await this.prepare(ctx, request);
    if (prepared.spec.taskType !== 'text_generation')
      throw new TaskOptionUnsupportedError(
        `${prepared.spec.taskType} cannot stream; only text_generation can (leave stream out or false)`,
        { details: { param: 'stream', task_type: prepared.spec.taskType } },
      );
    if (request.async)
      throw new TaskOptionUnsupportedError('A task is either streamed or queued (async), not both', {
        details: { param: 'async' },
      });
    const row = await this.create(prepared, 'running');
    return {
      task: await this.view(row),
      run: (signal, onDelta) => this.runNow(ctx, prepared, row, signal, onDelta),
    };
  }

  /**
   * Runs up to `batchMaxItems` invocations: each item is checked and run (or queued, with `async`) on its
   * own, so one bad item does not fail the rest; results keep the items' order.
   */
  async invokeBatch(
    ctx: RequestContext,
    batch: { items: unknown[]; async?: boolean | undefined },
    signal: AbortSignal,
  ): Promise<BatchItemResult[]> {
    const { batchMaxItems, batchConcurrency } = this.deps.settings;
    if (batch.items.length > batchMaxItems)
      throw new BatchTooLargeError(
        `A batch may have at most ${batchMaxItems} items; this one has ${batch.items.length}`,
        { details: { param: 'items', limit: batchMaxItems, count: batch.items.length } },
      );
    // Authorise once up front: without tasks:write no item can run.
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'tasks:write');
    const results: BatchItemResult[] = new Array(batch.items.length);
    let next = 0;
    const lane = async () => {
      while (next < batch.items.length) {
        const index = next++;
        results[index] = await this.batchItem(ctx, index, batch.items[index]!, batch.async, signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(batchConcurrency, batch.items.length) }, lane));
    return results;
  }

  private async batchItem(
    ctx: RequestContext,
    index: number,
    raw: unknown,
    batchAsync: boolean | undefined,
    signal: AbortSignal,
  ): Promise<BatchItemResult> {
    let taskId: string | undefined;
    try {
      const envelope = invokeBody.safeParse(raw);
      if (!envelope.success)
        throw validationErrorOf(envelope.error, `items.${index}`, `Invalid batch item ${index}`);
      const item = envelope.data;
      if (item.stream)
        throw new TaskOptionUnsupportedError('Batch items cannot stream', { details: { param: 'stream' } });
      const prepared = await this.prepare(ctx, item, `items.${index}.`);
      if (item.async ?? batchAsync) {
        const task = await this.enqueue(prepared);
        return { index, status: task.status, task };
      }
      const row = await this.create(prepared, 'running');
      taskId = row.id;
      const task = await this.runNow(ctx, prepared, row, signal);
      return { index, status: task.status, task };
    } catch (error) {
      const app = isAppError(error) ? error : undefined;
      const failure = taskErrorOf(error);
      if (!app) this.deps.logger.error({ err: error, task_id: taskId }, 'batch item failed');
      if (taskId) {
        const row = await this.deps.tasks.get(this.deps.db, (await this.tenantOf(ctx)) ?? '', taskId);
        if (row) return { index, status: row.status, task: await this.view(row), error: failure };
      }
      return {
        index,
        status: 'failed',
        error: { ...failure, ...(app?.details === undefined ? {} : { details: app.details }) },
      };
    }
  }

  /** A task of the caller's; 404 `not_found` for anyone else's. */
  async get(ctx: RequestContext, taskId: string): Promise<TaskView> {
    return this.view(await this.owned(ctx, taskId, 'tasks:read'));
  }

  /** The caller's tasks, newest first; the cursor is the last id of the previous page. */
  async list(
    ctx: RequestContext,
    filter: {
      status?: TaskRow['status'] | undefined;
      taskType?: string | undefined;
      cursor?: string | undefined;
      limit: number;
    },
  ): Promise<{ data: TaskView[]; nextCursor: string | null }> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'tasks:read');
    const principal = requirePrincipal(ctx);
    if (filter.cursor !== undefined && !isId('task', filter.cursor))
      throw new BadRequestError('cursor is not a task cursor', { details: { param: 'cursor' } });
    const rows = await this.deps.tasks.list(this.deps.db, tenantId, principal.userId, {
      status: filter.status,
      taskType: filter.taskType,
      beforeId: filter.cursor,
      limit: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    return {
      data: await Promise.all(page.map((row) => this.view(row))),
      nextCursor: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /**
   * Cancels a queued or running task: a queued one ends at once; a running one is stopped — here, or by
   * the instance running it within a heartbeat — and answered as it is then. 409 `task_not_cancellable`
   * for a task that has ended.
   */
  async cancel(ctx: RequestContext, taskId: string): Promise<TaskView> {
    const row = await this.owned(ctx, taskId, 'tasks:write');
    const { db, tasks } = this.deps;
    const queued = await withTransaction(db, async (trx) => {
      const cancelled = await tasks.cancelQueued(trx, row.tenant_id, row.id);
      if (cancelled) await this.announce(trx, cancelled);
      return cancelled;
    });
    if (queued) {
      await this.releaseFiles(queued);
      return this.view(queued);
    }
    if (await tasks.requestCancel(db, row.tenant_id, row.id)) {
      const local = this.running.get(row.id);
      if (local) {
        local.abort(new TaskStop('cancelled'));
        // The task records its own end; wait briefly so the answer shows it.
        for (let i = 0; i < 50 && this.running.has(row.id); i++) await sleep(20);
      }
      const now = await tasks.get(db, row.tenant_id, row.id);
      return this.view(now ?? row);
    }
    const now = await tasks.get(db, row.tenant_id, row.id);
    throw new TaskNotCancellableError(`The task has already ended (${now?.status ?? row.status})`, {
      details: { task_id: row.id, status: now?.status ?? row.status },
    });
  }

  // Internals.

  private async prepare(ctx: RequestContext, request: InvokeRequest, pathPrefix = ''): Promise<Prepared> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'tasks:write');
    const principal = requirePrincipal(ctx);
    const spec = parseTask(request.task_type, request.input, request.config, pathPrefix);
    const sessionId = request.session_id ?? null;
    if (sessionId !== null) {
      if (spec.taskType !== 'text_generation')
        throw new TaskOptionUnsupportedError(
          `${spec.taskType} tasks do not use sessions; leave session_id out`,
          {
            details: { param: `${pathPrefix}session_id` },
          },
        );
      if (spec.input.messages || spec.config.system)
        throw new TaskOptionUnsupportedError(
          'A session keeps its own history and system prompt: send input.prompt only (no messages, no config.system)',
          {
            details: {
              param: spec.input.messages ? `${pathPrefix}input.messages` : `${pathPrefix}config.system`,
            },
          },
        );
      if (!isId('conv', sessionId)) throw new SessionNotFoundError();
      await this.deps.sessions.get(ctx, sessionId).catch((error: unknown) => {
        throw error instanceof NotFoundError ? new SessionNotFoundError() : error;
      });
    }
    await this.deps.executor.preflight(ctx, spec);
    const webhookUrl = request.webhook_url ?? null;
    if (webhookUrl !== null) await this.deps.webhooks.checkUrl(webhookUrl);
    return { tenantId, principal, spec, request, sessionId, webhookUrl };
  }

  /** Stores the task, holding its input files (404 for a missing one; nothing is stored then). */
  private async create(prepared: Prepared, status: 'queued' | 'running'): Promise<TaskRow> {
    const id = newId('task');
    const fileIds = TaskExecutor.inputFiles(prepared.spec);
    const held: string[] = [];
    try {
      for (const fileId of fileIds) {
        await this.deps.files.hold(prepared.tenantId, fileId, id);
        held.push(fileId);
      }
      const { principal, spec, request } = prepared;
      return await this.deps.tasks.insert(this.deps.db, prepared.tenantId, {
        id,
        createdBy: principal.userId,
        apiKeyId: principal.kind === 'api_key' ? principal.keyId : null,
        principal: { ...principal },
        taskType: spec.taskType,
        mode: status === 'queued' ? 'async' : 'sync',
        status,
        input: spec.input as Record<string, unknown>,
        config: spec.config as Record<string, unknown>,
        sessionId: prepared.sessionId,
        metadata: request.metadata ?? {},
        webhookUrl: prepared.webhookUrl,
        fileIds,
        lockedBy: this.instanceId,
        leaseMs: this.deps.settings.leaseMs,
      });
    } catch (error) {
      await Promise.all(held.map((fileId) => this.deps.files.release(prepared.tenantId, fileId, id)));
      throw error;
    }
  }

  private async enqueue(prepared: Prepared): Promise<TaskView> {
    const row = await this.create(prepared, 'queued');
    this.worker.wake();
    return this.view(row);
  }

  /** Runs a task stored `running` by this instance, records how it ended, and answers it (or its error). */
  private async runNow(
    ctx: RequestContext,
    prepared: Prepared,
    row: TaskRow,
    signal: AbortSignal,
    onDelta?: DeltaSink,
  ): Promise<TaskView> {
    const controller = new AbortController();
    const onClientGone = () => controller.abort(new TaskStop('client_gone'));
    if (signal.aborted) onClientGone();
    else signal.addEventListener('abort', onClientGone, { once: true });
    try {
      const ended = await this.execute(ctx, row, prepared.spec, controller, this.instanceId, onDelta);
      if (ended.status === 'succeeded') return this.view(ended.row);
      if (ended.status === 'requeued')
        throw new TaskFailedError(
          row.id,
          new ServiceUnavailableError('The task was taken over after this instance lost its lease'),
        );
      throw new TaskFailedError(row.id, ended.cause);
    } finally {
      signal.removeEventListener('abort', onClientGone);
    }
  }

  /** A queued task the worker claimed: run it for the caller who created it. */
  private async runQueued(row: TaskRow, signal: AbortSignal): Promise<'ended' | 'requeued'> {
    const ctx: RequestContext = {
      principal: row.principal as unknown as Principal,
      tenantId: row.tenant_id,
      ip: '',
      userAgent: null,
      requestId: `task:${row.id}`,
    };
    let spec: TaskSpec;
    try {
      spec = parseTask(row.task_type, row.input, row.config);
    } catch (error) {
      await this.end(row, this.worker.id, { status: 'failed', error: taskErrorOf(error) });
      return 'ended';
    }
    const controller = new AbortController();
    const stop = () => controller.abort(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      const ended = await this.execute(ctx, row, spec, controller, this.worker.id, undefined, true);
      return ended.status === 'requeued' ? 'requeued' : 'ended';
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /**
   * Executes a running task with a heartbeat (lease renewal, cancels from other instances) and records
   * the result. Async tasks that fail retryably, or whose worker stops, go back to the queue.
   */
  private async execute(
    ctx: RequestContext,
    row: TaskRow,
    spec: TaskSpec,
    controller: AbortController,
    workerId: string,
    onDelta?: DeltaSink,
    queued = false,
  ): Promise<
    | { status: 'succeeded'; row: TaskRow }
    | { status: 'failed' | 'cancelled'; row: TaskRow; cause: unknown }
    | { status: 'requeued' }
  > {
    const { settings, tasks, db, logger } = this.deps;
    this.running.set(row.id, controller);
    const heartbeat = setInterval(() => {
      tasks
        .heartbeat(db, row.tenant_id, row.id, workerId, settings.leaseMs)
        .then(({ held, cancel }) => {
          if (!held) controller.abort(new TaskStop('lease_lost'));
          else if (cancel) controller.abort(new TaskStop('cancelled'));
        })
        .catch((error: unknown) => logger.warn({ err: error, task_id: row.id }, 'task lease renewal failed'));
    }, settings.heartbeatMs);
    heartbeat.unref();
    let outcome: TaskOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await this.deps.executor.execute(spec, {
        ctx,
        tenantId: row.tenant_id,
        taskId: row.id,
        sessionId: row.session_id,
        signal: controller.signal,
        onDelta,
      });
      // A cancel that came as the work finished still wins: the caller asked for it.
      controller.signal.throwIfAborted();
    } catch (error) {
      failure = controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearInterval(heartbeat);
      this.running.delete(row.id);
    }
    if (outcome) {
      const ended = await this.end(row, workerId, {
        status: 'succeeded',
        output: outcome.output,
        usage: outcome.usage,
      });
      return { status: 'succeeded', row: ended ?? row };
    }
    const stop = failure instanceof TaskStop ? failure.kind : undefined;
    if (stop === 'lease_lost') return { status: 'requeued' };
    if (
      queued &&
      (stop === 'shutdown' ||
        (isAppError(failure) && failure.isRetryable && row.attempts < settings.maxAttempts))
    ) {
      const delay = stop === 'shutdown' ? 0 : settings.retryBaseMs * 2 ** (row.attempts - 1);
      if (await tasks.requeue(db, row.tenant_id, row.id, workerId, delay, stop !== 'shutdown'))
        return { status: 'requeued' };
    }
    if (!isAppError(failure) && !stop)
      logger.error({ err: failure, task_id: row.id }, 'task failed unexpectedly');
    const status = stop === 'cancelled' || stop === 'client_gone' ? 'cancelled' : 'failed';
    const error =
      stop === 'client_gone'
        ? { code: 'client_disconnected', message: 'The client went away while the task streamed' }
        : stop === 'cancelled'
          ? { code: 'cancelled', message: 'The task was cancelled' }
          : taskErrorOf(failure);
    const ended = await this.end(row, workerId, { status, error });
    return { status, row: ended ?? row, cause: stop ? new TaskCancelledError(error.message) : failure };
  }

  /** Records the end (once), announces it to the webhook, and releases the input files. */
  private async end(row: TaskRow, workerId: string, result: TaskResult): Promise<TaskRow | undefined> {
    const ended = await withTransaction(this.deps.db, async (trx) => {
      const finished = await this.deps.tasks.finish(trx, row.tenant_id, row.id, workerId, result);
      if (finished) await this.announce(trx, finished);
      return finished;
    });
    if (ended) await this.releaseFiles(ended);
    return ended;
  }

  private async announce(db: Executor, row: TaskRow): Promise<void> {
    if (!row.webhook_url) return;
    await this.deps.webhooks.enqueue(db, row.tenant_id, {
      subjectType: 'task',
      subjectId: row.id,
      url: row.webhook_url,
      event: `task.${row.status}`,
      payload: this.baseView(row, null),
    });
  }

  private async afterReclaim(rows: TaskRow[]): Promise<void> {
    for (const row of rows) {
      await this.announce(this.deps.db, row).catch((error: unknown) =>
        this.deps.logger.warn({ err: error, task_id: row.id }, 'task webhook could not be queued'),
      );
      await this.releaseFiles(row);
    }
  }

  private async releaseFiles(row: TaskRow): Promise<void> {
    for (const fileId of row.file_ids)
      await this.deps.files
        .release(row.tenant_id, fileId, row.id)
        .catch((error: unknown) =>
          this.deps.logger.warn({ err: error, task_id: row.id, file_id: fileId }, 'file hold release failed'),
        );
  }

  private async owned(
    ctx: RequestContext,
    taskId: string,
    permission: 'tasks:read' | 'tasks:write',
  ): Promise<TaskRow> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    const principal = requirePrincipal(ctx);
    const row = isId('task', taskId) ? await this.deps.tasks.get(this.deps.db, tenantId, taskId) : undefined;
    if (!row || row.created_by !== principal.userId) throw new TaskNotFoundError();
    return row;
  }

  private async tenantOf(ctx: RequestContext): Promise<string | undefined> {
    return this.deps.access.resolveTenant(ctx).catch(() => undefined);
  }

  private async view(row: TaskRow): Promise<TaskView> {
    // Until the task ends nothing is queued: the webhook is pending with no attempts.
    const webhook = row.webhook_url
      ? ((await this.deps.webhooks.deliveries(row.tenant_id, 'task', row.id)) ?? {
          url: row.webhook_url,
          status: 'pending' as const,
          attempts: [],
        })
      : null;
    return this.baseView(row, webhook);
  }

  private baseView(row: TaskRow, webhook: TaskView['webhook']): TaskView {
    return {
      id: row.id,
      object: 'task',
      task_type: row.task_type as TaskType,
      status: row.status,
      output: row.output,
      error: row.error,
      usage: row.usage,
      session_id: row.session_id,
      metadata: row.metadata,
      webhook,
      created_at: new Date(row.created_at).toISOString(),
      started_at: row.started_at ? new Date(row.started_at).toISOString() : null,
      completed_at: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    };
  }
}

/** The error a cancelled task answers with (synchronous callers, `task.failed` events); stored the same. */
export class TaskCancelledError extends ConflictError {
  override readonly code = 'cancelled';
}

/** The `{code, message}` a failed task records and reports: the AppError's own, or `internal_error`. */
export function taskErrorOf(error: unknown): { code: string; message: string } {
  return isAppError(error)
    ? { code: error.code, message: error.message }
    : { code: 'internal_error', message: 'The task failed unexpectedly' };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

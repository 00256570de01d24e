import { PagePromise } from '../core/pagination.js';
import { pollUntil, type WaitOptions } from '../core/poll.js';
import type { RequestOptions } from '../core/transport.js';
import type { Task, TaskListParams, TaskStatus } from '../types.js';
import { APIResource, seg } from './resource.js';

/** The statuses a task does not leave. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Tasks: read, list, cancel, and wait for async ones (`tasks:read`, `tasks:write` to cancel).
 * @example
 * const queued = await client.invoke({ task_type: 'text_generation', input: { prompt: 'Hi' }, async: true });
 * const done = await client.tasks.waitFor(queued.id, { pollInterval: 500 });
 */
export class Tasks extends APIResource {
  /**
   * `GET /v1/tasks/:id`: one task.
   * @example const task = await client.tasks.retrieve('task_01jd8x3k5q9v7w2m4n6p8r0s1t');
   */
  retrieve(id: string, options?: RequestOptions): Promise<Task> {
    return this.transport.json<Task>({ method: 'GET', path: `/v1/tasks/${seg(id)}` }, options);
  }

  /**
   * `GET /v1/tasks`: the caller's tasks, newest first. Await for one page, or `for await` for all.
   * @example for await (const task of client.tasks.list({ status: 'failed' })) console.log(task.id, task.error);
   */
  list(params: TaskListParams = {}, options?: RequestOptions): PagePromise<Task> {
    return new PagePromise((cursor) =>
      this.transport.json(
        { method: 'GET', path: '/v1/tasks', query: { ...params, ...(cursor ? { cursor } : {}) } },
        options,
      ),
    );
  }

  /**
   * `POST /v1/tasks/:id/cancel`: a queued or running task becomes `cancelled`; a finished one rejects
   * with `ConflictError` (`task_not_cancellable`).
   * @example const task = await client.tasks.cancel(id); // task.status === 'cancelled'
   */
  cancel(id: string, options?: RequestOptions): Promise<Task> {
    return this.transport.json<Task>({ method: 'POST', path: `/v1/tasks/${seg(id)}/cancel` }, options);
  }

  /**
   * Polls a task until it is `succeeded`, `failed` or `cancelled`, and answers it (a failed task is
   * answered, not thrown: check `status`). Rejects with `WaitTimeoutError` after `timeout`.
   * @example
   * const task = await client.tasks.waitFor(id, { pollInterval: 500, timeout: 60_000 });
   * if (task.status === 'succeeded') console.log(task.output);
   */
  waitFor(id: string, options: WaitOptions & { requestOptions?: RequestOptions } = {}): Promise<Task> {
    return pollUntil(
      (signal) => this.retrieve(id, { ...options.requestOptions, ...(signal ? { signal } : {}) }),
      (task) => FINAL_TASK_STATUSES.includes(task.status),
      options,
      `Task ${id}`,
    );
  }
}

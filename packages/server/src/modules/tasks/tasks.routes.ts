import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isAppError } from '../../errors.js';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, errorResponseSchema } from '../../http/schemas.js';
import { openSse } from '../../http/sse.js';
import type { RequestContext } from '../access/principal.js';
import {
  batchBody,
  batchResultSchema,
  invokeBody,
  listTasksQuery,
  taskPage,
  taskParams,
  taskSchema,
} from './tasks.schemas.js';
import { type TasksService, taskErrorOf } from './tasks.service.js';

export interface TasksRoutesOptions {
  tasks: TasksService;
  authn: Authenticator;
  /** `SSE_HEARTBEAT_MS`: `: ping` comments on idle streams. */
  heartbeatMs: number;
}

/**
 * `POST /v1/invoke` (JSON, or server-sent events with `stream: true`), `POST /v1/invoke/batch`, and
 * `/v1/tasks` (list, get, cancel). See docs/tasks.md.
 */
export const tasksRoutes: FastifyPluginAsyncZod<TasksRoutesOptions> = async (
  app,
  { tasks, authn, heartbeatMs },
) => {
  const tags = ['tasks'];

  app.post(
    '/v1/invoke',
    {
      schema: {
        tags,
        summary: 'Run a task: text, image, speech, transcription or document processing (tasks:write)',
        description:
          'Answers the finished task (200), the queued task with `async: true` (202), or server-sent events ' +
          '(`task.created`, `task.delta`, `task.completed` / `task.failed`) with `stream: true`. See docs/tasks.md.',
        body: invokeBody,
        response: {
          200: taskSchema,
          202: taskSchema,
          ...authErrorResponses,
          413: errorResponseSchema,
          415: errorResponseSchema,
          422: errorResponseSchema,
          501: errorResponseSchema,
          502: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const body = request.body;
      if (body.stream) return streamInvoke(ctx, request, reply, tasks, body, heartbeatMs);
      // A synchronous task outlives its client (the result is stored; GET /v1/tasks/:id shows it).
      const task = await tasks.invoke(ctx, body, new AbortController().signal);
      return reply.status(task.status === 'queued' ? 202 : 200).send(task);
    },
  );

  app.post(
    '/v1/invoke/batch',
    {
      schema: {
        tags,
        summary: 'Run or queue several tasks; per-item results in order (tasks:write)',
        body: batchBody,
        response: { 200: batchResultSchema, ...authErrorResponses },
      },
    },
    async (request) => {
      const ctx = await authn.required(request);
      const data = await tasks.invokeBatch(ctx, request.body, new AbortController().signal);
      return { object: 'batch' as const, data };
    },
  );

  app.get(
    '/v1/tasks',
    {
      schema: {
        tags,
        summary: "The caller's tasks, newest first (tasks:read)",
        querystring: listTasksQuery,
        response: { 200: taskPage, ...authErrorResponses },
      },
    },
    async (request) => {
      const { status, task_type, cursor, limit } = request.query;
      const page = await tasks.list(await authn.required(request), {
        status,
        taskType: task_type,
        cursor,
        limit,
      });
      return { data: page.data, next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/tasks/:id',
    {
      schema: {
        tags,
        summary: 'One task: status, output, error, usage and webhook deliveries (tasks:read)',
        params: taskParams,
        response: { 200: taskSchema, ...authErrorResponses },
      },
    },
    async (request) => tasks.get(await authn.required(request), request.params.id),
  );

  app.post(
    '/v1/tasks/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a queued or running task (tasks:write)',
        params: taskParams,
        response: { 200: taskSchema, ...authErrorResponses },
      },
    },
    async (request) => tasks.cancel(await authn.required(request), request.params.id),
  );
};

async function streamInvoke(
  ctx: RequestContext,
  request: FastifyRequest,
  reply: FastifyReply,
  tasks: TasksService,
  body: Parameters<TasksService['invokeStreaming']>[1],
  heartbeatMs: number,
): Promise<FastifyReply> {
  // Everything that can answer a JSON error (validation, authorisation, files) happens before the stream.
  const started = await tasks.invokeStreaming(ctx, body);
  const sse = openSse(request, reply, { heartbeatMs });
  const taskId = started.task.id;
  const send = (event: string, data: Record<string, unknown>) =>
    sse.send({ event, data: JSON.stringify({ type: event, ...data }) });
  await send('task.created', { task: started.task });
  try {
    const task = await started.run(sse.signal, (text) =>
      send('task.delta', { task_id: taskId, delta: { content: text } }),
    );
    await send('task.completed', { task, usage: task.usage });
  } catch (error) {
    const failure = taskErrorOf(error);
    if (!isAppError(error)) request.log.error({ err: error, task_id: taskId }, 'streamed task failed');
    await send('task.failed', { task_id: taskId, error: failure });
  }
  sse.close();
  return reply;
}

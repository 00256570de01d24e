import { z } from 'zod';
import { limitQuery, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { SUPPORTED_TASK_TYPES } from './task-types.js';

export const MAX_METADATA_KEYS = 16;
export const MAX_WEBHOOK_URL_CHARS = 2_048;

const metadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, {
    message: `at most ${MAX_METADATA_KEYS} keys`,
  })
  .meta({ description: 'Your own key/value strings, returned on the task and in its webhook' });

/**
 * The envelope of one invocation. `input` and `config` are checked per task type by the service (so an
 * unknown `task_type` answers `unsupported_task_type` listing the supported ones); see docs/tasks.md.
 */
export const invokeBody = z
  .strictObject({
    task_type: z
      .string()
      .max(100)
      .meta({
        description: `One of: ${SUPPORTED_TASK_TYPES.join(', ')}`,
        examples: [...SUPPORTED_TASK_TYPES],
      }),
    input: z
      .record(z.string(), z.unknown())
      .meta({ description: "The task type's input, e.g. { prompt } for text_generation (docs/tasks.md)" }),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "The task type's options, e.g. { model, max_tokens } (docs/tasks.md)" }),
    session_id: idSchema('conv').nullable().optional().meta({
      description: 'text_generation only: a session (POST /v1/sessions) whose history the model sees',
    }),
    stream: z
      .boolean()
      .optional()
      .meta({ description: 'text_generation only: answer with server-sent events' }),
    async: z.boolean().optional().meta({ description: 'Queue the task and answer 202 at once' }),
    webhook_url: z.string().min(1).max(MAX_WEBHOOK_URL_CHARS).nullable().optional().meta({
      description: 'POSTed the finished task, signed (Nexus-Signature); see docs/tasks.md#webhooks',
    }),
    metadata: metadataSchema.optional(),
  })
  .meta({ id: 'InvokeRequest' });
export type InvokeBody = z.infer<typeof invokeBody>;

export const batchBody = z
  .strictObject({
    items: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .meta({ description: 'Invoke requests (no stream); each is checked and run on its own' }),
    async: z.boolean().optional().meta({ description: 'Queue every item (an item may say otherwise)' }),
  })
  .meta({ id: 'InvokeBatchRequest' });

const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

const taskError = z.object({ code: z.string(), message: z.string() });
const usage = z.object({ input_tokens: z.number(), output_tokens: z.number() });

export const webhookStateSchema = z
  .object({
    url: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(
      z.object({
        attempt: z.number(),
        status_code: z.number().nullable(),
        error: z.string().nullable(),
        duration_ms: z.number(),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'TaskWebhook' });

export const taskSchema = z
  .object({
    id: z.string().meta({ example: 'task_01jd8x3k5q9v7w2m4n6p8r0s1t' }),
    object: z.literal('task'),
    task_type: z.enum(SUPPORTED_TASK_TYPES),
    status: z.enum(TASK_STATUSES),
    output: z.record(z.string(), z.unknown()).nullable().meta({
      description: "The task type's result (docs/tasks.md); null until it succeeded",
    }),
    error: taskError.nullable(),
    usage: usage.nullable(),
    session_id: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    webhook: webhookStateSchema.nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
  })
  .meta({ id: 'Task' });

export const batchResultSchema = z
  .object({
    object: z.literal('batch'),
    data: z.array(
      z.object({
        index: z.number(),
        status: z.enum(TASK_STATUSES),
        task: taskSchema.optional(),
        error: z
          .object({ code: z.string(), message: z.string(), details: z.unknown().optional() })
          .optional(),
      }),
    ),
  })
  .meta({ id: 'InvokeBatchResult' });

export const taskParams = z.object({ id: idSchema('task') });

export const listTasksQuery = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  task_type: z.enum(SUPPORTED_TASK_TYPES).optional(),
  cursor: z.string().max(100).optional(),
  limit: limitQuery,
});

export const taskPage = page(taskSchema);

/** Sessions: conversations used through invoke. */
export const createSessionBody = z.strictObject({
  model: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'A chat model (default: INVOKE_TEXT_MODEL)' }),
  system_prompt: z.string().max(100_000).nullable().optional(),
  title: z.string().max(200).optional(),
});

export const sessionParams = z.object({ id: idSchema('conv') });

export const sessionSchema = z
  .object({
    id: z.string().meta({ example: 'conv_01jd8x3k5q9v7w2m4n6p8r0s1t' }),
    object: z.literal('session'),
    conversation_id: z.string(),
    model: z.string(),
    system_prompt: z.string().nullable(),
    title: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'InvokeSession' });

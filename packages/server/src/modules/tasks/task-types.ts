import { z } from 'zod';
import { BadRequestError, ValidationError } from '../../errors.js';
import { idSchema } from '../../ids.js';

/** Every `task_type` `POST /v1/invoke` accepts (the SDK exports the same list). */
export const SUPPORTED_TASK_TYPES = [
  'text_generation',
  'image_generation',
  'speech_to_text',
  'text_to_speech',
  'document_processing',
] as const;
export type TaskType = (typeof SUPPORTED_TASK_TYPES)[number];

/** A `task_type` that is not one of {@link SUPPORTED_TASK_TYPES}. */
export class UnsupportedTaskTypeError extends BadRequestError {
  override readonly code = 'unsupported_task_type';
}

/** `stream: true` (or a session) for a task type that cannot stream (or keep history). */
export class TaskOptionUnsupportedError extends BadRequestError {
  override readonly code = 'task_option_unsupported';
}

export const MAX_PROMPT_CHARS = 200_000;
export const MAX_SPEECH_TEXT_CHARS = 4_096;
export const MAX_IMAGE_PROMPT_CHARS = 4_000;
export const MAX_IMAGES = 4;

const modelName = z.string().trim().min(1).max(200);
const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(MAX_PROMPT_CHARS),
});

/** Each task type's `input` and `config`: strict, so a misspelt option is an error, not ignored. */
export const TASK_SCHEMAS = {
  text_generation: {
    input: z
      .strictObject({
        prompt: z.string().min(1).max(MAX_PROMPT_CHARS).optional(),
        messages: z.array(message).min(1).max(1_000).optional(),
      })
      .refine((i) => (i.prompt === undefined) !== (i.messages === undefined), {
        message: 'give either prompt or messages (exactly one)',
      }),
    config: z.strictObject({
      model: modelName.optional(),
      max_tokens: z.int().min(1).max(1_000_000).optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().gt(0).max(1).optional(),
      stop: z
        .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(4)])
        .optional(),
      seed: z.int().optional(),
      system: z.string().max(MAX_PROMPT_CHARS).optional(),
    }),
  },
  image_generation: {
    input: z.strictObject({ prompt: z.string().trim().min(1).max(MAX_IMAGE_PROMPT_CHARS) }),
    config: z.strictObject({
      model: modelName.optional(),
      width: z.int().min(16).max(8_192).optional(),
      height: z.int().min(16).max(8_192).optional(),
      n: z.int().min(1).max(MAX_IMAGES).optional(),
    }),
  },
  speech_to_text: {
    input: z.strictObject({ file_id: idSchema('file') }),
    config: z.strictObject({
      model: modelName.optional(),
      language: z
        .string()
        .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, { message: 'must be a language tag such as en or zh-CN' })
        .optional(),
    }),
  },
  text_to_speech: {
    input: z.strictObject({ text: z.string().trim().min(1).max(MAX_SPEECH_TEXT_CHARS) }),
    config: z.strictObject({
      model: modelName.optional(),
      voice: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_+-]{0,39}$/, { message: 'must be a voice name such as en or alloy' })
        .optional(),
      speed: z.number().min(0.25).max(4).optional(),
      format: z.enum(['wav']).optional(),
    }),
  },
  document_processing: {
    input: z.strictObject({ file_id: idSchema('file') }),
    config: z.strictObject({
      summarize: z.boolean().optional(),
      summary_max_tokens: z.int().min(16).max(4_096).optional(),
      model: modelName.optional(),
    }),
  },
} as const;

type Schemas = typeof TASK_SCHEMAS;

/** A validated task: its type with the input and config that type takes. */
export type TaskSpec = {
  [T in TaskType]: {
    taskType: T;
    input: z.infer<Schemas[T]['input']>;
    config: z.infer<Schemas[T]['config']>;
  };
}[TaskType];

export type TaskSpecOf<T extends TaskType> = Extract<TaskSpec, { taskType: T }>;

export function isTaskType(value: unknown): value is TaskType {
  return typeof value === 'string' && (SUPPORTED_TASK_TYPES as readonly string[]).includes(value);
}

/**
 * Checks `input` and `config` against `taskType`'s schemas: 400 `unsupported_task_type` (listing the
 * supported ones) for an unknown type, 400 `validation_failed` naming every wrong field otherwise.
 * @example const spec = parseTask('text_generation', { prompt: 'Hi' }, { max_tokens: 16 });
 */
export function parseTask(taskType: unknown, input: unknown, config: unknown, pathPrefix = ''): TaskSpec {
  if (!isTaskType(taskType))
    throw new UnsupportedTaskTypeError(
      `${typeof taskType === 'string' ? `Unknown task_type "${taskType.slice(0, 100)}"` : 'task_type is required'}; supported: ${SUPPORTED_TASK_TYPES.join(', ')}`,
      { details: { param: `${pathPrefix}task_type`, supported: [...SUPPORTED_TASK_TYPES] } },
    );
  const schemas = TASK_SCHEMAS[taskType];
  const parsedInput = schemas.input.safeParse(input);
  const parsedConfig = schemas.config.safeParse(config ?? {});
  const issues = [
    ...issuesOf(parsedInput.error, `${pathPrefix}input`),
    ...issuesOf(parsedConfig.error, `${pathPrefix}config`),
  ];
  if (issues.length > 0)
    throw new ValidationError(
      `Invalid ${taskType} task: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { details: issues },
    );
  return { taskType, input: parsedInput.data, config: parsedConfig.data } as TaskSpec;
}

/**
 * A ValidationError naming every field of `error` (paths under `prefix`), as the edge's own validation
 * does. @example throw validationErrorOf(result.error, 'items.2', 'Invalid batch item');
 */
export function validationErrorOf(error: z.ZodError, prefix: string, label: string): ValidationError {
  const issues = issuesOf(error, prefix);
  return new ValidationError(`${label}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: issues,
  });
}

interface Issue {
  location: 'body';
  path: string;
  message: string;
  issue: string;
}

function issuesOf(error: z.ZodError | undefined, prefix: string): Issue[] {
  if (!error) return [];
  return error.issues.flatMap((issue): Issue[] => {
    const base = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        location: 'body',
        path: `${base}.${key}`,
        message: 'unknown parameter',
        issue: 'unrecognized_keys',
      }));
    return [{ location: 'body', path: base, message: issue.message, issue: issue.code }];
  });
}

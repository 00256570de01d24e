import { EventStream } from '../core/event-stream.js';
import type { RequestOptions, Transport } from '../core/transport.js';
import { APIError, NexusValidationError } from '../errors.js';
import type {
  BatchResult,
  InvokeBatchParams,
  InvokeParams,
  InvokeStreamChunk,
  InvokeStreamParams,
  Task,
} from '../types.js';
import { assertTaskType, type TaskType } from '../validation.js';

/**
 * The chunks of a streaming `text_generation` task (`task.created`, `task.delta` with `delta.content`,
 * then `task.completed` with `usage`, or `task.failed`), iterated once with `for await`.
 * @example
 * const stream = await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Hi' } });
 * for await (const chunk of stream) {
 *   if (chunk.type === 'task.delta') process.stdout.write(chunk.delta.content);
 *   if (chunk.type === 'task.completed') console.log(chunk.usage);
 * }
 */
export class InvokeStream extends EventStream<InvokeStreamChunk> {
  /**
   * Reads the rest of the stream and answers the finished task (`output.text` holds the whole text);
   * a `task.failed` chunk rejects with an `APIError` carrying the task's error code and message.
   * @example const task = await (await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Hi' } })).finalTask();
   */
  async finalTask(): Promise<Task<'text_generation'>> {
    let last: Task<'text_generation'> | undefined;
    for await (const chunk of this) {
      if (chunk.type === 'task.completed') last = chunk.task;
      if (chunk.type === 'task.failed')
        throw new APIError({
          code: chunk.error.code,
          message: chunk.error.message,
          requestId: this.requestId,
          details: { task_id: chunk.task_id },
        });
    }
    if (!last)
      throw new APIError({
        code: 'stream_incomplete',
        message: 'The stream ended without task.completed',
        requestId: this.requestId,
      });
    return last;
  }
}

/** Checks one invocation before it is sent; `prefix` names its place in a batch (`items.3.`). */
export function checkInvokeParams(params: unknown, prefix = ''): void {
  if (typeof params !== 'object' || params === null)
    throw new NexusValidationError('validation_failed', `${prefix || 'params'} must be an object`);
  const p = params as Record<string, unknown>;
  assertTaskType(p.task_type, `${prefix}task_type`);
  if (typeof p.input !== 'object' || p.input === null || Array.isArray(p.input))
    throw new NexusValidationError('validation_failed', `${prefix}input must be an object`, {
      param: `${prefix}input`,
    });
  if (p.stream !== undefined)
    throw new NexusValidationError(
      'validation_failed',
      prefix
        ? `${prefix}stream is not allowed in a batch`
        : 'stream is chosen by the method: call invokeStream() to stream',
      { param: `${prefix}stream` },
    );
}

/**
 * `POST /v1/invoke`: runs a task and answers it (`succeeded`), or with `async: true` answers it `queued`
 * at once. A task that fails synchronously rejects with its error (the stored task's id is in
 * `error.details.task_id`).
 */
export async function invoke<T extends TaskType>(
  transport: Transport,
  params: InvokeParams<T>,
  options?: RequestOptions,
): Promise<Task<T>> {
  checkInvokeParams(params);
  return transport.json<Task<T>>({ method: 'POST', path: '/v1/invoke', body: params }, options);
}

/** `POST /v1/invoke` with `stream: true` (`text_generation` only). */
export async function invokeStream(
  transport: Transport,
  params: InvokeStreamParams,
  options: RequestOptions = {},
): Promise<InvokeStream> {
  checkInvokeParams(params);
  if (params.task_type !== 'text_generation')
    throw new NexusValidationError(
      'task_option_unsupported',
      `Only text_generation tasks stream; got ${params.task_type}`,
      { param: 'task_type' },
    );
  if ((params as { async?: unknown }).async !== undefined)
    throw new NexusValidationError('validation_failed', 'A streamed task cannot be async', {
      param: 'async',
    });
  const open = await transport.open(
    { method: 'POST', path: '/v1/invoke', body: { ...params, stream: true }, accept: 'text/event-stream' },
    options,
  );
  return new InvokeStream(open, transport, options.signal);
}

/** `POST /v1/invoke/batch`: every item checked client-side first (task types, no `stream`). */
export async function invokeBatch(
  transport: Transport,
  params: InvokeBatchParams,
  options?: RequestOptions,
): Promise<BatchResult> {
  if (!Array.isArray(params?.items) || params.items.length === 0)
    throw new NexusValidationError('validation_failed', 'items must be a non-empty array of invocations', {
      param: 'items',
    });
  params.items.forEach((item, index) => {
    checkInvokeParams(item, `items.${index}.`);
  });
  return transport.json<BatchResult>({ method: 'POST', path: '/v1/invoke/batch', body: params }, options);
}

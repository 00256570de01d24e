import { readEnv } from './core/runtime.js';
import { type FetchLike, type RequestOptions, Transport } from './core/transport.js';
import { NexusValidationError } from './errors.js';
import { ApiKeys } from './resources/api-keys.resource.js';
import { Conversations } from './resources/conversations.resource.js';
import { Files } from './resources/files.resource.js';
import { type InvokeStream, invoke, invokeBatch, invokeStream } from './resources/invoke.resource.js';
import { KnowledgeBases } from './resources/knowledge-bases.resource.js';
import { Models } from './resources/models.resource.js';
import { Sessions } from './resources/sessions.resource.js';
import { Tasks } from './resources/tasks.resource.js';
import type { BatchResult, InvokeBatchParams, InvokeParams, InvokeStreamParams, Task } from './types.js';
import type { TaskType } from './validation.js';

/** The default server: a local Nexus started with `npm start`. */
export const DEFAULT_BASE_URL = 'http://localhost:8080';
/** Default milliseconds to wait for an answer (per attempt): the server's own request timeout. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** Default retries after a retryable failure. */
export const DEFAULT_MAX_RETRIES = 2;

/** How to build a {@link NexusAI} client. Every option has a default. */
export interface ClientOptions {
  /**
   * An `nx-` API key (or an access token). Default: `NEXUS_API_KEY` from the environment (Node).
   * Required: the client throws `NexusValidationError` (`missing_api_key`) without one.
   */
  apiKey?: string | undefined;
  /**
   * The server's origin, e.g. `https://nexus.example.com` (routes live under `/v1`; a trailing `/v1` is
   * accepted and dropped). Default: `NEXUS_BASE_URL`, else `http://localhost:8080`.
   */
  baseURL?: string | undefined;
  /** Retries after connection errors, 408, 409 `idempotency_key_in_use`, 429 and 5xx (not 501). Default 2. */
  maxRetries?: number | undefined;
  /** Milliseconds to wait for each attempt's answer (for streams: for the first byte). Default 120000. */
  timeout?: number | undefined;
  /** The `fetch` to use (default: the global one; Node 20+ and browsers have it). */
  fetch?: FetchLike | undefined;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | undefined;
  /** `X-Nexus-Tenant`: the tenant to act in with an access token (API keys always act in their own). */
  tenant?: string | undefined;
}

/** Origin without trailing slashes or a trailing `/v1` (the SDK adds `/v1/...` to each path). */
function normalizeBaseURL(value: string): string {
  let url = value.trim().replace(/\/+$/, '');
  if (url.endsWith('/v1')) url = url.slice(0, -3);
  if (!/^https?:\/\/[^/]/i.test(url))
    throw new NexusValidationError(
      'validation_failed',
      `baseURL must be an http(s) URL, got ${JSON.stringify(value)}`,
      {
        param: 'baseURL',
      },
    );
  return url;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new NexusValidationError('validation_failed', `${name} must be a number ≥ 0, got ${value}`, {
      param: name,
    });
  return value;
}

/**
 * The Nexus client: one object per server and credential, holding every resource. It has no runtime
 * dependencies and runs in Node 20+ and browsers (anything with `fetch`).
 * @example
 * import { NexusAI } from '@nexus/sdk';
 * const client = new NexusAI({ apiKey: process.env.NEXUS_API_KEY, baseURL: 'http://localhost:8080' });
 * const task = await client.invoke({ task_type: 'text_generation', input: { prompt: 'Write a haiku about tea' } });
 * console.log(task.output?.text);
 */
export class NexusAI {
  /** The server's origin requests go to. */
  readonly baseURL: string;
  /** Retries after a retryable failure. */
  readonly maxRetries: number;
  /** Milliseconds per attempt. */
  readonly timeout: number;
  /** Tasks: retrieve, list, cancel, waitFor. */
  readonly tasks: Tasks;
  /** Sessions: conversations used through invoke. */
  readonly sessions: Sessions;
  /** Conversations and their messages. */
  readonly conversations: Conversations;
  /** Files: upload, list, download, delete. */
  readonly files: Files;
  /** Knowledge bases, their documents, and search. */
  readonly knowledgeBases: KnowledgeBases;
  /** API keys of the tenant. */
  readonly apiKeys: ApiKeys;
  /** Models the caller can use. */
  readonly models: Models;

  private readonly transport: Transport;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? readEnv('NEXUS_API_KEY');
    if (!apiKey)
      throw new NexusValidationError(
        'missing_api_key',
        'No API key: pass new NexusAI({ apiKey }) or set the NEXUS_API_KEY environment variable',
        { param: 'apiKey' },
      );
    this.options = options;
    this.baseURL = normalizeBaseURL(options.baseURL ?? readEnv('NEXUS_BASE_URL') ?? DEFAULT_BASE_URL);
    this.maxRetries = Math.floor(nonNegative('maxRetries', options.maxRetries, DEFAULT_MAX_RETRIES));
    this.timeout = nonNegative('timeout', options.timeout, DEFAULT_TIMEOUT_MS);
    const customFetch = options.fetch;
    // Called through globalThis: a detached `fetch` throws "Illegal invocation" in browsers.
    const fetchImpl: FetchLike = customFetch ?? ((input, init) => globalThis.fetch(input, init));
    this.transport = new Transport({
      baseURL: this.baseURL,
      apiKey,
      maxRetries: this.maxRetries,
      timeout: this.timeout,
      fetch: fetchImpl,
      defaultHeaders: options.defaultHeaders ?? {},
      tenant: options.tenant,
    });
    this.tasks = new Tasks(this.transport);
    this.sessions = new Sessions(this.transport);
    this.conversations = new Conversations(this.transport);
    this.files = new Files(this.transport);
    this.knowledgeBases = new KnowledgeBases(this.transport, this.files);
    this.apiKeys = new ApiKeys(this.transport);
    this.models = new Models(this.transport);
  }

  /**
   * A client like this one with some options changed (another tenant, timeout, key).
   * @example const tenantB = client.withOptions({ tenant: 'ten_01jd8x3k5q9v7w2m4n6p8r0s1t' });
   */
  withOptions(overrides: ClientOptions): NexusAI {
    return new NexusAI({ ...this.options, apiKey: this.transport.settings.apiKey, ...overrides });
  }

  /**
   * `POST /v1/invoke`: runs a task and answers it `succeeded` (the output typed by `task_type`); with
   * `async: true` it answers the task `queued` at once (follow it with `tasks.waitFor`). The task type is
   * checked before sending (`NexusValidationError` `unsupported_task_type` lists the supported ones). A
   * task that fails rejects with its error (`error.details.task_id` names the stored task).
   * @example
   * const task = await client.invoke({
   *   task_type: 'text_generation',
   *   input: { prompt: 'Write a haiku about tea' },
   *   config: { max_tokens: 64 },
   * });
   * console.log(task.output?.text, task.usage);
   */
  invoke<T extends TaskType>(params: InvokeParams<T>, options?: RequestOptions): Promise<Task<T>> {
    return invoke(this.transport, params, options);
  }

  /**
   * `POST /v1/invoke` with `stream: true` (`text_generation`): resolves once the stream has started, to an
   * async iterable of typed chunks. Errors before the stream (400, 401, …) reject here; the stream itself
   * is never retried once data has arrived.
   * @example
   * const stream = await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Count to five' } });
   * for await (const chunk of stream) {
   *   if (chunk.type === 'task.delta') process.stdout.write(chunk.delta.content);
   *   else if (chunk.type === 'task.completed') console.log('\n', chunk.usage);
   * }
   */
  invokeStream(params: InvokeStreamParams, options?: RequestOptions): Promise<InvokeStream> {
    return invokeStream(this.transport, params, options);
  }

  /**
   * `POST /v1/invoke/batch`: several invocations in one request, answered in order, each item succeeding
   * or failing on its own (`async: true` queues them all).
   * @example
   * const batch = await client.invokeBatch({ items: [
   *   { task_type: 'text_generation', input: { prompt: 'One' } },
   *   { task_type: 'text_generation', input: { prompt: 'Two' } },
   * ] });
   * for (const item of batch.data) console.log(item.index, item.status);
   */
  invokeBatch(params: InvokeBatchParams, options?: RequestOptions): Promise<BatchResult> {
    return invokeBatch(this.transport, params, options);
  }
}

/**
 * @nexus/sdk — the TypeScript client for Nexus. Zero runtime dependencies; Node 20+ and browsers.
 * @example
 * import { NexusAI } from '@nexus/sdk';
 * const client = new NexusAI(); // NEXUS_API_KEY, NEXUS_BASE_URL
 * const task = await client.invoke({ task_type: 'text_generation', input: { prompt: 'Hello' } });
 */
export {
  type ClientOptions,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  NexusAI,
  NexusAI as default,
} from './client.js';
export { EventStream } from './core/event-stream.js';
export type { NodeReadableLike, Uploadable } from './core/multipart.js';
export { CursorPage, type CursorPageData, PagePromise } from './core/pagination.js';
export type { WaitOptions } from './core/poll.js';
export {
  INITIAL_RETRY_DELAY_MS,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  retryDelayMs,
} from './core/retry-policy.js';
export { decodeServerSentEvents, type ServerSentEvent } from './core/sse-decoder.js';
export type { FetchLike, RequestOptions } from './core/transport.js';
export {
  APIConnectionError,
  APIError,
  type APIErrorInit,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NexusError,
  NexusValidationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  WaitTimeoutError,
} from './errors.js';
export type { components, paths } from './generated/openapi.js';
export { ApiKeys } from './resources/api-keys.resource.js';
export { Conversations, MessageStream, Messages } from './resources/conversations.resource.js';
export {
  type FileBatchEntry,
  type FileBatchUploadParams,
  Files,
  type FileUploadParams,
} from './resources/files.resource.js';
export { InvokeStream } from './resources/invoke.resource.js';
export {
  Documents,
  type DocumentUploadParams,
  KnowledgeBases,
} from './resources/knowledge-bases.resource.js';
export { Models } from './resources/models.resource.js';
export { Sessions } from './resources/sessions.resource.js';
export { FINAL_TASK_STATUSES, Tasks } from './resources/tasks.resource.js';
export type * from './types.js';
export {
  assertFileType,
  assertTaskType,
  FILE_PURPOSES,
  SUPPORTED_FILE_TYPES,
  SUPPORTED_TASK_TYPES,
  type SupportedFileType,
  type TaskType,
} from './validation.js';
export { SDK_VERSION } from './version.js';

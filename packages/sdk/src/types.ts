/**
 * The SDK's public types. Wherever the server's OpenAPI document describes a body precisely, the type is
 * taken from `generated/openapi.ts` (generated from the running server by `npm run sdk:generate`), so it
 * cannot drift from the server. Hand-written types cover what the document leaves loose: server-sent
 * events, `/v1/models` (OpenAI's format), and the task API's per-type `input`/`output` (docs/tasks.md).
 */
import type { components, paths } from './generated/openapi.js';
import type { TaskType } from './validation.js';

type Schemas = components['schemas'];

/** The JSON request body of `method` on `path`, from the OpenAPI document. */
export type RequestBodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The JSON response body of `method` on `path` with `status`, from the OpenAPI document. */
export type ResponseOf<
  P extends keyof paths,
  M extends keyof paths[P],
  S extends number,
> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer R } } };
}
  ? R
  : never;

/** The query parameters of `method` on `path`, from the OpenAPI document. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

// ---------------------------------------------------------------------------------------------------
// Conversations (generated)

/** A conversation. */
export type Conversation = Schemas['Conversation'];
/** Generation parameters (OpenAI's names and ranges). */
export type ConversationParams = Schemas['ConversationParams'];
/** A message of a conversation's tree. */
export type ConversationMessage = Schemas['ConversationMessage'];
/** `messages.create` without streaming: the saved user message and the assistant's reply. */
export type ConversationReply = Schemas['ConversationReply'];
/** `POST /v1/conversations`. */
export type ConversationCreateParams = RequestBodyOf<'/v1/conversations', 'post'>;
/** `PATCH /v1/conversations/:id` (at least one field). */
export type ConversationUpdateParams = RequestBodyOf<'/v1/conversations/{id}', 'patch'>;
/** `GET /v1/conversations` filters and paging. */
export type ConversationListParams = QueryOf<'/v1/conversations', 'get'>;
/** `GET /v1/conversations/:id/messages` paging and order. */
export type MessageListParams = QueryOf<'/v1/conversations/{id}/messages', 'get'>;
/** `POST /v1/conversations/:id/messages` (`stream` is chosen by the method you call). */
export type MessageCreateParams = Omit<RequestBodyOf<'/v1/conversations/{id}/messages', 'post'>, 'stream'>;
/** A conversation's JSON export (format `nexus.conversation`, version 1), as `POST …/import` takes it. */
export type ConversationExport = RequestBodyOf<'/v1/conversations/import', 'post'>;

/** `response.usage` of a conversation reply. */
export interface ConversationUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

/**
 * The events of a streaming conversation reply (docs/conversations.md, "Streaming replies"): first
 * `message.created`, then `response.output_text.delta` pieces and `response.usage`, then exactly one
 * final event: `response.completed`, `response.cancelled` or `error`.
 */
export type ConversationStreamEvent =
  | {
      type: 'message.created';
      conversation_id: string;
      user_message_id: string;
      assistant_message_id: string;
      /** The user message the reply answers. */
      parent_id: string;
      model: string;
    }
  | { type: 'response.output_text.delta'; message_id: string; delta: string }
  | { type: 'response.usage'; message_id: string; usage: ConversationUsage }
  | { type: 'response.completed'; message: ConversationMessage }
  | { type: 'response.cancelled'; message: ConversationMessage }
  | {
      type: 'error';
      message_id: string;
      code: string;
      message: string;
      /** The assistant message as saved (`status: "failed"`). */
      message_state?: ConversationMessage;
    };

// ---------------------------------------------------------------------------------------------------
// Files (generated)

/** A stored file: OpenAI's file object plus `media_type` and `sha256`. */
export type FileObject = Schemas['File'];
/** What a file is for; each purpose accepts its own formats ({@link SUPPORTED_FILE_TYPES}). */
export type FilePurpose = FileObject['purpose'];
/** `GET /v1/files` filters and paging. */
export type FileListParams = QueryOf<'/v1/files', 'get'>;
/** An expiring link to a file's content. */
export type FileDownloadLink = Schemas['FileDownloadLink'];

/** One file's outcome in `files.uploadBatch`: the stored file, or why it was refused. */
export type FileBatchItem = Schemas['FileBatchItem'];

/** `POST /v1/files/batch`: one result per file, in the order sent. */
export type FileBatchResult = Schemas['FileBatch'];

// ---------------------------------------------------------------------------------------------------
// Knowledge bases (generated)

/** A knowledge base with its settings and document counts. */
export type KnowledgeBase = Schemas['KnowledgeBase'];
/** A knowledge base's settings in force. */
export type KnowledgeBaseSettings = Schemas['KnowledgeBaseSettings'];
/** `POST /v1/knowledge-bases`. */
export type KnowledgeBaseCreateParams = RequestBodyOf<'/v1/knowledge-bases', 'post'>;
/** `PATCH /v1/knowledge-bases/:id`. */
export type KnowledgeBaseUpdateParams = RequestBodyOf<'/v1/knowledge-bases/{id}', 'patch'>;
/** `GET /v1/knowledge-bases` paging. */
export type KnowledgeBaseListParams = QueryOf<'/v1/knowledge-bases', 'get'>;
/** A document of a knowledge base: status, progress, error. */
export type KnowledgeBaseDocument = Schemas['KnowledgeBaseDocument'];
/** `GET /v1/knowledge-bases/:id/documents` filters and paging. */
export type DocumentListParams = QueryOf<'/v1/knowledge-bases/{id}/documents', 'get'>;
/** The body of `POST /v1/knowledge-bases/:id/documents`: exactly one of `text`, `file_id`, `url`. */
export type DocumentCreateBody = RequestBodyOf<'/v1/knowledge-bases/{id}/documents', 'post'>;
/** `POST /v1/knowledge-bases/:id/search`. */
export type KnowledgeSearchParams = RequestBodyOf<'/v1/knowledge-bases/{id}/search', 'post'>;
/** The search answer: chunks, best first. */
export type KnowledgeSearchResponse = Schemas['KnowledgeSearchResponse'];
/** One search result: the chunk, its scores, document and location. */
export type KnowledgeSearchResult = Schemas['KnowledgeSearchResult'];

// ---------------------------------------------------------------------------------------------------
// API keys (generated)

/** An API key as listed (the secret is never shown again). */
export type ApiKey = Schemas['ApiKey'];
/** A key just created: the listing plus its `nx-` secret, shown this once. */
export type ApiKeyWithSecret = ResponseOf<'/v1/api-keys', 'post', 201>;
/** `POST /v1/api-keys`. */
export type ApiKeyCreateParams = RequestBodyOf<'/v1/api-keys', 'post'>;

// ---------------------------------------------------------------------------------------------------
// Models (hand-written: the route answers OpenAI's format and declares no response schema)

/** A model the caller can use (OpenAI's model object). */
export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

// ---------------------------------------------------------------------------------------------------
// Tasks and sessions (the server's schemas; per-type inputs and outputs hand-written from docs/tasks.md)

/** A chat message for `text_generation` with `input.messages`. */
export interface TaskChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * Each task type's `input`, `config` and `output` (docs/tasks.md, "Task types"). Hand-written: the
 * server's document declares them as any object (it checks them per type in the service).
 */
export interface TaskTypeMap {
  text_generation: {
    input: { prompt: string; messages?: never } | { messages: TaskChatMessage[]; prompt?: never };
    config: {
      model?: string;
      max_tokens?: number;
      temperature?: number;
      top_p?: number;
      stop?: string | string[];
      seed?: number;
      system?: string;
    };
    output: {
      text: string;
      finish_reason: string;
      model: string;
      /** With a session: the saved assistant and user messages. */
      message_id?: string;
      user_message_id?: string;
    };
  };
  image_generation: {
    input: { prompt: string };
    config: { model?: string; width?: number; height?: number; n?: number };
    output: {
      /** The images, stored as files with purpose `image`. */
      images: { file_id: string; media_type: string; bytes: number; width: number; height: number }[];
      model: string;
      provider: string;
      revised_prompt?: string;
      label?: string;
    };
  };
  speech_to_text: {
    input: { file_id: string };
    config: { model?: string; language?: string };
    output: {
      text: string;
      language: string | null;
      duration_seconds: number | null;
      model: string;
      provider: string;
    };
  };
  text_to_speech: {
    input: { text: string };
    config: { model?: string; voice?: string; speed?: number; format?: 'wav' };
    output: {
      /** The audio, stored as a file with purpose `audio`. */
      file_id: string;
      media_type: string;
      bytes: number;
      duration_seconds: number;
      model: string;
      provider: string;
    };
  };
  document_processing: {
    input: { file_id: string };
    config: { summarize?: boolean; summary_max_tokens?: number; model?: string };
    output: {
      text: string;
      /** Characters of the whole extracted text (`text` may be truncated: see `truncated`). */
      characters: number;
      truncated: boolean;
      format: string;
      pages?: number;
      title?: string;
      summary?: string;
      summary_model?: string;
    };
  };
}

/** A task's lifecycle: `queued` → `running` → `succeeded` | `failed` | `cancelled`. */
export type TaskStatus = Schemas['Task']['status'];

/** Token counts of a task. */
export type TaskUsage = NonNullable<Schemas['Task']['usage']>;

/** A task's webhook: its URL, delivery status and attempts. */
export type TaskWebhook = Schemas['TaskWebhook'];

/**
 * A task: the answer of `invoke`, `tasks.retrieve`, batch items and webhook deliveries. The server's
 * `Task` schema, with `output` typed by `task_type` (the document declares it as any object).
 */
export type Task<T extends TaskType = TaskType> = {
  [K in T]: Omit<Schemas['Task'], 'task_type' | 'output'> & {
    task_type: K;
    /** The task type's output once `succeeded`; null before. */
    output: TaskTypeMap[K]['output'] | null;
  };
}[T];

/** What every invocation may carry besides its task type, input and config (`session_id`, `async`, `webhook_url`, `metadata`). */
export type InvokeCommon = Pick<
  RequestBodyOf<'/v1/invoke', 'post'>,
  'session_id' | 'async' | 'webhook_url' | 'metadata'
>;

/**
 * `POST /v1/invoke`: a task type with its input and optional config, typed per task type (the server's
 * document declares `input` and `config` as any object and checks them per type).
 */
export type InvokeParams<T extends TaskType = TaskType> = {
  [K in T]: InvokeCommon & {
    task_type: K;
    input: TaskTypeMap[K]['input'];
    config?: TaskTypeMap[K]['config'];
  };
}[T];

/** `invokeStream`: a `text_generation` invocation answered as server-sent events. */
export type InvokeStreamParams = Omit<InvokeParams<'text_generation'>, 'async'>;

/**
 * The chunks of `invokeStream` (docs/tasks.md, "Streaming"): `task.created`, then `task.delta` pieces
 * (`delta.content`), then `task.completed` (with `usage`) or `task.failed`.
 */
export type InvokeStreamChunk =
  | { type: 'task.created'; task: Task<'text_generation'> }
  | { type: 'task.delta'; task_id: string; delta: { content: string } }
  | { type: 'task.completed'; task: Task<'text_generation'>; usage: TaskUsage | null }
  | { type: 'task.failed'; task_id: string; error: { code: string; message: string } };

/** `POST /v1/invoke/batch`. */
export interface InvokeBatchParams {
  /** Invocations (no `stream`), at most `INVOKE_BATCH_MAX_ITEMS` (default 100). */
  items: InvokeParams[];
  /** Queue every valid item instead of running them (each item may also say `async`). */
  async?: boolean;
}

/** One item's outcome in a batch, at its `index`: the task, or the error that kept it from being made. */
export type BatchItemResult = Omit<Schemas['InvokeBatchResult']['data'][number], 'task'> & { task?: Task };

/** The answer of `invokeBatch`: one result per item, in order. */
export type BatchResult = Omit<Schemas['InvokeBatchResult'], 'data'> & { data: BatchItemResult[] };

/** `GET /v1/tasks` filters and paging. */
export type TaskListParams = QueryOf<'/v1/tasks', 'get'>;

/** A session: a conversation used through `invoke` (docs/tasks.md, "Sessions"); `id` is the conversation's. */
export type Session = Schemas['InvokeSession'];

/** `POST /v1/sessions`. */
export type SessionCreateParams = RequestBodyOf<'/v1/sessions', 'post'>;

/** `sessions.invoke`: the next user message of a session, with optional generation config. */
export interface SessionInvokeParams {
  prompt: string;
  config?: TaskTypeMap['text_generation']['config'];
  metadata?: Record<string, string>;
  async?: boolean;
  webhook_url?: string | null;
}

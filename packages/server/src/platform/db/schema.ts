import type { ColumnType, Generated } from 'kysely';

/** Timestamps are written by the database (`now()`) and read back as Date. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  status: Generated<'active' | 'disabled'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UsersTable {
  id: string;
  email: string | null;
  password_hash: string | null;
  display_name: Generated<string>;
  is_platform_admin: ColumnType<boolean, boolean | undefined, boolean>;
  status: Generated<'active' | 'disabled'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MembershipsTable {
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: CreatedAt;
}

export interface SettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: UpdatedAt;
  version: Generated<number>;
}

/** The whole database as Kysely sees it. Each migration that adds a table adds it here. */
export interface DB {
  tenants: TenantsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  settings: SettingsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  password_resets: PasswordResetsTable;
  wechat_identities: WechatIdentitiesTable;
  roles: RolesTable;
  invites: InvitesTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  llm_calls: LlmCallsTable;
  tenant_gateway_settings: TenantGatewaySettingsTable;
  tenant_ip_allowlists: TenantIpAllowlistsTable;
  model_catalog_entries: ModelCatalogEntriesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  file_objects: FileObjectsTable;
  files: FilesTable;
  file_holds: FileHoldsTable;
  tenant_file_settings: TenantFileSettingsTable;
  knowledge_bases: KnowledgeBasesTable;
  kb_documents: KbDocumentsTable;
  kb_chunks: KbChunksTable;
  kb_index_removals: KbIndexRemovalsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  tasks: TasksTable;
  runtime_config_versions: RuntimeConfigVersionsTable;
  runtime_config_state: RuntimeConfigStateTable;
  quota_plans: QuotaPlansTable;
  tenant_quota_plans: TenantQuotaPlansTable;
  user_quota_plans: UserQuotaPlansTable;
  quota_top_ups: QuotaTopUpsTable;
}

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface SessionsTable {
  id: string;
  user_id: string;
  device_name: Generated<string>;
  ip: string | null;
  user_agent: string | null;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Date | string;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: CreatedAt;
  expires_at: Date | string;
  used_at: NullableTimestamp;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date | string;
  used_at: NullableTimestamp;
}

export interface WechatIdentitiesTable {
  app_id: string;
  open_id: string;
  union_id: string | null;
  user_id: string;
  created_at: CreatedAt;
}

export interface RolesTable {
  id: string;
  tenant_id: string;
  name: string;
  description: Generated<string>;
  permissions: Json<string[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface InvitesTable {
  id: string;
  tenant_id: string;
  token_hash: string;
  role: string;
  email: string | null;
  created_by: string;
  created_at: CreatedAt;
  expires_at: Date | string;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: Json<string[]>;
  created_by: string;
  created_at: CreatedAt;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AuditEventsTable {
  id: string;
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: 'success' | 'failure';
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** One metered gateway call (chat or embeddings), written in batches off the request path. */
export interface LlmCallsTable {
  id: string;
  tenant_id: string;
  user_id: string | null;
  api_key_id: string | null;
  request_id: string | null;
  endpoint: 'chat' | 'embeddings' | 'images' | 'audio.speech' | 'audio.transcriptions';
  model: string;
  deployment: string | null;
  provider: string | null;
  input_tokens: number;
  output_tokens: number;
  cost: ColumnType<number, number, number>;
  latency_ms: number;
  ttft_ms: number | null;
  status: 'success' | 'error' | 'cancelled';
  error_code: string | null;
  cached: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface TenantGatewaySettingsTable {
  tenant_id: string;
  response_cache: ColumnType<'off' | 'exact' | 'semantic', 'off' | 'exact' | 'semantic' | undefined>;
  cache_ttl_s: number | null;
  /** Mask PII in prompts before they leave for a provider (migration 0015). */
  pii_masking: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: UpdatedAt;
}

/** A tenant's IP allowlist: addresses and CIDR ranges (JSON array of strings); no row lets every address in. */
export interface TenantIpAllowlistsTable {
  tenant_id: string;
  entries: Json<string[]>;
  updated_at: UpdatedAt;
}

/** A model catalog entry managed through the API: global (`tenant_id` null) or one tenant's own. */
export interface ModelCatalogEntriesTable {
  id: string;
  tenant_id: string | null;
  name: string;
  spec: Json<Record<string, unknown>>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ConversationsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  title: ColumnType<string, string | undefined, string>;
  title_source: ColumnType<'default' | 'auto' | 'user', 'default' | 'auto' | 'user' | undefined>;
  model: string;
  system_prompt: string | null;
  params: ColumnType<Record<string, unknown>, string | undefined, string>;
  knowledge_base_ids: ColumnType<string[], string | undefined, string>;
  pinned: ColumnType<boolean, boolean | undefined, boolean>;
  archived_at: Date | null;
  deleted_at: Date | null;
  /** The newest message of the branch the user sees; null before the first message. */
  active_leaf_id: string | null;
  /** The title segmented into words, for full-text search. */
  search_terms: ColumnType<string, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';
export type MessageStatus = 'streaming' | 'completed' | 'cancelled' | 'failed';

/** One message: a node of the conversation's tree (`parent_id`). */
export interface MessagesTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  parent_id: string | null;
  role: MessageRole;
  content: ColumnType<string, string | undefined, string>;
  status: ColumnType<MessageStatus, MessageStatus | undefined, MessageStatus>;
  error: ColumnType<{ code: string; message: string } | null, string | null | undefined, string | null>;
  model: string | null;
  usage: ColumnType<
    { input_tokens: number; output_tokens: number } | null,
    string | null | undefined,
    string | null
  >;
  /** How the history was fitted to the model's context window for this reply. */
  context: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  citations: ColumnType<unknown[] | null, string | null | undefined, string | null>;
  feedback_rating: -1 | 1 | null;
  feedback_comment: string | null;
  feedback_at: Date | null;
  search_terms: ColumnType<string, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** A knowledge base: settings (embedding model, chunking, search defaults) and index bookkeeping. */
export interface KnowledgeBasesTable {
  id: string;
  tenant_id: string;
  created_by: string | null;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  settings: Json<Record<string, unknown>>;
  /** Bumped by a settings change that needs re-indexing (model, chunk size, overlap). */
  settings_version: ColumnType<number, number | undefined, number>;
  /** Bumped when the embedding model changes: vectors of other versions are not compared with queries. */
  embedding_version: ColumnType<number, number | undefined, number>;
  embedding_dims: number | null;
  /** Bumped by every change to the index (a document's chunks swapped or removed). */
  index_generation: ColumnType<number, number | undefined, number>;
  chunk_count: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type KbDocumentStatus = 'queued' | 'processing' | 'ready' | 'failed';

/** A document of a knowledge base, and its ingestion job (status, lease, attempts). */
export interface KbDocumentsTable {
  id: string;
  tenant_id: string;
  kb_id: string;
  source: 'file' | 'text' | 'url';
  file_id: string | null;
  url: string | null;
  /** The text of a `text` document. */
  content: string | null;
  title: ColumnType<string, string | undefined, string>;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  format: string | null;
  bytes: number | null;
  status: ColumnType<KbDocumentStatus, KbDocumentStatus | undefined, KbDocumentStatus>;
  error_code: string | null;
  error_message: string | null;
  progress: ColumnType<Record<string, unknown>, string | undefined, string>;
  chunk_count: ColumnType<number, number | undefined, number>;
  attempts: ColumnType<number, number | undefined, number>;
  available_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_by: string | null;
  locked_until: NullableTimestamp;
  settings_version: number | null;
  indexed_at: NullableTimestamp;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** One chunk of a document, with what the vector and lexical indexes need. */
export interface KbChunksTable {
  id: string;
  seq: ColumnType<number, never, never>;
  tenant_id: string;
  kb_id: string;
  document_id: string;
  ordinal: number;
  text: string;
  start_offset: number;
  end_offset: number;
  page: number | null;
  headings: ColumnType<string[], string, string>;
  tokens: number;
  /** The chunk's BM25F term frequencies as JSON `{"t":[terms],"f":[weighted tf]}`. */
  lexical: string;
  lexical_length: number;
  embedding_version: number;
  dims: number;
  /** `vector` (pgvector) or `bytea` (float32 little-endian), chosen by the migration. */
  embedding: ColumnType<unknown, unknown, unknown>;
}

export interface KbIndexRemovalsTable {
  seq: ColumnType<number, never, never>;
  tenant_id: string;
  kb_id: string;
  document_id: string;
  created_at: CreatedAt;
}

/** Stored content, once per tenant and SHA-256; `files` rows point at it. */
export interface FileObjectsTable {
  tenant_id: string;
  sha256: string;
  bytes: number;
  storage_key: string;
  created_at: CreatedAt;
}

export type FilePurposeColumn = 'document' | 'audio' | 'image' | 'video';

/** An uploaded file: a name and purpose for stored content. Visible once `status` is `ready`. */
export interface FilesTable {
  id: string;
  tenant_id: string;
  sha256: string;
  filename: string;
  purpose: FilePurposeColumn;
  /** The format name of the allowlist (file-formats.ts): `pdf`, `png`, `txt`, ... */
  format: string;
  bytes: number;
  media_type: string;
  status: ColumnType<'uploading' | 'ready', 'uploading' | 'ready' | undefined, 'uploading' | 'ready'>;
  created_by: string | null;
  created_at: CreatedAt;
}

/** Who is using a file (a `doc_` being ingested, a running `task_`): a held file cannot be deleted. */
export interface FileHoldsTable {
  tenant_id: string;
  file_id: string;
  holder: string;
  created_at: CreatedAt;
}

export interface TenantFileSettingsTable {
  tenant_id: string;
  /** The tenant's upload size limit; null: the platform default (`FILES_MAX_BYTES`). */
  max_file_bytes: number | null;
  updated_at: UpdatedAt;
}

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A task (`POST /v1/invoke`): what was asked, by whom, its state, lease and result. */
export interface TasksTable {
  id: string;
  tenant_id: string;
  created_by: string | null;
  api_key_id: string | null;
  /** The caller when the task was created (a Principal), so a worker can act for it. */
  principal: Json<Record<string, unknown>>;
  task_type: string;
  mode: 'sync' | 'async';
  status: TaskStatus;
  input: Json<Record<string, unknown>>;
  config: Json<Record<string, unknown>>;
  session_id: string | null;
  metadata: Json<Record<string, string>>;
  webhook_url: string | null;
  file_ids: ColumnType<string[], string[] | undefined, string[]>;
  output: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  error: ColumnType<{ code: string; message: string } | null, string | null | undefined, string | null>;
  usage: ColumnType<
    { input_tokens: number; output_tokens: number } | null,
    string | null | undefined,
    string | null
  >;
  attempts: ColumnType<number, number | undefined, number>;
  available_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_by: string | null;
  locked_until: NullableTimestamp;
  cancel_requested: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

/** A tenant's webhook signing secret; the previous one still signs until `previous_expires_at` (a rotation). */
export interface WebhookSecretsTable {
  tenant_id: string;
  secret: string;
  previous_secret: string | null;
  previous_expires_at: NullableTimestamp;
  created_at: CreatedAt;
  rotated_at: NullableTimestamp;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One webhook delivery (a subject's event POSTed to a URL): its state, schedule and lease. */
export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  subject_type: 'task';
  subject_id: string;
  event: string;
  url: string;
  /** The JSON body exactly as sent on every attempt. */
  body: string;
  status: ColumnType<WebhookDeliveryStatus, 'pending' | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  first_attempt_at: NullableTimestamp;
  locked_by: string | null;
  locked_until: NullableTimestamp;
  created_at: CreatedAt;
  completed_at: NullableTimestamp;
}

/** One attempt of a webhook delivery, as shown on the task. */
export interface WebhookAttemptsTable {
  delivery_id: string;
  tenant_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: ColumnType<Date, Date | string, never>;
}

/**
 * A caller's `Idempotency-Key` (migration 0010): the request it was first used with (`fingerprint`), its
 * claim while that request runs (`lock_token`, `locked_until`), then the response to replay.
 */
export interface IdempotencyKeysTable {
  /** '' when a user's token was sent without `X-Nexus-Tenant`. */
  tenant_id: string;
  /** The credential: `key_…` (API key) or `usr_…` (a user's access token). */
  caller: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  status: 'running' | 'completed';
  lock_token: string | null;
  locked_until: NullableTimestamp;
  response_status: number | null;
  response_headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  /** Written and read as base64 (`decode`/`encode`): PGlite decodes bytea hex slowly in JavaScript. */
  response_body: ColumnType<Uint8Array | null, never, Uint8Array | null>;
  replayable: boolean | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Bigint columns: the driver may answer a string; the quota repository turns them into numbers. */
type BigIntColumn = ColumnType<number | string, number, number>;
type NullableBigInt = ColumnType<number | string | null, number | null | undefined, number | null>;

export interface QuotaPlansTable {
  name: string;
  description: ColumnType<string, string | undefined, string>;
  tokens_per_day: NullableBigInt;
  tokens_per_month: NullableBigInt;
  requests_per_day: NullableBigInt;
  requests_per_month: NullableBigInt;
  max_tokens: number | null;
  built_in: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface TenantQuotaPlansTable {
  tenant_id: string;
  plan: string;
  updated_at: UpdatedAt;
}

export interface UserQuotaPlansTable {
  tenant_id: string;
  user_id: string;
  plan: string;
  updated_at: UpdatedAt;
}

export interface QuotaTopUpsTable {
  id: string;
  tenant_id: string;
  user_id: string | null;
  period: 'day' | 'month';
  period_key: string;
  tokens: BigIntColumn;
  requests: BigIntColumn;
  reason: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

/** Immutable runtime config versions (0016; docs/runtime-config.md). */
export interface RuntimeConfigVersionsTable {
  version: number;
  document: Json<Record<string, unknown>>;
  diff: Json<unknown[]>;
  message: string;
  author_id: string | null;
  author_email: string | null;
  created_at: CreatedAt;
}

/** The one row saying which runtime config version is active and which is in canary. */
export interface RuntimeConfigStateTable {
  id: Generated<boolean>;
  active_version: number | null;
  canary_version: number | null;
  /** numeric(5,2): read back as a string by pg. */
  canary_percent: ColumnType<string | number | null, number | null, number | null>;
  revision: ColumnType<string | number, number | undefined, number>;
  updated_by: string | null;
  updated_at: UpdatedAt;
}

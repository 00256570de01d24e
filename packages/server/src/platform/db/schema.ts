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
  model_catalog_entries: ModelCatalogEntriesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
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
  endpoint: 'chat' | 'embeddings';
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

import path from 'node:path';
import { z } from 'zod';
import { allowlistProblem } from './platform/net/ssrf-guard.js';

/**
 * Every setting Nexus reads, in one schema. This module is the only reader of `process.env`:
 * the environment is parsed once at start-up and frozen. docs/configuration.md lists the same settings.
 */
const bool = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (defaultValue: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(defaultValue);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const urlWithProtocols = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

export const configSchema = z.object({
  PORT: int(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: urlWithProtocols(['http:', 'https:']),
  NEXUS_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: int(10, 1, 1000),
  DATABASE_POOL_IDLE_TIMEOUT_MS: int(30_000, 0, 3_600_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(5_000, 100, 120_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(30_000, 0, 3_600_000),
  NEXUS_MIGRATE_ON_START: bool(true),
  // `nexus backup` / `nexus restore` on PostgreSQL (docs/upgrading.md); unset: found on PATH.
  PG_DUMP_PATH: optionalString,
  PG_RESTORE_PATH: optionalString,
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: z.string().default('nexus:'),
  REDIS_CONNECT_TIMEOUT_MS: int(5_000, 100, 120_000),
  NEXUS_ADMIN_EMAIL: z.email().default('admin@nexus.local'),
  NEXUS_ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || v.length >= 12, {
    message: 'must be at least 12 characters',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS_ENABLED: bool(true),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: urlWithProtocols(['http:', 'https:']),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: urlWithProtocols(['http:', 'https:']),
  OTEL_EXPORTER_OTLP_HEADERS: optionalString.refine(
    (v) => v === undefined || v.split(',').every((pair) => /^[^=,\s]+=[^,]*$/.test(pair.trim())),
    { message: 'must be a comma-separated list of name=value pairs' },
  ),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(200).default('nexus'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  BODY_LIMIT_BYTES: int(1_048_576, 1_024, 1_073_741_824),
  REQUEST_TIMEOUT_MS: int(120_000, 0, 3_600_000),
  LISTEN_BACKLOG: int(4_096, 1, 65_535),
  SHUTDOWN_TIMEOUT_MS: int(25_000, 0, 600_000),
  READINESS_TIMEOUT_MS: int(2_000, 50, 60_000),
  SSE_HEARTBEAT_MS: int(15_000, 0, 300_000),
  REPLY_FLUSH_MS: int(500, 20, 60_000),
  REPLY_COALESCE_MS: int(50, 1, 1_000),
  REPLY_LOG_RETAIN_MS: int(120_000, 1_000, 86_400_000),
  REPLY_LOCK_TTL_MS: int(30_000, 1_000, 600_000),
  REPLY_SWEEP_INTERVAL_MS: int(60_000, 1_000, 3_600_000),
  REPLY_SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  REPLY_CONTEXT_MARGIN_TOKENS: int(256, 0, 1_000_000),
  REALTIME_AUTH_TIMEOUT_MS: int(10_000, 100, 600_000),
  REALTIME_PING_INTERVAL_MS: int(25_000, 0, 600_000),
  REALTIME_PONG_TIMEOUT_MS: int(10_000, 100, 600_000),
  REALTIME_MAX_MESSAGE_BYTES: int(2_097_152, 1_024, 67_108_864),
  REALTIME_MAX_BUFFERED_BYTES: int(262_144, 1_024, 67_108_864),
  REALTIME_SLOW_CLIENT_TIMEOUT_MS: int(30_000, 100, 600_000),
  REALTIME_MAX_ERRORS: int(10, 1, 10_000),
  REALTIME_ERROR_WINDOW_MS: int(60_000, 100, 3_600_000),
  TRUST_PROXY: bool(false),
  JWT_SIGNING_KEYS: optionalString.refine(
    (v) => v === undefined || v.split(',').every((pair) => /^[A-Za-z0-9._-]{1,64}:.{32,}$/.test(pair.trim())),
    { message: 'must be a comma-separated list of kid:secret pairs, each secret at least 32 characters' },
  ),
  ACCESS_TOKEN_TTL_S: int(900, 30, 86_400),
  REFRESH_TOKEN_TTL_S: int(2_592_000, 300, 31_536_000),
  PASSWORD_MIN_LENGTH: int(10, 8, 128),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(5, 1, 1_000),
  LOGIN_MAX_FAILURES_PER_IP: int(20, 1, 100_000),
  LOGIN_LOCKOUT_MAX_S: int(900, 1, 86_400),
  PASSWORD_RESET_TTL_S: int(1_800, 60, 86_400),
  PASSWORD_RESET_URL: urlWithProtocols(['http:', 'https:']),
  INVITE_TTL_S: int(604_800, 60, 31_536_000),
  SMTP_URL: urlWithProtocols(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().min(3).default('Nexus <no-reply@nexus.local>'),
  WECHAT_API_BASE_URL: urlWithProtocols(['http:', 'https:']).transform(
    (v) => v ?? 'https://api.weixin.qq.com',
  ),
  WECHAT_APP_ID: optionalString,
  WECHAT_APP_SECRET: optionalString,
  WECHAT_TIMEOUT_MS: int(5_000, 100, 60_000),
  NEXUS_MODELS_FILE: optionalString,
  OPENAI_BASE_URL: urlWithProtocols(['http:', 'https:']),
  OPENAI_API_KEY: optionalString,
  LOCAL_MODEL_WORDS_PER_S: int(30, 0, 100_000),
  LOCAL_EMBEDDING_DIMENSIONS: int(256, 8, 4096),
  ESPEAK_NG_PATH: optionalString,
  POCKETSPHINX_PATH: optionalString,
  SOX_PATH: optionalString,
  SPEECH_MAX_SECONDS: int(300, 1, 3_600),
  SPEECH_TIMEOUT_MS: int(120_000, 1_000, 3_600_000),
  SPEECH_CONCURRENCY: int(2, 1, 64),
  SPEECH_MAX_TEXT_CHARS: int(4_096, 1, 100_000),
  SPEECH_MAX_AUDIO_BYTES: int(26_214_400, 1_024, 1_073_741_824),
  GATEWAY_MAX_RETRIES: int(2, 0, 10),
  GATEWAY_RETRY_BASE_MS: int(200, 1, 60_000),
  GATEWAY_RETRY_MAX_WAIT_MS: int(10_000, 0, 120_000),
  GATEWAY_CONNECT_TIMEOUT_MS: int(10_000, 100, 600_000),
  GATEWAY_FIRST_TOKEN_TIMEOUT_MS: int(60_000, 100, 600_000),
  GATEWAY_TOTAL_TIMEOUT_MS: int(600_000, 1_000, 3_600_000),
  GATEWAY_CIRCUIT_FAILURES: int(5, 1, 1_000),
  GATEWAY_CIRCUIT_COOLDOWN_MS: int(30_000, 100, 3_600_000),
  ACCESS_CACHE_TTL_MS: int(30_000, 0, 300_000),
  METERING_BATCH_SIZE: int(200, 1, 10_000),
  METERING_FLUSH_MS: int(1_000, 10, 60_000),
  // Quotas (docs/quotas.md): plans with token/request budgets, enforced before every LLM call.
  QUOTAS_ENABLED: bool(true),
  QUOTA_DEFAULT_PLAN: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a plan name (lowercase letters, digits, _ and -)')
    .default('free'),
  QUOTA_OUTPUT_ESTIMATE_TOKENS: int(1_024, 0, 10_000_000),
  QUOTA_PLAN_CACHE_MS: int(5_000, 0, 300_000),
  GATEWAY_CACHE_TTL_S: int(3_600, 1, 2_592_000),
  GATEWAY_SEMANTIC_CACHE_MODEL: z.string().trim().min(1).default('local-embedding'),
  GATEWAY_SEMANTIC_CACHE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.95),
  GATEWAY_SEMANTIC_CACHE_MAX_ENTRIES: int(200, 1, 10_000),
  CONVERSATION_CONTEXT_CACHE_TTL_S: int(600, 0, 86_400),
  CONVERSATION_PURGE_AFTER_S: int(604_800, 0, 31_536_000),
  CONVERSATION_PURGE_INTERVAL_S: int(3_600, 1, 86_400),
  CONVERSATION_IMPORT_MAX_BYTES: int(10_485_760, 1_024, 1_073_741_824),
  CONVERSATION_IMPORT_MAX_MESSAGES: int(10_000, 1, 1_000_000),
  FILES_MAX_BYTES: int(536_870_912, 1, 1_099_511_627_776),
  FILES_MAX_BYTES_CEILING: int(5_368_709_120, 1, 1_099_511_627_776),
  FILES_SPOOL_DIR: optionalString,
  FILES_URL_SIGNING_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  FILES_BATCH_MAX_FILES: int(20, 1, 1_000),
  IDEMPOTENCY_TTL_S: int(86_400, 1, 2_592_000),
  IDEMPOTENCY_LOCK_S: int(30, 1, 3_600),
  IDEMPOTENCY_MAX_RESPONSE_BYTES: int(1_048_576, 0, 67_108_864),
  IDEMPOTENCY_PURGE_INTERVAL_S: int(3_600, 1, 86_400),
  S3_BUCKET: optionalString,
  S3_ENDPOINT: urlWithProtocols(['http:', 'https:']),
  S3_PUBLIC_ENDPOINT: urlWithProtocols(['http:', 'https:']),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool(true),
  CLAMD_HOST: optionalString,
  CLAMD_PORT: int(3310, 1, 65_535),
  CLAMD_TIMEOUT_MS: int(30_000, 100, 600_000),
  CLAMD_STREAM_MAX_BYTES: int(26_214_400, 1, 4_294_967_295),
  CONVERSATION_KB_CONTEXT_TOKENS: int(3_000, 0, 1_000_000),
  KB_EMBEDDING_MODEL: z.string().trim().min(1).max(200).default('local-embedding'),
  KB_CHUNK_TOKENS: int(512, 32, 8_192),
  KB_CHUNK_OVERLAP_TOKENS: int(64, 0, 4_096),
  KB_SEARCH_MODE: z.enum(['vector', 'lexical', 'hybrid']).optional(),
  KB_QUERY_EXPANSION: bool(true),
  KB_SEARCH_TOP_K: int(5, 1, 100),
  KB_SEARCH_CANDIDATES: int(50, 1, 1_000),
  KB_EMBED_BATCH_SIZE: int(64, 1, 2_048),
  KB_INGEST_CONCURRENCY: int(2, 0, 64),
  KB_INGEST_POLL_MS: int(2_000, 50, 600_000),
  KB_INGEST_LEASE_MS: int(60_000, 1_000, 3_600_000),
  KB_INGEST_MAX_ATTEMPTS: int(3, 1, 100),
  KB_DOCUMENT_MAX_BYTES: int(52_428_800, 1_024, 1_073_741_824),
  KB_URL_TIMEOUT_MS: int(15_000, 100, 600_000),
  KB_URL_MAX_REDIRECTS: int(5, 0, 20),
  KB_URL_ALLOWLIST: optionalString
    .refine((v) => v === undefined || allowlistProblem(v.split(',')) === undefined, {
      message: 'must be a comma-separated list of host names, IP addresses and CIDR ranges',
    })
    .transform((v) =>
      v === undefined
        ? []
        : v
            .split(',')
            .map((entry) => entry.trim())
            .filter(Boolean),
    ),
  KB_RERANK_BASE_URL: urlWithProtocols(['http:', 'https:']),
  KB_RERANK_MODEL: optionalString,
  KB_RERANK_API_KEY_ENV: optionalString.refine((v) => v === undefined || /^[A-Z_][A-Z0-9_]*$/.test(v), {
    message: 'must be the name of an environment variable',
  }),
  KB_RERANK_TIMEOUT_MS: int(10_000, 100, 120_000),
  KB_RERANK_CANDIDATES: int(50, 1, 1_000),
  KB_INDEX_CACHE_MAX_CHUNKS: int(500_000, 1_000, 100_000_000),
  INVOKE_TEXT_MODEL: z.string().trim().min(1).max(200).default('local'),
  INVOKE_IMAGE_MODEL: z.string().trim().min(1).max(200).default('local-image'),
  INVOKE_SPEECH_MODEL: z.string().trim().min(1).max(200).default('local-tts'),
  INVOKE_TRANSCRIPTION_MODEL: z.string().trim().min(1).max(200).default('local-asr'),
  INVOKE_IMAGE_SIZE: z
    .string()
    .trim()
    .regex(/^\d{2,4}x\d{2,4}$/, { message: 'must be WIDTHxHEIGHT, e.g. 1024x1024' })
    .default('1024x1024'),
  INVOKE_BATCH_MAX_ITEMS: int(100, 1, 10_000),
  INVOKE_BATCH_CONCURRENCY: int(4, 1, 64),
  TASKS_CONCURRENCY: int(4, 0, 256),
  TASKS_POLL_MS: int(1_000, 20, 600_000),
  TASKS_LEASE_MS: int(30_000, 500, 3_600_000),
  TASKS_HEARTBEAT_MS: int(2_000, 20, 600_000),
  TASKS_MAX_ATTEMPTS: int(3, 1, 100),
  TASKS_RETRY_BASE_MS: int(2_000, 0, 3_600_000),
  TASKS_AUDIO_MAX_BYTES: int(26_214_400, 1_024, 1_073_741_824),
  TASKS_DOCUMENT_MAX_BYTES: int(52_428_800, 1_024, 1_073_741_824),
  TASKS_OUTPUT_MAX_CHARS: int(1_000_000, 1_000, 100_000_000),
  TASKS_SUMMARY_INPUT_TOKENS: int(6_000, 100, 1_000_000),
  KB_VECTOR_SEARCH: z.enum(['hnsw', 'exact']).optional(),
  // Runtime config (docs/runtime-config.md): the safety-net poll behind pub/sub announcements.
  RUNTIME_CONFIG_POLL_MS: int(10_000, 100, 600_000),
  WEBHOOK_URL_ALLOWLIST: optionalString
    .refine((v) => v === undefined || allowlistProblem(v.split(',')) === undefined, {
      message: 'must be a comma-separated list of host names, IP addresses and CIDR ranges',
    })
    .transform((v) =>
      v === undefined
        ? []
        : v
            .split(',')
            .map((entry) => entry.trim())
            .filter(Boolean),
    ),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  WEBHOOK_RETRY_WINDOW_S: int(86_400, 1, 2_592_000),
  WEBHOOK_RETRY_BASE_MS: int(10_000, 1, 3_600_000),
  WEBHOOK_CONCURRENCY: int(8, 0, 256),
  WEBHOOK_LEASE_MS: int(60_000, 1_000, 3_600_000),
  WEBHOOK_POLL_MS: int(1_000, 10, 600_000),
  WEBHOOK_SHUTDOWN_GRACE_MS: int(5_000, 0, 600_000),
  // Rate limits (docs/rate-limits.md): token buckets per client address, user and API key on /v1/*.
  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_IP_PER_MINUTE: int(12_000, 1, 100_000_000),
  RATE_LIMIT_USER_PER_MINUTE: int(6_000, 1, 100_000_000),
  RATE_LIMIT_KEY_PER_MINUTE: int(6_000, 1, 100_000_000),
  /** Bucket capacities; unset: the per-minute value (a full minute's requests may come at once). */
  RATE_LIMIT_IP_BURST: z.coerce.number().int().min(1).max(100_000_000).optional(),
  RATE_LIMIT_USER_BURST: z.coerce.number().int().min(1).max(100_000_000).optional(),
  RATE_LIMIT_KEY_BURST: z.coerce.number().int().min(1).max(100_000_000).optional(),
  RATE_LIMIT_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  RATE_LIMIT_TIMEOUT_MS: int(200, 1, 60_000),
  RATE_LIMIT_CIRCUIT_MS: int(1_000, 0, 600_000),
});

type ParsedConfig = z.infer<typeof configSchema>;

export interface Config extends Readonly<ParsedConfig> {
  /** `NEXUS_DATA_DIR` resolved to an absolute path. */
  readonly dataDir: string;
  /** `postgres` when `DATABASE_URL` is set, else the embedded `pglite` database under the data dir. */
  readonly databaseKind: 'postgres' | 'pglite';
  /** `redis` when `REDIS_URL` is set, else the in-process cache. */
  readonly cacheKind: 'redis' | 'memory';
  /**
   * Reads a variable the model catalog names by reference (`api_key_env`): credentials stay in the
   * environment, and this module stays its only reader.
   */
  readonly readEnv: (name: string) => string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment. Throws {@link ConfigError} naming each bad variable.
 * @example const config = loadConfig({ PORT: '9000' });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known: Record<string, string | undefined> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    // An empty variable means "not set", as shells and .env files usually intend.
    known[key] = value === '' ? undefined : value;
  }
  const result = configSchema.safeParse(known);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        const got = known[variable];
        const shown = got === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(variable, got))})`;
        return { variable, message: `${issue.message}${shown}` };
      }),
    );
  }
  const parsed = result.data;
  return Object.freeze({
    ...parsed,
    dataDir: path.resolve(parsed.NEXUS_DATA_DIR),
    databaseKind: parsed.DATABASE_URL ? 'postgres' : 'pglite',
    cacheKind: parsed.REDIS_URL ? 'redis' : 'memory',
    readEnv: (name: string) => {
      const value = env[name];
      return value === undefined || value.trim() === '' ? undefined : value.trim();
    },
  });
}

function redactIfSecret(variable: string, value: string): string {
  return /PASSWORD|SECRET|TOKEN$|KEY$|HEADERS$|_URL$/.test(variable) && variable !== 'REDIS_KEY_PREFIX'
    ? '[redacted]'
    : value;
}

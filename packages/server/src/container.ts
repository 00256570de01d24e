import path from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import { type Config, ConfigError, configSchema } from './config.js';
import { DrainController } from './http/drain.js';
import { AccessService } from './modules/access/access.service.js';
import { ApiKeysRepository } from './modules/access/api-keys.repository.js';
import { ApiKeysService } from './modules/access/api-keys.service.js';
import { RolesRepository } from './modules/access/roles.repository.js';
import { RolesService } from './modules/access/roles.service.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { AuditService } from './modules/audit/audit.service.js';
import { ConversationPurger } from './modules/conversations/conversation-purge.js';
import { ConversationsRepository } from './modules/conversations/conversations.repository.js';
import { ConversationsService } from './modules/conversations/conversations.service.js';
import { MessagesRepository } from './modules/conversations/messages.repository.js';
import { RepliesRepository } from './modules/conversations/replies.repository.js';
import { RepliesService } from './modules/conversations/replies.service.js';
import { DownloadLinkSigner, loadOrCreateLinkSecret } from './modules/files/download-links.js';
import { FilesRepository } from './modules/files/files.repository.js';
import { FilesService } from './modules/files/files.service.js';
import { loadCatalog } from './modules/gateway/catalog.js';
import { GatewayService } from './modules/gateway/gateway.service.js';
import { GatewaySettingsRepository } from './modules/gateway/gateway-settings.repository.js';
import { GatewaySettingsService } from './modules/gateway/gateway-settings.service.js';
import { ModelCatalogRepository } from './modules/gateway/model-catalog.repository.js';
import { ModelCatalogService } from './modules/gateway/model-catalog.service.js';
import { ModelRegistry } from './modules/gateway/model-registry.js';
import { ResponseCache, routedEmbedder } from './modules/gateway/response-cache.js';
import { Router } from './modules/gateway/router.js';
import { UsageMeter } from './modules/gateway/usage-meter.js';
import { IdempotencyRepository } from './modules/idempotency/idempotency.repository.js';
import { IdempotencyService } from './modules/idempotency/idempotency.service.js';
import { AdminBootstrapService } from './modules/identity/admin-bootstrap.service.js';
import { AuthService } from './modules/identity/auth.service.js';
import { LoginThrottle } from './modules/identity/login-throttle.js';
import { LogMailer, type Mailer, SmtpMailer } from './modules/identity/mailer.js';
import { argon2Hasher } from './modules/identity/password-hasher.js';
import { PasswordResetsRepository } from './modules/identity/password-resets.repository.js';
import { SessionsRepository } from './modules/identity/sessions.repository.js';
import { loadOrCreateSigningKeys } from './modules/identity/signing-keys.js';
import { parseSigningKeys, TokenService } from './modules/identity/token.service.js';
import { UsersRepository } from './modules/identity/users.repository.js';
import { WechatClient } from './modules/identity/wechat.client.js';
import { ChunksRepository } from './modules/knowledge/chunks.repository.js';
import { IngestionWorker } from './modules/knowledge/ingestion-worker.js';
import { KnowledgeRepository } from './modules/knowledge/knowledge.repository.js';
import { KnowledgeService } from './modules/knowledge/knowledge.service.js';
import { type EmbedTexts, KnowledgeSearch } from './modules/knowledge/knowledge-search.js';
import { defaultSettings } from './modules/knowledge/knowledge-settings.js';
import { IndexCache } from './modules/knowledge/memory-index.js';
import { HttpReranker } from './modules/knowledge/reranker.js';
import { VectorIndexes } from './modules/knowledge/vector-indexes.js';
import { QuotaService } from './modules/quotas/quota.service.js';
import { QuotasRepository } from './modules/quotas/quotas.repository.js';
import { RateLimiter } from './modules/ratelimit/rate-limiter.js';
import { FeaturesService } from './modules/release/features.service.js';
import { RuntimeConfigRepository } from './modules/release/runtime-config.repository.js';
import { RuntimeConfigService } from './modules/release/runtime-config.service.js';
import { ReadinessService } from './modules/system/readiness.service.js';
import { StatusService } from './modules/system/status.service.js';
import { SessionsService } from './modules/tasks/sessions.service.js';
import { TaskExecutor } from './modules/tasks/task-executor.js';
import { TasksRepository } from './modules/tasks/tasks.repository.js';
import { TasksService } from './modules/tasks/tasks.service.js';
import { IpAllowlistGuard, IpAllowlistService } from './modules/tenants/ip-allowlist.js';
import { IpAllowlistRepository } from './modules/tenants/ip-allowlist.repository.js';
import { TenantsRepository } from './modules/tenants/tenants.repository.js';
import { TenantsService } from './modules/tenants/tenants.service.js';
import { UsageRepository } from './modules/usage/usage.repository.js';
import { UsageService } from './modules/usage/usage.service.js';
import { WebhooksRepository } from './modules/webhooks/webhooks.repository.js';
import { WebhooksService, webhookSettings } from './modules/webhooks/webhooks.service.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { observeDatabase, otlpTracesUrl, parseOtlpHeaders } from './observability/telemetry-wiring.js';
import { Tracing, tracingFetch } from './observability/tracing.js';
import type { Cache } from './platform/cache/cache.js';
import { CacheWriteRetry } from './platform/cache/cache-write-retry.js';
import { MemoryCache } from './platform/cache/memory-cache.js';
import { RedisCache } from './platform/cache/redis-cache.js';
import { type Database, openDatabase } from './platform/db/database.js';
import { migrateUp, schemaState } from './platform/db/migrator.js';
import { queueDepths } from './platform/jobs/queue-depth.js';
import { SsrfPolicy } from './platform/net/ssrf-guard.js';
import { ClamdScanner } from './platform/scanning/clamd-scanner.js';
import { LocalObjectStorage } from './platform/storage/local-object-storage.js';
import type { ObjectStorage } from './platform/storage/object-storage.js';
import type { EventLog } from './platform/streams/event-log.js';
import { MemoryEventLog } from './platform/streams/memory-event-log.js';
import { RedisEventLog } from './platform/streams/redis-event-log.js';
import { withTimeout } from './platform/with-timeout.js';
import { AnthropicModel } from './providers/llm/anthropic.js';
import { LocalLanguageModel } from './providers/llm/local.js';
import { OpenAICompatibleModel } from './providers/llm/openai-compatible.js';
import { EspeakTts } from './providers/speech/espeak-tts.js';
import { PocketsphinxAsr } from './providers/speech/pocketsphinx-asr.js';
import { ConcurrencyGate, Executable } from './providers/speech/process.js';
import { VERSION } from './version.js';

/** Everything the process is made of, built once by hand: ports first, then services. */
export interface Container {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly cache: Cache;
  /** Replayable per-reply event streams (resumable SSE): Redis Streams when `REDIS_URL` is set, else in-process. */
  readonly eventLog: EventLog;
  /** File content: the local folder `<NEXUS_DATA_DIR>/files`, or an S3-compatible bucket when `S3_BUCKET` is set. */
  readonly storage: ObjectStorage;
  readonly drain: DrainController;
  /** Prometheus metrics of this container (`GET /metrics`); quota and rate-limit services report to it. */
  readonly metrics: Metrics;
  /** OpenTelemetry spans (exported over OTLP when configured) and per-request trace ids. */
  readonly tracing: Tracing;
  readonly services: {
    readonly readiness: ReadinessService;
    readonly status: StatusService;
    readonly adminBootstrap: AdminBootstrapService;
    readonly access: AccessService;
    readonly audit: AuditService;
    readonly auth: AuthService;
    readonly apiKeys: ApiKeysService;
    readonly roles: RolesService;
    readonly tenants: TenantsService;
    readonly gateway: GatewayService;
    readonly modelCatalog: ModelCatalogService;
    readonly gatewaySettings: GatewaySettingsService;
    readonly responseCache: ResponseCache;
    readonly conversations: ConversationsService;
    /** Removes soft-deleted conversations in the background (runs on a timer; `runOnce` for tests). */
    readonly conversationPurger: ConversationPurger;
    /** Generation in conversations: send, edit, regenerate, cancel, follow a reply's events. */
    readonly replies: RepliesService;
    /** Uploads, downloads, expiring links, holds (used by knowledge-base ingestion and tasks). */
    readonly files: FilesService;
    /** `Idempotency-Key` on POST: claims, stored answers, the purge of expired keys (used by the edge). */
    readonly idempotency: IdempotencyService;
    /** Knowledge bases: documents, background ingestion, search and retrieval. */
    readonly knowledge: KnowledgeService;
    /** This instance's ingestion worker (claims queued documents; `KB_INGEST_CONCURRENCY` 0 turns it off). */
    readonly ingestion: IngestionWorker;
    /** Webhook URL checks, durable signed deliveries with retries, and this instance's delivery worker. */
    readonly webhooks: WebhooksService;
    /** The task API (invoke, batches, tasks) and this instance's worker for queued tasks. */
    readonly tasks: TasksService;
    /** Conversation-backed sessions for invoke. */
    readonly sessions: SessionsService;
    /**
     * Plans, budgets, top-ups and their enforcement around every LLM call (docs/quotas.md). `observe()`
     * adds a {@link QuotaObserver}-style watcher (metrics count rejections with it).
     */
    readonly quotas: QuotaService;
    /** `GET /v1/usage` and `/v1/usage/analytics` over the metering table. */
    readonly usage: UsageService;
    /** Versioned runtime config: versions, activation, canary; each request's effective config (docs/runtime-config.md). */
    readonly runtimeConfig: RuntimeConfigService;
    /** Feature flags of the effective runtime config, evaluated per request (`isEnabled(ctx, key)`). */
    readonly features: FeaturesService;
    /** Token-bucket rate limits per client address, user and API key (the edge applies them to `/v1/*`). */
    readonly rateLimiter: RateLimiter;
    /** Tenant IP allowlists: reading and replacing them (the check itself runs inside AccessService). */
    readonly ipAllowlist: IpAllowlistService;
  };
  readonly mailer: Mailer;
  /** Releases the database and the cache. */
  close(): Promise<void>;
}

export interface ContainerOverrides {
  logger?: Logger;
  /** Replaces the configured mailer (tests capture mail). */
  mailer?: Mailer;
  /** Replaces global fetch for outgoing calls (tests). */
  fetch?: typeof fetch;
  /** An already-open database (tests share one PGlite per worker); the container will not close it. */
  database?: Database;
  cache?: Cache;
  /** An event log owned by the caller; the container will not close it. */
  eventLog?: EventLog;
  /** Records spans with this exporter (tests: `InMemorySpanExporter`), whatever `OTEL_*` says. */
  spanExporter?: SpanExporter;
}

export async function createContainer(
  config: Config,
  overrides: ContainerOverrides = {},
): Promise<Container> {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  // First: it only checks settings (and loads the S3 client), so a bad S3 setup fails before anything opens.
  const storage = await openObjectStorage(config);
  const database =
    overrides.database ??
    (await openDatabase({
      kind: config.databaseKind,
      url: config.DATABASE_URL,
      dataDir: path.join(config.dataDir, 'pglite'),
      poolMax: config.DATABASE_POOL_MAX,
      idleTimeoutMs: config.DATABASE_POOL_IDLE_TIMEOUT_MS,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      logger,
    }));
  let cache: Cache;
  try {
    cache =
      overrides.cache ??
      (config.REDIS_URL
        ? await RedisCache.connect({
            url: config.REDIS_URL,
            keyPrefix: config.REDIS_KEY_PREFIX,
            connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
          })
        : new MemoryCache());
    if (config.NEXUS_MIGRATE_ON_START) {
      const applied = await migrateUp(database.db);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
  } catch (error) {
    if (!overrides.database) await database.close();
    throw error;
  }
  let eventLog: EventLog;
  try {
    eventLog =
      overrides.eventLog ??
      (config.REDIS_URL
        ? await RedisEventLog.connect({
            url: config.REDIS_URL,
            keyPrefix: config.REDIS_KEY_PREFIX,
            connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
          })
        : new MemoryEventLog());
  } catch (error) {
    await Promise.allSettled([
      overrides.cache ? undefined : cache.close(),
      overrides.database ? undefined : database.close(),
    ]);
    throw error;
  }

  const drain = new DrainController();
  const metrics = new Metrics({ enabled: config.METRICS_ENABLED });
  const tracing = await Tracing.create({
    tracesUrl: otlpTracesUrl(config),
    headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
    serviceName: config.OTEL_SERVICE_NAME,
    sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
    ...(overrides.spanExporter ? { exporter: overrides.spanExporter } : {}),
  });
  const stopObservingDatabase = database.observeQueries(observeDatabase(metrics, tracing, database.kind));
  // Upstream LLM calls carry the active span's traceparent when spans are recorded.
  const upstreamFetch = tracing.enabled ? tracingFetch(tracing, overrides.fetch ?? fetch) : overrides.fetch;
  const users = new UsersRepository();
  const tenants = new TenantsRepository();
  const readiness = new ReadinessService({
    probes: { database: (ms) => database.ping(ms), cache: (ms) => withTimeout(cache.ping(), ms, 'cache') },
    timeoutMs: config.READINESS_TIMEOUT_MS,
    isDraining: () => drain.isDraining,
  });
  const status = new StatusService({
    schemaState: () => schemaState(database.db),
    version: VERSION,
    databaseKind: database.kind,
    cacheKind: cache.kind,
    startedAt: Date.now(),
  });
  const adminBootstrap = new AdminBootstrapService({ db: database.db, users, tenants, hasher: argon2Hasher });

  const db = database.db;
  const roles = new RolesRepository();
  const ipAllowlistRepository = new IpAllowlistRepository();
  const ipGuard = new IpAllowlistGuard({
    db,
    repository: ipAllowlistRepository,
    cache,
    memoTtlMs: config.ACCESS_CACHE_TTL_MS,
  });
  const stopIpGuardListener = await ipGuard.listen();
  const access = new AccessService({
    db,
    tenants,
    roles,
    cache,
    memoTtlMs: config.ACCESS_CACHE_TTL_MS,
    ipGuard,
  });
  const rateLimiter = new RateLimiter({
    cache,
    settings: {
      enabled: config.RATE_LIMIT_ENABLED,
      perMinute: {
        ip: config.RATE_LIMIT_IP_PER_MINUTE,
        user: config.RATE_LIMIT_USER_PER_MINUTE,
        key: config.RATE_LIMIT_KEY_PER_MINUTE,
      },
      burst: {
        ip: config.RATE_LIMIT_IP_BURST ?? config.RATE_LIMIT_IP_PER_MINUTE,
        user: config.RATE_LIMIT_USER_BURST ?? config.RATE_LIMIT_USER_PER_MINUTE,
        key: config.RATE_LIMIT_KEY_BURST ?? config.RATE_LIMIT_KEY_PER_MINUTE,
      },
      failMode: config.RATE_LIMIT_FAIL_MODE,
      timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
      circuitMs: config.RATE_LIMIT_CIRCUIT_MS,
    },
    // nexus_rate_limit_rejections_total{scope="ip"|"user"|"key"}
    observer: metrics,
  });
  const stopAccessListener = await access.listen();
  const audit = new AuditService({ db, audit: new AuditRepository(), access, logger });
  const signingKeys = config.JWT_SIGNING_KEYS
    ? parseSigningKeys(config.JWT_SIGNING_KEYS)
    : await loadOrCreateSigningKeys(db);
  const mailer =
    overrides.mailer ??
    (config.SMTP_URL ? new SmtpMailer(config.SMTP_URL, config.MAIL_FROM) : new LogMailer(logger));
  // Revocations' cache writes that fail while Redis is away are made once it is back (not lost).
  const cacheWrites = new CacheWriteRetry({ logger });
  const apiKeys = new ApiKeysService({
    db,
    keys: new ApiKeysRepository(),
    access,
    audit,
    cache,
    cacheWrites,
  });
  const auth = new AuthService({
    db,
    users,
    sessions: new SessionsRepository(),
    resets: new PasswordResetsRepository(),
    tenants,
    tokens: new TokenService(signingKeys, config.ACCESS_TOKEN_TTL_S),
    hasher: argon2Hasher,
    throttle: new LoginThrottle(cache, {
      maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
      maxLockoutSeconds: config.LOGIN_LOCKOUT_MAX_S,
    }),
    audit,
    cache,
    cacheWrites,
    mailer,
    wechat: new WechatClient({
      baseUrl: config.WECHAT_API_BASE_URL,
      timeoutMs: config.WECHAT_TIMEOUT_MS,
      ...(config.WECHAT_APP_ID ? { appId: config.WECHAT_APP_ID } : {}),
      ...(config.WECHAT_APP_SECRET ? { appSecret: config.WECHAT_APP_SECRET } : {}),
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    }),
    settings: {
      refreshTtlSeconds: config.REFRESH_TOKEN_TTL_S,
      passwordMinLength: config.PASSWORD_MIN_LENGTH,
      passwordResetTtlSeconds: config.PASSWORD_RESET_TTL_S,
      ...(config.PASSWORD_RESET_URL ? { passwordResetUrl: config.PASSWORD_RESET_URL } : {}),
    },
    logger,
    apiKeys,
  });
  const rolesService = new RolesService({ db, roles, access, audit });
  const tenantsService = new TenantsService({
    db,
    tenants,
    roles,
    access,
    audit,
    inviteTtlSeconds: config.INVITE_TTL_S,
  });

  const spoolDir = config.FILES_SPOOL_DIR ?? path.join(config.dataDir, 'spool');
  const files = new FilesService({
    db,
    files: new FilesRepository(),
    storage,
    scanner: config.CLAMD_HOST
      ? new ClamdScanner({
          host: config.CLAMD_HOST,
          port: config.CLAMD_PORT,
          timeoutMs: config.CLAMD_TIMEOUT_MS,
          maxBytes: config.CLAMD_STREAM_MAX_BYTES,
        })
      : null,
    access,
    audit,
    links: new DownloadLinkSigner(
      config.FILES_URL_SIGNING_SECRET
        ? new TextEncoder().encode(config.FILES_URL_SIGNING_SECRET)
        : await loadOrCreateLinkSecret(db),
    ),
    logger,
    settings: {
      defaultMaxBytes: config.FILES_MAX_BYTES,
      maxBytesCeiling: config.FILES_MAX_BYTES_CEILING,
      spoolDir,
      staleUploadMs: 6 * 3600_000,
      sweepIntervalMs: 3600_000,
      batchMaxFiles: config.FILES_BATCH_MAX_FILES,
    },
  });
  files.start();
  const idempotency = new IdempotencyService({
    db,
    keys: new IdempotencyRepository(),
    logger,
    settings: {
      ttlMs: config.IDEMPOTENCY_TTL_S * 1000,
      lockMs: config.IDEMPOTENCY_LOCK_S * 1000,
      maxResponseBytes: config.IDEMPOTENCY_MAX_RESPONSE_BYTES,
      purgeIntervalMs: config.IDEMPOTENCY_PURGE_INTERVAL_S * 1000,
    },
  });
  idempotency.start();
  const webhooks = new WebhooksService({
    db,
    repository: new WebhooksRepository(),
    access,
    audit,
    logger,
    policy: new SsrfPolicy(config.WEBHOOK_URL_ALLOWLIST),
    settings: webhookSettings(config),
  });

  const catalog = loadCatalog({
    ...(config.NEXUS_MODELS_FILE ? { modelsFile: config.NEXUS_MODELS_FILE } : {}),
    ...(config.OPENAI_BASE_URL ? { openaiBaseUrl: config.OPENAI_BASE_URL } : {}),
    ...(config.OPENAI_API_KEY ? { openaiApiKey: config.OPENAI_API_KEY } : {}),
    readEnv: config.readEnv,
  });
  // The offline speech engines (Debian packages espeak-ng, pocketsphinx, sox), found on the PATH on first use.
  const searchPath = config.readEnv('PATH') ?? '/usr/local/bin:/usr/bin:/bin';
  const speechGate = new ConcurrencyGate(config.SPEECH_CONCURRENCY);
  const local = new LocalLanguageModel({
    wordsPerSecond: config.LOCAL_MODEL_WORDS_PER_S,
    embeddingDimensions: config.LOCAL_EMBEDDING_DIMENSIONS,
    tts: new EspeakTts({
      executable: new Executable(['espeak-ng'], { override: config.ESPEAK_NG_PATH, searchPath }),
      timeoutMs: config.SPEECH_TIMEOUT_MS,
      maxSeconds: config.SPEECH_MAX_SECONDS,
      gate: speechGate,
    }),
    asr: new PocketsphinxAsr({
      pocketsphinx: new Executable(['pocketsphinx_continuous', 'pocketsphinx'], {
        override: config.POCKETSPHINX_PATH,
        searchPath,
      }),
      sox: new Executable(['sox'], { override: config.SOX_PATH, searchPath }),
      timeoutMs: config.SPEECH_TIMEOUT_MS,
      maxSeconds: config.SPEECH_MAX_SECONDS,
      gate: speechGate,
    }),
  });
  const registry = new ModelRegistry({
    models: catalog.models,
    ...(catalog.passthrough ? { passthrough: catalog.passthrough } : {}),
    providers: {
      local: () => local,
      'openai-compatible': (d) =>
        new OpenAICompatibleModel({
          baseUrl: d.base_url ?? '',
          apiKey: (d.api_key_env ? config.readEnv(d.api_key_env) : undefined) ?? 'none',
          streamUsage: d.stream_usage,
          connectTimeoutMs: config.GATEWAY_CONNECT_TIMEOUT_MS,
          ...(upstreamFetch ? { fetch: upstreamFetch } : {}),
          ...(tracing.enabled ? { traceparent: () => tracing.activeTraceparent() } : {}),
        }),
      anthropic: (d) =>
        new AnthropicModel({
          ...(d.base_url ? { baseUrl: d.base_url } : {}),
          apiKey: (d.api_key_env ? config.readEnv(d.api_key_env) : undefined) ?? 'none',
          connectTimeoutMs: config.GATEWAY_CONNECT_TIMEOUT_MS,
          ...(upstreamFetch ? { fetch: upstreamFetch } : {}),
        }),
    },
    circuit: { failures: config.GATEWAY_CIRCUIT_FAILURES, cooldownMs: config.GATEWAY_CIRCUIT_COOLDOWN_MS },
    logger,
  });
  const modelCatalog = new ModelCatalogService({
    db,
    entries: new ModelCatalogRepository(),
    registry,
    access,
    audit,
    tenants,
    cache,
    logger,
    readEnv: config.readEnv,
    fromFile: catalog.fromFile,
    // Nexus's own settings are never an upstream's API key (OPENAI_API_KEY is one).
    reservedEnv: new Set(Object.keys(configSchema.shape).filter((name) => name !== 'OPENAI_API_KEY')),
  });
  await modelCatalog.start();
  const runtimeConfig = new RuntimeConfigService({
    db,
    repository: new RuntimeConfigRepository(),
    users,
    audit,
    cache,
    logger,
    modelExists: (name) => registry.resolve(name) !== undefined,
    checkModelEntry: (spec, siblings) => modelCatalog.checkConfigEntry(spec, siblings),
    buildModels: (specs) => registry.buildOverlay(specs),
    pollIntervalMs: config.RUNTIME_CONFIG_POLL_MS,
  });
  await runtimeConfig.start();
  const features = new FeaturesService({ runtimeConfig, access });
  const meter = new UsageMeter({
    db,
    logger,
    observer: (call) => metrics.observeLlmCall(call),
    settings: {
      batchSize: config.METERING_BATCH_SIZE,
      flushIntervalMs: config.METERING_FLUSH_MS,
      maxBuffered: 100_000,
      // PGlite runs every statement on the event loop: small statements keep request latency even.
      ...(database.kind === 'pglite' ? { rowsPerStatement: 10 } : {}),
    },
  });
  const router = new Router({
    cache,
    tracing,
    resolve: (name, tenantId, overlay) => registry.resolve(name, tenantId, overlay),
    settings: {
      maxRetries: config.GATEWAY_MAX_RETRIES,
      retryBaseMs: config.GATEWAY_RETRY_BASE_MS,
      maxRetryWaitMs: config.GATEWAY_RETRY_MAX_WAIT_MS,
      firstTokenTimeoutMs: config.GATEWAY_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: config.GATEWAY_TOTAL_TIMEOUT_MS,
    },
  });
  const responseCache = new ResponseCache({
    cache,
    embed: routedEmbedder({ router, model: config.GATEWAY_SEMANTIC_CACHE_MODEL }),
    logger,
    settings: {
      threshold: config.GATEWAY_SEMANTIC_CACHE_THRESHOLD,
      maxEntries: config.GATEWAY_SEMANTIC_CACHE_MAX_ENTRIES,
    },
  });
  metrics.setCacheCountsSource(() => responseCache.stats());
  metrics.setQueueDepthSource(() => queueDepths(db));
  const gatewaySettings = new GatewaySettingsService({
    db,
    settings: new GatewaySettingsRepository(),
    access,
    audit,
    cache,
    responseCache,
    defaultTtlSeconds: config.GATEWAY_CACHE_TTL_S,
  });
  const quotas = new QuotaService({
    db,
    quotas: new QuotasRepository(),
    tenants,
    cache,
    access,
    audit,
    logger,
    settings: {
      enabled: config.QUOTAS_ENABLED,
      defaultPlan: config.QUOTA_DEFAULT_PLAN,
      outputEstimateTokens: config.QUOTA_OUTPUT_ESTIMATE_TOKENS,
      planCacheMs: config.QUOTA_PLAN_CACHE_MS,
    },
    // nexus_quota_rejections_total{scope="user.requests.day"|"tenant.tokens.month"|...}
    observer: {
      onQuotaRejected: ({ scope, metric, period }) => metrics.onQuotaRejected(`${scope}.${metric}.${period}`),
      onQuotaUnavailable: () => metrics.onQuotaRejected('unavailable'),
    },
  });
  await quotas.checkDefaultPlan();
  const stopQuotaListener = await quotas.listen();
  const usage = new UsageService({ db, usage: new UsageRepository(), access });
  const gateway = new GatewayService({
    access,
    registry,
    router,
    meter,
    // QUOTAS_ENABLED=false: no reservation at all on the request path (benchmarks compare both).
    ...(config.QUOTAS_ENABLED ? { quotas } : {}),
    responseCache: { cache: responseCache, settings: gatewaySettings },
    piiMasking: gatewaySettings,
    media: { maxTextChars: config.SPEECH_MAX_TEXT_CHARS, maxAudioBytes: config.SPEECH_MAX_AUDIO_BYTES },
    modelAlias: (ctx, name) => runtimeConfig.resolveModel(name, ctx.principal?.userId ?? null),
    modelOverlay: (ctx) => runtimeConfig.modelsFor(ctx.principal?.userId ?? null),
  });
  const conversationsRepository = new ConversationsRepository();
  const messagesRepository = new MessagesRepository();
  const conversations = new ConversationsService({
    db,
    conversations: conversationsRepository,
    messages: messagesRepository,
    access,
    cache,
    models: gateway,
    knowledgeBases: async (tenantId, ids) =>
      new Set((await knowledgeRepository.getBases(db, tenantId, ids)).map((kb) => kb.id)),
    settings: {
      contextTtlMs: config.CONVERSATION_CONTEXT_CACHE_TTL_S * 1000,
      importMaxMessages: config.CONVERSATION_IMPORT_MAX_MESSAGES,
    },
  });
  const conversationPurger = new ConversationPurger({
    db,
    conversations: conversationsRepository,
    cache,
    logger,
    settings: {
      purgeAfterMs: config.CONVERSATION_PURGE_AFTER_S * 1000,
      intervalMs: config.CONVERSATION_PURGE_INTERVAL_S * 1000,
    },
  });
  conversationPurger.start();
  const knowledgeRepository = new KnowledgeRepository();
  const chunksRepository = new ChunksRepository();
  // Unset: HNSW on PostgreSQL with pgvector; the in-process exact scan on PGlite, where HNSW inserts are
  // about 13× slower and its searches degraded past 100k chunks (docs/knowledge.md#vector-index).
  const vectorStorage = await chunksRepository.vectorStorage(
    db,
    config.KB_VECTOR_SEARCH ?? (database.kind === 'pglite' ? 'exact' : 'hnsw'),
  );
  // Background ingestion has no caller: its embedding calls are metered to the tenant without a user.
  const embedTexts: EmbedTexts = async (tenantId, model, texts, signal, ctx) =>
    (
      await gateway.embedForTenant(
        tenantId,
        { model, input: texts },
        signal,
        ctx ?? { principal: null, ip: '', userAgent: null, requestId: 'knowledge' },
      )
    ).vectors;
  const kbDefaults = defaultSettings({
    embeddingModel: config.KB_EMBEDDING_MODEL,
    chunkTokens: config.KB_CHUNK_TOKENS,
    overlapTokens: config.KB_CHUNK_OVERLAP_TOKENS,
    searchMode: config.KB_SEARCH_MODE,
    topK: config.KB_SEARCH_TOP_K,
    queryExpansion: config.KB_QUERY_EXPANSION,
  });
  const urlPolicy = new SsrfPolicy(config.KB_URL_ALLOWLIST);
  const vectorIndexes = new VectorIndexes({
    db,
    chunks: chunksRepository,
    storage: () => vectorStorage,
    databaseKind: database.kind,
  });
  const indexCache = new IndexCache(
    { maxSlots: config.KB_INDEX_CACHE_MAX_CHUNKS, withVectors: vectorStorage.search === 'exact' },
    (kb, afterSeq, limit, withVectors) =>
      chunksRepository.delta(
        db,
        kb.tenant_id,
        kb.id,
        afterSeq,
        limit,
        withVectors ? vectorStorage.kind : null,
      ),
  );
  const knowledgeSearch = new KnowledgeSearch({
    db,
    knowledge: knowledgeRepository,
    chunks: chunksRepository,
    cache: indexCache,
    storage: () => vectorStorage,
    embed: embedTexts,
    reranker: config.KB_RERANK_BASE_URL
      ? new HttpReranker({
          baseUrl: config.KB_RERANK_BASE_URL,
          model: config.KB_RERANK_MODEL,
          apiKey: config.KB_RERANK_API_KEY_ENV ? config.readEnv(config.KB_RERANK_API_KEY_ENV) : undefined,
          timeoutMs: config.KB_RERANK_TIMEOUT_MS,
          ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
        })
      : undefined,
    logger,
    settings: {
      candidates: config.KB_SEARCH_CANDIDATES,
      rrfK: 60,
      rerankCandidates: config.KB_RERANK_CANDIDATES,
    },
  });
  const ingestion = new IngestionWorker({
    db,
    knowledge: knowledgeRepository,
    chunks: chunksRepository,
    storage: () => vectorStorage,
    ensureVectorIndex: (dims) => vectorIndexes.ensure(dims),
    embed: embedTexts,
    files,
    defaults: kbDefaults,
    logger,
    settings: {
      concurrency: config.KB_INGEST_CONCURRENCY,
      pollMs: config.KB_INGEST_POLL_MS,
      leaseMs: config.KB_INGEST_LEASE_MS,
      maxAttempts: config.KB_INGEST_MAX_ATTEMPTS,
      embedBatchSize: config.KB_EMBED_BATCH_SIZE,
      maxDocumentBytes: config.KB_DOCUMENT_MAX_BYTES,
      url: {
        policy: urlPolicy,
        timeoutMs: config.KB_URL_TIMEOUT_MS,
        maxRedirects: config.KB_URL_MAX_REDIRECTS,
      },
    },
  });
  const knowledge = new KnowledgeService({
    db,
    knowledge: knowledgeRepository,
    chunks: chunksRepository,
    access,
    search: knowledgeSearch,
    cache: indexCache,
    worker: ingestion,
    embed: embedTexts,
    vectorIndexes,
    files,
    logger,
    settings: {
      defaults: kbDefaults,
      autoSearchMode: config.KB_SEARCH_MODE === undefined,
      maxDocumentBytes: config.KB_DOCUMENT_MAX_BYTES,
      urlPolicy,
    },
  });
  if (config.KB_INGEST_CONCURRENCY > 0) ingestion.start();
  const replies = new RepliesService({
    db,
    conversations,
    conversationRows: conversationsRepository,
    messages: messagesRepository,
    replies: new RepliesRepository(),
    gateway,
    contextWindow: (tenantId, model, userId = null) =>
      registry.resolve(runtimeConfig.resolveModel(model, userId), tenantId, runtimeConfig.modelsFor(userId))
        ?.spec.context_window,
    replyDefaults: ({ userId }) => {
      const { document } = runtimeConfig.effectiveFor(userId);
      return { systemPrompt: document.prompts.default_system, ragTopK: document.rag.top_k };
    },
    knowledge,
    cache,
    log: eventLog,
    logger,
    settings: {
      flushMs: config.REPLY_FLUSH_MS,
      coalesceMs: config.REPLY_COALESCE_MS,
      logRetainMs: config.REPLY_LOG_RETAIN_MS,
      lockTtlMs: config.REPLY_LOCK_TTL_MS,
      shutdownGraceMs: config.REPLY_SHUTDOWN_GRACE_MS,
      sweepIntervalMs: config.REPLY_SWEEP_INTERVAL_MS,
      contextMarginTokens: config.REPLY_CONTEXT_MARGIN_TOKENS,
      titleTimeoutMs: 30_000,
      knowledgeMaxTokens: config.CONVERSATION_KB_CONTEXT_TOKENS,
    },
  });
  await replies.start();
  webhooks.start();
  const [imageWidth, imageHeight] = config.INVOKE_IMAGE_SIZE.split('x').map(Number) as [number, number];
  const tasks = new TasksService({
    db,
    tasks: new TasksRepository(),
    access,
    executor: new TaskExecutor({
      gateway,
      files,
      replies,
      defaults: {
        textModel: config.INVOKE_TEXT_MODEL,
        imageModel: config.INVOKE_IMAGE_MODEL,
        speechModel: config.INVOKE_SPEECH_MODEL,
        transcriptionModel: config.INVOKE_TRANSCRIPTION_MODEL,
        imageWidth,
        imageHeight,
      },
      limits: {
        maxAudioBytes: config.TASKS_AUDIO_MAX_BYTES,
        maxDocumentBytes: config.TASKS_DOCUMENT_MAX_BYTES,
        maxOutputChars: config.TASKS_OUTPUT_MAX_CHARS,
        summaryInputTokens: config.TASKS_SUMMARY_INPUT_TOKENS,
      },
    }),
    files,
    sessions: conversations,
    webhooks,
    logger,
    settings: {
      concurrency: config.TASKS_CONCURRENCY,
      pollMs: config.TASKS_POLL_MS,
      leaseMs: config.TASKS_LEASE_MS,
      heartbeatMs: config.TASKS_HEARTBEAT_MS,
      maxAttempts: config.TASKS_MAX_ATTEMPTS,
      retryBaseMs: config.TASKS_RETRY_BASE_MS,
      batchMaxItems: config.INVOKE_BATCH_MAX_ITEMS,
      batchConcurrency: config.INVOKE_BATCH_CONCURRENCY,
    },
  });
  if (config.TASKS_CONCURRENCY > 0) tasks.start();
  const sessions = new SessionsService({ conversations, defaultModel: config.INVOKE_TEXT_MODEL });

  return {
    config,
    logger,
    database,
    cache,
    eventLog,
    storage,
    drain,
    metrics,
    tracing,
    services: {
      readiness,
      status,
      adminBootstrap,
      access,
      audit,
      auth,
      apiKeys,
      roles: rolesService,
      tenants: tenantsService,
      gateway,
      modelCatalog,
      gatewaySettings,
      responseCache,
      conversations,
      conversationPurger,
      replies,
      files,
      idempotency,
      knowledge,
      ingestion,
      webhooks,
      tasks,
      sessions,
      quotas,
      usage,
      runtimeConfig,
      features,
      rateLimiter,
      ipAllowlist: new IpAllowlistService({
        db,
        repository: ipAllowlistRepository,
        guard: ipGuard,
        access,
        audit,
      }),
    },
    mailer,
    close: async () => {
      // Queued tasks in progress go back to the queue (for this or another instance).
      await tasks.close();
      // Replies still running finish (or are saved as interrupted) while the database and cache are up.
      await replies.close();
      // Ingestion jobs in progress give their documents back to the queue (for this or another instance).
      await ingestion.stop();
      // Sends in flight finish (bounded); the rest stays queued in the database for any instance.
      await webhooks.close();
      await conversationPurger.stop();
      await files.stop();
      await idempotency.stop();
      await storage.close();
      await modelCatalog.stop();
      await runtimeConfig.stop();
      // Mails still going out need the database for their audit record; metering writes what it holds.
      await auth.mailSettled();
      await meter.close();
      await quotas.settled();
      cacheWrites.stop();
      await stopAccessListener().catch(() => undefined);
      await stopQuotaListener().catch(() => undefined);
      stopObservingDatabase();
      await tracing.close().catch(() => undefined);
      metrics.close();
      await stopIpGuardListener().catch(() => undefined);
      await Promise.allSettled([
        overrides.cache ? undefined : cache.close(),
        overrides.eventLog ? undefined : eventLog.close(),
        overrides.database ? undefined : database.close(),
      ]);
    },
  };
}

/**
 * The configured object storage. The S3 adapter (and the AWS SDK) is loaded only when `S3_BUCKET` is
 * set, so the embedded default does not pay for it.
 */
async function openObjectStorage(config: Config): Promise<ObjectStorage> {
  if (!config.S3_BUCKET) {
    const orphaned = (
      ['S3_ENDPOINT', 'S3_PUBLIC_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const
    ).filter((name) => config[name] !== undefined);
    if (orphaned.length > 0)
      throw new ConfigError(
        orphaned.map((variable) => ({
          variable,
          message: 'is set, but S3_BUCKET is not (set it to use S3 storage)',
        })),
      );
    return new LocalObjectStorage(path.join(config.dataDir, 'files'));
  }
  if ((config.S3_ACCESS_KEY_ID === undefined) !== (config.S3_SECRET_ACCESS_KEY === undefined))
    throw new ConfigError([
      {
        variable: config.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY',
        message:
          'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (or leave both unset for the default credential chain)',
      },
    ]);
  const { S3ObjectStorage } = await import('./platform/storage/s3-object-storage.js');
  return new S3ObjectStorage({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    spoolDir: config.FILES_SPOOL_DIR ?? path.join(config.dataDir, 'spool'),
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    ...(config.S3_PUBLIC_ENDPOINT ? { publicEndpoint: config.S3_PUBLIC_ENDPOINT } : {}),
    ...(config.S3_ACCESS_KEY_ID ? { accessKeyId: config.S3_ACCESS_KEY_ID } : {}),
    ...(config.S3_SECRET_ACCESS_KEY ? { secretAccessKey: config.S3_SECRET_ACCESS_KEY } : {}),
  });
}

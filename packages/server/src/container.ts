import path from 'node:path';
import type { Config } from './config.js';
import { DrainController } from './http/drain.js';
import { AdminBootstrapService } from './modules/identity/admin-bootstrap.service.js';
import { argon2Hasher } from './modules/identity/password-hasher.js';
import { TenantsRepository } from './modules/identity/tenants.repository.js';
import { UsersRepository } from './modules/identity/users.repository.js';
import { ReadinessService } from './modules/system/readiness.service.js';
import { StatusService } from './modules/system/status.service.js';
import { createLogger, type Logger } from './observability/logger.js';
import type { Cache } from './platform/cache/cache.js';
import { MemoryCache } from './platform/cache/memory-cache.js';
import { RedisCache } from './platform/cache/redis-cache.js';
import { type Database, openDatabase } from './platform/db/database.js';
import { migrateUp, schemaState } from './platform/db/migrator.js';
import { withTimeout } from './platform/with-timeout.js';
import { VERSION } from './version.js';

/** Everything the process is made of, built once by hand: ports first, then services. */
export interface Container {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly cache: Cache;
  readonly drain: DrainController;
  readonly services: {
    readonly readiness: ReadinessService;
    readonly status: StatusService;
    readonly adminBootstrap: AdminBootstrapService;
  };
  /** Releases the database and the cache. */
  close(): Promise<void>;
}

export interface ContainerOverrides {
  logger?: Logger;
  /** An already-open database (tests share one PGlite per worker); the container will not close it. */
  database?: Database;
  cache?: Cache;
}

export async function createContainer(
  config: Config,
  overrides: ContainerOverrides = {},
): Promise<Container> {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
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

  const drain = new DrainController();
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

  return {
    config,
    logger,
    database,
    cache,
    drain,
    services: { readiness, status, adminBootstrap },
    close: async () => {
      await Promise.allSettled([
        overrides.cache ? undefined : cache.close(),
        overrides.database ? undefined : database.close(),
      ]);
    },
  };
}

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, type LogEvent, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../observability/logger.js';
import { withTimeout } from '../with-timeout.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { DB } from './schema.js';

export interface DatabaseSettings {
  kind: 'pglite' | 'postgres';
  /** PostgreSQL connection string, for `postgres`. */
  url?: string;
  /** Folder of the embedded database, for `pglite`; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolMax?: number;
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  logger?: Logger;
}

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'pglite' | 'postgres';
  /** Runs `select 1`; rejects if the database does not answer within `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  /**
   * Calls `observer` after every statement (in the caller's async context) with its SQL, duration and error.
   * Returns the function that stops it. Metrics and traces use it; observers must be cheap and not throw.
   * @example const stop = database.observeQueries((q) => histogram.observe(q.durationMs / 1000));
   */
  observeQueries(observer: QueryObserver): () => void;
  close(): Promise<void>;
}

/** One finished statement, as the driver timed it. */
export interface QueryEvent {
  readonly sql: string;
  readonly durationMs: number;
  /** Set when the statement failed. */
  readonly error?: unknown;
}

export type QueryObserver = (event: QueryEvent) => void;

/** Kysely's `log` hook fanned out to the observers (none: one size check per statement). */
function queryObservers() {
  const observers = new Set<QueryObserver>();
  const log = (event: LogEvent) => {
    if (observers.size === 0) return;
    const observed: QueryEvent =
      event.level === 'error'
        ? { sql: event.query.sql, durationMs: event.queryDurationMillis, error: event.error }
        : { sql: event.query.sql, durationMs: event.queryDurationMillis };
    for (const observer of observers) observer(observed);
  };
  const observeQueries = (observer: QueryObserver) => {
    observers.add(observer);
    return () => {
      observers.delete(observer);
    };
  };
  return { log, observeQueries };
}

// int8 (count(*), sums) and numeric come back as JavaScript numbers on both engines, not strings or BigInts.
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (value: string) => Number(value);

export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  return settings.kind === 'postgres' ? openPostgres(settings) : openPglite(settings);
}

async function openPostgres(settings: DatabaseSettings): Promise<Database> {
  if (!settings.url) throw new Error('DATABASE_URL is required for PostgreSQL');
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolMax ?? 10,
    idleTimeoutMillis: settings.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 5_000,
    ...(settings.statementTimeoutMs ? { statement_timeout: settings.statementTimeoutMs } : {}),
    application_name: 'nexus',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 || oid === NUMERIC
          ? toNumber
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection that dies while idle (database restarted, dropped) must not crash the process:
  // the pool discards it and the next query opens a fresh one.
  pool.on('error', (error) => settings.logger?.warn({ err: error }, 'idle database connection lost'));
  const { log, observeQueries } = queryObservers();
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log });
  return {
    db,
    kind: 'postgres',
    observeQueries,
    ping: (timeoutMs) =>
      withTimeout(
        sql`select 1`.execute(db).then(() => undefined),
        timeoutMs,
        'database',
      ),
    close: () => db.destroy(),
  };
}

async function openPglite(settings: DatabaseSettings): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const dataDir = settings.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) await mkdir(path.dirname(path.resolve(dataDir)), { recursive: true });
  const pglite = await PGlite.create(dataDir, {
    extensions: { vector },
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber },
  });
  const { log, observeQueries } = queryObservers();
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite), log });
  let closed = false;
  return {
    db,
    kind: 'pglite',
    observeQueries,
    ping: async (timeoutMs) => {
      if (closed) throw new Error('PGlite is closed');
      await withTimeout(
        sql`select 1`.execute(db).then(() => undefined),
        timeoutMs,
        'database',
      );
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
      await pglite.close();
    },
  };
}

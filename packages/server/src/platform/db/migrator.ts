import { type Kysely, type MigrationResultSet, Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { migrations } from './migrations/index.js';
import type { DB } from './schema.js';

export interface MigrationStatus {
  name: string;
  applied: boolean;
  applied_at: Date | null;
}

function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'nexus_migrations',
    migrationLockTableName: 'nexus_migrations_lock',
  });
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const error = new Error(
      `Migration ${failed?.migrationName ?? ''} failed: ${String((result.error as Error).message ?? result.error)}`,
      {
        cause: result.error,
      },
    );
    throw error;
  }
  return (result.results ?? []).map((r) => r.migrationName);
}

/** Applies every pending migration (under Kysely's migration lock, so concurrent instances are safe). */
export async function migrateUp(db: Kysely<DB>): Promise<string[]> {
  return unwrap(await migrator(db).migrateToLatest());
}

/** Reverts the most recent migration. */
export async function migrateDown(db: Kysely<DB>): Promise<string[]> {
  return unwrap(await migrator(db).migrateDown());
}

/**
 * Reverts every applied migration after `target` (`null`: all of them), newest first, running each one's
 * `down`. For rolling a release back when restoring a backup is not possible (docs/upgrading.md).
 * @example await migrateDownTo(db, '0012_tasks'); // reverts 0013_… and later
 */
export async function migrateDownTo(db: Kysely<DB>, target: string | null): Promise<string[]> {
  return unwrap(await migrator(db).migrateTo(target ?? NO_MIGRATIONS));
}

export async function migrationStatus(db: Kysely<DB>): Promise<MigrationStatus[]> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({
    name: m.name,
    applied: m.executedAt !== undefined,
    applied_at: m.executedAt ?? null,
  }));
}

export interface SchemaState {
  /** The newest applied migration, or null on an empty database. */
  latest: string | null;
  applied: number;
}

/** One cheap query: which migrations this database has. */
export async function schemaState(db: Kysely<DB>): Promise<SchemaState> {
  const { rows } =
    await sql<SchemaState>`select max(name) as latest, count(*)::int as applied from nexus_migrations`.execute(
      db,
    );
  return rows[0] ?? { latest: null, applied: 0 };
}

import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, type QueryExecutorProvider, sql } from 'kysely';
import * as tar from 'tar';
import { openDatabase } from '../platform/db/database.js';
import { migrations } from '../platform/db/migrations/index.js';
import { migrateUp } from '../platform/db/migrator.js';
import { PGliteDialect } from '../platform/db/pglite-dialect.js';
import type { DB } from '../platform/db/schema.js';
import { VERSION } from '../version.js';
import { describeFiles, listFiles, readArchive, writeArchive } from './archive.js';
import { BackupError } from './backup-errors.js';
import {
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  checkSchema,
  FILES_PREFIX,
  MANIFEST_ENTRY,
  PGLITE_DUMP_ENTRY,
  POSTGRES_DUMP_ENTRY,
} from './manifest.js';
import { findPgTool, libpqConnection, redact, runTool } from './pg-tools.js';
import { listTables, pinTextOutput, statsDifferences, type TableStats, tableStats } from './table-stats.js';

/** Where the data lives: the same settings the server runs with (docs/configuration.md). */
export interface BackupTarget {
  kind: 'postgres' | 'pglite';
  /** `DATABASE_URL`, for `postgres`. */
  databaseUrl?: string;
  /** `NEXUS_DATA_DIR`, absolute; the embedded database is its `pglite/` folder. */
  dataDir: string;
  /** The local file storage folder (`<data dir>/files`); undefined when files live in S3. */
  filesDir?: string;
  pgDumpPath?: string;
  pgRestorePath?: string;
  /** Progress lines for the operator (never a password). */
  log?: (line: string) => void;
}

export interface BackupOptions extends BackupTarget {
  /** The archive to write; refused when it exists. */
  out: string;
  /** Add the local file storage under `files/`. */
  includeFiles?: boolean;
}

export interface RestoreOptions extends BackupTarget {
  /** The archive to read. */
  in: string;
  /** Restore over a database (and file folder) that is not empty. */
  force?: boolean;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Migrations applied after the restore, because the backup was older than this build. */
  migrated: string[];
  filesRestored: number;
}

const KNOWN = Object.keys(migrations);
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (value: string) => Number(value);

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const nonEmptyDir = async (p: string) => (await readdir(p).catch(() => [])).length > 0;

async function schemaOf(db: QueryExecutorProvider): Promise<{ latest: string | null; applied: number }> {
  const { rows } = await sql<{
    found: string | null;
  }>`select to_regclass('nexus_migrations')::text as found`.execute(db);
  if (!rows[0]?.found) return { latest: null, applied: 0 };
  const state = await sql<{ latest: string | null; applied: number }>`
    select max(name) as latest, count(*)::int as applied from nexus_migrations`.execute(db);
  return state.rows[0] ?? { latest: null, applied: 0 };
}

async function openPglite(dataDir: string, loadDataDir?: Blob): Promise<{ pglite: PGlite; db: Kysely<DB> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const pglite = await PGlite.create(dataDir, {
    extensions: { vector },
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber },
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  return { pglite, db: new Kysely<DB>({ dialect: new PGliteDialect(pglite) }) };
}

function pgliteDir(dataDir: string): string {
  return path.join(dataDir, 'pglite');
}

/** A running server holds `postmaster.pid` in the embedded database folder until it closes it. */
async function refuseIfInUse(dbDir: string): Promise<void> {
  if (await exists(path.join(dbDir, 'postmaster.pid')))
    throw new BackupError(
      'database_in_use',
      `the embedded database in ${dbDir} is open (postmaster.pid exists): stop Nexus first. If no Nexus process is running (it was killed), run "nexus migrate status" once: it opens and closes the database cleanly`,
    );
}

/**
 * Writes a backup archive of the configured database (pg_dump custom format for PostgreSQL, the data
 * folder for the embedded database) with a manifest of schema version, row counts and sha256 sums.
 * @example const manifest = await createBackup({ kind: 'postgres', databaseUrl, dataDir, out: 'nexus.backup' });
 */
export async function createBackup(options: BackupOptions): Promise<BackupManifest> {
  const log = options.log ?? (() => {});
  const out = path.resolve(options.out);
  if (await exists(out))
    throw new BackupError('backup_exists', `${out} already exists: choose a new file name`);
  if (options.includeFiles && !options.filesDir)
    throw new BackupError(
      'files_not_local',
      'files are stored in S3 (S3_BUCKET is set): back the bucket up with your S3 tooling (versioning, replication, mc mirror); --include-files covers local storage only',
    );
  const pgDump = options.kind === 'postgres' ? await findPgTool('pg_dump', options.pgDumpPath) : undefined;
  await mkdir(path.dirname(out), { recursive: true });
  const staging = await mkdtemp(path.join(path.dirname(out), '.nexus-backup-'));
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  try {
    let schema: { latest: string | null; applied: number };
    let tables: Record<string, TableStats>;
    let dumpEntry: string;
    if (options.kind === 'postgres') {
      if (!options.databaseUrl) throw new BackupError('invalid_arguments', 'DATABASE_URL is not set');
      const conn = libpqConnection(options.databaseUrl);
      log(`database: PostgreSQL ${conn.display}`);
      dumpEntry = POSTGRES_DUMP_ENTRY;
      const database = await openDatabase({ kind: 'postgres', url: options.databaseUrl, poolMax: 1 });
      try {
        // Counts and dump read one snapshot, so the manifest describes exactly what the dump holds.
        [schema, tables] = await database.db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute(async (trx) => {
            const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
            const state = await schemaOf(trx);
            await pinTextOutput(trx);
            const stats = await tableStats(trx);
            try {
              await runTool(
                pgDump as string,
                [
                  '--format=custom',
                  `--file=${path.join(staging, dumpEntry)}`,
                  `--snapshot=${rows[0]?.id}`,
                  `--dbname=${conn.dbname}`,
                ],
                conn.env,
              );
            } catch (error) {
              const stderr = (error as { stderr?: string }).stderr || (error as Error).message;
              throw new BackupError(
                'backup_failed',
                `pg_dump failed: ${redact(stderr, conn.env.PGPASSWORD)}${
                  stderr.includes('server version mismatch')
                    ? ` (install the PostgreSQL client tools of the server's major version and put them on PATH or set PG_DUMP_PATH)`
                    : ''
                }`,
                { cause: error },
              );
            }
            return [state, stats] as const;
          });
      } finally {
        await database.close();
      }
    } else {
      const dbDir = pgliteDir(options.dataDir);
      if (!(await exists(path.join(dbDir, 'PG_VERSION'))))
        throw new BackupError(
          'database_not_found',
          `there is no embedded database in ${dbDir} (NEXUS_DATA_DIR)`,
        );
      await refuseIfInUse(dbDir);
      log(`database: embedded PGlite in ${dbDir}`);
      dumpEntry = PGLITE_DUMP_ENTRY;
      const { pglite, db } = await openPglite(dbDir);
      try {
        schema = await schemaOf(db);
        tables = await statsOf(db);
        const tarball = await pglite.dumpDataDir('gzip');
        await writeFile(path.join(staging, dumpEntry), Buffer.from(await tarball.arrayBuffer()));
      } finally {
        await db.destroy();
        await pglite.close();
      }
    }
    const entries = await describeFiles(staging, [dumpEntry]);
    if (options.includeFiles && options.filesDir) {
      await mkdir(options.filesDir, { recursive: true });
      entries.push(
        ...(await describeFiles(options.filesDir, await listFiles(options.filesDir), FILES_PREFIX)),
      );
    }
    const manifest: BackupManifest = {
      format: 'nexus-backup',
      format_version: BACKUP_FORMAT_VERSION,
      nexus_version: VERSION,
      database_kind: options.kind,
      schema_migration: schema.latest,
      migrations_applied: schema.applied,
      created_at: new Date().toISOString(),
      includes_files: Boolean(options.includeFiles),
      tables,
      entries,
    };
    await writeFile(path.join(staging, MANIFEST_ENTRY), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeArchive({
      file: partial,
      stagingDir: staging,
      dumpEntry,
      ...(options.includeFiles && options.filesDir ? { filesDir: options.filesDir } : {}),
    });
    await rename(partial, out);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

/** Moves `from` to `to` (replacing it), across file systems too. */
async function replaceDir(from: string, to: string): Promise<void> {
  const old = `${to}.old-${randomBytes(4).toString('hex')}`;
  const hadOld = await exists(to);
  if (hadOld) await rename(to, old);
  try {
    await rename(from, to).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error;
      await cp(from, to, { recursive: true });
      await rm(from, { recursive: true, force: true });
    });
  } catch (error) {
    if (hadOld) await rename(old, to);
    throw error;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/**
 * Restores a backup archive into the configured database: verifies every checksum first, refuses a backup
 * from a newer schema and a non-empty target (unless `force`), restores, compares every table's rows with
 * the manifest, then applies the migrations this build has that the backup did not.
 * @example const { migrated } = await restoreBackup({ kind: 'pglite', dataDir, in: 'nexus.backup' });
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const log = options.log ?? (() => {});
  const staging = await mkdtemp(path.join(tmpdir(), 'nexus-restore-'));
  try {
    const manifest = await readArchive(path.resolve(options.in), staging);
    if (manifest.database_kind !== options.kind)
      throw new BackupError(
        'backup_kind_mismatch',
        manifest.database_kind === 'pglite'
          ? 'this is a backup of the embedded database: restore it without DATABASE_URL (into NEXUS_DATA_DIR)'
          : 'this is a PostgreSQL backup: set DATABASE_URL to the database to restore it into',
      );
    const pending = checkSchema(manifest.schema_migration, KNOWN, manifest.nexus_version);
    log(
      `backup: ${manifest.created_at}, Nexus ${manifest.nexus_version}, schema ${manifest.schema_migration ?? 'empty'}, checksums ok`,
    );
    const filesDir = options.filesDir;
    if (manifest.includes_files) {
      if (!filesDir)
        throw new BackupError(
          'files_not_local',
          'the backup includes local files, but this Nexus stores files in S3 (S3_BUCKET): copy files/ from the archive (tar -xf) into the bucket, or restore with local storage',
        );
      if ((await nonEmptyDir(filesDir)) && !options.force)
        throw new BackupError(
          'restore_target_not_empty',
          `${filesDir} is not empty: pass --force to replace it`,
        );
    }
    let migrated: string[];
    if (options.kind === 'postgres') migrated = await restorePostgres(options, manifest, staging, log);
    else migrated = await restorePglite(options, manifest, staging, log);
    let filesRestored = 0;
    if (manifest.includes_files && filesDir) {
      const source = path.join(staging, 'files');
      await mkdir(source, { recursive: true });
      filesRestored = manifest.entries.filter((e) => e.path.startsWith(FILES_PREFIX)).length;
      await mkdir(path.dirname(filesDir), { recursive: true });
      await replaceDir(source, filesDir);
    }
    if (pending.length !== migrated.length)
      log(`note: ${pending.length} migrations were expected, ${migrated.length} applied`);
    return { manifest, migrated, filesRestored };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function restorePostgres(
  options: RestoreOptions,
  manifest: BackupManifest,
  staging: string,
  log: (line: string) => void,
): Promise<string[]> {
  if (!options.databaseUrl) throw new BackupError('invalid_arguments', 'DATABASE_URL is not set');
  const pgRestore = await findPgTool('pg_restore', options.pgRestorePath);
  const conn = libpqConnection(options.databaseUrl);
  const database = await openDatabase({ kind: 'postgres', url: options.databaseUrl, poolMax: 1 });
  try {
    const existing = await listTables(database.db);
    if (existing.length > 0) {
      if (!options.force)
        throw new BackupError(
          'restore_target_not_empty',
          `${conn.display} already has ${existing.length} tables: restore into an empty database, or pass --force to replace what the backup holds`,
        );
      const target = await schemaOf(database.db);
      if (target.latest && manifest.schema_migration && target.latest > manifest.schema_migration)
        throw new BackupError(
          'restore_target_newer',
          `${conn.display} is at schema ${target.latest}, newer than the backup's ${manifest.schema_migration}: --force would leave the newer tables behind; restore into a new, empty database (drop and create it) instead`,
        );
    }
    log(`restoring into PostgreSQL ${conn.display}`);
    try {
      await runTool(
        pgRestore,
        [
          `--dbname=${conn.dbname}`,
          '--no-owner',
          '--no-privileges',
          '--single-transaction',
          '--exit-on-error',
          ...(options.force ? ['--clean', '--if-exists'] : []),
          path.join(staging, POSTGRES_DUMP_ENTRY),
        ],
        conn.env,
      );
    } catch (error) {
      throw new BackupError(
        'restore_failed',
        `pg_restore failed (it ran in one transaction, so the database is unchanged): ${redact((error as { stderr?: string }).stderr || (error as Error).message, conn.env.PGPASSWORD)}`,
        { cause: error },
      );
    }
    await verify(database.db, manifest);
    return await migrateUp(database.db);
  } finally {
    await database.close();
  }
}

async function restorePglite(
  options: RestoreOptions,
  manifest: BackupManifest,
  staging: string,
  log: (line: string) => void,
): Promise<string[]> {
  // PGlite unpacks the archive in a stream whose errors escape its promise (the process dies), so it only
  // gets one that is known to be a readable tar.gz of a PostgreSQL data folder.
  const dump = path.join(staging, PGLITE_DUMP_ENTRY);
  const names: string[] = [];
  await tar
    .list({ file: dump, strict: true, onReadEntry: (entry) => names.push(entry.path) })
    .catch(() => {});
  if (!names.some((name) => name.split('/').at(-1) === 'PG_VERSION'))
    throw new BackupError(
      'backup_invalid',
      `${PGLITE_DUMP_ENTRY} in the backup is not an archive of a PGlite data folder`,
    );
  const dbDir = pgliteDir(options.dataDir);
  if (await nonEmptyDir(dbDir)) {
    await refuseIfInUse(dbDir);
    if (!options.force)
      throw new BackupError(
        'restore_target_not_empty',
        `${dbDir} already holds an embedded database: restore into a new NEXUS_DATA_DIR, or pass --force to replace it`,
      );
  }
  log(`restoring into embedded PGlite in ${dbDir}`);
  // Built beside the target and swapped in only once it is complete, verified and migrated.
  const building = `${dbDir}.restoring-${randomBytes(4).toString('hex')}`;
  await mkdir(path.dirname(dbDir), { recursive: true });
  try {
    const tarball = await readFile(dump);
    const { pglite, db } = await openPglite(
      building,
      new Blob([tarball], { type: 'application/x-gzip' }),
    ).catch((error: unknown) => {
      throw new BackupError(
        'restore_failed',
        `PGlite could not open the backup's data folder (taken by Nexus ${manifest.nexus_version}; a PGlite of another PostgreSQL major version cannot read it): ${(error as Error).message}`,
        { cause: error },
      );
    });
    let migrated: string[];
    try {
      await verify(db, manifest);
      migrated = await migrateUp(db);
    } finally {
      await db.destroy();
      await pglite.close();
    }
    await replaceDir(building, dbDir);
    return migrated;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/** Every table's stats, in one transaction with the text output pinned. */
function statsOf(db: Kysely<DB>): Promise<Record<string, TableStats>> {
  return db.transaction().execute(async (trx) => {
    await pinTextOutput(trx);
    return tableStats(trx);
  });
}

async function verify(db: Kysely<DB>, manifest: BackupManifest): Promise<void> {
  const problems = statsDifferences(manifest.tables, await statsOf(db));
  if (problems.length > 0)
    throw new BackupError(
      'restore_verification_failed',
      `the restored tables do not match the backup's manifest: ${problems.slice(0, 5).join('; ')}`,
      { details: { problems } },
    );
}

import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { type BackupTarget, createBackup, restoreBackup } from './backup.js';
import { BackupError } from './backup-errors.js';

export const BACKUP_USAGE = `Usage: nexus backup --out FILE [--include-files]
       nexus restore --in FILE [--force]

backup   writes one archive (a tar: manifest.json, the database dump, and files/ with --include-files)
         of the configured database: pg_dump --format=custom when DATABASE_URL is set, else the
         embedded database in NEXUS_DATA_DIR (stop Nexus first). The manifest records the Nexus version,
         the schema migration, row counts and a hash per table, and a sha256 per entry.
restore  verifies every checksum, refuses a backup from a newer schema, restores into the configured
         database, compares every table with the manifest, then applies newer migrations.

Options:
  --out FILE         the archive to write (refused when it exists)
  --include-files    also archive the local file storage (NEXUS_DATA_DIR/files)
  --in FILE          the archive to restore
  --force            restore over a database / file folder that is not empty (replaces what the backup holds)

Exit codes: 0 done, 1 refused or failed (the line names a stable error code), 2 bad arguments.
See docs/upgrading.md.`;

/**
 * The backup target described by the server's configuration.
 * @example await createBackup({ ...backupTarget(loadConfig(), console.error), out: 'nexus.backup' });
 */
export function backupTarget(config: Config, log: (line: string) => void): BackupTarget {
  return {
    kind: config.databaseKind,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    dataDir: config.dataDir,
    ...(config.S3_BUCKET ? {} : { filesDir: path.join(config.dataDir, 'files') }),
    ...(config.PG_DUMP_PATH ? { pgDumpPath: config.PG_DUMP_PATH } : {}),
    ...(config.PG_RESTORE_PATH ? { pgRestorePath: config.PG_RESTORE_PATH } : {}),
    log,
  };
}

/**
 * `nexus backup ...` and `nexus restore ...`; errors print `nexus <command>: <code>: <message>`.
 * @example process.exitCode = await backupCommand(['backup', '--out', 'nexus.backup'], loadConfigOrExit);
 */
export async function backupCommand(
  argv: string[],
  loadConfig: () => Config,
  io: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  const command = argv[0] === 'restore' ? 'restore' : 'backup';
  const fail = (error: BackupError) => {
    io.stderr(`nexus ${command}: ${error.code}: ${error.message}\n`);
    return error.code === 'invalid_arguments' ? 2 : 1;
  };
  let values: { out?: string; in?: string; force?: boolean; 'include-files'?: boolean; help?: boolean };
  try {
    const parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: false,
      options:
        command === 'backup'
          ? {
              out: { type: 'string' },
              'include-files': { type: 'boolean' },
              help: { type: 'boolean', short: 'h' },
            }
          : { in: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    values = parsed.values;
  } catch (error) {
    return fail(new BackupError('invalid_arguments', `${(error as Error).message}\n\n${BACKUP_USAGE}`));
  }
  if (values.help) {
    io.stdout(`${BACKUP_USAGE}\n`);
    return 0;
  }
  const file = command === 'backup' ? values.out : values.in;
  if (!file)
    return fail(
      new BackupError(
        'invalid_arguments',
        `--${command === 'backup' ? 'out' : 'in'} FILE is required\n\n${BACKUP_USAGE}`,
      ),
    );
  const log = (line: string) => io.stderr(`${line}\n`);
  const target = backupTarget(loadConfig(), log);
  try {
    if (command === 'backup') {
      const manifest = await createBackup({
        ...target,
        out: file,
        includeFiles: Boolean(values['include-files']),
      });
      const tables = Object.values(manifest.tables);
      const files = manifest.entries.filter((e) => e.path.startsWith('files/')).length;
      io.stdout(
        `backup written: ${path.resolve(file)}\n  schema ${manifest.schema_migration ?? 'empty'}, ${tables.length} tables, ${tables.reduce((n, t) => n + t.rows, 0)} rows${manifest.includes_files ? `, ${files} files` : ''}\n`,
      );
    } else {
      const result = await restoreBackup({ ...target, in: file, force: Boolean(values.force) });
      const tables = Object.values(result.manifest.tables);
      io.stdout(
        `restored: ${path.resolve(file)} (taken ${result.manifest.created_at} by Nexus ${result.manifest.nexus_version})\n  ${tables.length} tables, ${tables.reduce((n, t) => n + t.rows, 0)} rows verified${result.manifest.includes_files ? `, ${result.filesRestored} files` : ''}\n  ${result.migrated.length > 0 ? `migrated forward: ${result.migrated.join(', ')}` : 'schema is current'}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof BackupError) return fail(error);
    throw error;
  }
}

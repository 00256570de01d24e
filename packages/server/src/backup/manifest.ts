import { z } from 'zod';
import { BackupError } from './backup-errors.js';

/** The archive layout version this build writes and reads. */
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_ENTRY = 'manifest.json';
export const POSTGRES_DUMP_ENTRY = 'database.pgdump';
export const PGLITE_DUMP_ENTRY = 'database.pglite.tgz';
export const FILES_PREFIX = 'files/';

const entrySchema = z.object({
  path: z.string().min(1),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const manifestSchema = z.object({
  format: z.literal('nexus-backup'),
  format_version: z.number().int().min(1),
  nexus_version: z.string(),
  database_kind: z.enum(['postgres', 'pglite']),
  schema_migration: z.string().nullable(),
  migrations_applied: z.number().int().min(0),
  created_at: z.string(),
  includes_files: z.boolean(),
  tables: z.record(z.string(), z.object({ rows: z.number().int().min(0), hash: z.string() })),
  entries: z.array(entrySchema).min(1),
});

/** What `manifest.json`, the first entry of every backup archive, records. */
export type BackupManifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = z.infer<typeof entrySchema>;

/**
 * Parses a manifest's text, or throws `backup_invalid` / `backup_format_unsupported`.
 * @example const manifest = parseManifest(await readFile('manifest.json', 'utf8'));
 */
export function parseManifest(text: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupError('backup_invalid', 'the backup manifest is not valid JSON');
  }
  const version = (json as { format_version?: unknown } | null)?.format_version;
  if (typeof version === 'number' && version > BACKUP_FORMAT_VERSION)
    throw new BackupError(
      'backup_format_unsupported',
      `the backup uses archive format ${version}; this Nexus reads format ${BACKUP_FORMAT_VERSION}: restore it with a newer Nexus`,
    );
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new BackupError(
      'backup_invalid',
      `the backup manifest is not a Nexus backup manifest: ${parsed.error.message}`,
    );
  return parsed.data;
}

/**
 * Whether this build can restore a backup taken at `backupSchema`: refuses a schema it does not know (a
 * newer release wrote it), and returns the migrations the restore will apply afterwards.
 * @example checkSchema('0012_tasks', ['0001_initial', …, '0013_llm_call_endpoints'], '0.1.0') // → ['0013_llm_call_endpoints']
 */
export function checkSchema(
  backupSchema: string | null,
  known: readonly string[],
  backupVersion: string,
): string[] {
  if (backupSchema === null) return [...known];
  const index = known.indexOf(backupSchema);
  if (index === -1)
    throw new BackupError(
      'backup_schema_newer',
      `the backup's schema is at migration ${backupSchema}, which this build (schema ${known.at(-1) ?? 'none'}) does not know: it was taken by a newer Nexus (${backupVersion}); restore it with Nexus ${backupVersion} or later`,
      { details: { backup_schema: backupSchema, build_schema: known.at(-1) ?? null } },
    );
  return known.slice(index + 1);
}

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupError } from './backup-errors.js';
import { checkSchema, parseManifest } from './manifest.js';
import { findPgTool, libpqConnection, redact } from './pg-tools.js';
import { statsDifferences } from './table-stats.js';

const KNOWN = ['0001_initial', '0002_identity', '0003_audit_truncate_guard'];
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as BackupError).code;
  }
  return 'no error';
};

describe('checkSchema', () => {
  it.each([
    { schema: null, pending: KNOWN },
    { schema: '0001_initial', pending: ['0002_identity', '0003_audit_truncate_guard'] },
    { schema: '0003_audit_truncate_guard', pending: [] },
  ])('a backup at $schema is restored, then migrated by $pending', ({ schema, pending }) => {
    expect(checkSchema(schema, KNOWN, '0.1.0')).toEqual(pending);
  });

  it.each(['0004_from_a_newer_release', '0002_renamed_elsewhere'])(
    'refuses %s, which this build does not know',
    (schema) => {
      expect(codeOf(() => checkSchema(schema, KNOWN, '9.9.9'))).toBe('backup_schema_newer');
      expect(() => checkSchema(schema, KNOWN, '9.9.9')).toThrow(/Nexus 9\.9\.9 or later/);
    },
  );
});

describe('parseManifest', () => {
  const good = {
    format: 'nexus-backup',
    format_version: 1,
    nexus_version: '0.1.0',
    database_kind: 'pglite',
    schema_migration: '0001_initial',
    migrations_applied: 1,
    created_at: '2026-01-01T00:00:00.000Z',
    includes_files: false,
    tables: { 'public.users': { rows: 1, hash: '1' } },
    entries: [{ path: 'database.pglite.tgz', bytes: 3, sha256: 'a'.repeat(64) }],
  };

  it('reads a manifest', () => {
    expect(parseManifest(JSON.stringify(good))).toEqual(good);
  });

  it.each([
    { name: 'not JSON', text: '{', code: 'backup_invalid' },
    { name: 'another format', text: JSON.stringify({ ...good, format: 'zip' }), code: 'backup_invalid' },
    { name: 'no entries', text: JSON.stringify({ ...good, entries: [] }), code: 'backup_invalid' },
    {
      name: 'a bad checksum',
      text: JSON.stringify({ ...good, entries: [{ path: 'x', bytes: 1, sha256: 'zz' }] }),
      code: 'backup_invalid',
    },
    {
      name: 'a newer format',
      text: JSON.stringify({ ...good, format_version: 2 }),
      code: 'backup_format_unsupported',
    },
  ])('refuses $name with $code', ({ text, code }) => {
    expect(codeOf(() => parseManifest(text))).toBe(code);
  });
});

describe('statsDifferences', () => {
  it('names missing tables, row counts and changed contents', () => {
    const expected = {
      'public.a': { rows: 1, hash: '1' },
      'public.b': { rows: 2, hash: '2' },
      'public.c': { rows: 1, hash: '3' },
    };
    expect(
      statsDifferences(expected, { 'public.b': { rows: 1, hash: '2' }, 'public.c': { rows: 1, hash: '4' } }),
    ).toEqual(['public.a: missing', 'public.b: 1 rows, expected 2', 'public.c: row contents differ']);
    expect(statsDifferences(expected, { ...expected, 'public.new': { rows: 5, hash: '5' } })).toEqual([]);
  });
});

describe('PostgreSQL tools', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nexus-pgtools-'));
    await writeFile(path.join(dir, 'pg_dump'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'pg_dump'), 0o755);
    await writeFile(path.join(dir, 'pg_restore'), 'not executable');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the password out of the URL the tools see (and out of what is printed)', () => {
    const conn = libpqConnection('postgres://nexus:s%40cret@db.internal:5432/nexus?ssl=true');
    expect(conn.env).toEqual({ PGPASSWORD: 's@cret' });
    expect(conn.dbname).toBe('postgres://nexus@db.internal:5432/nexus?sslmode=require');
    expect(conn.display).toBe('postgres://nexus@db.internal:5432/nexus');
    expect(libpqConnection('postgres://u@h/d?sslmode=verify-full').dbname).toBe(
      'postgres://u@h/d?sslmode=verify-full',
    );
    expect(redact('FATAL: password s@cret rejected', 's@cret')).toBe('FATAL: password *** rejected');
  });

  it('finds a tool on PATH or at its configured path, and names how to install a missing one', async () => {
    expect(await findPgTool('pg_dump', undefined, `/nonexistent${path.delimiter}${dir}`)).toBe(
      path.join(dir, 'pg_dump'),
    );
    expect(await findPgTool('pg_dump', path.join(dir, 'pg_dump'), '')).toBe(path.join(dir, 'pg_dump'));
    const missing = await findPgTool('pg_restore', undefined, dir).catch((e: BackupError) => e);
    expect(missing).toBeInstanceOf(BackupError);
    expect(missing).toMatchObject({ code: 'backup_tool_missing' });
    expect((missing as BackupError).message).toMatch(
      /pg_restore was not found on PATH.*postgresql-client.*PG_RESTORE_PATH/,
    );
    const configured = await findPgTool('pg_dump', '/opt/nowhere/pg_dump', dir).catch((e: BackupError) => e);
    expect(configured).toMatchObject({ code: 'backup_tool_missing' });
    expect((configured as BackupError).message).toContain('PG_DUMP_PATH');
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/platform/db/database.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { migrateDownTo, migrateUp } from '../../src/platform/db/migrator.js';
import { createTestApp } from '../support/app.js';
import {
  fillThroughApi,
  fingerprint,
  folderDigest,
  nexus,
  TABLES_WITH_ROWS,
  tarEntryRange,
} from '../support/backup.js';
import { adminQuery, createTestDatabase } from '../support/services.js';

/**
 * `nexus backup` / `nexus restore` on PostgreSQL with the real pg_dump/pg_restore: a database filled through
 * the app, backed up, restored into another fresh database and compared table by table; an older backup
 * migrated forward; refusals that leave the target as it was.
 */
const NAMES = Object.keys(migrations);
const LATEST = NAMES.at(-1)!;
type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

const created: TestDatabase[] = [];
async function freshDatabase(label: string): Promise<TestDatabase> {
  const database = await createTestDatabase(label);
  created.push(database);
  return database;
}

async function fingerprintOf(url: string) {
  const database: Database = await openDatabase({ kind: 'postgres', url });
  try {
    return await fingerprint(database.db);
  } finally {
    await database.close();
  }
}

let dir: string;
let source: TestDatabase;
let archive: string;
const env = (url: string) => ({ DATABASE_URL: url, NEXUS_DATA_DIR: path.join(dir, 'data') });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nexus-pg-backup-'));
  archive = path.join(dir, 'nexus.backup');
  source = await freshDatabase('backup_src');
  const t = await createTestApp({
    env: { DATABASE_URL: source.url, NEXUS_DATA_DIR: path.join(dir, 'data') },
  });
  try {
    await fillThroughApi(t.app);
  } finally {
    await t.close();
  }
});

afterAll(async () => {
  for (const database of created) await database.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('PostgreSQL backup and restore', () => {
  it('round-trips every table into another fresh database', async () => {
    // A password in DATABASE_URL goes to pg_dump as PGPASSWORD and is never printed.
    const withPassword = new URL(source.url);
    withPassword.password = 'never-print-me';
    const backup = await nexus(['backup', '--out', archive], env(withPassword.toString()));
    expect(backup, backup.stderr).toMatchObject({ code: 0 });
    expect(backup.stdout).toContain(`schema ${LATEST}`);
    expect(`${backup.stdout}${backup.stderr}`).not.toContain('never-print-me');

    // Another server configuration prints timestamps differently; the verification must not care.
    const target = await freshDatabase('backup_dst');
    await adminQuery(`alter database "${target.name}" set timezone to 'Asia/Shanghai'`);
    await adminQuery(`alter database "${target.name}" set datestyle to 'SQL, DMY'`);
    const restore = await nexus(['restore', '--in', archive], env(target.url));
    expect(restore, restore.stderr).toMatchObject({ code: 0 });
    expect(restore.stdout).toContain('schema is current');

    const before = await fingerprintOf(source.url);
    const after = await fingerprintOf(target.url);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after).toEqual(before);
    for (const table of TABLES_WITH_ROWS) expect(before[table]?.rows, table).toBeGreaterThan(0);

    // Not empty any more: refused without --force and left as it was; replaced with it.
    const refused = await nexus(['restore', '--in', archive], env(target.url));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^nexus restore: restore_target_not_empty/m);
    expect(await fingerprintOf(target.url)).toEqual(before);
    const database = await openDatabase({ kind: 'postgres', url: target.url });
    await database.db.deleteFrom('messages').execute();
    await database.close();
    const forced = await nexus(['restore', '--in', archive, '--force'], env(target.url));
    expect(forced, forced.stderr).toMatchObject({ code: 0 });
    expect(await fingerprintOf(target.url)).toEqual(before);
  }, 120_000);

  it('restores an older backup and migrates it forward; refuses it over a newer database', async () => {
    const old = await freshDatabase('backup_old');
    const database = await openDatabase({ kind: 'postgres', url: old.url });
    await migrateUp(database.db);
    await migrateDownTo(database.db, NAMES.at(-2)!);
    await sql`insert into tenants (id, name, slug) values ('ten_old', 'Old', 'old')`.execute(database.db);
    await database.close();
    const oldArchive = path.join(dir, 'old.backup');
    const backup = await nexus(['backup', '--out', oldArchive], env(old.url));
    expect(backup, backup.stderr).toMatchObject({ code: 0 });
    expect(backup.stdout).toContain(`schema ${NAMES.at(-2)}`);

    const target = await freshDatabase('backup_fwd');
    const restore = await nexus(['restore', '--in', oldArchive], env(target.url));
    expect(restore, restore.stderr).toMatchObject({ code: 0 });
    expect(restore.stdout).toContain(`migrated forward: ${LATEST}`);
    const restored = await openDatabase({ kind: 'postgres', url: target.url });
    const { rows } = await sql<{ latest: string }>`select max(name) as latest from nexus_migrations`.execute(
      restored.db,
    );
    expect(rows[0]?.latest).toBe(LATEST);
    expect(
      await restored.db.selectFrom('tenants').select('slug').where('id', '=', 'ten_old').execute(),
    ).toEqual([{ slug: 'old' }]);
    await restored.close();

    // --clean would leave the newer schema's tables behind: refused even with --force, nothing changed.
    const newer = await fingerprintOf(source.url);
    const refused = await nexus(['restore', '--in', oldArchive, '--force'], env(source.url));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^nexus restore: restore_target_newer/m);
    expect(await fingerprintOf(source.url)).toEqual(newer);
  }, 120_000);

  it('`nexus migrate down --steps N | --to NAME` reverts to a chosen migration (the documented down path)', async () => {
    const db = await freshDatabase('migrate_down');
    expect((await nexus(['migrate', 'up'], env(db.url))).code).toBe(0);
    const steps = await nexus(['migrate', 'down', '--steps', '2'], env(db.url));
    expect(steps, steps.stderr).toMatchObject({ code: 0 });
    expect(steps.stdout).toContain(`reverted: ${NAMES.at(-1)}, ${NAMES.at(-2)}`);
    expect((await nexus(['migrate', 'status'], env(db.url))).stdout).toMatch(
      new RegExp(`^applied\\s+${NAMES.at(-3)}\\b.*\n^pending\\s+${NAMES.at(-2)}`, 'm'),
    );
    expect((await nexus(['migrate', 'up'], env(db.url))).stdout).toContain(
      `applied: ${NAMES.at(-2)}, ${LATEST}`,
    );
    const to = await nexus(['migrate', 'down', '--to', NAMES.at(-2)!], env(db.url));
    expect(to.stdout).toContain(`reverted: ${LATEST}`);
    for (const args of [
      ['migrate', 'down', '--steps', '0'],
      ['migrate', 'down', '--steps', 'two'],
      ['migrate', 'down', '--to', 'not_a_migration'],
      ['migrate', 'down', '--to', LATEST],
      ['migrate', 'down', '--steps', '1', '--to', NAMES[0]!],
      ['migrate', 'up', '--steps', '1'],
    ]) {
      const refused = await nexus(args, env(db.url));
      expect(refused.code, args.join(' ')).toBe(2);
    }
    expect((await nexus(['migrate', 'status'], env(db.url))).stdout).toMatch(
      new RegExp(`^pending\\s+${LATEST}`, 'm'),
    );
  }, 120_000);

  it.each([
    { name: 'a damaged dump', file: 'damaged.backup', code: 'backup_corrupted' },
    { name: 'a bare pg_dump file', file: 'bare.pgdump', code: 'backup_invalid' },
    {
      name: 'a missing pg_restore',
      file: 'nexus.backup',
      code: 'backup_tool_missing',
      extra: { PG_RESTORE_PATH: '/nonexistent/pg_restore' },
    },
  ] as Array<{ name: string; file: string; code: string; extra?: Record<string, string> }>)(
    'refuses $name with $code and leaves the database empty',
    async ({ file, code, extra }) => {
      const good = await readFile(archive);
      const damaged = Buffer.from(good);
      const dump = tarEntryRange(damaged, 'database.pgdump');
      const at = Math.floor((dump.start + dump.end) / 2);
      damaged[at] = damaged[at]! ^ 0xff;
      await writeFile(path.join(dir, 'damaged.backup'), damaged);
      await writeFile(path.join(dir, 'bare.pgdump'), good.subarray(dump.start, dump.end));
      const target = await freshDatabase('backup_bad');
      const files = await folderDigest(dir);
      const result = await nexus(['restore', '--in', path.join(dir, file)], { ...env(target.url), ...extra });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^nexus restore: ${code}`, 'm'));
      expect(await fingerprintOf(target.url)).toEqual({});
      expect(await folderDigest(dir)).toEqual(files);
    },
    60_000,
  );
});

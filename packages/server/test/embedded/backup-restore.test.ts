import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreBackup } from '../../src/backup/backup.js';
import { backupCommand } from '../../src/backup/backup-command.js';
import { BackupError } from '../../src/backup/backup-errors.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/platform/db/database.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { createTestApp } from '../support/app.js';
import {
  fillThroughApi,
  fingerprint,
  folderDigest,
  nexus,
  TABLES_WITH_ROWS,
  tarEntryRange,
} from '../support/backup.js';

/**
 * `nexus backup` / `nexus restore` on the embedded database: data put in through the real app, backed up
 * with its files, restored into a fresh data folder, and every table compared; then a table of bad inputs,
 * each refused with a stable code, a non-zero exit, and nothing changed.
 */
const LATEST = Object.keys(migrations).at(-1)!;
let root: string;
let source: string;
let archive: string;
let inUse: unknown;

const openAt = (dataDir: string): Promise<Database> =>
  openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });

async function fingerprintAt(dataDir: string) {
  const database = await openAt(dataDir);
  try {
    return await fingerprint(database.db);
  } finally {
    await database.close();
  }
}

/** A copy of the good archive with its manifest changed (entries and checksums untouched). */
async function withManifest(
  name: string,
  change: (m: Record<string, unknown>) => void,
  dump?: Buffer,
): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'repack-'));
  await tar.extract({ file: archive, cwd: dir });
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  change(manifest);
  if (dump) {
    // A consistent archive (checksums match) whose database entry is not a data folder.
    await writeFile(path.join(dir, 'database.pglite.tgz'), dump);
    const entry = (manifest.entries as Array<{ path: string; bytes: number; sha256: string }>)[0]!;
    entry.bytes = dump.length;
    entry.sha256 = createHash('sha256').update(dump).digest('hex');
  }
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const file = path.join(root, name);
  await tar.create({ file, cwd: dir, portable: true }, ['manifest.json', 'database.pglite.tgz', 'files']);
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'nexus-backup-'));
  source = path.join(root, 'source');
  archive = path.join(root, 'nexus.backup');
  const database = await openAt(source);
  const t = await createTestApp({ env: { NEXUS_DATA_DIR: source }, database });
  try {
    await fillThroughApi(t.app);
    // While the app has the database open, a backup is refused.
    inUse = await createBackup({
      kind: 'pglite',
      dataDir: source,
      out: path.join(root, 'in-use.backup'),
    }).catch((e: unknown) => e);
  } finally {
    await t.close();
    await database.close();
  }
}, 180_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('embedded backup and restore', () => {
  it('refuses to back up a database that is open', async () => {
    expect(inUse).toBeInstanceOf(BackupError);
    expect((inUse as BackupError).code).toBe('database_in_use');
  });

  it('round-trips every table and every stored file into a fresh data folder', async () => {
    const backup = await nexus(['backup', '--out', archive, '--include-files'], {
      NEXUS_DATA_DIR: source,
      DATABASE_URL: '',
    });
    expect(backup, backup.stderr).toMatchObject({ code: 0 });
    expect(backup.stdout).toContain(`schema ${LATEST}`);

    const target = path.join(root, 'restored');
    const restore = await nexus(['restore', '--in', archive], { NEXUS_DATA_DIR: target, DATABASE_URL: '' });
    expect(restore, restore.stderr).toMatchObject({ code: 0 });
    expect(restore.stdout).toContain('schema is current');

    const before = await fingerprintAt(source);
    const after = await fingerprintAt(target);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after).toEqual(before);
    for (const table of TABLES_WITH_ROWS) expect(before[table]?.rows, table).toBeGreaterThan(0);

    const files = await folderDigest(path.join(source, 'files'));
    expect(Object.keys(files).length).toBeGreaterThan(0);
    expect(await folderDigest(path.join(target, 'files'))).toEqual(files);
  }, 120_000);

  it('replaces a non-empty target only with --force', async () => {
    const target = path.join(root, 'restored');
    const untouched = await folderDigest(target);
    const refused = await nexus(['restore', '--in', archive], { NEXUS_DATA_DIR: target, DATABASE_URL: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('restore_target_not_empty');
    expect(await folderDigest(target)).toEqual(untouched);
    // A row only the target has disappears when the backup replaces it.
    const database = await openAt(target);
    await database.db.deleteFrom('messages').execute();
    await database.close();
    const forced = await restoreBackup({
      kind: 'pglite',
      dataDir: target,
      filesDir: path.join(target, 'files'),
      in: archive,
      force: true,
    });
    expect(forced.migrated).toEqual([]);
    expect(await fingerprintAt(target)).toEqual(await fingerprintAt(source));
  }, 120_000);

  describe('bad inputs', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(root, 'bad-'));
      const good = await readFile(archive);
      await writeFile(path.join(dir, 'good.backup'), good);
      await writeFile(path.join(dir, 'garbage'), 'this is not a tar archive\n'.repeat(100));
      const damaged = Buffer.from(good);
      const dump = tarEntryRange(damaged, 'database.pglite.tgz');
      const at = Math.floor((dump.start + dump.end) / 2);
      damaged[at] = damaged[at]! ^ 0xff;
      await writeFile(path.join(dir, 'damaged.backup'), damaged);
      await writeFile(path.join(dir, 'truncated.backup'), good.subarray(0, Math.floor(good.length / 2)));
      await rm(path.join(root, 'newer.backup'), { force: true });
      await rm(path.join(root, 'format2.backup'), { force: true });
      await writeFile(
        path.join(dir, 'newer.backup'),
        await readFile(
          await withManifest('newer.backup', (m) => {
            m.schema_migration = '9999_from_the_future';
            m.nexus_version = '99.0.0';
          }),
        ),
      );
      await writeFile(
        path.join(dir, 'format2.backup'),
        await readFile(
          await withManifest('format2.backup', (m) => {
            m.format_version = 2;
          }),
        ),
      );
      await writeFile(path.join(dir, 'empty'), '');
      await writeFile(
        path.join(dir, 'not-a-data-folder.backup'),
        await readFile(await withManifest('not-a-data-folder.backup', () => {}, randomBytes(5000))),
      );
    });

    it.each([
      { name: 'backup without --out', args: ['backup'], code: 'invalid_arguments', exit: 2 },
      { name: 'restore without --in', args: ['restore'], code: 'invalid_arguments', exit: 2 },
      {
        name: 'an unknown option',
        args: ['backup', '--out', 'x', '--everything'],
        code: 'invalid_arguments',
        exit: 2,
      },
      { name: 'a missing file', args: ['restore', '--in', 'nope.backup'], code: 'backup_not_found', exit: 1 },
      { name: 'a folder', args: ['restore', '--in', '.'], code: 'backup_unreadable', exit: 1 },
      {
        name: 'a file that is not an archive',
        args: ['restore', '--in', 'garbage'],
        code: 'backup_invalid',
        exit: 1,
      },
      { name: 'an empty file', args: ['restore', '--in', 'empty'], code: 'backup_invalid', exit: 1 },
      {
        name: 'a database entry that is not a data folder',
        args: ['restore', '--in', 'not-a-data-folder.backup'],
        code: 'backup_invalid',
        exit: 1,
      },
      {
        name: 'a damaged dump',
        args: ['restore', '--in', 'damaged.backup'],
        code: 'backup_corrupted',
        exit: 1,
      },
      {
        name: 'a truncated archive',
        args: ['restore', '--in', 'truncated.backup'],
        code: 'backup_corrupted',
        exit: 1,
      },
      {
        name: 'a newer schema',
        args: ['restore', '--in', 'newer.backup'],
        code: 'backup_schema_newer',
        exit: 1,
      },
      {
        name: 'a newer archive format',
        args: ['restore', '--in', 'format2.backup'],
        code: 'backup_format_unsupported',
        exit: 1,
      },
      {
        name: 'an embedded backup into PostgreSQL',
        args: ['restore', '--in', 'good.backup'],
        env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere' },
        code: 'backup_kind_mismatch',
        exit: 1,
      },
      { name: 'an existing --out', args: ['backup', '--out', 'good.backup'], code: 'backup_exists', exit: 1 },
      {
        name: 'no database to back up',
        args: ['backup', '--out', 'new.backup'],
        code: 'database_not_found',
        exit: 1,
      },
    ] as Array<{ name: string; args: string[]; code: string; exit: number; env?: Record<string, string> }>)(
      'refuses $name with $code and changes nothing',
      async ({ args, code, exit, env }) => {
        const dataDir = path.join(dir, 'data');
        await rm(dataDir, { recursive: true, force: true });
        await mkdir(dataDir);
        const before = await folderDigest(dir);
        // In process (the same function the CLI runs): paths resolve against `dir`.
        const absolute = args.map((a, i) => (i > 0 && !a.startsWith('--') ? path.resolve(dir, a) : a));
        let stderr = '';
        const result = await backupCommand(absolute, () => loadConfig({ NEXUS_DATA_DIR: dataDir, ...env }), {
          stdout: () => {},
          stderr: (text) => {
            stderr += text;
          },
        });
        expect(result).toBe(exit);
        expect(stderr).toMatch(new RegExp(`^nexus (backup|restore): ${code}`, 'm'));
        expect(await folderDigest(dir)).toEqual(before);
      },
    );

    it.each([
      { args: ['backup'], code: 'invalid_arguments', exit: 2 },
      { args: ['restore', '--in', 'damaged.backup'], code: 'backup_corrupted', exit: 1 },
    ])(
      'the nexus process exits $exit for $code',
      async ({ args, code, exit }) => {
        const before = await folderDigest(dir);
        const result = await nexus(args, { NEXUS_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' }, dir);
        expect(result.code).toBe(exit);
        expect(result.stderr).toMatch(new RegExp(`^nexus (backup|restore): ${code}: `, 'm'));
        expect(await folderDigest(dir)).toEqual(before);
      },
      60_000,
    );
  });
});

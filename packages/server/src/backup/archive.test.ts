import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFiles, listFiles, readArchive, sha256File, writeArchive } from './archive.js';
import type { BackupError } from './backup-errors.js';
import type { BackupManifest } from './manifest.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'nexus-archive-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const manifestFor = (entries: BackupManifest['entries']): BackupManifest => ({
  format: 'nexus-backup',
  format_version: 1,
  nexus_version: '0.1.0',
  database_kind: 'pglite',
  schema_migration: null,
  migrations_applied: 0,
  created_at: new Date(0).toISOString(),
  includes_files: true,
  tables: {},
  entries,
});

/** Stages a dump and a files folder, writes an archive through writeArchive, returns its path. */
async function goodArchive(name: string): Promise<{ file: string; manifest: BackupManifest }> {
  const staging = await mkdtemp(path.join(root, 'staging-'));
  const files = await mkdtemp(path.join(root, 'files-'));
  await mkdir(path.join(files, 'ab'));
  await writeFile(path.join(files, 'ab', 'one.bin'), Buffer.from([0, 1, 2, 255]));
  await writeFile(path.join(files, 'two.txt'), 'two');
  await writeFile(path.join(staging, 'database.pglite.tgz'), 'pretend dump');
  const entries = [
    ...(await describeFiles(staging, ['database.pglite.tgz'])),
    ...(await describeFiles(files, await listFiles(files), 'files/')),
  ];
  const manifest = manifestFor(entries);
  await writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
  const file = path.join(root, name);
  await writeArchive({ file, stagingDir: staging, dumpEntry: 'database.pglite.tgz', filesDir: files });
  return { file, manifest };
}

/** An archive of exactly these staged paths (and a manifest written as given). */
async function craftedArchive(name: string, manifest: BackupManifest, stage: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(root, 'craft-'));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await stage(dir);
  const file = path.join(root, name);
  await tar.create({ file, cwd: dir, portable: true }, await readdir(dir));
  return file;
}

describe('backup archives', () => {
  it('writes the manifest first, the dump, then files/, and reads them back verified', async () => {
    const { file, manifest } = await goodArchive('good.tar');
    const names: string[] = [];
    await tar.list({ file, onReadEntry: (e) => names.push(e.path) });
    const stored = names.filter((n) => !n.endsWith('/'));
    expect(stored.slice(0, 2)).toEqual(['manifest.json', 'database.pglite.tgz']);
    expect(stored.slice(2).sort()).toEqual(['files/ab/one.bin', 'files/two.txt']);
    const out = await mkdtemp(path.join(root, 'out-'));
    expect(await readArchive(file, out)).toEqual(manifest);
    expect(await sha256File(path.join(out, 'files/ab/one.bin'))).toBe(manifest.entries[1]?.sha256);
  });

  it.each([
    {
      name: 'an entry the manifest does not list',
      stage: async (dir: string) => {
        await writeFile(path.join(dir, 'database.pglite.tgz'), 'x');
        await writeFile(path.join(dir, 'extra.sql'), 'drop table users');
      },
      code: 'backup_corrupted',
    },
    {
      name: 'a listed entry that is missing',
      stage: async () => {},
      code: 'backup_corrupted',
    },
    {
      name: 'an entry of the wrong size',
      stage: (dir: string) => writeFile(path.join(dir, 'database.pglite.tgz'), 'xx'),
      code: 'backup_corrupted',
    },
    {
      name: 'a symbolic link',
      stage: async (dir: string) => {
        await writeFile(path.join(dir, 'database.pglite.tgz'), 'x');
        await symlink('/etc/passwd', path.join(dir, 'link'));
      },
      code: 'backup_invalid',
    },
  ])('refuses $name with $code', async ({ name, stage, code }) => {
    const manifest = manifestFor([
      {
        path: 'database.pglite.tgz',
        bytes: 1,
        sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
      },
    ]);
    const file = await craftedArchive(`${name}.tar`, manifest, stage);
    const error = await readArchive(file, await mkdtemp(path.join(root, 'out-'))).catch(
      (e: BackupError) => e,
    );
    expect(error).toMatchObject({ code });
  });
});

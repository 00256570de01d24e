import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, open, readdir, readFile, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { BackupError } from './backup-errors.js';
import { type BackupManifest, MANIFEST_ENTRY, type ManifestEntry, parseManifest } from './manifest.js';

/**
 * sha256 of a file, streamed.
 * @example await sha256File('nexus.backup') // 'e3b0c442…'
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every regular file under `root`, as paths relative to it with `/` separators, sorted.
 * @example await listFiles('data/files') // ['ab/file_01….bin', …]
 */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  await walk(root, '');
  return out.sort();
}

/**
 * One manifest entry per file: `prefix + relative path`, its size and sha256.
 * @example await describeFiles('data/files', ['ab/x.bin'], 'files/') // [{ path: 'files/ab/x.bin', bytes, sha256 }]
 */
export async function describeFiles(root: string, relPaths: string[], prefix = ''): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for (const rel of relPaths) {
    const file = path.join(root, rel);
    entries.push({ path: `${prefix}${rel}`, bytes: (await stat(file)).size, sha256: await sha256File(file) });
  }
  return entries;
}

/**
 * Writes the archive: `manifest.json` first, then the staged database dump, then (when `filesDir` is
 * given) the local file storage under `files/`. A plain tar, so `tar -xf` opens it by hand too.
 * @example await writeArchive({ file: 'nexus.backup', stagingDir, dumpEntry: 'database.pgdump' });
 */
export async function writeArchive(options: {
  file: string;
  stagingDir: string;
  dumpEntry: string;
  filesDir?: string;
}): Promise<void> {
  const list = [MANIFEST_ENTRY, options.dumpEntry];
  if (options.filesDir) {
    // One tar, two roots: the staged dump and the storage folder, joined by a link tar follows.
    await symlink(path.resolve(options.filesDir), path.join(options.stagingDir, 'files'), 'dir');
    list.push('files');
  }
  await tar.create(
    { file: options.file, cwd: options.stagingDir, portable: true, follow: true, strict: true },
    list,
  );
}

/**
 * Extracts an archive into `stagingDir` and checks every entry against the manifest's sizes and sha256
 * sums before anything else happens; returns the manifest.
 * @example const manifest = await readArchive('nexus.backup', await mkdtemp(path.join(tmpdir(), 'restore-')));
 */
export async function readArchive(file: string, stagingDir: string): Promise<BackupManifest> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new BackupError('backup_unreadable', `${file} is not a file`);
    await access(file, constants.R_OK);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BackupError('backup_not_found', `no backup file at ${file}`);
    throw new BackupError('backup_unreadable', `cannot read ${file}: ${(error as Error).message}`);
  }
  const head = Buffer.alloc(512);
  const handle = await open(file, 'r');
  const { bytesRead } = await handle.read(head, 0, 512, 0).finally(() => handle.close());
  if (bytesRead < 512 || head.subarray(257, 262).toString('latin1') !== 'ustar')
    throw new BackupError(
      'backup_invalid',
      head.subarray(0, 5).toString('latin1') === 'PGDMP'
        ? `${file} is a bare pg_dump file, not a Nexus backup archive: restore it with pg_restore, then run nexus migrate up`
        : `${file} is not a Nexus backup archive (a tar file with a manifest.json)`,
    );
  let rejected: string | undefined;
  try {
    await tar.extract({
      file,
      cwd: stagingDir,
      strict: true,
      filter: (entryPath, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        if (type === 'File' || type === 'OldFile' || type === 'Directory') return true;
        rejected ??= `${entryPath} (${type})`;
        return false;
      },
    });
  } catch (error) {
    throw new BackupError(
      'backup_corrupted',
      `${file} is not a readable Nexus backup archive: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (rejected)
    throw new BackupError('backup_invalid', `the backup holds an entry that is not a file: ${rejected}`);
  let text: string;
  try {
    text = await readFile(path.join(stagingDir, MANIFEST_ENTRY), 'utf8');
  } catch {
    throw new BackupError('backup_invalid', `${file} has no ${MANIFEST_ENTRY}: it is not a Nexus backup`);
  }
  const manifest = parseManifest(text);
  const present = new Set((await listFiles(stagingDir)).filter((p) => p !== MANIFEST_ENTRY));
  for (const entry of manifest.entries) {
    if (!present.delete(entry.path))
      throw new BackupError(
        'backup_corrupted',
        `the backup is missing ${entry.path}, which its manifest lists`,
      );
    const full = path.join(stagingDir, entry.path);
    const size = (await stat(full)).size;
    if (size !== entry.bytes || (await sha256File(full)) !== entry.sha256)
      throw new BackupError(
        'backup_corrupted',
        `${entry.path} in the backup does not match its checksum (sha256) in the manifest: the file is damaged; nothing was restored`,
      );
  }
  const extra = [...present];
  if (extra.length > 0)
    throw new BackupError(
      'backup_corrupted',
      `the backup holds ${extra[0]}, which its manifest does not list`,
    );
  return manifest;
}

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertObjectKey,
  type ByteRange,
  clampRange,
  type ObjectHead,
  type ObjectStorage,
  type PutOptions,
  type StoredObject,
} from './object-storage.js';

/**
 * Objects as files under one folder (the embedded default, `<NEXUS_DATA_DIR>/files`). A write goes to a
 * temporary file in `<root>/.tmp`, is flushed to disk, then renamed over the final path, so readers never
 * see a partial object and a crash leaves at most a stray temporary file. Keys never start a segment with
 * `.`, so `.tmp` cannot collide with an object. Folders are created on first write, not at start-up.
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.root = path.resolve(root);
    this.tmp = path.join(this.root, '.tmp');
  }

  async put(key: string, body: Readable | Uint8Array, _options?: PutOptions): Promise<{ size: number }> {
    const target = this.pathOf(key);
    const temp = await this.tempPath();
    try {
      const source = body instanceof Readable ? body : Readable.from([body]);
      await pipeline(source, createWriteStream(temp, { flags: 'wx' }));
      return await this.commit(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async putFile(key: string, file: string, _options?: Omit<PutOptions, 'size'>): Promise<{ size: number }> {
    const target = this.pathOf(key);
    const temp = await this.tempPath();
    try {
      // Same file system (the upload spool usually is): a rename, no copy. Otherwise copy, then rename.
      try {
        await rename(file, temp);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await copyFile(file, temp);
      }
      return await this.commit(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<StoredObject | null> {
    const file = this.pathOf(key);
    const size = await sizeOf(file);
    if (size === null) return null;
    if (!options.range) return { key, size, body: createReadStream(file) };
    const range = clampRange(options.range, size);
    if (!range) throw new RangeError(`Range not satisfiable for an object of ${size} bytes`);
    return { key, size, range, body: createReadStream(file, { start: range.start, end: range.end }) };
  }

  async head(key: string): Promise<ObjectHead | null> {
    const size = await sizeOf(this.pathOf(key));
    return size === null ? null : { key, size };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async presignGet(): Promise<string | null> {
    return null;
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    assertObjectKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private async tempPath(): Promise<string> {
    await mkdir(this.tmp, { recursive: true });
    return path.join(this.tmp, `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`);
  }

  /** Flushes the temporary file to disk and renames it over the target (atomic on POSIX file systems). */
  private async commit(temp: string, target: string): Promise<{ size: number }> {
    const handle = await open(temp, 'r+');
    let size: number;
    try {
      await handle.sync();
      size = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
    await mkdir(path.dirname(target), { recursive: true });
    await rename(temp, target);
    return { size };
  }
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

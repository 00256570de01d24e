import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalObjectStorage } from './local-object-storage.js';
import { describeObjectStorageContract } from './object-storage.contract.js';

describeObjectStorageContract(
  'local folder',
  async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'nexus-local-storage-'));
    return {
      storage: new LocalObjectStorage(root),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { largeBytes: 3 * 1024 * 1024 },
);

describe('LocalObjectStorage', () => {
  it('creates no folder until the first write, and leaves no temporary file behind', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'nexus-local-storage-'));
    try {
      const root = path.join(parent, 'files');
      const storage = new LocalObjectStorage(root);
      expect(await storage.head('ten_x/ab/abc')).toBeNull();
      expect(await readdir(parent)).toEqual([]);
      await storage.put('ten_x/ab/abc', Buffer.from('x'));
      expect(await readdir(path.join(root, 'ten_x', 'ab'))).toEqual(['abc']);
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

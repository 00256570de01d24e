import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { expect } from 'vitest';
import type { DB } from '../../src/platform/db/schema.js';
import { registerUser } from './identity.js';
import { upload } from './multipart.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../src/cli.ts');
// By path, so the CLI also starts from a working directory outside the repository.
const TSX = pathToFileURL(
  path.resolve(import.meta.dirname, '../../../../node_modules/tsx/dist/loader.mjs'),
).href;

/** Runs the real `nexus` CLI (through tsx) with `env` on top of this process's environment. */
export async function nexus(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, CLI, ...args], {
      env: { ...process.env, ...env },
      ...(cwd ? { cwd } : {}),
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Every base table outside the system schemas, from information_schema, with its row count and the md5
 * of its rows' text in order — computed here independently of the code under test.
 */
export function fingerprint(db: Kysely<DB>): Promise<Record<string, { rows: number; md5: string }>> {
  // Same text for the same rows whatever the server's TimeZone / DateStyle.
  return db.transaction().execute(async (trx) => {
    await sql`set local timezone = 'UTC'`.execute(trx);
    await sql`set local datestyle = 'ISO, MDY'`.execute(trx);
    return fingerprintRows(trx);
  });
}

async function fingerprintRows(
  db: QueryExecutorProvider,
): Promise<Record<string, { rows: number; md5: string }>> {
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
    order by 1, 2`.execute(db);
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const t of tables) {
    const { rows } = await sql<{ rows: number; md5: string | null }>`
      select count(*)::int as rows, md5(coalesce(string_agg(r::text, E'\\n' order by r::text), '')) as md5
      from ${sql.table(`${t.schema}.${t.name}`)} as r`.execute(db);
    out[`${t.schema}.${t.name}`] = { rows: rows[0]!.rows, md5: rows[0]!.md5 ?? '' };
  }
  return out;
}

/** sha256 of every file under `root`, keyed by relative path (a missing folder is empty). */
export async function folderDigest(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel);
      else
        out[rel] = createHash('sha256')
          .update(await readFile(path.join(dir, entry.name)))
          .digest('hex');
    }
  };
  await walk(root, '');
  return out;
}

/**
 * Puts data in through the real API: two users (their tenants, sessions), a conversation with a reply
 * from the local model, an uploaded file, and a finished task.
 */
export async function fillThroughApi(app: FastifyInstance): Promise<void> {
  const alice = await registerUser(app);
  await registerUser(app);
  const conversation = await app.inject({
    method: 'POST',
    url: '/v1/conversations',
    headers: alice.auth,
    payload: { model: 'local', title: 'backup round trip' },
  });
  expect(conversation.statusCode, conversation.body).toBe(201);
  const message = await app.inject({
    method: 'POST',
    url: `/v1/conversations/${conversation.json().id}/messages`,
    headers: alice.auth,
    payload: { content: 'Hello, remember the number 42.' },
  });
  expect(message.statusCode, message.body).toBe(201);
  const { payload, headers } = upload('document', 'notes.txt', 'a file that must survive a restore\n');
  const file = await app.inject({
    method: 'POST',
    url: '/v1/files',
    payload,
    headers: { ...headers, ...alice.auth },
  });
  expect(file.statusCode, file.body).toBe(201);
  const task = await app.inject({
    method: 'POST',
    url: '/v1/invoke',
    headers: alice.auth,
    payload: { task_type: 'text_generation', input: { prompt: 'What colour is the sky?' } },
  });
  expect(task.statusCode, task.body).toBe(200);
}

/** Tables the round trip must carry with rows in them (others may be empty). */
export const TABLES_WITH_ROWS = [
  'public.users',
  'public.tenants',
  'public.memberships',
  'public.conversations',
  'public.messages',
  'public.files',
  'public.tasks',
  'public.nexus_migrations',
];

/** The byte range of one entry's content in a tar archive (for damaging it on purpose). */
export function tarEntryRange(archive: Buffer, name: string): { start: number; end: number } {
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    const entryName = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (!entryName) break;
    const size = Number.parseInt(
      header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0',
      8,
    );
    if (entryName === name) return { start: offset + 512, end: offset + 512 + size };
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in the archive`);
}

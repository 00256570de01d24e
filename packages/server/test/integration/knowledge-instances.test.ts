import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeRepository } from '../../src/modules/knowledge/knowledge.repository.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Knowledge bases on PostgreSQL without pgvector (the machine's server has none): embeddings are stored as
 * bytes and searched by the exact in-process scan. Two instances share the database: they ingest a queue
 * of documents together without processing any twice, and each one's in-process index follows changes
 * made through the other.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let a: TestApp;
let b: TestApp;
let alice: Session;
const prefix = `${uniqueName('knowledge')}:`;

beforeAll(async () => {
  database = await createTestDatabase('knowledge');
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    KB_INGEST_POLL_MS: '50',
    KB_INGEST_CONCURRENCY: '3',
  };
  a = await createTestApp({ env });
  b = await createTestApp({ env });
  alice = await registerUser(a.app);
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
async function ok(t: TestApp, method: Method, url: string, payload?: unknown, status = 200) {
  const response = await t.app.inject({
    method,
    url,
    headers: alice.auth,
    ...(payload ? { payload: payload as object } : {}),
  });
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
  return response.statusCode === 204 ? null : response.json();
}

const ANIMALS = [
  'Penguins cannot fly but swim very well.',
  'Owls hunt small mammals at night.',
  'Camels store fat in their humps.',
  'Dolphins sleep with one half of the brain at a time.',
  'Hummingbirds can fly backwards.',
];

describe('knowledge bases on PostgreSQL without pgvector', () => {
  it('keeps embeddings as bytes and finds documents in every mode by the exact scan', async () => {
    const { rows } = await sql<{ type: string }>`
      select format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = 'kb_chunks'::regclass and attname = 'embedding'`.execute(a.container.database.db);
    expect(rows[0]!.type).toBe('bytea');
    const kb = await ok(a, 'POST', '/v1/knowledge-bases', { name: 'Animals' }, 201);
    const docs = await a.container.services.knowledge.addDocuments(
      alice.tenantId,
      kb.id,
      ANIMALS.map((text, i) => ({ kind: 'text' as const, text, title: `Animal ${i}` })),
    );
    await a.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, { timeoutMs: 30_000 });
    for (const mode of ['vector', 'lexical', 'hybrid'] as const) {
      const result = await ok(b, 'POST', `/v1/knowledge-bases/${kb.id}/search`, {
        query: 'Which bird can fly backwards?',
        mode,
      });
      expect(result.data[0]?.document.id, mode).toBe(docs[4]!.id);
    }
    const exact = await ok(a, 'POST', `/v1/knowledge-bases/${kb.id}/search`, {
      query: `Animal 2\n${ANIMALS[2]}`,
      mode: 'vector',
      top_k: 1,
    });
    // A chunk is embedded with its document's title in front; the local embedder gives identical text an
    // identical vector, so the exact scan scores it 1.
    expect(exact.data[0].score).toBeCloseTo(1, 5);
    expect(exact.data[0].document.id).toBe(docs[2]!.id);
  });

  it('lets two instances ingest one queue without processing a document twice', async () => {
    const kb = await ok(a, 'POST', '/v1/knowledge-bases', { name: 'Shared queue' }, 201);
    const texts = Array.from(
      { length: 40 },
      (_, i) => `Document number ${i} talks about topic-${i} in detail.`,
    );
    // Queued through the service of A, in one batch: both workers poll the same table.
    await a.container.services.knowledge.addDocuments(
      alice.tenantId,
      kb.id,
      texts.map((text) => ({ kind: 'text' as const, text })),
    );
    b.container.services.ingestion.wake();
    const counts = await a.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, {
      timeoutMs: 60_000,
    });
    expect(counts).toEqual({ queued: 0, processing: 0, ready: 40, failed: 0 });
    const db = a.container.database.db;
    const attempts = await sql<{ attempts: number; n: number }>`
      select attempts, count(*)::int as n from kb_documents where kb_id = ${kb.id} group by attempts`.execute(
      db,
    );
    expect(attempts.rows).toEqual([{ attempts: 1, n: 40 }]);
    // Each document's chunks were written once: no document's chunks were ever replaced.
    const removals = await sql<{ n: number }>`
      select count(*)::int as n from kb_index_removals where kb_id = ${kb.id}`.execute(db);
    expect(removals.rows[0]!.n).toBe(0);
    const generation = await sql<{ g: number; c: number }>`
      select index_generation as g, chunk_count as c from knowledge_bases where id = ${kb.id}`.execute(db);
    expect(generation.rows[0]).toEqual({ g: 40, c: 40 });
  });

  it('never hands the same queued document to two concurrent claimers', async () => {
    const kb = await ok(a, 'POST', '/v1/knowledge-bases', { name: 'Claims' }, 201);
    await a.container.services.ingestion.stop();
    await b.container.services.ingestion.stop();
    const pools = await Promise.all(
      [0, 1, 2].map(() => openDatabase({ kind: 'postgres', url: database.url, poolMax: 4 })),
    );
    try {
      await a.container.services.knowledge.addDocuments(
        alice.tenantId,
        kb.id,
        Array.from({ length: 60 }, (_, i) => ({ kind: 'text' as const, text: `claim ${i}` })),
      );
      const repo = new KnowledgeRepository();
      const claimed: string[] = [];
      await Promise.all(
        pools.flatMap((pool, p) =>
          [0, 1, 2, 3].map(async (w) => {
            for (;;) {
              const job = await repo.claimNext(pool.db, `worker_${p}_${w}`, 60_000);
              if (!job) return;
              claimed.push(job.id);
            }
          }),
        ),
      );
      expect(claimed).toHaveLength(60);
      expect(new Set(claimed).size).toBe(60);
      await sql`update kb_documents set status = 'queued', locked_by = null, locked_until = null, attempts = 0
        where kb_id = ${kb.id}`.execute(a.container.database.db);
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
      a.container.services.ingestion.start();
      b.container.services.ingestion.start();
    }
    const counts = await a.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, {
      timeoutMs: 60_000,
    });
    expect(counts.ready).toBe(60);
  });

  it("keeps each instance's in-process index current with changes made through the other", async () => {
    const kb = await ok(a, 'POST', '/v1/knowledge-bases', { name: 'Two caches' }, 201);
    const first = await ok(
      a,
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Tulips bloom in spring.' },
      202,
    );
    await a.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, { timeoutMs: 30_000 });
    const search = (t: TestApp, query: string, mode = 'hybrid') =>
      ok(t, 'POST', `/v1/knowledge-bases/${kb.id}/search`, { query, mode });
    // B loads its index now; then A adds and deletes documents.
    expect((await search(b, 'tulips spring')).data).toHaveLength(1);
    const second = await ok(
      a,
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Roses bloom in summer.' },
      202,
    );
    await a.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, { timeoutMs: 30_000 });
    expect((await search(b, 'roses summer', 'lexical')).data[0]?.document.id).toBe(second.id);
    expect((await search(b, 'roses summer', 'vector')).data[0]?.document.id).toBe(second.id);
    await ok(a, 'DELETE', `/v1/knowledge-bases/${kb.id}/documents/${first.id}`, undefined, 204);
    for (const mode of ['lexical', 'vector', 'hybrid'])
      expect(
        (await search(b, 'tulips spring', mode)).data.map((h: { document: { id: string } }) => h.document.id),
      ).not.toContain(first.id);
    // A re-index through A (settings change) replaces the chunks B holds.
    await ok(a, 'PATCH', `/v1/knowledge-bases/${kb.id}`, { settings: { chunk_tokens: 128 } });
    await a.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, { timeoutMs: 30_000 });
    const after = await search(b, 'roses summer', 'lexical');
    expect(after.data).toHaveLength(1);
    const { rows } = await sql<{ id: string }>`select id from kb_chunks where kb_id = ${kb.id}`.execute(
      a.container.database.db,
    );
    expect(after.data[0].chunk_id).toBe(rows[0]!.id);
  });
});

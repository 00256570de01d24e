import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeRepository } from '../../src/modules/knowledge/knowledge.repository.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';

/**
 * The ingestion worker on the embedded database: re-embedding when the model changes (a new vector size
 * gets its own HNSW index), retries with backoff and the attempts limit, leases that expire, a clean stop
 * that gives work back, and documents deleted or re-queued while they are processed. The embedding model
 * `fake-embed` is served by the fake OpenAI upstream (8 dimensions), which can fail or hang on demand.
 */

let t: TestApp;
let alice: Session;
let upstream: FakeOpenAI;
let dir: string;
const EMBED = 'fake-embed';

beforeAll(async () => {
  upstream = await FakeOpenAI.start();
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-kb-'));
  const models = path.join(dir, 'models.json');
  writeFileSync(
    models,
    JSON.stringify({
      models: [
        {
          name: EMBED,
          kind: 'embedding',
          deployments: [
            {
              provider: 'openai-compatible',
              model: EMBED,
              base_url: upstream.url,
              api_key_env: 'OPENAI_API_KEY',
            },
          ],
        },
      ],
    }),
  );
  t = await createTestApp({
    env: {
      LOCAL_MODEL_WORDS_PER_S: '0',
      NEXUS_MODELS_FILE: models,
      OPENAI_API_KEY: 'sk-test',
      GATEWAY_MAX_RETRIES: '0',
      KB_INGEST_POLL_MS: '50',
      KB_INGEST_LEASE_MS: '1000',
      KB_INGEST_MAX_ATTEMPTS: '2',
      // PGlite's default is the exact scan: these tests search through pgvector's HNSW indexes.
      KB_VECTOR_SEARCH: 'hnsw',
    },
  });
  alice = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
async function ok(method: Method, url: string, payload?: unknown, status = 200) {
  const response = await t.app.inject({
    method,
    url,
    headers: alice.auth,
    ...(payload ? { payload: payload as object } : {}),
  });
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
  return response.statusCode === 204 ? null : response.json();
}

const getDoc = (kbId: string, docId: string) => ok('GET', `/v1/knowledge-bases/${kbId}/documents/${docId}`);

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const settled = (kbId: string, docId: string) =>
  until(
    () => getDoc(kbId, docId),
    (d) => d.status === 'ready' || d.status === 'failed',
    `${docId} to settle`,
  );

const embedCalls = () =>
  upstream.requests.filter((r) => r.path === '/v1/embeddings' && r.model === EMBED).length;

describe('the ingestion worker', () => {
  it('re-embeds every document when the embedding model changes, with an index for the new size', async () => {
    const kb = await ok('POST', '/v1/knowledge-bases', { name: 'Models' }, 201);
    expect(kb.embedding_dimensions).toBe(256);
    const doc = await ok(
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Lighthouses guide ships at night.' },
      202,
    );
    await settled(kb.id, doc.id);
    const changed = await ok('PATCH', `/v1/knowledge-bases/${kb.id}`, {
      settings: { embedding_model: EMBED },
    });
    expect(changed).toMatchObject({
      embedding_dimensions: 8,
      settings_version: 2,
      settings: { embedding_model: EMBED },
    });
    const again = await until(
      () => getDoc(kb.id, doc.id),
      (d) => d.status === 'ready' && d.settings_version === 2,
      're-indexing',
    );
    expect(again.chunk_count).toBe(1);
    const { rows } = await sql<{
      dims: number;
    }>`select distinct dims from kb_chunks where kb_id = ${kb.id}`.execute(t.container.database.db);
    expect(rows).toEqual([{ dims: 8 }]);
    const index = await until(
      async () =>
        (
          await sql<{
            n: number;
          }>`select count(*)::int as n from pg_indexes where indexname = 'kb_chunks_hnsw_8'`.execute(
            t.container.database.db,
          )
        ).rows[0]!.n,
      (n) => n === 1,
      'the HNSW index',
    );
    expect(index).toBe(1);
    const result = await ok('POST', `/v1/knowledge-bases/${kb.id}/search`, {
      query: 'Lighthouses guide ships at night.',
      mode: 'vector',
    });
    expect(result.data[0]?.document.id).toBe(doc.id);
    expect(result.data[0]?.score).toBeCloseTo(1, 5);
    for (const mode of ['lexical', 'hybrid'] as const) {
      const found = await ok('POST', `/v1/knowledge-bases/${kb.id}/search`, { query: 'lighthouses', mode });
      expect(found.data[0]?.document.id, mode).toBe(doc.id);
    }
  });

  it('retries a failing embedding provider, fails the document when attempts run out, and goes on', async () => {
    const kb = await ok(
      'POST',
      '/v1/knowledge-bases',
      { name: 'Flaky', settings: { embedding_model: EMBED } },
      201,
    );
    upstream.script(
      EMBED,
      { error: { status: 503, message: 'overloaded' } },
      { error: { status: 503, message: 'overloaded' } },
    );
    const doc = await ok(
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Volcanoes erupt lava.' },
      202,
    );
    const retrying = await until(
      () => getDoc(kb.id, doc.id),
      (d) => d.attempts === 1 && d.status === 'queued',
      'the first retry',
    );
    expect(retrying.error?.code).toBe('embedding_unavailable');
    const failed = await settled(kb.id, doc.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'embedding_unavailable' } });
    const next = await ok(
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Glaciers carve valleys.' },
      202,
    );
    expect((await settled(kb.id, next.id)).status).toBe('ready');
  });

  it('gives a document in progress back to the queue when it stops, and finishes it after a restart', async () => {
    const kb = await ok(
      'POST',
      '/v1/knowledge-bases',
      { name: 'Stop', settings: { embedding_model: EMBED } },
      201,
    );
    upstream.script(EMBED, { hang: true });
    const calls = embedCalls();
    const doc = await ok('POST', `/v1/knowledge-bases/${kb.id}/documents`, { text: 'Bees make honey.' }, 202);
    await until(
      async () => embedCalls(),
      (n) => n > calls,
      'the embedding call',
    );
    expect((await getDoc(kb.id, doc.id)).status).toBe('processing');
    const worker = t.container.services.ingestion;
    await worker.stop();
    expect(worker.active).toBe(0);
    const back = await getDoc(kb.id, doc.id);
    expect(back).toMatchObject({ status: 'queued', attempts: 0 });
    worker.start();
    expect((await settled(kb.id, doc.id)).status).toBe('ready');
  });

  it('drops a document deleted while it is processed, and redoes one re-queued by a settings change', async () => {
    const kb = await ok(
      'POST',
      '/v1/knowledge-bases',
      { name: 'Lost', settings: { embedding_model: EMBED } },
      201,
    );
    upstream.script(EMBED, { hang: true });
    let calls = embedCalls();
    const doomed = await ok(
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Doomed document.' },
      202,
    );
    await until(
      async () => embedCalls(),
      (n) => n > calls,
      'the embedding call',
    );
    await ok('DELETE', `/v1/knowledge-bases/${kb.id}/documents/${doomed.id}`, undefined, 204);
    // The job notices at its next lease renewal and lets the document go; the worker is free again.
    await until(
      async () => t.container.services.ingestion.active,
      (n) => n === 0,
      'the job to give up',
    );
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from kb_chunks where kb_id = ${kb.id}`.execute(t.container.database.db);
    expect(rows[0]!.n).toBe(0);

    upstream.script(EMBED, { hang: true });
    calls = embedCalls();
    const doc = await ok(
      'POST',
      `/v1/knowledge-bases/${kb.id}/documents`,
      { text: 'Redone document about owls.' },
      202,
    );
    await until(
      async () => embedCalls(),
      (n) => n > calls,
      'the embedding call',
    );
    await ok('PATCH', `/v1/knowledge-bases/${kb.id}`, { settings: { chunk_tokens: 256 } });
    const redone = await until(
      () => getDoc(kb.id, doc.id),
      (d) => d.status === 'ready' && d.settings_version === 2,
      'the redone document',
    );
    expect(redone.chunk_count).toBe(1);
  });

  it('reclaims expired leases, and fails a document whose worker keeps disappearing', async () => {
    const worker = t.container.services.ingestion;
    const db = t.container.database.db;
    const repo = new KnowledgeRepository();
    const kb = await ok('POST', '/v1/knowledge-bases', { name: 'Leases' }, 201);
    await worker.stop();
    try {
      const doc = await ok('POST', `/v1/knowledge-bases/${kb.id}/documents`, { text: 'Leases expire.' }, 202);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const claimed = await repo.claimNext(db, 'worker_crashed', 1);
        expect(claimed).toMatchObject({
          id: doc.id,
          status: 'processing',
          attempts: attempt,
          locked_by: 'worker_crashed',
        });
        // A second claimer finds nothing while the lease holds... until it runs out.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const reclaimed = await repo.reclaimExpired(db, 2);
        expect(reclaimed).toEqual(attempt < 2 ? { requeued: 1, failed: 0 } : { requeued: 0, failed: 1 });
      }
      const failed = await getDoc(kb.id, doc.id);
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'ingestion_attempts_exhausted' } });
      expect(await repo.claimNext(db, 'worker_other', 60_000)).toBeUndefined();
    } finally {
      worker.start();
    }
  });
});

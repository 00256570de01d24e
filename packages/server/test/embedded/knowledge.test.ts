import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { FakeReranker, PROMOTE } from '../fakes/rerank-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { minimalPdf } from '../support/documents.js';
import { registerUser, type Session } from '../support/identity.js';
import { upload } from '../support/multipart.js';

/**
 * Knowledge bases through the real app (embedded PGlite with pgvector, in-process cache): CRUD, documents
 * from text, files and URLs ingested by the background worker, search in the three modes with locations,
 * filters, thresholds and reranking, settings changes that re-index, deletion, bad input (4xx) and bad
 * documents (failed with a reason, while the worker goes on). Vectors are searched by the exact
 * in-process scan here (`KB_VECTOR_SEARCH=exact`, reading pgvector's column); knowledge-ingestion.test.ts
 * searches through the HNSW indexes.
 */

let t: TestApp;
let alice: Session;
let bob: Session;
let reranker: FakeReranker;
let site: Server;
let siteUrl: string;

const HANDBOOK = [
  '# Employee handbook',
  '',
  'Welcome to the company. This handbook explains how we work.',
  '',
  '## Holidays',
  '',
  'Every employee gets twenty-five days of paid holiday a year. Unused holiday days expire in March.',
  '',
  '## Expenses',
  '',
  'Submit travel expenses within thirty days, with receipts attached. The finance team reimburses them monthly.',
].join('\n');

beforeAll(async () => {
  reranker = await FakeReranker.start();
  site = createServer((req, res) => {
    switch (req.url) {
      case '/guide.html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<html><head><title>Kayak guide</title></head><body><h1>Kayaking</h1><p>Always wear a buoyancy aid when paddling a kayak on open water.</p></body></html>',
        );
        return;
      case '/to-metadata':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return;
      case '/to-private':
        res.writeHead(301, { location: 'http://192.168.1.10/internal' });
        res.end();
        return;
      case '/image.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  t = await createTestApp({
    env: {
      LOCAL_MODEL_WORDS_PER_S: '0',
      KB_INGEST_POLL_MS: '100',
      KB_URL_ALLOWLIST: '127.0.0.1',
      KB_RERANK_BASE_URL: `${reranker.url}/v1`,
      KB_RERANK_MODEL: 'fake-reranker',
      KB_RERANK_API_KEY_ENV: 'FAKE_RERANK_KEY',
      FAKE_RERANK_KEY: 'sk-rerank',
      KB_DOCUMENT_MAX_BYTES: String(256 * 1024),
      KB_VECTOR_SEARCH: 'exact',
    },
  });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await reranker?.close();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = alice.auth) {
  return t.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function ok(method: Method, url: string, payload?: unknown, status = 200, headers = alice.auth) {
  const response = await call(method, url, payload, headers);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
  return response.statusCode === 204 ? null : response.json();
}

async function createKb(payload: Record<string, unknown> = {}, headers = alice.auth) {
  return ok('POST', '/v1/knowledge-bases', { name: 'Handbook', ...payload }, 201, headers);
}

async function addDocument(kbId: string, payload: Record<string, unknown>, headers = alice.auth) {
  return ok('POST', `/v1/knowledge-bases/${kbId}/documents`, payload, 202, headers);
}

/** Polls a document until the worker is done with it (ready or failed). */
async function settled(kbId: string, docId: string, headers = alice.auth) {
  for (let i = 0; i < 400; i++) {
    const doc = await ok('GET', `/v1/knowledge-bases/${kbId}/documents/${docId}`, undefined, 200, headers);
    if (doc.status === 'ready' || doc.status === 'failed') return doc;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`document ${docId} did not settle`);
}

async function search(kbId: string, payload: Record<string, unknown>, headers = alice.auth) {
  return ok('POST', `/v1/knowledge-bases/${kbId}/search`, payload, 200, headers);
}

async function chunkCount(kbId: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from kb_chunks where kb_id = ${kbId}`.execute(t.container.database.db);
  return rows[0]!.n;
}

describe('knowledge bases', () => {
  it('creates, lists (with a cursor), reads, renames and deletes', async () => {
    const created = await createKb({ description: 'HR policies' });
    expect(created).toMatchObject({
      object: 'knowledge_base',
      name: 'Handbook',
      description: 'HR policies',
      settings: {
        embedding_model: 'local-embedding',
        chunk_tokens: 512,
        overlap_tokens: 64,
        // The built-in hashing embedder: lexical search (with query expansion) by default.
        search: { mode: 'lexical', top_k: 5, score_threshold: null, rerank: true, query_expansion: true },
      },
      embedding_dimensions: 256,
      documents: { queued: 0, processing: 0, ready: 0, failed: 0, total: 0 },
      chunk_count: 0,
      created_by: alice.userId,
    });
    expect(created.id).toMatch(/^kb_/);
    const second = await createKb({
      name: 'Second',
      settings: { chunk_tokens: 200, search: { mode: 'lexical', top_k: 3 } },
    });
    expect(second.settings).toMatchObject({ chunk_tokens: 200, search: { mode: 'lexical', top_k: 3 } });

    const first = await ok('GET', '/v1/knowledge-bases?limit=1');
    expect(first.data.map((k: { id: string }) => k.id)).toEqual([second.id]);
    const next = await ok('GET', `/v1/knowledge-bases?limit=1&cursor=${first.next_cursor}`);
    expect(next.data[0].id).toBe(created.id);

    expect(await ok('GET', `/v1/knowledge-bases/${created.id}`)).toMatchObject({
      id: created.id,
      name: 'Handbook',
    });
    const renamed = await ok('PATCH', `/v1/knowledge-bases/${created.id}`, { name: 'People handbook' });
    expect(renamed.name).toBe('People handbook');
    expect(renamed.settings_version).toBe(1);

    // Another tenant sees nothing of it.
    expect((await call('GET', `/v1/knowledge-bases/${created.id}`, undefined, bob.auth)).statusCode).toBe(
      404,
    );
    const bobs = await ok('GET', '/v1/knowledge-bases', undefined, 200, bob.auth);
    expect(bobs.data).toEqual([]);

    await ok('DELETE', `/v1/knowledge-bases/${second.id}`, undefined, 204);
    expect((await call('GET', `/v1/knowledge-bases/${second.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/knowledge-bases/${second.id}`)).statusCode).toBe(404);
  });

  it('ingests a text document and finds it in all three modes, with its location', async () => {
    const kb = await createKb();
    const queued = await addDocument(kb.id, {
      text: HANDBOOK,
      format: 'md',
      title: 'Handbook 2024',
      metadata: { team: 'hr' },
    });
    expect(queued).toMatchObject({
      object: 'knowledge_base.document',
      source: 'text',
      status: 'queued',
      title: 'Handbook 2024',
    });
    const doc = await settled(kb.id, queued.id);
    expect(doc).toMatchObject({
      status: 'ready',
      error: null,
      format: 'md',
      progress: { stage: 'done', fraction: 1 },
    });
    expect(doc.chunk_count).toBeGreaterThan(0);
    expect(doc.indexed_at).not.toBeNull();

    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const result = await search(kb.id, {
        query: 'How many holiday days do employees get?',
        mode,
        rerank: false,
      });
      expect(result.mode).toBe(mode);
      expect(result.reranked).toBe(false);
      const top = result.data[0];
      expect(top, mode).toBeDefined();
      expect(top.text).toContain('twenty-five days');
      expect(top.document).toMatchObject({
        id: doc.id,
        title: 'Handbook 2024',
        source: 'text',
        metadata: { team: 'hr' },
      });
      expect(top.location.headings).toEqual(['Employee handbook', 'Holidays']);
      expect(top.location.end).toBeGreaterThan(top.location.start);
      expect(top.location.page).toBeNull();
      expect(top.score).toBeGreaterThan(0);
      if (mode === 'hybrid')
        expect(top.scores).toMatchObject({ lexical: expect.any(Number), vector: expect.any(Number) });
    }
    const kbView = await ok('GET', `/v1/knowledge-bases/${kb.id}`);
    expect(kbView.documents).toMatchObject({ ready: 1, total: 1 });
    expect(kbView.chunk_count).toBe(doc.chunk_count);
  });

  it('searches Chinese text', async () => {
    const kb = await createKb({ name: '中文' });
    const doc = await addDocument(kb.id, {
      text: '北京是中华人民共和国的首都，也是全国的政治和文化中心。上海是中国最大的经济中心城市。',
      title: '城市',
    });
    await settled(kb.id, doc.id);
    const result = await search(kb.id, { query: '中国的首都是哪里？', mode: 'lexical' });
    expect(result.data[0]?.text).toContain('北京');
  });

  it('filters by document and metadata, applies the score threshold and top_k', async () => {
    const kb = await createKb();
    const a = await addDocument(kb.id, {
      text: 'Kafka brokers store partitions of topics.',
      metadata: { lang: 'en', v: 1 },
    });
    const b = await addDocument(kb.id, {
      text: 'Kafka consumers read partitions in order.',
      metadata: { lang: 'en', v: 2 },
    });
    await settled(kb.id, a.id);
    await settled(kb.id, b.id);
    const both = await search(kb.id, { query: 'kafka partitions', mode: 'lexical' });
    expect(both.data).toHaveLength(2);
    const onlyB = await search(kb.id, { query: 'kafka partitions', filters: { document_ids: [b.id] } });
    expect(onlyB.data.map((h: { document: { id: string } }) => h.document.id)).toEqual([b.id]);
    const byMeta = await search(kb.id, { query: 'kafka partitions', filters: { metadata: { v: 1 } } });
    expect(byMeta.data.map((h: { document: { id: string } }) => h.document.id)).toEqual([a.id]);
    const none = await search(kb.id, { query: 'kafka partitions', filters: { metadata: { lang: 'fr' } } });
    expect(none.data).toEqual([]);
    expect((await search(kb.id, { query: 'kafka partitions', top_k: 1 })).data).toHaveLength(1);
    const strict = await search(kb.id, { query: 'kafka partitions', mode: 'vector', score_threshold: 0.99 });
    expect(strict.data).toEqual([]);
    // The knowledge base's default threshold applies when the request does not give one.
    await ok('PATCH', `/v1/knowledge-bases/${kb.id}`, { settings: { search: { score_threshold: 1000 } } });
    expect((await search(kb.id, { query: 'kafka partitions', mode: 'lexical' })).data).toEqual([]);
    expect(
      (await search(kb.id, { query: 'kafka partitions', mode: 'lexical', score_threshold: null })).data,
    ).toHaveLength(2);
  });

  it('reranks with the rerank provider, and falls back to fused order when it fails', async () => {
    const kb = await createKb();
    const plain = await addDocument(kb.id, {
      text: 'Solar panels convert sunlight into electricity. Solar panels solar panels.',
    });
    const promoted = await addDocument(kb.id, { text: `Wind turbines also make electricity. ${PROMOTE}` });
    await settled(kb.id, plain.id);
    await settled(kb.id, promoted.id);
    const calls = reranker.calls.length;
    const result = await search(kb.id, { query: 'solar panels electricity', rerank: true });
    expect(result.reranked).toBe(true);
    expect(result.data[0].document.id).toBe(promoted.id);
    expect(result.data[0].score).toBe(0.9);
    expect(result.data[0].scores.rerank).toBe(0.9);
    const call = reranker.calls[calls]!;
    expect(call).toMatchObject({
      model: 'fake-reranker',
      query: 'solar panels electricity',
      authorization: 'Bearer sk-rerank',
    });
    expect(call.documents).toHaveLength(2);

    reranker.mode = 'error';
    try {
      const fallback = await search(kb.id, { query: 'solar panels electricity', rerank: true });
      expect(fallback.reranked).toBe(false);
      expect(fallback.data[0].document.id).toBe(plain.id);
      reranker.mode = 'malformed';
      expect((await search(kb.id, { query: 'solar panels electricity' })).reranked).toBe(false);
    } finally {
      reranker.mode = 'ok';
    }
    // Reranking is on by default when a provider is configured; a request may turn it off.
    expect((await search(kb.id, { query: 'solar panels electricity' })).reranked).toBe(true);
    expect((await search(kb.id, { query: 'solar panels electricity', rerank: false })).reranked).toBe(false);
  });

  it('re-indexes every document in the background when chunking or the model changes', async () => {
    const kb = await createKb();
    const long = `${HANDBOOK}\n\n${Array.from({ length: 40 }, (_, i) => `Policy ${i} applies to every office.`).join(' ')}`;
    const doc = await addDocument(kb.id, { text: long, format: 'md' });
    const first = await settled(kb.id, doc.id);
    expect(first.settings_version).toBe(1);
    const changed = await ok('PATCH', `/v1/knowledge-bases/${kb.id}`, {
      settings: { chunk_tokens: 32, overlap_tokens: 0 },
    });
    expect(changed.settings_version).toBe(2);
    expect(changed.settings).toMatchObject({ chunk_tokens: 32, overlap_tokens: 0 });
    const again = await settled(kb.id, doc.id);
    expect(again).toMatchObject({ status: 'ready', settings_version: 2 });
    expect(again.chunk_count).toBeGreaterThan(first.chunk_count);
    expect(await chunkCount(kb.id)).toBe(again.chunk_count);
    const hit = (await search(kb.id, { query: 'travel expenses receipts', mode: 'hybrid' })).data[0];
    expect(hit.text).toContain('receipts');

    // Search defaults alone do not re-index.
    const defaults = await ok('PATCH', `/v1/knowledge-bases/${kb.id}`, {
      settings: { search: { top_k: 2 } },
    });
    expect(defaults.settings_version).toBe(2);
    expect((await ok('GET', `/v1/knowledge-bases/${kb.id}/documents/${doc.id}`)).status).toBe('ready');
  });

  it('deletes a document with its chunks, and a knowledge base with everything in it', async () => {
    const kb = await createKb();
    const keep = await addDocument(kb.id, { text: 'Giraffes have long necks.' });
    const drop = await addDocument(kb.id, { text: 'Elephants have long trunks.' });
    await settled(kb.id, keep.id);
    await settled(kb.id, drop.id);
    // Plain BM25 here: query expansion would add "long" from the first result and find the giraffes too.
    const plain = { mode: 'lexical', query_expansion: false };
    expect((await search(kb.id, { query: 'elephants trunks', ...plain })).data).toHaveLength(1);
    await ok('DELETE', `/v1/knowledge-bases/${kb.id}/documents/${drop.id}`, undefined, 204);
    expect((await call('GET', `/v1/knowledge-bases/${kb.id}/documents/${drop.id}`)).statusCode).toBe(404);
    expect((await search(kb.id, { query: 'elephants trunks', ...plain })).data).toEqual([]);
    expect((await search(kb.id, { query: 'giraffes necks', mode: 'hybrid' })).data).toHaveLength(1);
    expect(await chunkCount(kb.id)).toBe(1);
    expect((await ok('GET', `/v1/knowledge-bases/${kb.id}`)).chunk_count).toBe(1);

    await ok('DELETE', `/v1/knowledge-bases/${kb.id}`, undefined, 204);
    expect(await chunkCount(kb.id)).toBe(0);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from kb_documents where kb_id = ${kb.id}`.execute(t.container.database.db);
    expect(rows[0]!.n).toBe(0);
    expect(
      (await call('POST', `/v1/knowledge-bases/${kb.id}/search`, { query: 'giraffes' })).statusCode,
    ).toBe(404);
  });

  it('lists documents newest first with status filters and a cursor', async () => {
    const kb = await createKb();
    const docs = [];
    for (const text of ['one apple', 'two bananas', '   ']) docs.push(await addDocument(kb.id, { text }));
    for (const doc of docs) await settled(kb.id, doc.id);
    const page1 = await ok('GET', `/v1/knowledge-bases/${kb.id}/documents?limit=2`);
    expect(page1.data.map((d: { id: string }) => d.id)).toEqual([docs[2].id, docs[1].id]);
    const page2 = await ok(
      'GET',
      `/v1/knowledge-bases/${kb.id}/documents?limit=2&cursor=${page1.next_cursor}`,
    );
    expect(page2.data.map((d: { id: string }) => d.id)).toEqual([docs[0].id]);
    expect(page2.next_cursor).toBeNull();
    const failed = await ok('GET', `/v1/knowledge-bases/${kb.id}/documents?status=failed`);
    expect(failed.data.map((d: { id: string }) => d.id)).toEqual([docs[2].id]);
  });
});

describe('documents from files and URLs', () => {
  async function uploadFile(filename: string, content: Buffer | string | Uint8Array) {
    const { payload, headers } = upload('document', filename, Buffer.from(content));
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...alice.auth, ...headers },
      payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string };
  }

  it('ingests an uploaded PDF with page locations and holds the file while it is queued', async () => {
    const kb = await createKb({ settings: { chunk_tokens: 48, overlap_tokens: 0 } });
    const filler = (topic: string) =>
      Array.from({ length: 6 }, (_, i) => `Line ${i} of the chapter about ${topic}.`);
    const file = await uploadFile(
      'atlas.pdf',
      minimalPdf([filler('rivers'), [...filler('mountains'), 'The Matterhorn is a mountain in the Alps.']], {
        title: 'Atlas',
      }),
    );
    const worker = t.container.services.ingestion;
    await worker.stop();
    let doc: { id: string; title: string };
    try {
      doc = await addDocument(kb.id, { file_id: file.id });
      expect(doc.title).toBe('atlas.pdf');
      const blocked = await call('DELETE', `/v1/files/${file.id}`);
      expect(blocked.statusCode, blocked.body).toBe(409);
      expect(blocked.json().error.code).toBe('file_in_use');
    } finally {
      worker.start();
    }
    const ready = await settled(kb.id, doc.id);
    expect(ready).toMatchObject({ status: 'ready', format: 'pdf', source: 'file', file_id: file.id });
    const hit = (await search(kb.id, { query: 'Matterhorn Alps', mode: 'lexical' })).data[0];
    expect(hit.location.page).toBe(2);
    expect(hit.document.file_id).toBe(file.id);
    // Ingested: the hold is released, the file can go.
    await ok('DELETE', `/v1/files/${file.id}`, undefined, 204);
  });

  it('fails a corrupt file with the reason, and the worker goes on with the next document', async () => {
    const kb = await createKb();
    const corrupt = await uploadFile(
      'broken.pdf',
      Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300, 0x41)]),
    );
    const bad = await addDocument(kb.id, { file_id: corrupt.id });
    const good = await addDocument(kb.id, { text: 'Otters hold hands while sleeping.' });
    const failed = await settled(kb.id, bad.id);
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('document_corrupt');
    expect(failed.progress.stage).toBe('failed');
    expect((await settled(kb.id, good.id)).status).toBe('ready');
  });

  it('fetches a URL document through the SSRF guard', async () => {
    const kb = await createKb();
    const doc = await addDocument(kb.id, { url: `${siteUrl}/guide.html` });
    const ready = await settled(kb.id, doc.id);
    expect(ready).toMatchObject({
      status: 'ready',
      format: 'html',
      title: 'Kayak guide',
      url: `${siteUrl}/guide.html`,
    });
    const hit = (await search(kb.id, { query: 'buoyancy aid kayak' })).data[0];
    expect(hit.document.url).toBe(`${siteUrl}/guide.html`);
  });

  it.each([
    ['an empty text', () => ({ text: '' }), 'document_empty'],
    ['a text of spaces', () => ({ text: ' \n\t ' }), 'document_empty'],
    ['a URL redirecting to the metadata address', () => ({ url: `${siteUrl}/to-metadata` }), 'url_blocked'],
    ['a URL redirecting to a private address', () => ({ url: `${siteUrl}/to-private` }), 'url_blocked'],
    ['a URL that is not a document', () => ({ url: `${siteUrl}/image.png` }), 'url_unsupported_type'],
    ['a URL that answers 404', () => ({ url: `${siteUrl}/missing` }), 'url_http_error'],
    ['malformed JSON text', () => ({ text: '{"a": ', format: 'json' }), 'document_corrupt'],
  ])('fails %s with a reason', async (_name, body, code) => {
    const kb = await createKb();
    const doc = await addDocument(kb.id, body());
    const failed = await settled(kb.id, doc.id);
    expect(failed.status, JSON.stringify(failed)).toBe('failed');
    expect(failed.error.code).toBe(code);
    expect(failed.error.message.length).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  let kbId: string;
  beforeAll(async () => {
    kbId = (await createKb()).id;
  });

  const cases: [string, Method, () => string, unknown, number, string][] = [
    ['kb without a name', 'POST', () => '/v1/knowledge-bases', {}, 400, 'validation_failed'],
    [
      'kb with an unknown field',
      'POST',
      () => '/v1/knowledge-bases',
      { name: 'x', colour: 'red' },
      400,
      'validation_failed',
    ],
    [
      'kb with tiny chunks',
      'POST',
      () => '/v1/knowledge-bases',
      { name: 'x', settings: { chunk_tokens: 4 } },
      400,
      'validation_failed',
    ],
    [
      'kb with overlap over half a chunk',
      'POST',
      () => '/v1/knowledge-bases',
      { name: 'x', settings: { chunk_tokens: 100, overlap_tokens: 60 } },
      400,
      'validation_failed',
    ],
    [
      'kb with a chat model',
      'POST',
      () => '/v1/knowledge-bases',
      { name: 'x', settings: { embedding_model: 'local' } },
      400,
      'invalid_model',
    ],
    [
      'kb with an unknown model',
      'POST',
      () => '/v1/knowledge-bases',
      { name: 'x', settings: { embedding_model: 'no-such-model' } },
      400,
      'invalid_model',
    ],
    [
      'kb with a bad search mode',
      'POST',
      () => '/v1/knowledge-bases',
      { name: 'x', settings: { search: { mode: 'fuzzy' } } },
      400,
      'validation_failed',
    ],
    ['empty patch', 'PATCH', () => `/v1/knowledge-bases/${kbId}`, {}, 400, 'validation_failed'],
    ['malformed kb id', 'GET', () => '/v1/knowledge-bases/kb_nope', undefined, 400, 'invalid_id'],
    ['unknown kb', 'GET', () => `/v1/knowledge-bases/${newId('kb')}`, undefined, 404, 'not_found'],
    ['bad cursor', 'GET', () => '/v1/knowledge-bases?cursor=bm9wZQ', undefined, 400, 'invalid_cursor'],
    [
      'document without a source',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { title: 'x' },
      400,
      'validation_failed',
    ],
    [
      'document with two sources',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { text: 'a', url: 'https://example.com' },
      400,
      'validation_failed',
    ],
    [
      'format without text',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { url: 'https://example.com', format: 'md' },
      400,
      'validation_failed',
    ],
    [
      'an ftp URL',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { url: 'ftp://example.com/a.txt' },
      400,
      'url_not_allowed',
    ],
    [
      'a private address',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { url: 'http://10.1.2.3/a' },
      400,
      'url_not_allowed',
    ],
    [
      'the metadata address',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { url: 'http://[::ffff:169.254.169.254]/' },
      400,
      'url_not_allowed',
    ],
    [
      'credentials in a URL',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { url: 'https://u:p@example.com/' },
      400,
      'url_not_allowed',
    ],
    [
      'a malformed file id',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { file_id: 'file_x' },
      400,
      'validation_failed',
    ],
    [
      'an unknown file',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { file_id: newId('file') },
      404,
      'not_found',
    ],
    [
      'too much metadata',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { text: 'a', metadata: { a: { b: 1 } } },
      400,
      'validation_failed',
    ],
    [
      'text over the limit',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/documents`,
      { text: 'x'.repeat(300 * 1024) },
      413,
      'payload_too_large',
    ],
    [
      'unknown document',
      'GET',
      () => `/v1/knowledge-bases/${kbId}/documents/${newId('doc')}`,
      undefined,
      404,
      'not_found',
    ],
    [
      'bad status filter',
      'GET',
      () => `/v1/knowledge-bases/${kbId}/documents?status=done`,
      undefined,
      400,
      'validation_failed',
    ],
    [
      'empty query',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: '  ' },
      400,
      'validation_failed',
    ],
    [
      'top_k 0',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: 'a', top_k: 0 },
      400,
      'validation_failed',
    ],
    [
      'top_k 1000',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: 'a', top_k: 1000 },
      400,
      'validation_failed',
    ],
    [
      'a bad mode',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: 'a', mode: 'semantic' },
      400,
      'validation_failed',
    ],
    [
      'a negative threshold',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: 'a', score_threshold: -1 },
      400,
      'validation_failed',
    ],
    [
      'a malformed document filter',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: 'a', filters: { document_ids: ['x'] } },
      400,
      'validation_failed',
    ],
    [
      'an unknown filter',
      'POST',
      () => `/v1/knowledge-bases/${kbId}/search`,
      { query: 'a', filters: { author: 'x' } },
      400,
      'validation_failed',
    ],
  ];

  it.each(
    cases.map(
      ([name, method, url, payload, status, code]) => [name, status, code, method, url, payload] as const,
    ),
  )('%s → %i %s', async (_name, status, code, method, url, payload) => {
    const before = await sql<{ n: number }>`select count(*)::int as n from kb_documents`.execute(
      t.container.database.db,
    );
    const response = await call(method, url(), payload);
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
    const after = await sql<{ n: number }>`select count(*)::int as n from kb_documents`.execute(
      t.container.database.db,
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('refuses a file whose purpose is not document, and needs kb:write and kb:read', async () => {
    const { payload, headers } = upload(
      'image',
      'dot.png',
      Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    );
    const image = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...alice.auth, ...headers },
      payload,
    });
    if (image.statusCode === 201) {
      const response = await call('POST', `/v1/knowledge-bases/${kbId}/documents`, {
        file_id: image.json().id,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('file_purpose_mismatch');
    }
    const key = await ok('POST', '/v1/api-keys', { name: 'reader', scopes: ['kb:read'] }, 201);
    const reader = { authorization: `Bearer ${key.secret}` };
    expect((await call('GET', `/v1/knowledge-bases/${kbId}`, undefined, reader)).statusCode).toBe(200);
    expect(
      (await call('POST', `/v1/knowledge-bases/${kbId}/search`, { query: 'x' }, reader)).statusCode,
    ).toBe(200);
    const denied = await call('POST', `/v1/knowledge-bases/${kbId}/documents`, { text: 'x' }, reader);
    expect(denied.statusCode).toBe(403);
    const chatKey = await ok('POST', '/v1/api-keys', { name: 'chat', scopes: ['chat:read'] }, 201);
    const chat = { authorization: `Bearer ${chatKey.secret}` };
    expect((await call('GET', '/v1/knowledge-bases', undefined, chat)).statusCode).toBe(403);
  });
});

describe('the API description', () => {
  it('documents the knowledge-base routes in /openapi.json', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    for (const path of [
      '/v1/knowledge-bases',
      '/v1/knowledge-bases/{id}',
      '/v1/knowledge-bases/{id}/documents',
      '/v1/knowledge-bases/{id}/documents/{docId}',
      '/v1/knowledge-bases/{id}/documents/{docId}/reindex',
      '/v1/knowledge-bases/{id}/search',
    ])
      expect(paths).toContain(path);
  });
});

describe('the service API (chat retrieval and bulk loading)', () => {
  it('adds many documents, waits for the queue, and retrieves across knowledge bases', async () => {
    const knowledge = t.container.services.knowledge;
    const tenantId = alice.tenantId;
    const one = await knowledge.createKnowledgeBase(tenantId, { name: 'Animals' });
    const two = await knowledge.createKnowledgeBase(tenantId, {
      name: 'Plants',
      settings: { search: { mode: 'lexical' } },
    });
    await knowledge.addDocuments(tenantId, one.row.id, [
      { kind: 'text', text: 'Penguins live in the southern hemisphere.', title: 'Penguins' },
      { kind: 'text', text: 'Owls hunt at night.', title: 'Owls' },
    ]);
    await knowledge.addDocument(tenantId, two.row.id, {
      kind: 'text',
      text: 'Cacti store water and live in deserts.',
      title: 'Cacti',
    });
    const counts = await knowledge.waitForIdle(tenantId, one.row.id, { timeoutMs: 20_000 });
    expect(counts).toEqual({ queued: 0, processing: 0, ready: 2, failed: 0 });
    await knowledge.waitForIdle(tenantId, two.row.id, { timeoutMs: 20_000 });

    const sources = await knowledge.retrieve(
      tenantId,
      [one.row.id, two.row.id, newId('kb')],
      'where do penguins and cacti live',
      {
        rerank: false,
      },
    );
    const titles = sources.map((s) => s.documentTitle);
    expect(titles).toContain('Penguins');
    expect(titles).toContain('Cacti');
    expect(sources[0]).toMatchObject({
      chunkId: expect.stringMatching(/^chunk_/),
      knowledgeBaseId: expect.stringMatching(/^kb_/),
      documentId: expect.stringMatching(/^doc_/),
      text: expect.any(String),
      score: expect.any(Number),
      start: 0,
      headings: [],
      page: null,
    });
    // Another tenant's ids find nothing.
    expect(await knowledge.retrieve(bob.tenantId, [one.row.id], 'penguins')).toEqual([]);
  });
});

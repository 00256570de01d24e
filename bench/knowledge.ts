/**
 * `npm run bench -- knowledge`: knowledge-base ingestion throughput and search latency as the knowledge
 * base grows (10k, then 100k chunks by default), on embedded PGlite and — with `--database-url` or
 * `BENCH_DATABASE_URL` — on PostgreSQL, each in its own Nexus child process.
 *
 * - Ingestion: documents (titled, ten passages each from the retrieval sets in ../shared/data/retrieval)
 *   are POSTed to `/v1/knowledge-bases/:id/documents`, and the clock stops when the knowledge base has no
 *   queued or processing document left: chunks/s through parse, chunk, embed and index.
 * - Search: `POST /v1/knowledge-bases/:id/search` with the sets' real queries (English and Chinese), for
 *   `--search-seconds` per mode and concurrency, latency of every request.
 * - Baseline in the same run: the same chunks (same parser and chunker) in the in-memory reference
 *   `Bm25Index`, searched in-process — no HTTP, no database, no fusion: the floor a search can cost.
 */

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadBeirDataset } from '../packages/server/src/modules/knowledge/beir-dataset.js';
import { Bm25Index } from '../packages/server/src/modules/knowledge/bm25.js';
import { chunkDocument } from '../packages/server/src/modules/knowledge/chunker.js';
import { parseDocument } from '../packages/server/src/modules/knowledge/document-parser.js';
import { forkServer, type ServerChild } from './child.js';
import { jsonApi } from './json-api.js';
import { percentile } from './load.js';

export interface KnowledgeBenchOptions {
  /** Chunk counts to measure at, ascending: the knowledge base is grown to each in turn. */
  sizes: number[];
  searchSeconds: number;
  concurrency: number[];
  modes: string[];
  chunkTokens: number;
  overlapTokens: number;
  /** PostgreSQL to measure on besides embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Which of `embedded` and `postgres` to run (postgres needs `databaseUrl`). */
  targets: string[];
  /** `KB_VECTOR_SEARCH` for the embedded run (`hnsw`: pgvector HNSW; `exact`, PGlite's default: the in-process scan). */
  embeddedVectorSearch: string;
}

interface Ready {
  port: number;
  apiKey: string;
  database: string;
}

interface Corpus {
  passages: Array<{ title: string; text: string }>;
  queries: string[];
}

const DATA = path.resolve(import.meta.dirname, '../../shared/data/retrieval');
const PASSAGES_PER_DOCUMENT = 10;

export function knowledgeBenchOptions(
  values: Record<string, string | boolean | undefined>,
): KnowledgeBenchOptions {
  const list = (name: string, fallback: string) =>
    String(values[name] ?? fallback)
      .split(',')
      .filter(Boolean);
  return {
    sizes: list('sizes', '10000,100000').map(Number),
    searchSeconds: Number(values['search-seconds'] ?? 10),
    concurrency: list('kb-concurrency', '1,8').map(Number),
    modes: list('modes', 'hybrid,lexical'),
    chunkTokens: Number(values['chunk-tokens'] ?? 256),
    overlapTokens: Number(values['overlap-tokens'] ?? 32),
    databaseUrl: (values['database-url'] as string | undefined) ?? process.env.BENCH_DATABASE_URL,
    targets: list('targets', 'embedded,postgres'),
    embeddedVectorSearch: String(values['embedded-vector-search'] ?? 'exact'),
  };
}

async function loadCorpus(): Promise<Corpus> {
  const sets = await Promise.all(
    ['msmarco-subset', 'cmrc2018-trial'].map((name) => loadBeirDataset(path.join(DATA, name))),
  );
  return {
    passages: sets.flatMap((s) => s.corpus.map((d) => ({ title: d.title, text: d.text }))),
    // A few queries of the sets are empty: the API refuses those (400), which is not what is measured.
    queries: sets.flatMap((s) => s.queries.map((q) => q.text)).filter((q) => q.trim() !== ''),
  };
}

/** Document `i`: a title and ten passages, deterministic, so every run and the baseline see the same text. */
function documentAt(corpus: Corpus, i: number): { title: string; text: string } {
  const parts: string[] = [];
  for (let j = 0; j < PASSAGES_PER_DOCUMENT; j++) {
    const p = corpus.passages[(i * 7919 + j * 104_729) % corpus.passages.length]!;
    parts.push(p.title ? `${p.title}\n${p.text}` : p.text);
  }
  return { title: `Bench document ${i}`, text: parts.join('\n\n') };
}

class Client {
  constructor(
    private readonly base: string,
    private readonly apiKey: string,
  ) {}

  async call<T>(method: string, url: string, body?: unknown): Promise<T> {
    const { status, json } = await jsonApi(this.base, this.apiKey, method, url, body);
    if (status >= 300) throw new Error(`${method} ${url}: ${status} ${JSON.stringify(json).slice(0, 300)}`);
    return json as T;
  }
}

interface KnowledgeBase {
  id: string;
  chunk_count: number;
  documents: { queued: number; processing: number; ready: number; failed: number };
}

interface IngestResult {
  documents: number;
  chunks: number;
  failed: number;
  seconds: number;
}

/** Adds documents until the knowledge base holds at least `target` chunks; times through to idle. */
async function growTo(
  client: Client,
  kbId: string,
  corpus: Corpus,
  state: { nextDocument: number; chunks: number },
  target: number,
): Promise<IngestResult> {
  const started = performance.now();
  const firstDocument = state.nextDocument;
  let kb = await client.call<KnowledgeBase>('GET', `/v1/knowledge-bases/${kbId}`);
  const failedBefore = kb.documents.failed;
  while (kb.chunk_count < target) {
    // Estimate how many more documents reach the target from the chunks per document so far.
    const perDocument = state.nextDocument > 0 ? Math.max(1, kb.chunk_count / state.nextDocument) : 4;
    const more = Math.max(1, Math.ceil((target - kb.chunk_count) / perDocument));
    const end = state.nextDocument + more;
    let next = state.nextDocument;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < end; i = next++) {
          await client.call('POST', `/v1/knowledge-bases/${kbId}/documents`, documentAt(corpus, i));
        }
      }),
    );
    state.nextDocument = end;
    for (;;) {
      kb = await client.call<KnowledgeBase>('GET', `/v1/knowledge-bases/${kbId}`);
      if (kb.documents.queued + kb.documents.processing === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const result = {
    documents: state.nextDocument - firstDocument,
    chunks: kb.chunk_count - state.chunks,
    failed: kb.documents.failed - failedBefore,
    seconds,
  };
  state.chunks = kb.chunk_count;
  return result;
}

interface SearchResult {
  mode: string;
  concurrency: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

async function searchLoad(
  client: Client,
  kbId: string,
  queries: string[],
  mode: string,
  concurrency: number,
  seconds: number,
): Promise<SearchResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const search = (query: string) =>
    client.call('POST', `/v1/knowledge-bases/${kbId}/search`, { query, top_k: 10, mode });
  // Warm-up, not measured: the first searches after ingestion catch the instance's in-memory indexes up.
  const warmUntil = performance.now() + 2000;
  while (performance.now() < warmUntil) await search(queries[next++ % queries.length]!);
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const query = queries[next++ % queries.length]!;
        const t0 = performance.now();
        try {
          await search(query);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  if (firstError)
    process.stderr.write(`knowledge bench: ${errors} failed searches, the first: ${firstError}\n`);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    mode,
    concurrency,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

/** The in-memory reference over the same chunks, searched in-process with the same queries. */
async function baseline(corpus: Corpus, documents: number, options: KnowledgeBenchOptions, seconds: number) {
  const index = new Bm25Index();
  let chunks = 0;
  for (let i = 0; i < documents; i++) {
    const doc = documentAt(corpus, i);
    const parsed = await parseDocument({ bytes: Buffer.from(doc.text), format: 'txt' });
    for (const chunk of chunkDocument(parsed, {
      chunkTokens: options.chunkTokens,
      overlapTokens: options.overlapTokens,
    })) {
      index.add(`${i}:${chunk.index}`, { title: doc.title, headings: chunk.headings, body: chunk.text });
      chunks++;
    }
  }
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  for (let q = 0; performance.now() < until; q++) {
    const t0 = performance.now();
    index.search(corpus.queries[q % corpus.queries.length]!, 10);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return { chunks, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

export async function runKnowledgeBench(options: KnowledgeBenchOptions): Promise<void> {
  const corpus = await loadCorpus();
  const targets: Array<{ label: string; env: Record<string, string | undefined> }> = [
    ...(options.targets.includes('embedded')
      ? [
          {
            label: `embedded (${options.embeddedVectorSearch === 'exact' ? 'exact scan' : 'HNSW'})`,
            env: { BENCH_DATABASE_URL: '', BENCH_NEXUS_KB_VECTOR_SEARCH: options.embeddedVectorSearch },
          },
        ]
      : []),
    ...(options.databaseUrl && options.targets.includes('postgres')
      ? [{ label: 'postgres', env: { BENCH_DATABASE_URL: options.databaseUrl } }]
      : []),
  ];
  const ingestRows: string[] = [];
  const searchRows: string[] = [];
  const raw: unknown[] = [];
  const baselines = new Map<number, { chunks: number; p50: number; p95: number }>();
  for (const target of targets) {
    let server: ServerChild<Ready> | undefined;
    try {
      server = await forkServer<Ready>('knowledge-nexus-server.ts', target.env);
      const client = new Client(`http://127.0.0.1:${server.ready.port}`, server.ready.apiKey);
      const kb = await client.call<KnowledgeBase>('POST', '/v1/knowledge-bases', {
        name: 'bench',
        settings: { chunk_tokens: options.chunkTokens, overlap_tokens: options.overlapTokens },
      });
      const state = { nextDocument: 0, chunks: 0 };
      for (const size of options.sizes) {
        process.stderr.write(`knowledge bench: ${target.label}: growing to ${size} chunks\n`);
        const ingest = await growTo(client, kb.id, corpus, state, size);
        ingestRows.push(
          `| ${target.label} | ${size.toLocaleString('en')} | ${ingest.documents.toLocaleString('en')} | ${ingest.chunks.toLocaleString('en')} | ${ingest.failed} | ${f(ingest.seconds)} | ${f(ingest.chunks / ingest.seconds, 0)} |`,
        );
        raw.push({ target: target.label, size, ingest, totalChunks: state.chunks });
        const t0 = performance.now();
        await client.call('POST', `/v1/knowledge-bases/${kb.id}/search`, {
          query: corpus.queries[0],
          top_k: 10,
        });
        const firstSearchMs = performance.now() - t0;
        ingestRows[ingestRows.length - 1] += ` ${f(firstSearchMs, 0)} |`;
        let reference = baselines.get(size);
        if (!reference) {
          reference = await baseline(corpus, state.nextDocument, options, Math.min(5, options.searchSeconds));
          baselines.set(size, reference);
        }
        for (const mode of options.modes) {
          for (const concurrency of options.concurrency) {
            const r = await searchLoad(
              client,
              kb.id,
              corpus.queries,
              mode,
              concurrency,
              options.searchSeconds,
            );
            searchRows.push(
              `| ${target.label} | ${state.chunks.toLocaleString('en')} | ${mode} | ${concurrency} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${r.errors} | ${f(reference.p50, 2)} / ${f(reference.p95, 2)} | ${f(r.p50 / reference.p50)}× |`,
            );
            raw.push({ target: target.label, chunks: state.chunks, search: r, reference });
          }
        }
      }
    } finally {
      await server?.stop();
    }
  }
  console.log(
    `\n### Ingestion (chunk_tokens ${options.chunkTokens}, overlap ${options.overlapTokens}; ${PASSAGES_PER_DOCUMENT} passages per document; offline local embeddings)\n`,
  );
  console.log(
    '| database | grown to | documents added | chunks added | failed | seconds | chunks/s | first search after, ms |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of ingestRows) console.log(row);
  console.log(
    `\n### Search over HTTP (top_k 10, ${options.searchSeconds} s per row after 2 s of warm-up) vs the in-memory reference BM25 in-process\n`,
  );
  console.log(
    '| database | chunks | mode | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors | reference p50 / p95 ms | p50 ratio |',
  );
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of searchRows) console.log(row);
  console.log(`\n${JSON.stringify({ bench: 'knowledge', options, results: raw })}`);
}

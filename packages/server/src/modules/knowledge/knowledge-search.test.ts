import { describe, expect, it } from 'vitest';
import type { Executor } from '../../platform/db/transaction.js';
import { Bm25Index } from './bm25.js';
import type { ChunkHit, ChunksRepository } from './chunks.repository.js';
import type { KnowledgeBaseRow, KnowledgeRepository } from './knowledge.repository.js';
import { KnowledgeSearch, type SearchableBase } from './knowledge-search.js';
import { defaultSettings } from './knowledge-settings.js';
import { analyze, fieldTermFrequencies } from './lexical-analyzer.js';
import { encodeLexical, IndexCache, type IndexDeltaRow } from './memory-index.js';
import { searchWithExpansion } from './query-expansion.js';
import type { Reranker } from './reranker.js';

/**
 * Search's wiring over fakes of its database side: two knowledge bases in the exact-scan layout, each
 * with a few chunks whose vectors are given by hand, so lexical, vector and fused rankings are known.
 */

const settings = defaultSettings({
  embeddingModel: 'e',
  chunkTokens: 512,
  overlapTokens: 64,
  searchMode: 'hybrid',
  topK: 5,
  queryExpansion: false,
});

interface FakeChunk {
  kb: string;
  seq: number;
  doc: string;
  text: string;
  vector: number[];
}

const CHUNKS: FakeChunk[] = [
  { kb: 'kb_a', seq: 1, doc: 'doc_1', text: 'apples and pears', vector: [1, 0, 0] },
  { kb: 'kb_a', seq: 2, doc: 'doc_2', text: 'apples apples apples', vector: [0, 1, 0] },
  { kb: 'kb_a', seq: 3, doc: 'doc_3', text: 'bananas', vector: [0.9, 0.1, 0] },
  { kb: 'kb_b', seq: 4, doc: 'doc_4', text: 'apples in the other base', vector: [0.95, 0, 0.05] },
];

function base(id: string, overrides: Partial<SearchableBase['settings']['search']> = {}): SearchableBase {
  return {
    row: {
      id,
      tenant_id: 'ten_1',
      index_generation: 1,
      embedding_version: 1,
      embedding_dims: 3,
      chunk_count: CHUNKS.filter((c) => c.kb === id).length,
    } as KnowledgeBaseRow,
    settings: { ...settings, search: { ...settings.search, ...overrides } },
  };
}

function searchWith(reranker?: Reranker) {
  const warnings: unknown[] = [];
  const cache = new IndexCache({ maxSlots: 1000, withVectors: true }, async (kb, after) =>
    CHUNKS.filter((c) => c.kb === kb.id && c.seq > after).map((c): IndexDeltaRow => {
      const { tf, length } = fieldTermFrequencies({ body: c.text });
      return {
        kind: 'chunk',
        seq: c.seq,
        documentId: c.doc,
        lexical: encodeLexical(tf),
        length,
        embeddingVersion: 1,
        vector: new Float32Array(c.vector),
      };
    }),
  );
  const chunks = {
    lexicalEntries: async (_db: Executor, _tenant: string, kbId: string, seqs: readonly number[]) =>
      new Map(
        CHUNKS.filter((c) => c.kb === kbId && seqs.includes(c.seq)).map((c) => {
          const { tf, length } = fieldTermFrequencies({ body: c.text });
          return [c.seq, { lexical: encodeLexical(tf), length }] as const;
        }),
      ),
    hydrate: async (_db: Executor, _tenant: string, kbIds: readonly string[], seqs: readonly number[]) =>
      CHUNKS.filter((c) => kbIds.includes(c.kb) && seqs.includes(c.seq)).map(
        (c) =>
          ({
            id: `chunk_${c.seq}`,
            seq: c.seq,
            kb_id: c.kb,
            document_id: c.doc,
            text: c.text,
            headings: [],
            document_title: c.doc,
          }) as unknown as ChunkHit,
      ),
  } as unknown as ChunksRepository;
  const search = new KnowledgeSearch({
    db: {} as Executor,
    knowledge: {
      documentIdsMatching: async () => ['doc_2'],
    } as unknown as KnowledgeRepository,
    chunks,
    cache,
    storage: () => ({ kind: 'bytes', search: 'exact', iterativeScan: false }),
    // The query "apples" points along the first axis.
    embed: async (_tenant, _model, texts) => texts.map(() => [1, 0, 0]),
    reranker,
    logger: { warn: (...args: unknown[]) => warnings.push(args) },
    settings: { candidates: 10, rrfK: 60, rerankCandidates: 10 },
  });
  return { search, warnings };
}

const ids = (hits: { chunk: ChunkHit }[]) => hits.map((h) => h.chunk.id);

describe('KnowledgeSearch', () => {
  it('ranks by BM25 (lexical), by cosine (vector), and fuses both (hybrid, 1 = first in both)', async () => {
    const { search } = searchWith();
    const lexical = await search.search('ten_1', [base('kb_a')], 'apples', { mode: 'lexical' });
    expect(ids(lexical.hits)).toEqual(['chunk_2', 'chunk_1']);
    const vector = await search.search('ten_1', [base('kb_a')], 'apples', { mode: 'vector' });
    expect(ids(vector.hits)).toEqual(['chunk_1', 'chunk_3', 'chunk_2']);
    expect(vector.hits[0]!.score).toBeCloseTo(1, 6);
    const hybrid = await search.search('ten_1', [base('kb_a')], 'apples', { mode: 'hybrid' });
    expect(ids(hybrid.hits)[0]).toBe('chunk_1');
    // chunk_1: second lexically, first by vector → (1/62 + 1/61) / (2/61)
    expect(hybrid.hits[0]!.score).toBeCloseTo((1 / 62 + 1 / 61) / (2 / 61), 6);
    expect(hybrid.hits[0]!.scores).toMatchObject({ lexical: expect.any(Number), vector: 1 });
  });

  it('expands lexical queries as the reference does (RM3 fused with the plain ranking)', async () => {
    const { search } = searchWith();
    const reference = new Bm25Index();
    for (const c of CHUNKS.filter((x) => x.kb === 'kb_a')) reference.add(String(c.seq), { body: c.text });
    const expected = await searchWithExpansion(analyze('apples'), 10, {
      search: (terms, k, weights) => reference.searchTerms(terms, k, weights),
      feedback: (hits) =>
        hits.map((hit) => ({
          score: hit.score,
          ...fieldTermFrequencies({ body: CHUNKS.find((c) => String(c.seq) === hit.id)!.text }),
        })),
    });
    const expanded = await search.search('ten_1', [base('kb_a')], 'apples', {
      mode: 'lexical',
      queryExpansion: true,
    });
    expect(expanded.hits.map((h) => String(h.chunk.seq))).toEqual(expected.map((e) => e.id));
    // Fused scores are normalised: 1 is first in both passes.
    expect(expanded.hits[0]!.score).toBeCloseTo(expected[0]!.score / (2 / 61), 6);
    expect(expanded.hits[0]!.score).toBeLessThanOrEqual(1);
  });

  it('merges several knowledge bases best first, and applies each one’s threshold', async () => {
    const { search } = searchWith();
    const both = await search.search('ten_1', [base('kb_a'), base('kb_b')], 'apples', {
      mode: 'vector',
      topK: 2,
    });
    expect(ids(both.hits)).toEqual(['chunk_1', 'chunk_4']);
    const strictB = await search.search(
      'ten_1',
      [base('kb_a'), base('kb_b', { score_threshold: 0.999 })],
      'apples',
      {
        mode: 'vector',
      },
    );
    expect(ids(strictB.hits)).not.toContain('chunk_4');
    expect(ids(strictB.hits)).toContain('chunk_1');
  });

  it('filters by documents and metadata', async () => {
    const { search } = searchWith();
    const byDoc = await search.search('ten_1', [base('kb_a')], 'apples', {
      filters: { documentIds: ['doc_1'] },
    });
    expect(ids(byDoc.hits)).toEqual(['chunk_1']);
    const byMeta = await search.search('ten_1', [base('kb_a')], 'apples', {
      filters: { metadata: { k: 'v' } },
    });
    expect(ids(byMeta.hits)).toEqual(['chunk_2']);
  });

  it('reorders with the reranker, and keeps the fused order when it fails', async () => {
    const reversing: Reranker = {
      rerank: async (_q, documents) => documents.map((_, index) => ({ index, score: index / 10 })).reverse(),
    };
    const { search } = searchWith(reversing);
    const fused = await search.search('ten_1', [base('kb_a')], 'apples', { rerank: false });
    const reranked = await search.search('ten_1', [base('kb_a')], 'apples', {});
    expect(reranked.reranked).toBe(true);
    expect(ids(reranked.hits)).toEqual(ids(fused.hits).reverse());
    expect(reranked.hits[0]!.scores.rerank).toBe(reranked.hits[0]!.score);

    const failing: Reranker = {
      rerank: async () => {
        throw new Error('down');
      },
    };
    const { search: degraded, warnings } = searchWith(failing);
    const result = await degraded.search('ten_1', [base('kb_a')], 'apples', {});
    expect(result.reranked).toBe(false);
    expect(ids(result.hits)).toEqual(ids(fused.hits));
    expect(warnings).toHaveLength(1);
  });

  it('answers nothing for a query without terms or knowledge bases', async () => {
    const { search } = searchWith();
    expect((await search.search('ten_1', [], 'apples')).hits).toEqual([]);
    expect((await search.search('ten_1', [base('kb_a')], '   ')).hits).toEqual([]);
    expect((await search.search('ten_1', [base('kb_a')], 'the and of', { mode: 'lexical' })).hits).toEqual(
      [],
    );
  });
});

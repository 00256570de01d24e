/**
 * Retrieval quality of the knowledge-base text pipeline, in memory (no database): each BEIR document is
 * parsed as a TXT document, chunked with the default chunk size, its chunks indexed (title, heading path
 * and text as fields), and each query answered by the chunks' ranking — a document scores as its best
 * chunk. Compares the analyzer, field weighting, BM25 parameters, query expansion and hybrid fusion with
 * the built-in lexical hashing embedder, one row each, on every dataset.
 *
 *   npx tsx bench/retrieval-quality.ts [--data ../shared/data/retrieval] [--sets cmrc2018-trial,msmarco-subset]
 *                                      [--chunk-tokens 512] [--overlap-tokens 64] [--only name,name]
 *
 * Prints one Markdown table per dataset, then one JSON line with every number.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BeirDataset, loadBeirDataset } from '../packages/server/src/modules/knowledge/beir-dataset.js';
import {
  Bm25Index,
  type Bm25Params,
  DEFAULT_BM25_PARAMS,
} from '../packages/server/src/modules/knowledge/bm25.js';
import { chunkDocument, DEFAULT_CHUNK_OPTIONS } from '../packages/server/src/modules/knowledge/chunker.js';
import { parseDocument } from '../packages/server/src/modules/knowledge/document-parser.js';
import {
  type AnalyzerOptions,
  DEFAULT_FIELD_WEIGHTS,
  type FieldText,
  type FieldWeights,
} from '../packages/server/src/modules/knowledge/lexical-analyzer.js';
import {
  DEFAULT_QUERY_EXPANSION,
  type QueryExpansionOptions,
} from '../packages/server/src/modules/knowledge/query-expansion.js';
import {
  reciprocalRankFusion,
  weightedScoreFusion,
} from '../packages/server/src/modules/knowledge/rank-fusion.js';
import {
  evaluateRun,
  type RetrievalMetrics,
} from '../packages/server/src/modules/knowledge/retrieval-metrics.js';
import { lexicalEmbedding } from '../packages/server/src/providers/llm/lexical-embedder.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(import.meta.dirname, '../../shared/data/retrieval') },
    sets: { type: 'string', default: 'cmrc2018-trial,msmarco-subset' },
    'chunk-tokens': { type: 'string', default: String(DEFAULT_CHUNK_OPTIONS.chunkTokens) },
    'overlap-tokens': { type: 'string', default: String(DEFAULT_CHUNK_OPTIONS.overlapTokens) },
    only: { type: 'string' },
  },
});

interface Unit {
  id: string;
  docId: string;
  fields: FieldText;
}

interface Lexical {
  kind: 'lexical';
  analyzer: AnalyzerOptions;
  weights: FieldWeights;
  params: Bm25Params;
  expansion?: QueryExpansionOptions;
  /** Index whole documents instead of chunks (reference row). */
  unchunked?: boolean;
}

interface Hybrid {
  kind: 'hybrid';
  dimensions: number;
  fusion: 'rrf' | 'weighted' | 'vector-only';
  /** Vector list weight (RRF: relative to 1 for lexical; weighted: share of 1). */
  vectorWeight: number;
}

type Config = { name: string } & (Lexical | Hybrid);

const plain: AnalyzerOptions = { stem: false, stopwords: false, cjkBigrams: false };
const stemmed: AnalyzerOptions = { stem: true, stopwords: false, cjkBigrams: false };
const standard: AnalyzerOptions = { stem: true, stopwords: true, cjkBigrams: false };
const noFields: FieldWeights = { title: 1, headings: 1, body: 1 };
const anserini: Bm25Params = { k1: 0.9, b: 0.4 };
const lucene: Bm25Params = { k1: 1.2, b: 0.75 };
const latinOnly = (term: string) => /^[a-z0-9]{2,20}$/.test(term);

const rm3Only: QueryExpansionOptions = { ...DEFAULT_QUERY_EXPANSION, fusion: 'none' };
const defaults = { analyzer: standard, weights: DEFAULT_FIELD_WEIGHTS, params: DEFAULT_BM25_PARAMS };

const CONFIGS: Config[] = [
  {
    name: 'baseline: segmenter words, BM25 0.9/0.4, unchunked',
    kind: 'lexical',
    analyzer: plain,
    weights: noFields,
    params: anserini,
    unchunked: true,
  },
  { name: 'baseline, chunked', kind: 'lexical', analyzer: plain, weights: noFields, params: anserini },
  { name: '+ Porter stemming', kind: 'lexical', analyzer: stemmed, weights: noFields, params: anserini },
  {
    name: '+ stopwords (Lucene 33)',
    kind: 'lexical',
    analyzer: standard,
    weights: noFields,
    params: anserini,
  },
  {
    name: '+ field weights title/headings ×2',
    kind: 'lexical',
    analyzer: standard,
    weights: { title: 2, headings: 2, body: 1 },
    params: anserini,
  },
  { name: '+ field weights ×3 (default lexical)', kind: 'lexical', ...defaults },
  {
    name: '  field weights ×5',
    kind: 'lexical',
    analyzer: standard,
    weights: { title: 5, headings: 5, body: 1 },
    params: anserini,
  },
  { name: '  k1/b Lucene 1.2/0.75', kind: 'lexical', ...defaults, params: lucene },
  {
    name: '  k1/b 0.82/0.68 (Anserini, tuned on MS MARCO)',
    kind: 'lexical',
    ...defaults,
    params: { k1: 0.82, b: 0.68 },
  },
  { name: '  + CJK bigrams', kind: 'lexical', ...defaults, analyzer: { ...standard, cjkBigrams: true } },
  { name: '  + RM3 10/10/0.5 alone (Anserini)', kind: 'lexical', ...defaults, expansion: rm3Only },
  {
    name: '  + RM3 alone, Latin expansion terms only',
    kind: 'lexical',
    ...defaults,
    expansion: { ...rm3Only, acceptTerm: latinOnly },
  },
  {
    name: '  + RM3 3/10/0.6 alone (PyTerrier)',
    kind: 'lexical',
    ...defaults,
    expansion: { ...rm3Only, feedbackDocs: 3, originalQueryWeight: 0.6 },
  },
  {
    name: '+ RM3 fused with plain by RRF (recommended)',
    kind: 'lexical',
    ...defaults,
    expansion: DEFAULT_QUERY_EXPANSION,
  },
  {
    name: '  RM3 fused, k1/b Lucene 1.2/0.75',
    kind: 'lexical',
    ...defaults,
    params: lucene,
    expansion: DEFAULT_QUERY_EXPANSION,
  },
  {
    name: 'vector only, lexical embedder 256',
    kind: 'hybrid',
    dimensions: 256,
    fusion: 'vector-only',
    vectorWeight: 1,
  },
  { name: 'hybrid RRF k=60, embedder 256', kind: 'hybrid', dimensions: 256, fusion: 'rrf', vectorWeight: 1 },
  {
    name: 'hybrid RRF k=60, embedder 256, vector ×0.5',
    kind: 'hybrid',
    dimensions: 256,
    fusion: 'rrf',
    vectorWeight: 0.5,
  },
  {
    name: 'hybrid weighted 0.7/0.3, embedder 256',
    kind: 'hybrid',
    dimensions: 256,
    fusion: 'weighted',
    vectorWeight: 0.3,
  },
  {
    name: 'vector only, lexical embedder 1024',
    kind: 'hybrid',
    dimensions: 1024,
    fusion: 'vector-only',
    vectorWeight: 1,
  },
  {
    name: 'hybrid RRF k=60, embedder 1024',
    kind: 'hybrid',
    dimensions: 1024,
    fusion: 'rrf',
    vectorWeight: 1,
  },
  {
    name: 'hybrid weighted 0.7/0.3, embedder 1024',
    kind: 'hybrid',
    dimensions: 1024,
    fusion: 'weighted',
    vectorWeight: 0.3,
  },
  {
    name: 'vector only, lexical embedder 4096',
    kind: 'hybrid',
    dimensions: 4096,
    fusion: 'vector-only',
    vectorWeight: 1,
  },
  {
    name: 'hybrid RRF k=60, embedder 4096',
    kind: 'hybrid',
    dimensions: 4096,
    fusion: 'rrf',
    vectorWeight: 1,
  },
  {
    name: 'hybrid weighted 0.7/0.3, embedder 4096',
    kind: 'hybrid',
    dimensions: 4096,
    fusion: 'weighted',
    vectorWeight: 0.3,
  },
];

/** Chunks retrieved per query before collapsing to documents: enough to fill the top 10 documents. */
const CHUNK_DEPTH = 100;

async function chunkCorpus(dataset: BeirDataset, chunkTokens: number, overlapTokens: number) {
  const units: Unit[] = [];
  let skipped = 0;
  const encoder = new TextEncoder();
  const started = performance.now();
  for (const document of dataset.corpus) {
    try {
      const parsed = await parseDocument({ bytes: encoder.encode(document.text), format: 'txt' });
      for (const chunk of chunkDocument(parsed, { chunkTokens, overlapTokens }))
        units.push({
          id: `${document.id}#${chunk.index}`,
          docId: document.id,
          fields: { title: document.title, headings: chunk.headings, body: chunk.text },
        });
    } catch {
      skipped++;
    }
  }
  return { units, skipped, seconds: (performance.now() - started) / 1000 };
}

/** Collapses a chunk ranking to a document ranking (a document at the rank of its best chunk). */
function documentsOf(ranked: ReadonlyArray<{ id: string }>, docOf: Map<string, string>, k = 10): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { id } of ranked) {
    const doc = docOf.get(id)!;
    if (seen.has(doc)) continue;
    seen.add(doc);
    out.push(doc);
    if (out.length === k) break;
  }
  return out;
}

function buildIndex(units: readonly Unit[], config: Lexical): Bm25Index {
  const index = new Bm25Index({ params: config.params, weights: config.weights, analyzer: config.analyzer });
  for (const unit of units) index.add(unit.id, unit.fields);
  return index;
}

async function lexicalRanking(index: Bm25Index, query: string, config: Lexical, depth: number) {
  return config.expansion ? index.searchExpanded(query, depth, config.expansion) : index.search(query, depth);
}

class VectorIndex {
  private readonly vectors: Float32Array;
  constructor(
    private readonly units: readonly Unit[],
    private readonly dimensions: number,
  ) {
    this.vectors = new Float32Array(units.length * dimensions);
    units.forEach((unit, i) => {
      this.vectors.set(lexicalEmbedding(textOf(unit.fields), dimensions), i * dimensions);
    });
  }

  search(query: string, k: number): Array<{ id: string; score: number }> {
    const q = lexicalEmbedding(query, this.dimensions);
    const scored: Array<{ id: string; score: number }> = [];
    for (let i = 0; i < this.units.length; i++) {
      let dot = 0;
      const base = i * this.dimensions;
      for (let j = 0; j < this.dimensions; j++) dot += this.vectors[base + j]! * q[j]!;
      scored.push({ id: this.units[i]!.id, score: dot });
    }
    return scored.sort((x, y) => y.score - x.score).slice(0, k);
  }
}

function textOf(fields: FieldText): string {
  return [fields.title, ...(fields.headings ?? []), fields.body].filter(Boolean).join('\n');
}

interface Row {
  dataset: string;
  config: string;
  units: number;
  metrics: RetrievalMetrics;
  ndcg10Linear: number;
  queryMs: number;
}

async function runDataset(name: string, dataset: BeirDataset, configs: readonly Config[]): Promise<Row[]> {
  const chunkTokens = Number(values['chunk-tokens']);
  const overlapTokens = Number(values['overlap-tokens']);
  const chunked = await chunkCorpus(dataset, chunkTokens, overlapTokens);
  const whole: Unit[] = dataset.corpus.map((document) => ({
    id: document.id,
    docId: document.id,
    fields: { title: document.title, body: document.text },
  }));
  console.error(
    `${name}: ${dataset.corpus.length} documents → ${chunked.units.length} chunks (${chunkTokens}/${overlapTokens} tokens, ${chunked.skipped} skipped) in ${chunked.seconds.toFixed(1)} s`,
  );
  const rows: Row[] = [];
  const lexicalCache = new Map<string, { index: Bm25Index; units: Unit[] }>();
  const vectorCache = new Map<number, VectorIndex>();
  const defaultLexical: Lexical = {
    kind: 'lexical',
    analyzer: standard,
    weights: DEFAULT_FIELD_WEIGHTS,
    params: DEFAULT_BM25_PARAMS,
  };
  for (const config of configs) {
    const lexicalConfig = config.kind === 'lexical' ? config : defaultLexical;
    const units = config.kind === 'lexical' && config.unchunked ? whole : chunked.units;
    const key = JSON.stringify([
      lexicalConfig.analyzer,
      lexicalConfig.weights,
      lexicalConfig.params,
      units === whole,
    ]);
    let cached = lexicalCache.get(key);
    if (!cached) {
      cached = { index: buildIndex(units, lexicalConfig), units };
      lexicalCache.set(key, cached);
    }
    const docOf = new Map(units.map((unit) => [unit.id, unit.docId]));
    let vectors: VectorIndex | undefined;
    if (config.kind === 'hybrid') {
      vectors = vectorCache.get(config.dimensions);
      if (!vectors) {
        vectors = new VectorIndex(chunked.units, config.dimensions);
        vectorCache.set(config.dimensions, vectors);
      }
    }
    const run = new Map<string, string[]>();
    const started = performance.now();
    for (const query of dataset.queries) {
      if (!dataset.qrels.has(query.id)) continue;
      let ranked: Array<{ id: string }>;
      if (config.kind === 'lexical') {
        ranked = await lexicalRanking(cached.index, query.text, config, CHUNK_DEPTH);
      } else {
        const vectorHits = vectors!.search(query.text, CHUNK_DEPTH);
        if (config.fusion === 'vector-only') ranked = vectorHits;
        else {
          const lexicalHits = await lexicalRanking(cached.index, query.text, lexicalConfig, CHUNK_DEPTH);
          ranked =
            config.fusion === 'rrf'
              ? reciprocalRankFusion([lexicalHits, vectorHits], { k: 60, weights: [1, config.vectorWeight] })
              : weightedScoreFusion([lexicalHits, vectorHits], {
                  weights: [1 - config.vectorWeight, config.vectorWeight],
                });
        }
      }
      run.set(query.id, documentsOf(ranked, docOf));
    }
    const queryMs = (performance.now() - started) / Math.max(1, run.size);
    const metrics = evaluateRun(run, dataset.qrels, [1, 5, 10]);
    const ndcg10Linear = evaluateRun(run, dataset.qrels, [10], { gain: 'linear' }).ndcg10;
    rows.push({ dataset: name, config: config.name, units: units.length, metrics, ndcg10Linear, queryMs });
    console.error(
      `  ${config.name}: nDCG@10 ${metrics.ndcg10.toFixed(3)} hit@5 ${metrics.hit[5]!.toFixed(3)}`,
    );
  }
  return rows;
}

function printTable(name: string, rows: readonly Row[]): void {
  const f = (value: number) => value.toFixed(3);
  console.log(`\n### ${name} (${rows[0]?.metrics.queries ?? 0} queries with qrels)\n`);
  console.log(
    '| configuration | hit@1 | hit@5 | hit@10 | recall@10 | MRR@10 | nDCG@10 | nDCG@10 (linear gain) | ms/query |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const m = row.metrics;
    console.log(
      `| ${row.config} | ${f(m.hit[1]!)} | ${f(m.hit[5]!)} | ${f(m.hit[10]!)} | ${f(m.recall[10]!)} | ${f(m.mrr10)} | ${f(m.ndcg10)} | ${f(row.ndcg10Linear)} | ${row.queryMs.toFixed(2)} |`,
    );
  }
}

const only = values.only?.split(',').map((name) => name.trim());
const configs = only ? CONFIGS.filter((config) => only.some((name) => config.name.includes(name))) : CONFIGS;
const all: Row[] = [];
for (const set of values.sets.split(',')) {
  const dataset = await loadBeirDataset(resolve(values.data, set));
  const rows = await runDataset(set, dataset, configs);
  printTable(set, rows);
  all.push(...rows);
}
console.log(
  JSON.stringify({
    bench: 'retrieval-quality',
    chunk_tokens: Number(values['chunk-tokens']),
    overlap_tokens: Number(values['overlap-tokens']),
    rows: all.map((row) => ({
      dataset: row.dataset,
      config: row.config,
      units: row.units,
      hit_at_1: row.metrics.hit[1],
      hit_at_5: row.metrics.hit[5],
      hit_at_10: row.metrics.hit[10],
      recall_at_10: row.metrics.recall[10],
      mrr_at_10: row.metrics.mrr10,
      ndcg_at_10: row.metrics.ndcg10,
      ndcg_at_10_linear: row.ndcg10Linear,
      ms_per_query: row.queryMs,
    })),
  }),
);

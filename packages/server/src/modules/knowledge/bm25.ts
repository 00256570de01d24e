import {
  type AnalyzerOptions,
  analyze,
  DEFAULT_FIELD_WEIGHTS,
  type FieldText,
  type FieldWeights,
  fieldTermFrequencies,
} from './lexical-analyzer.js';
import {
  DEFAULT_QUERY_EXPANSION,
  type QueryExpansionOptions,
  searchWithExpansion,
} from './query-expansion.js';

/**
 * Okapi BM25, as the knowledge-base lexical index scores chunks. The database-backed index and the
 * in-memory {@link Bm25Index} (the reference, used by tests and the quality benchmark) share these
 * functions, so they rank identically.
 */

export interface Bm25Params {
  /** Term-frequency saturation: how quickly repeated occurrences stop adding score. */
  k1: number;
  /** Length normalisation: 0 ignores length, 1 divides fully by relative length. */
  b: number;
}

/**
 * Anserini's defaults for passage retrieval (Lucene's are 1.2 / 0.75). Measured on both evaluation sets
 * (docs/knowledge.md): within 0.01 of the best of a grid on each, and not fitted to either.
 */
export const k1 = 0.9;
export const b = 0.4;
export const DEFAULT_BM25_PARAMS: Readonly<Bm25Params> = Object.freeze({ k1, b });

/**
 * Inverse document frequency in Lucene's non-negative form, `ln(1 + (N − df + 0.5) / (df + 0.5))`: a
 * term in every unit still scores a little above zero instead of going negative as in classic BM25.
 * @example idf(1, 1000) // ≈ 6.50
 */
export function idf(df: number, N: number): number {
  return Math.log(1 + (N - df + 0.5) / (df + 0.5));
}

/**
 * One query term's contribution to a unit's score, `idf · tf·(k1+1) / (tf + k1·(1 − b + b·length/avgLength))`.
 * `tf` and `length` may be field-weighted (see `fieldTermFrequencies`). Zero when `tf` is zero.
 * @example termScore(2, 100, 100, idf(10, 1000))
 */
export function termScore(
  tf: number,
  length: number,
  avgLength: number,
  termIdf: number,
  params: Readonly<Bm25Params> = DEFAULT_BM25_PARAMS,
): number {
  if (tf <= 0) return 0;
  const norm = avgLength > 0 ? 1 - params.b + (params.b * length) / avgLength : 1;
  return (termIdf * tf * (params.k1 + 1)) / (tf + params.k1 * norm);
}

export interface ScoredId {
  id: string;
  score: number;
}

export interface Bm25IndexOptions {
  params?: Bm25Params;
  weights?: FieldWeights;
  analyzer?: AnalyzerOptions;
}

interface Postings {
  units: number[];
  tfs: number[];
}

/**
 * An in-memory BM25F index of text units (chunks). The reference implementation of knowledge-base
 * lexical ranking: tests and the quality benchmark use it; the product index scores the same way.
 * @example
 * const index = new Bm25Index();
 * index.add('c1', { title: 'Kafka', body: 'Kafka is a distributed log.' });
 * index.search('distributed log', 5); // [{ id: 'c1', score: … }]
 */
export class Bm25Index {
  private readonly params: Bm25Params;
  private readonly weights: FieldWeights;
  private readonly analyzer: AnalyzerOptions;
  private readonly ids: string[] = [];
  private readonly units = new Map<string, FieldText>();
  private readonly known = new Set<string>();
  private readonly lengths: number[] = [];
  private readonly postings = new Map<string, Postings>();
  private totalLength = 0;

  constructor(options: Bm25IndexOptions = {}) {
    this.params = { ...DEFAULT_BM25_PARAMS, ...options.params };
    this.weights = { ...DEFAULT_FIELD_WEIGHTS, ...options.weights };
    this.analyzer = { ...options.analyzer };
  }

  get size(): number {
    return this.ids.length;
  }

  /** Adds a unit. Ids are unique: adding one twice throws. */
  add(id: string, fields: FieldText): void {
    if (this.known.has(id)) throw new Error(`Bm25Index: duplicate id ${id}`);
    const { tf, length } = fieldTermFrequencies(fields, this.weights, this.analyzer);
    const unit = this.ids.length;
    this.ids.push(id);
    this.known.add(id);
    this.units.set(id, fields);
    this.lengths.push(length);
    this.totalLength += length;
    for (const [term, count] of tf) {
      let list = this.postings.get(term);
      if (!list) {
        list = { units: [], tfs: [] };
        this.postings.set(term, list);
      }
      list.units.push(unit);
      list.tfs.push(count);
    }
  }

  /** The `k` best units for `query`, best first; units that match no query term are left out. */
  search(query: string, k: number): ScoredId[] {
    return this.searchTerms(analyze(query, this.analyzer), k);
  }

  /**
   * The `k` best units for already-analyzed query terms. A term given twice counts twice (as in Lucene,
   * where each occurrence is a clause); `termWeights` (parallel to `terms`) scales each occurrence.
   */
  searchTerms(terms: readonly string[], k: number, termWeights?: readonly number[]): ScoredId[] {
    const N = this.ids.length;
    if (N === 0 || k <= 0) return [];
    const avgLength = this.totalLength / N;
    const scores = new Float64Array(N);
    const seen = new Uint8Array(N);
    const touched: number[] = [];
    terms.forEach((term, i) => {
      const list = this.postings.get(term);
      if (!list) return;
      const weight = termWeights?.[i] ?? 1;
      const termIdf = idf(list.units.length, N);
      for (let j = 0; j < list.units.length; j++) {
        const unit = list.units[j]!;
        if (seen[unit] === 0) {
          seen[unit] = 1;
          touched.push(unit);
        }
        scores[unit]! +=
          weight * termScore(list.tfs[j]!, this.lengths[unit]!, avgLength, termIdf, this.params);
      }
    });
    return touched
      .filter((unit) => scores[unit]! > 0)
      .sort((x, y) => scores[y]! - scores[x]! || x - y)
      .slice(0, k)
      .map((unit) => ({ id: this.ids[unit]!, score: scores[unit]! }));
  }

  /**
   * The `k` best units for `query` with RM3 query expansion, by default fused with the plain ranking
   * (see `query-expansion.ts`); scores are then RRF scores.
   */
  async searchExpanded(
    query: string,
    k: number,
    options: Readonly<QueryExpansionOptions> = DEFAULT_QUERY_EXPANSION,
  ): Promise<ScoredId[]> {
    return searchWithExpansion(
      analyze(query, this.analyzer),
      k,
      {
        search: (terms, depth, weights) => this.searchTerms(terms, depth, weights),
        feedback: (hits) =>
          hits.map((hit) => ({
            score: hit.score,
            ...fieldTermFrequencies(this.units.get(hit.id)!, this.weights, this.analyzer),
          })),
      },
      options,
    );
  }

  /** Document frequency of an analyzed term. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.units.length ?? 0;
  }
}

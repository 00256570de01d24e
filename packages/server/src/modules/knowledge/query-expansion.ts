import type { ScoredId } from './bm25.js';
import { reciprocalRankFusion } from './rank-fusion.js';

/**
 * Query expansion by pseudo-relevance feedback (RM3), fused with the unexpanded ranking.
 *
 * RM3 adds the terms that dominate the first results to the query, which finds relevant chunks that
 * word the topic differently: +0.045 nDCG@10 on msmarco-subset, where a query has dozens of relevant
 * passages. Alone it also drifts: on cmrc2018-trial (one relevant paragraph per question) it costs 1.6
 * points of hit@1, and published MS MARCO dev results (one relevant passage per query) show it lowering
 * MRR. Fusing the expanded ranking with the original one by reciprocal rank fusion keeps the original
 * top results in front and still gains most of the recall (docs/knowledge.md, "Retrieval quality").
 */

export interface QueryExpansionOptions {
  /** How many first-pass results vote for expansion terms. */
  feedbackDocs: number;
  /** How many expansion terms are kept. */
  feedbackTerms: number;
  /** Weight of the original query against the expansion terms (0–1). */
  originalQueryWeight: number;
  /** Which terms may be added (default all). Anserini keeps `[a-z0-9]{2,20}` only. */
  acceptTerm?: (term: string) => boolean;
  /** `rrf`: fuse the expanded ranking with the original one; `none`: the expanded ranking alone (plain RM3). */
  fusion: 'rrf' | 'none';
  /** The RRF rank constant. */
  rrfK: number;
  /** Results fetched per pass (at least `k` and `feedbackDocs`). */
  depth: number;
}

/**
 * Anserini's RM3 defaults (10 feedback documents, 10 terms, original query weight 0.5), fused by RRF
 * with k = 60 (Cormack et al.) over the top 100 of each pass. None of these was tuned on the evaluation sets.
 */
export const DEFAULT_QUERY_EXPANSION: Readonly<QueryExpansionOptions> = Object.freeze({
  feedbackDocs: 10,
  feedbackTerms: 10,
  originalQueryWeight: 0.5,
  fusion: 'rrf',
  rrfK: 60,
  depth: 100,
});

export interface FeedbackUnit {
  /** The unit's first-pass score. */
  score: number;
  /** Its (field-weighted) term frequencies and length, as `fieldTermFrequencies` returns them. */
  tf: ReadonlyMap<string, number>;
  length: number;
}

/**
 * RM3 (Lavrenko & Croft's relevance model, interpolated as in Anserini): the feedback units vote for
 * terms with `Σ score(d) · tf(t, d) / |d|`; the best `feedbackTerms` terms, normalised to sum 1, are mixed
 * with the original query (each occurrence `1/|q|`) by `originalQueryWeight`. Returns the terms and
 * their weights. Without usable feedback the original query comes back with equal weights.
 * @example rm3Expand(['kafka'], [{ score: 3, tf: new Map([['kafka', 2], ['log', 1]]), length: 3 }])
 */
export function rm3Expand(
  queryTerms: readonly string[],
  feedback: readonly FeedbackUnit[],
  options: Pick<
    QueryExpansionOptions,
    'feedbackDocs' | 'feedbackTerms' | 'originalQueryWeight' | 'acceptTerm'
  > = DEFAULT_QUERY_EXPANSION,
): { terms: string[]; weights: number[] } {
  if (queryTerms.length === 0) return { terms: [], weights: [] };
  const model = new Map<string, number>();
  for (const unit of feedback.slice(0, options.feedbackDocs)) {
    if (unit.length <= 0 || !(unit.score > 0)) continue;
    for (const [term, count] of unit.tf) {
      if (options.acceptTerm && !options.acceptTerm(term)) continue;
      model.set(term, (model.get(term) ?? 0) + (unit.score * count) / unit.length);
    }
  }
  const top = [...model]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, options.feedbackTerms);
  const topSum = top.reduce((total, [, weight]) => total + weight, 0);
  const alpha = top.length === 0 || topSum <= 0 ? 1 : options.originalQueryWeight;
  const weights = new Map<string, number>();
  for (const term of queryTerms) weights.set(term, (weights.get(term) ?? 0) + alpha / queryTerms.length);
  if (alpha < 1)
    for (const [term, weight] of top)
      weights.set(term, (weights.get(term) ?? 0) + (1 - alpha) * (weight / topSum));
  const terms = [...weights.keys()];
  return { terms, weights: terms.map((term) => weights.get(term)!) };
}

export interface ExpansionPorts {
  /** Scores units for weighted query terms, best first (the lexical index). */
  search(terms: readonly string[], k: number, weights?: readonly number[]): Promise<ScoredId[]> | ScoredId[];
  /** Term frequencies of first-pass results (re-analyzed chunk fields), in the order given. */
  feedback(hits: readonly ScoredId[]): Promise<FeedbackUnit[]> | FeedbackUnit[];
}

/**
 * Searches with RM3 expansion: first pass, expansion from its top `feedbackDocs`, second pass, then (by
 * default) reciprocal rank fusion of both passes. Scores are RRF scores when fused, BM25 otherwise.
 * Any index works through `ports`: the in-memory {@link Bm25Index} and the database index alike.
 * @example
 * const hits = await searchWithExpansion(analyze(query), 10, {
 *   search: (terms, k, weights) => index.searchTerms(terms, k, weights),
 *   feedback: (hits) => hits.map((hit) => ({ score: hit.score, ...fieldTermFrequencies(fieldsOf(hit.id)) })),
 * });
 */
export async function searchWithExpansion(
  queryTerms: readonly string[],
  k: number,
  ports: ExpansionPorts,
  options: Readonly<QueryExpansionOptions> = DEFAULT_QUERY_EXPANSION,
): Promise<ScoredId[]> {
  if (queryTerms.length === 0 || k <= 0) return [];
  const depth = Math.max(k, options.depth, options.feedbackDocs);
  const first = await ports.search(queryTerms, depth);
  if (first.length === 0) return [];
  const feedback = await ports.feedback(first.slice(0, options.feedbackDocs));
  const expanded = rm3Expand(queryTerms, feedback, options);
  const second = await ports.search(expanded.terms, depth, expanded.weights);
  if (options.fusion === 'none') return second.slice(0, k);
  return reciprocalRankFusion([first, second], { k: options.rrfK }).slice(0, k);
}

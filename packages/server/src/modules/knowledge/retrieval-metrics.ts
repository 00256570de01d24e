/**
 * Retrieval quality metrics over graded relevance judgements (qrels): a document is relevant when its
 * grade is above 0. nDCG uses the graded gain `2^grade − 1` (Burges et al.; the form the baseline
 * figures were computed with: plain BM25 on msmarco-subset gives exactly its 0.573) with the log2
 * discount and an ideal ranking built from all of the query's judgements. trec_eval and pytrec_eval use
 * the linear gain `grade` instead; pass `gain: 'linear'` to compare with them. With binary judgements
 * (grade 1) both are the same.
 */

/** How a grade becomes a gain in nDCG. */
export type GainForm = 'exponential' | 'linear';

/** Judgements: query id → (document id → grade). Grades ≤ 0 mean "judged not relevant". */
export type Qrels = Map<string, Map<string, number>>;

/** A run: query id → document ids, best first. */
export type Run = Map<string, readonly string[]>;

/** 1 when one of the first `k` documents is relevant, else 0. */
export function hitAt(ranked: readonly string[], judgements: ReadonlyMap<string, number>, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((judgements.get(ranked[i]!) ?? 0) > 0) return 1;
  return 0;
}

/** The share of the relevant documents found in the first `k` (0 when the query has none). */
export function recallAt(
  ranked: readonly string[],
  judgements: ReadonlyMap<string, number>,
  k: number,
): number {
  const relevant = relevantCount(judgements);
  if (relevant === 0) return 0;
  let found = 0;
  const seen = new Set<string>();
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const id = ranked[i]!;
    if (seen.has(id)) continue;
    seen.add(id);
    if ((judgements.get(id) ?? 0) > 0) found++;
  }
  return found / relevant;
}

/** 1 / rank of the first relevant document within the first `k`, 0 when there is none. */
export function reciprocalRankAt(
  ranked: readonly string[],
  judgements: ReadonlyMap<string, number>,
  k: number,
): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++)
    if ((judgements.get(ranked[i]!) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

/**
 * Normalised discounted cumulative gain at `k`: `DCG = Σ gain(grade_i) / log2(i + 1)` over ranks
 * i = 1..k (unjudged and non-positive grades gain 0; a repeated id gains only once), divided by the DCG
 * of the ideal ordering of the query's judgements. 0 when the query has no relevant document.
 * `gain(g)` is `2^g − 1` (default) or `g` (`'linear'`).
 */
export function ndcgAt(
  ranked: readonly string[],
  judgements: ReadonlyMap<string, number>,
  k: number,
  gainForm: GainForm = 'exponential',
): number {
  const gain = gainForm === 'linear' ? (grade: number) => grade : (grade: number) => 2 ** grade - 1;
  const ideal = [...judgements.values()]
    .filter((grade) => grade > 0)
    .sort((x, y) => y - x)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((grade, i) => {
    idcg += gain(grade) / Math.log2(i + 2);
  });
  if (idcg === 0) return 0;
  let dcg = 0;
  const seen = new Set<string>();
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const id = ranked[i]!;
    if (seen.has(id)) continue;
    seen.add(id);
    const grade = judgements.get(id) ?? 0;
    if (grade > 0) dcg += gain(grade) / Math.log2(i + 2);
  }
  return dcg / idcg;
}

export interface RetrievalMetrics {
  /** Queries averaged over: those with at least one relevant judgement. */
  queries: number;
  /** hit@k for each requested k. */
  hit: Record<number, number>;
  /** recall@k for each requested k. */
  recall: Record<number, number>;
  mrr10: number;
  ndcg10: number;
}

/**
 * Averages the metrics over every query that has at least one relevant judgement; such a query missing
 * from the run counts as a miss (all zero), so a search that fails cannot look better.
 * @example evaluateRun(new Map([['q1', ['d2', 'd1']]]), qrels, [1, 5, 10]).ndcg10
 */
export function evaluateRun(
  run: Run,
  qrels: Qrels,
  ks: readonly number[] = [1, 5, 10],
  options: { gain?: GainForm } = {},
): RetrievalMetrics {
  const hit: Record<number, number> = {};
  const recall: Record<number, number> = {};
  for (const k of ks) {
    hit[k] = 0;
    recall[k] = 0;
  }
  let queries = 0;
  let mrr10 = 0;
  let ndcg10 = 0;
  for (const [queryId, judgements] of qrels) {
    if (relevantCount(judgements) === 0) continue;
    queries++;
    const ranked = run.get(queryId) ?? [];
    for (const k of ks) {
      hit[k]! += hitAt(ranked, judgements, k);
      recall[k]! += recallAt(ranked, judgements, k);
    }
    mrr10 += reciprocalRankAt(ranked, judgements, 10);
    ndcg10 += ndcgAt(ranked, judgements, 10, options.gain);
  }
  const mean = (sum: number) => (queries === 0 ? 0 : sum / queries);
  for (const k of ks) {
    hit[k] = mean(hit[k]!);
    recall[k] = mean(recall[k]!);
  }
  return { queries, hit, recall, mrr10: mean(mrr10), ndcg10: mean(ndcg10) };
}

function relevantCount(judgements: ReadonlyMap<string, number>): number {
  let count = 0;
  for (const grade of judgements.values()) if (grade > 0) count++;
  return count;
}

/**
 * Fusion of several ranked lists (lexical and vector search) into one ranking for hybrid search.
 */

export interface FusedItem {
  id: string;
  score: number;
}

export interface ReciprocalRankFusionOptions {
  /** The rank constant: larger values flatten the difference between the top ranks. Default 60 (Cormack et al. 2009). */
  k?: number;
  /** One weight per list (default 1 each); a list's contributions are multiplied by its weight. */
  weights?: readonly number[];
}

/**
 * Reciprocal rank fusion: each id scores `Σ weight_i / (k + rank_i)` over the lists it appears in (rank
 * from 1); ids only in some lists score from those alone. Only ranks matter, so lists whose scores are on
 * different scales (BM25, cosine) fuse without calibration. Ties keep the order of first appearance.
 * An id repeated within one list counts at its best rank only.
 * @example reciprocalRankFusion([[{ id: 'a' }, { id: 'b' }], [{ id: 'b' }]]) // b first, then a
 */
export function reciprocalRankFusion(
  lists: ReadonlyArray<ReadonlyArray<{ id: string }>>,
  options: ReciprocalRankFusionOptions = {},
): FusedItem[] {
  const k = options.k ?? 60;
  if (!(k >= 0)) throw new RangeError('reciprocalRankFusion: k must be a non-negative number');
  if (options.weights && options.weights.length !== lists.length)
    throw new RangeError('reciprocalRankFusion: one weight per list');
  const scores = new Map<string, number>();
  lists.forEach((list, i) => {
    const weight = options.weights?.[i] ?? 1;
    const seen = new Set<string>();
    list.forEach((item, rank) => {
      if (seen.has(item.id)) return;
      seen.add(item.id);
      scores.set(item.id, (scores.get(item.id) ?? 0) + weight / (k + rank + 1));
    });
  });
  return sortByScore(scores);
}

export interface WeightedScoreFusionOptions {
  /** One weight per list (default 1 each). */
  weights?: readonly number[];
}

/**
 * Convex combination of min–max normalised scores: each list's scores are mapped to [0, 1] (best = 1;
 * a list whose scores are all equal maps them to 1), then `Σ weight_i · normalised_i`. Unlike RRF it
 * keeps how far apart the scores are, which helps when one list is confident and the other is not.
 * @example weightedScoreFusion([[{ id: 'a', score: 12 }], [{ id: 'a', score: 0.8 }]], { weights: [0.7, 0.3] })
 */
export function weightedScoreFusion(
  lists: ReadonlyArray<ReadonlyArray<{ id: string; score: number }>>,
  options: WeightedScoreFusionOptions = {},
): FusedItem[] {
  if (options.weights && options.weights.length !== lists.length)
    throw new RangeError('weightedScoreFusion: one weight per list');
  const scores = new Map<string, number>();
  lists.forEach((list, i) => {
    if (list.length === 0) return;
    const weight = options.weights?.[i] ?? 1;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const item of list) {
      min = Math.min(min, item.score);
      max = Math.max(max, item.score);
    }
    const seen = new Set<string>();
    for (const item of list) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const normalized = max > min ? (item.score - min) / (max - min) : 1;
      scores.set(item.id, (scores.get(item.id) ?? 0) + weight * normalized);
    }
  });
  return sortByScore(scores);
}

function sortByScore(scores: Map<string, number>): FusedItem[] {
  // Array.prototype.sort is stable, so equal scores keep insertion (first-appearance) order.
  return Array.from(scores, ([id, score]) => ({ id, score })).sort((x, y) => y.score - x.score);
}

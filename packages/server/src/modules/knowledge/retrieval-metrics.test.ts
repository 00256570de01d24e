import { describe, expect, it } from 'vitest';
import { evaluateRun, hitAt, ndcgAt, type Qrels, recallAt, reciprocalRankAt } from './retrieval-metrics.js';

const judged = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('per-query metrics (hand-computed)', () => {
  const judgements = judged({ d1: 3, d2: 1, d3: 0, d4: 2 });
  const ranked = ['d3', 'd2', 'x', 'd1'];

  it('hit@k', () => {
    expect(hitAt(ranked, judgements, 1)).toBe(0); // d3 is judged, but with grade 0
    expect(hitAt(ranked, judgements, 2)).toBe(1);
    expect(hitAt([], judgements, 10)).toBe(0);
  });

  it('recall@k over the relevant (grade > 0) documents', () => {
    expect(recallAt(ranked, judgements, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(ranked, judgements, 10)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(['d1', 'd1'], judgements, 10)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(ranked, judged({ d3: 0 }), 10)).toBe(0);
  });

  it('reciprocal rank within k', () => {
    expect(reciprocalRankAt(ranked, judgements, 10)).toBe(0.5);
    expect(reciprocalRankAt(ranked, judgements, 1)).toBe(0);
  });

  it('nDCG@k with exponential gains (2^g - 1) and log2 discounts', () => {
    // DCG: d2 at rank 2 → (2^1-1)/log2(3); d1 at rank 4 → (2^3-1)/log2(5).
    const dcg = 1 / Math.log2(3) + 7 / Math.log2(5);
    // Ideal: grades 3, 2, 1 → 7/1 + 3/log2(3) + 1/2.
    const idcg = 7 + 3 / Math.log2(3) + 1 / 2;
    expect(ndcgAt(ranked, judgements, 10)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAt(['d1', 'd4', 'd2'], judgements, 10)).toBeCloseTo(1, 12);
  });

  it('nDCG@k with linear gains, cut at k, and repeated ids gaining once', () => {
    const dcg = 1 / Math.log2(3) + 3 / Math.log2(5);
    const idcg = 3 + 2 / Math.log2(3) + 1 / 2;
    expect(ndcgAt(ranked, judgements, 10, 'linear')).toBeCloseTo(dcg / idcg, 12);
    // At k = 2 the ideal holds grades 3 and 2 only.
    expect(ndcgAt(ranked, judgements, 2)).toBeCloseTo(1 / Math.log2(3) / (7 + 3 / Math.log2(3)), 12);
    expect(ndcgAt(['d1', 'd1'], judged({ d1: 1, d2: 1 }), 10)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
    expect(ndcgAt(['d1'], judged({ d1: 0 }), 10)).toBe(0);
  });
});

describe('evaluateRun', () => {
  it('averages over queries with a relevant judgement; a missing query counts as a miss', () => {
    const qrels: Qrels = new Map([
      ['q1', judged({ a: 1 })],
      ['q2', judged({ b: 2, c: 1 })],
      ['q3', judged({ z: 0 })], // no relevant document: not counted
      ['q4', judged({ d: 1 })], // not in the run: zeros
    ]);
    const run = new Map([
      ['q1', ['a', 'x']],
      ['q2', ['x', 'c', 'b']],
      ['q3', ['z']],
    ]);
    const metrics = evaluateRun(run, qrels, [1, 5]);
    expect(metrics.queries).toBe(3);
    expect(metrics.hit[1]).toBeCloseTo(1 / 3, 12);
    expect(metrics.hit[5]).toBeCloseTo(2 / 3, 12);
    expect(metrics.recall[5]).toBeCloseTo(2 / 3, 12);
    expect(metrics.mrr10).toBeCloseTo((1 + 1 / 2) / 3, 12);
    const q2 = (1 / Math.log2(3) + 3 / Math.log2(4)) / (3 + 1 / Math.log2(3));
    expect(metrics.ndcg10).toBeCloseTo((1 + q2) / 3, 12);
    const linear = evaluateRun(run, qrels, [1], { gain: 'linear' });
    const q2Linear = (1 / Math.log2(3) + 2 / Math.log2(4)) / (2 + 1 / Math.log2(3));
    expect(linear.ndcg10).toBeCloseTo((1 + q2Linear) / 3, 12);
  });

  it('is all zeros without judged queries', () => {
    expect(evaluateRun(new Map(), new Map())).toEqual({
      queries: 0,
      hit: { 1: 0, 5: 0, 10: 0 },
      recall: { 1: 0, 5: 0, 10: 0 },
      mrr10: 0,
      ndcg10: 0,
    });
  });
});

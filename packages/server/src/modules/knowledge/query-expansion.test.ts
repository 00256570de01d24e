import { describe, expect, it } from 'vitest';
import type { ScoredId } from './bm25.js';
import {
  DEFAULT_QUERY_EXPANSION,
  type FeedbackUnit,
  rm3Expand,
  searchWithExpansion,
} from './query-expansion.js';

const unit = (score: number, counts: Record<string, number>): FeedbackUnit => {
  const tf = new Map(Object.entries(counts));
  return { score, tf, length: [...tf.values()].reduce((sum, count) => sum + count, 0) };
};

describe('rm3Expand', () => {
  it('mixes the query with the feedback model, by hand', () => {
    // Model: kafka = 2·(2/4) + 1·(1/2) = 1.5; log = 2·(2/4) + 1·(1/2) = 1.5. Normalised: 0.5 each.
    const { terms, weights } = rm3Expand(
      ['kafka'],
      [unit(2, { kafka: 2, log: 2 }), unit(1, { kafka: 1, log: 1 })],
      { feedbackDocs: 10, feedbackTerms: 10, originalQueryWeight: 0.5 },
    );
    expect(terms).toEqual(['kafka', 'log']);
    expect(weights[0]).toBeCloseTo(0.5 * 1 + 0.5 * 0.5, 12);
    expect(weights[1]).toBeCloseTo(0.5 * 0.5, 12);
  });

  it('keeps feedbackTerms terms from feedbackDocs units, filtered by acceptTerm', () => {
    const feedback = [unit(1, { a: 3, b: 2, c: 1 }), unit(1, { z: 100 })];
    const expanded = rm3Expand(['q'], feedback, {
      feedbackDocs: 1,
      feedbackTerms: 2,
      originalQueryWeight: 0.5,
      acceptTerm: (term) => term !== 'a',
    });
    expect(expanded.terms).toEqual(['q', 'b', 'c']);
    expect(expanded.weights.reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(1, 12);
  });

  it('returns the query alone without usable feedback, and nothing for an empty query', () => {
    expect(rm3Expand(['a', 'b', 'a'], [])).toEqual({ terms: ['a', 'b'], weights: [2 / 3, 1 / 3] });
    expect(rm3Expand(['a'], [unit(0, { x: 1 })])).toEqual({ terms: ['a'], weights: [1] });
    expect(rm3Expand([], [unit(1, { x: 1 })])).toEqual({ terms: [], weights: [] });
  });
});

describe('searchWithExpansion', () => {
  const corpus: Record<string, Record<string, number>> = {
    d1: { kafka: 2, log: 1 },
    d2: { log: 3, stream: 1 },
    d3: { stream: 2 },
  };
  const search = (terms: readonly string[], k: number, weights?: readonly number[]): ScoredId[] =>
    Object.entries(corpus)
      .map(([id, tf]) => ({
        id,
        score: terms.reduce((sum, term, i) => sum + (tf[term] ?? 0) * (weights?.[i] ?? 1), 0),
      }))
      .filter((hit) => hit.score > 0)
      .sort((x, y) => y.score - x.score)
      .slice(0, k);
  const ports = {
    search,
    feedback: (hits: readonly ScoredId[]) => hits.map((hit) => ({ ...unit(hit.score, corpus[hit.id]!) })),
  };

  it('finds documents through expansion terms, fused with the first ranking', async () => {
    const plain = search(['kafka'], 10).map((hit) => hit.id);
    expect(plain).toEqual(['d1']);
    const fused = await searchWithExpansion(['kafka'], 10, ports);
    expect(fused.map((hit) => hit.id)).toEqual(['d1', 'd2']);
    const alone = await searchWithExpansion(['kafka'], 10, ports, {
      ...DEFAULT_QUERY_EXPANSION,
      fusion: 'none',
    });
    expect(alone.map((hit) => hit.id)).toEqual(['d1', 'd2']);
  });

  it('returns nothing for an empty query, k = 0 or no first-pass results', async () => {
    expect(await searchWithExpansion([], 10, ports)).toEqual([]);
    expect(await searchWithExpansion(['kafka'], 0, ports)).toEqual([]);
    expect(await searchWithExpansion(['missing'], 10, ports)).toEqual([]);
  });
});

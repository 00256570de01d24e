import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion, weightedScoreFusion } from './rank-fusion.js';

const ids = (...names: string[]) => names.map((id) => ({ id }));

describe('reciprocalRankFusion', () => {
  it('sums 1 / (k + rank) over the lists, by hand', () => {
    const fused = reciprocalRankFusion([ids('a', 'b', 'c'), ids('b', 'c', 'd')]);
    expect(fused.map((item) => item.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 15);
    expect(fused[1]!.score).toBeCloseTo(1 / 63 + 1 / 62, 15);
    expect(fused[2]!.score).toBeCloseTo(1 / 61, 15);
    expect(fused[3]!.score).toBeCloseTo(1 / 63, 15);
  });

  it('applies k and per-list weights', () => {
    const fused = reciprocalRankFusion([ids('a'), ids('b')], { k: 0, weights: [1, 3] });
    expect(fused).toEqual([
      { id: 'b', score: 3 },
      { id: 'a', score: 1 },
    ]);
  });

  it('keeps first-appearance order on ties and counts a repeated id once per list', () => {
    expect(reciprocalRankFusion([ids('a', 'b'), ids('b', 'a')]).map((item) => item.id)).toEqual(['a', 'b']);
    expect(reciprocalRankFusion([ids('a', 'a')], { k: 0 })).toEqual([{ id: 'a', score: 1 }]);
  });

  it.each([
    ['no lists', [], {}],
    ['empty lists', [[], []], {}],
  ])('%s fuse to nothing', (_, lists, options) => {
    expect(reciprocalRankFusion(lists, options)).toEqual([]);
  });

  it.each([
    ['negative k', { k: -1 }],
    ['NaN k', { k: Number.NaN }],
    ['weights of the wrong length', { weights: [1] }],
  ])('rejects %s', (_, options) => {
    expect(() => reciprocalRankFusion([ids('a'), ids('b')], options)).toThrow(RangeError);
  });
});

describe('weightedScoreFusion', () => {
  it('combines min-max normalised scores', () => {
    const fused = weightedScoreFusion(
      [
        [
          { id: 'a', score: 10 },
          { id: 'b', score: 5 },
          { id: 'c', score: 0 },
        ],
        [
          { id: 'c', score: 0.9 },
          { id: 'a', score: 0.1 },
        ],
      ],
      { weights: [0.7, 0.3] },
    );
    expect(fused.map((item) => item.id)).toEqual(['a', 'b', 'c']);
    expect(fused[0]!.score).toBeCloseTo(0.7, 12);
    expect(fused[1]!.score).toBeCloseTo(0.35, 12);
    expect(fused[2]!.score).toBeCloseTo(0.3, 12);
  });

  it('maps a list of equal scores to 1 and rejects mismatched weights', () => {
    expect(weightedScoreFusion([[{ id: 'a', score: 2 }]])).toEqual([{ id: 'a', score: 1 }]);
    expect(() => weightedScoreFusion([[]], { weights: [1, 2] })).toThrow(RangeError);
  });
});

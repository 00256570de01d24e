import { describe, expect, it } from 'vitest';
import { SimdMatrix } from './simd-dot.js';

function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

describe('SimdMatrix', () => {
  it('runs in WebAssembly SIMD on this Node', () => {
    expect(new SimdMatrix(16).simd).toBe(true);
    expect(new SimdMatrix(16, { simd: false }).simd).toBe(false);
  });

  it.each([1, 3, 8, 13, 256, 1030])(
    'computes exact dot products at %i dimensions, both ways, across growth',
    (dims) => {
      const random = rng(dims);
      const rows = Array.from({ length: 300 }, () => Array.from({ length: dims }, random));
      const query = Array.from({ length: dims }, random);
      for (const simd of [true, false]) {
        const matrix = new SimdMatrix(dims, { simd });
        rows.forEach((row, i) => {
          // Grows a few rows at a time, so rows written before a growth must survive it.
          if (i >= matrix.capacity) matrix.reserve(matrix.capacity + 7);
          matrix.set(i, row);
        });
        const out = matrix.scan(query, rows.length);
        expect(out).toHaveLength(rows.length);
        rows.forEach((row, i) => {
          const dot = row.reduce((sum, x, d) => sum + x * query[d]!, 0);
          expect(out[i]).toBeCloseTo(dot, 4);
        });
        // Scans only the first rows when asked, and moves rows (compaction).
        expect(matrix.scan(query, 2)).toHaveLength(2);
        matrix.move(5, 0);
        expect(matrix.scan(query, 1)[0]).toBeCloseTo(
          rows[5]!.reduce((sum, x, d) => sum + x * query[d]!, 0),
          4,
        );
      }
    },
  );

  it('scales rows as they are written', () => {
    const matrix = new SimdMatrix(4);
    matrix.reserve(1);
    matrix.set(0, [3, 0, 4, 0], 1 / 5);
    expect(matrix.scan([0.6, 0, 0.8, 0], 1)[0]).toBeCloseTo(1, 6);
  });
});

import { describe, expect, it } from 'vitest';
import { lexicalEmbedding, lexicalTerms } from './lexical-embedder.js';

describe('lexical terms', () => {
  it.each([
    ['Hello, World!', ['hello', 'world']],
    ['北京天安门', ['北京', '京天', '天安', '安门']],
    ['gpt模型', ['gpt', '模型']],
    ['我', ['我']],
    ['', []],
  ])('%j → %j', (text, terms) => {
    expect(lexicalTerms(text)).toEqual(terms);
  });
});

describe('lexical embedding', () => {
  it('is deterministic, normalised, and zero for text without terms', () => {
    const a = lexicalEmbedding('same text', 32);
    expect(lexicalEmbedding('same text', 32)).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 9);
    expect(lexicalEmbedding('!!!', 32).every((v) => v === 0)).toBe(true);
  });
});

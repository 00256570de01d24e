import { describe, expect, it } from 'vitest';
import { Bm25Index, b, DEFAULT_BM25_PARAMS, idf, k1, termScore } from './bm25.js';

describe('BM25 functions', () => {
  it('uses the documented defaults', () => {
    expect({ k1, b }).toEqual({ k1: 0.9, b: 0.4 });
    expect(DEFAULT_BM25_PARAMS).toEqual({ k1: 0.9, b: 0.4 });
  });

  it('idf is ln(1 + (N - df + 0.5) / (df + 0.5)), positive even for a term in every unit', () => {
    expect(idf(1, 1000)).toBeCloseTo(Math.log(1 + 999.5 / 1.5), 12);
    expect(idf(10, 10)).toBeCloseTo(Math.log(1 + 0.5 / 10.5), 12);
    expect(idf(10, 10)).toBeGreaterThan(0);
    expect(idf(1, 100)).toBeGreaterThan(idf(50, 100));
  });

  it('termScore by hand: idf · tf(k1+1) / (tf + k1(1 - b + b·len/avg))', () => {
    // tf 2, length 200, average 100, idf 3, k1 0.9, b 0.4: 3 · 2 · 1.9 / (2 + 0.9 · (0.6 + 0.8)) = 11.4 / 3.26
    expect(termScore(2, 200, 100, 3)).toBeCloseTo(11.4 / 3.26, 12);
    expect(termScore(2, 200, 100, 3, { k1: 1.2, b: 0.75 })).toBeCloseTo(
      (3 * 2 * 2.2) / (2 + 1.2 * (0.25 + 1.5)),
      12,
    );
    expect(termScore(0, 100, 100, 3)).toBe(0);
  });

  it('saturates with tf and penalises length', () => {
    expect(termScore(2, 100, 100, 1)).toBeGreaterThan(termScore(1, 100, 100, 1));
    expect(termScore(100, 100, 100, 1)).toBeLessThan(1 * (k1 + 1));
    expect(termScore(1, 50, 100, 1)).toBeGreaterThan(termScore(1, 200, 100, 1));
    expect(termScore(1, 50, 100, 1, { k1, b: 0 })).toBe(termScore(1, 200, 100, 1, { k1, b: 0 }));
  });
});

describe('Bm25Index', () => {
  const build = () => {
    const index = new Bm25Index();
    index.add('kafka', { title: 'Apache Kafka', body: 'Kafka is a distributed event streaming platform.' });
    index.add('redis', { title: 'Redis', body: 'Redis is an in-memory data store used as a cache.' });
    index.add('pg', {
      title: 'PostgreSQL',
      body: 'PostgreSQL is a relational database with streaming replication.',
    });
    index.add('zh', { title: '机器学习', body: '机器学习是人工智能的一个分支。' });
    return index;
  };

  it('ranks by BM25 and leaves out units that match nothing', () => {
    const index = build();
    const hits = index.search('distributed streaming', 10);
    expect(hits.map((hit) => hit.id)).toEqual(['kafka', 'pg']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(index.search('mongodb', 10)).toEqual([]);
    expect(index.search('人工智能', 10).map((hit) => hit.id)).toEqual(['zh']);
  });

  it('matches the functions by hand for a single term', () => {
    const index = new Bm25Index({ weights: { title: 1, headings: 1, body: 1 } });
    index.add('a', { body: 'cat cat dog' });
    index.add('b', { body: 'dog' });
    // "cat": df 1 of N 2; unit a: tf 2, length 3, average length 2.
    const [hit] = index.search('cats', 5);
    expect(hit!.id).toBe('a');
    expect(hit!.score).toBeCloseTo(termScore(2, 3, 2, idf(1, 2)), 12);
  });

  it('weights title matches above body matches', () => {
    const index = new Bm25Index();
    index.add('body', { title: 'Notes', body: 'kafka tuning notes for operators' });
    index.add('title', { title: 'Kafka', body: 'tuning notes for operators' });
    expect(index.search('kafka', 2)[0]!.id).toBe('title');
  });

  it('honours k, query term weights and repeated terms', () => {
    const index = build();
    expect(index.search('is a', 10)).toEqual([]); // stopwords only
    expect(index.search('redis kafka postgresql', 2)).toHaveLength(2);
    const weighted = index.searchTerms(['kafka', 'redi'], 2, [1, 10]);
    expect(weighted[0]!.id).toBe('redis');
    const once = index.searchTerms(['kafka'], 1)[0]!.score;
    expect(index.searchTerms(['kafka', 'kafka'], 1)[0]!.score).toBeCloseTo(2 * once, 12);
    expect(index.search('kafka', 0)).toEqual([]);
  });

  it('refuses duplicate ids and reports size and document frequency', () => {
    const index = build();
    expect(() => index.add('kafka', { body: 'again' })).toThrow(/duplicate/);
    expect(index.size).toBe(4);
    expect(index.documentFrequency('stream')).toBe(2);
    expect(new Bm25Index().search('anything', 5)).toEqual([]);
  });

  it('searches with query expansion', async () => {
    const index = build();
    const hits = await index.searchExpanded('distributed streaming', 3);
    expect(hits[0]!.id).toBe('kafka');
    expect(await index.searchExpanded('', 3)).toEqual([]);
  });
});

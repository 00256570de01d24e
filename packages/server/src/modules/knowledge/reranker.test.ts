import { describe, expect, it } from 'vitest';
import { HttpReranker, RerankError } from './reranker.js';

/** A fetch that answers with `body` (JSON) and `status`, and records what it was sent. */
function answering(status: number, body: unknown) {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  }) as unknown as typeof fetch;
  return { sent, fetcher };
}

const signal = new AbortController().signal;

describe('HttpReranker', () => {
  it('posts the /rerank shape and returns results best first', async () => {
    const { sent, fetcher } = answering(200, {
      results: [
        { index: 1, relevance_score: 0.2 },
        { index: 0, relevance_score: 0.9 },
      ],
    });
    const reranker = new HttpReranker({
      baseUrl: 'http://rerank.test/v1/',
      model: 'm',
      apiKey: 'k',
      timeoutMs: 1000,
      fetch: fetcher,
    });
    expect(await reranker.rerank('q', ['a', 'b'], 2, signal)).toEqual([
      { index: 0, score: 0.9 },
      { index: 1, score: 0.2 },
    ]);
    expect(sent[0]!.url).toBe('http://rerank.test/v1/rerank');
    expect(JSON.parse(String(sent[0]!.init.body))).toEqual({
      model: 'm',
      query: 'q',
      documents: ['a', 'b'],
      top_n: 2,
    });
    expect((sent[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer k');
  });

  it('uses a full …/rerank URL as it is, and sends no model or key when none is configured', async () => {
    const { sent, fetcher } = answering(200, { results: [] });
    await new HttpReranker({ baseUrl: 'http://tei.test/rerank', timeoutMs: 1000, fetch: fetcher }).rerank(
      'q',
      ['a'],
      1,
      signal,
    );
    expect(sent[0]!.url).toBe('http://tei.test/rerank');
    expect(JSON.parse(String(sent[0]!.init.body))).toEqual({ query: 'q', documents: ['a'], top_n: 1 });
    expect((sent[0]!.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it.each([
    ['an HTTP error', 500, { error: 'down' }],
    ['no results', 200, { data: [] }],
    ['an index out of range', 200, { results: [{ index: 5, relevance_score: 1 }] }],
    ['a score that is not a number', 200, { results: [{ index: 0, relevance_score: 'high' }] }],
    ['not JSON', 200, 'oops'],
  ])('refuses %s', async (_name, status, body) => {
    const { fetcher } = answering(status, body);
    const reranker = new HttpReranker({ baseUrl: 'http://rerank.test/v1', timeoutMs: 1000, fetch: fetcher });
    await expect(reranker.rerank('q', ['a'], 1, signal)).rejects.toBeInstanceOf(RerankError);
  });

  it('asks nothing for no documents', async () => {
    const { sent, fetcher } = answering(200, { results: [] });
    expect(
      await new HttpReranker({ baseUrl: 'http://x', timeoutMs: 1, fetch: fetcher }).rerank(
        'q',
        [],
        3,
        signal,
      ),
    ).toEqual([]);
    expect(sent).toHaveLength(0);
  });
});

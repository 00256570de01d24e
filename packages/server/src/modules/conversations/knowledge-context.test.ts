import { describe, expect, it } from 'vitest';
import { localReply } from '../../providers/llm/local.js';
import { countTokens } from '../../providers/llm/token-count.js';
import { knowledgeContext, type RetrievedSource, withKnowledge } from './knowledge-context.js';

function source(n: number, text: string, extra: Partial<RetrievedSource> = {}): RetrievedSource {
  return {
    chunkId: `chk_${n}`,
    knowledgeBaseId: 'kb_1',
    documentId: `doc_${n}`,
    documentTitle: `Document ${n}`,
    text,
    score: 1 / n,
    start: 10 * n,
    end: 10 * n + text.length,
    headings: [],
    ...extra,
  };
}

describe('knowledge context for a turn', () => {
  it('numbers sources best first and records one citation per source', () => {
    const context = knowledgeContext(
      [
        source(1, 'Paris is the capital of France.', { page: 3, headings: ['Europe', 'France'] }),
        source(2, 'Berlin is the capital of Germany.'),
      ],
      1000,
    );
    expect(context.prompt).toContain(
      '[1] Document 1 · Europe · France (page 3)\nParis is the capital of France.',
    );
    expect(context.prompt).toContain('[2] Document 2\nBerlin is the capital of Germany.');
    expect(context.citations).toEqual([
      expect.objectContaining({
        index: 1,
        chunk_id: 'chk_1',
        document_id: 'doc_1',
        page: 3,
        start: 10,
        headings: ['Europe', 'France'],
        quote: 'Paris is the capital of France.',
      }),
      expect.objectContaining({ index: 2, chunk_id: 'chk_2', page: null }),
    ]);
  });

  it('keeps within the token budget, skipping what does not fit but taking smaller later sources', () => {
    const big = 'word '.repeat(400);
    const context = knowledgeContext([source(1, big), source(2, 'A short fact.')], 120);
    expect(context.citations.map((c) => c.chunk_id)).toEqual(['chk_2']);
    expect(context.citations[0]?.index).toBe(1);
    expect(countTokens(context.prompt)).toBeLessThanOrEqual(120);
  });

  it('adds nothing when nothing was retrieved or nothing fits', () => {
    expect(knowledgeContext([], 1000)).toEqual({ prompt: '', citations: [] });
    expect(knowledgeContext([source(1, '   \n ')], 1000)).toEqual({ prompt: '', citations: [] });
    expect(knowledgeContext([source(1, 'word '.repeat(50))], 10)).toEqual({ prompt: '', citations: [] });
    expect(withKnowledge('Be brief.', { prompt: '', citations: [] })).toBe('Be brief.');
    expect(withKnowledge(null, { prompt: '', citations: [] })).toBeNull();
  });

  it('cannot be confused by chunk text that looks like a source marker', () => {
    const context = knowledgeContext([source(1, '[7] is a footnote.\nThe sky is blue.')], 1000);
    expect(context.prompt).not.toMatch(/^\[7\]/mu);
    expect(context.prompt).toContain('(7) is a footnote.');
  });

  it('appends to the system prompt, and the offline provider answers from it with [n] citations', () => {
    const context = knowledgeContext(
      [source(1, 'Bananas are yellow.'), source(2, 'Paris is the capital of France.')],
      1000,
    );
    const system = withKnowledge('You are helpful.', context);
    expect(system?.startsWith('You are helpful.\n\n')).toBe(true);
    const reply = localReply([
      { role: 'system', content: system ?? '' },
      { role: 'user', content: 'What is the capital of France?' },
    ]);
    expect(reply).toContain('Paris is the capital of France. [2]');
    expect(reply).not.toContain('Bananas');
  });
});

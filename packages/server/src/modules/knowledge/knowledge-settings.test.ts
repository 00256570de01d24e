import { describe, expect, it } from 'vitest';
import {
  defaultSettings,
  type KnowledgeBaseSettings,
  mergeSettings,
  settingsChange,
  settingsInput,
  settingsProblem,
  storedSettings,
} from './knowledge-settings.js';

const defaults = defaultSettings({
  embeddingModel: 'local-embedding',
  chunkTokens: 512,
  overlapTokens: 64,
  searchMode: 'hybrid',
  topK: 5,
  queryExpansion: true,
});

describe('knowledge-base settings', () => {
  it('starts from the configured defaults', () => {
    expect(defaults).toEqual({
      embedding_model: 'local-embedding',
      chunk_tokens: 512,
      overlap_tokens: 64,
      search: { mode: 'hybrid', top_k: 5, score_threshold: null, rerank: true, query_expansion: true },
    });
    // A configured overlap larger than half the chunk is capped.
    expect(
      defaultSettings({
        embeddingModel: 'm',
        chunkTokens: 100,
        overlapTokens: 80,
        searchMode: 'lexical',
        topK: 3,
        queryExpansion: false,
      }).overlap_tokens,
    ).toBe(50);
  });

  it('searches lexically with the built-in hashing embedder and hybrid with any other, unless configured', () => {
    const auto = { chunkTokens: 512, overlapTokens: 64, topK: 5, queryExpansion: true };
    expect(defaultSettings({ ...auto, embeddingModel: 'local-embedding' }).search.mode).toBe('lexical');
    expect(defaultSettings({ ...auto, embeddingModel: 'bge-m3' }).search.mode).toBe('hybrid');
    expect(defaultSettings({ ...auto, embeddingModel: 'bge-m3', searchMode: 'vector' }).search.mode).toBe(
      'vector',
    );
    const base = defaultSettings({ ...auto, embeddingModel: 'local-embedding' });
    expect(mergeSettings(base, { embedding_model: 'bge-m3' }, { autoMode: true }).search.mode).toBe('hybrid');
    expect(mergeSettings(base, { embedding_model: 'bge-m3' }).search.mode).toBe('lexical');
    expect(
      mergeSettings(base, { embedding_model: 'bge-m3', search: { mode: 'vector' } }, { autoMode: true })
        .search.mode,
    ).toBe('vector');
  });

  it('merges a partial change, keeping everything not named (null clears the threshold)', () => {
    const withThreshold = mergeSettings(defaults, { search: { score_threshold: 0.4 } });
    expect(withThreshold.search).toEqual({
      mode: 'hybrid',
      top_k: 5,
      score_threshold: 0.4,
      rerank: true,
      query_expansion: true,
    });
    const cleared = mergeSettings(withThreshold, { search: { score_threshold: null, mode: 'vector' } });
    expect(cleared.search).toEqual({
      mode: 'vector',
      top_k: 5,
      score_threshold: null,
      rerank: true,
      query_expansion: true,
    });
    expect(mergeSettings(defaults, undefined)).toEqual(defaults);
  });

  it.each<[string, Partial<KnowledgeBaseSettings>, { reindex: boolean; embedding: boolean }]>([
    [
      'search defaults only',
      { search: { ...defaults.search, top_k: 9 } },
      { reindex: false, embedding: false },
    ],
    ['a new chunk size', { chunk_tokens: 256 }, { reindex: true, embedding: false }],
    ['a new overlap', { overlap_tokens: 0 }, { reindex: true, embedding: false }],
    ['a new embedding model', { embedding_model: 'bge-m3' }, { reindex: true, embedding: true }],
  ])('%s → %j', (_name, change, expected) => {
    expect(settingsChange(defaults, { ...defaults, ...change })).toEqual(expected);
  });

  it('refuses an overlap of more than half a chunk', () => {
    expect(settingsProblem({ ...defaults, chunk_tokens: 100, overlap_tokens: 51 })).toEqual({
      path: 'settings.overlap_tokens',
      message: 'must be at most half of chunk_tokens (100)',
    });
    expect(settingsProblem({ ...defaults, chunk_tokens: 100, overlap_tokens: 50 })).toBeUndefined();
  });

  it.each([
    [{ chunk_tokens: 31 }, false],
    [{ chunk_tokens: 8193 }, false],
    [{ chunk_tokens: 32, overlap_tokens: 0 }, true],
    [{ search: { top_k: 0 } }, false],
    [{ search: { top_k: 100 } }, true],
    [{ search: { mode: 'semantic' } }, false],
    [{ search: { score_threshold: -0.1 } }, false],
    [{ embedding_model: '' }, false],
    [{ unknown: 1 }, false],
  ])('input %j valid: %s', (input, valid) => {
    expect(settingsInput.safeParse(input).success).toBe(valid);
  });

  it('reads stored settings, filling what older rows lack', () => {
    expect(storedSettings({ embedding_model: 'x', search: { top_k: 2 } }, defaults)).toEqual({
      ...defaults,
      embedding_model: 'x',
      search: { ...defaults.search, top_k: 2 },
    });
    expect(storedSettings(null, defaults)).toEqual(defaults);
  });
});

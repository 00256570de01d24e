import { z } from 'zod';

export const SEARCH_MODES = ['vector', 'lexical', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Bounds of the settings (also the API's validation). */
export const SETTINGS_LIMITS = Object.freeze({
  minChunkTokens: 32,
  maxChunkTokens: 8192,
  maxTopK: 100,
});

/** A knowledge base's settings, as stored and shown. */
export interface KnowledgeBaseSettings {
  embedding_model: string;
  chunk_tokens: number;
  overlap_tokens: number;
  search: SearchDefaults;
}

export interface SearchDefaults {
  mode: SearchMode;
  top_k: number;
  /** Results scoring below are left out (the score of the mode; see docs/knowledge.md); null: none. */
  score_threshold: number | null;
  /** Reorder with the configured rerank provider (when there is one). */
  rerank: boolean;
  /**
   * Expand lexical queries with the terms of their first results (RM3) and fuse the expanded ranking with
   * the plain one (see query-expansion.ts).
   */
  query_expansion: boolean;
}

/** What a knowledge base gets when its creator does not say (from configuration). */
export interface SettingsDefaults {
  embeddingModel: string;
  chunkTokens: number;
  overlapTokens: number;
  /** Undefined: `lexical` with the built-in lexical-hashing embedder, `hybrid` with any other model. */
  searchMode?: SearchMode | undefined;
  topK: number;
  queryExpansion: boolean;
}

/** The built-in embedding model (the `local` provider's lexical hashing), see {@link defaultSearchMode}. */
export const LOCAL_EMBEDDING_MODEL = 'local-embedding';

/**
 * The search mode of a knowledge base that names none: hybrid search pays off with a real embedding model;
 * with the built-in lexical-hashing embedder (a weaker copy of the lexical signal) it lowers quality in
 * every fusion measured (docs/knowledge.md, "Retrieval quality"), so such knowledge bases search lexically.
 */
export function defaultSearchMode(embeddingModel: string): SearchMode {
  return embeddingModel === LOCAL_EMBEDDING_MODEL ? 'lexical' : 'hybrid';
}

export const searchDefaultsInput = z
  .object({
    mode: z.enum(SEARCH_MODES).optional(),
    top_k: z.number().int().min(1).max(SETTINGS_LIMITS.maxTopK).optional(),
    score_threshold: z.number().min(0).max(1_000_000).nullable().optional(),
    rerank: z.boolean().optional(),
    query_expansion: z.boolean().optional(),
  })
  .strict();

export const settingsInput = z
  .object({
    embedding_model: z.string().trim().min(1).max(200).optional().meta({
      description: 'An embedding model from GET /v1/models; changing it re-indexes every document',
    }),
    chunk_tokens: z
      .number()
      .int()
      .min(SETTINGS_LIMITS.minChunkTokens)
      .max(SETTINGS_LIMITS.maxChunkTokens)
      .optional()
      .meta({ description: 'Chunk size in tokens; changing it re-indexes every document' }),
    overlap_tokens: z
      .number()
      .int()
      .min(0)
      .max(SETTINGS_LIMITS.maxChunkTokens / 2)
      .optional()
      .meta({ description: 'Tokens repeated between neighbouring chunks (at most half a chunk)' }),
    search: searchDefaultsInput.optional(),
  })
  .strict();

export type SettingsInput = z.infer<typeof settingsInput>;

/**
 * The settings `input` asks for on top of `base` (the current settings, or the defaults). `autoMode`
 * (creation without a configured mode) picks the search mode from the embedding model when the input
 * names none.
 */
export function mergeSettings(
  base: KnowledgeBaseSettings,
  input: SettingsInput | undefined,
  options: { autoMode?: boolean } = {},
): KnowledgeBaseSettings {
  const embeddingModel = input?.embedding_model ?? base.embedding_model;
  const mode =
    input?.search?.mode ?? (options.autoMode ? defaultSearchMode(embeddingModel) : base.search.mode);
  return {
    embedding_model: embeddingModel,
    chunk_tokens: input?.chunk_tokens ?? base.chunk_tokens,
    overlap_tokens: input?.overlap_tokens ?? base.overlap_tokens,
    search: {
      mode,
      top_k: input?.search?.top_k ?? base.search.top_k,
      score_threshold:
        input?.search?.score_threshold === undefined
          ? base.search.score_threshold
          : input.search.score_threshold,
      rerank: input?.search?.rerank ?? base.search.rerank,
      query_expansion: input?.search?.query_expansion ?? base.search.query_expansion,
    },
  };
}

export function defaultSettings(defaults: SettingsDefaults): KnowledgeBaseSettings {
  return {
    embedding_model: defaults.embeddingModel,
    chunk_tokens: defaults.chunkTokens,
    overlap_tokens: Math.min(defaults.overlapTokens, Math.floor(defaults.chunkTokens / 2)),
    search: {
      mode: defaults.searchMode ?? defaultSearchMode(defaults.embeddingModel),
      top_k: defaults.topK,
      score_threshold: null,
      rerank: true,
      query_expansion: defaults.queryExpansion,
    },
  };
}

/**
 * Why these settings are inconsistent (overlap of more than half a chunk), as a validation issue, or
 * undefined when they are fine.
 */
export function settingsProblem(
  settings: KnowledgeBaseSettings,
): { path: string; message: string } | undefined {
  if (settings.overlap_tokens * 2 > settings.chunk_tokens)
    return {
      path: 'settings.overlap_tokens',
      message: `must be at most half of chunk_tokens (${settings.chunk_tokens})`,
    };
  return undefined;
}

/** Which part of a settings change needs work: re-chunking and re-embedding, or only new vectors. */
export function settingsChange(
  before: KnowledgeBaseSettings,
  after: KnowledgeBaseSettings,
): { reindex: boolean; embedding: boolean } {
  const embedding = before.embedding_model !== after.embedding_model;
  const chunking =
    before.chunk_tokens !== after.chunk_tokens || before.overlap_tokens !== after.overlap_tokens;
  return { reindex: embedding || chunking, embedding };
}

/** Reads stored settings, filling what older rows may lack from `defaults`. */
export function storedSettings(value: unknown, defaults: KnowledgeBaseSettings): KnowledgeBaseSettings {
  const stored = (value ?? {}) as Partial<KnowledgeBaseSettings>;
  return {
    embedding_model: stored.embedding_model ?? defaults.embedding_model,
    chunk_tokens: stored.chunk_tokens ?? defaults.chunk_tokens,
    overlap_tokens: stored.overlap_tokens ?? defaults.overlap_tokens,
    search: { ...defaults.search, ...(stored.search ?? {}) },
  };
}

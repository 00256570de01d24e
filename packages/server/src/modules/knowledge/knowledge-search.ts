import type { Logger } from '../../observability/logger.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { RequestContext } from '../access/principal.js';
import type { ChunkHit, ChunksRepository, VectorStorage } from './chunks.repository.js';
import type { KnowledgeBaseRow, KnowledgeRepository } from './knowledge.repository.js';
import type { KnowledgeBaseSettings, SearchMode } from './knowledge-settings.js';
import { analyze } from './lexical-analyzer.js';
import { decodeLexical, type IndexCache, type KbMemoryIndex, type ScoredSeq } from './memory-index.js';
import { DEFAULT_QUERY_EXPANSION, searchWithExpansion } from './query-expansion.js';
import { reciprocalRankFusion } from './rank-fusion.js';
import type { Reranker } from './reranker.js';

/** Embeds texts with a model for a tenant (through the gateway: routed, retried, metered). */
export type EmbedTexts = (
  tenantId: string,
  model: string,
  texts: string[],
  signal: AbortSignal,
  ctx?: RequestContext,
) => Promise<number[][]>;

export interface SearchFilters {
  /** Only chunks of these documents. */
  documentIds?: readonly string[] | undefined;
  /** Only documents whose metadata contains these key/value pairs. */
  metadata?: Record<string, string | number | boolean> | undefined;
}

export interface SearchOptions {
  /** Default: the largest `top_k` of the knowledge bases' search defaults. */
  topK?: number | undefined;
  /** Default: each knowledge base's default mode. */
  mode?: SearchMode | undefined;
  /** Results scoring below are left out; default: each knowledge base's default. null: no threshold. */
  scoreThreshold?: number | null | undefined;
  /** Reorder with the rerank provider; default: when one is configured (and the knowledge base allows). */
  rerank?: boolean | undefined;
  /** Expand lexical queries (RM3, fused with the plain ranking); default: each knowledge base's setting. */
  queryExpansion?: boolean | undefined;
  filters?: SearchFilters | undefined;
  signal?: AbortSignal | undefined;
  /** The request that searches (the query embedding is metered to its caller); absent for internal use. */
  ctx?: RequestContext | undefined;
}

/** One retrieved chunk, with where it comes from. */
export interface SearchHit {
  chunk: ChunkHit;
  /** The result's score: cosine similarity (vector), BM25 (lexical), fused rank score in 0–1 (hybrid), or the rerank provider's relevance when reranked. */
  score: number;
  /** The scores behind it, where the chunk appeared. */
  scores: { vector?: number; lexical?: number; rerank?: number };
}

export interface SearchResult {
  hits: SearchHit[];
  /** Whether the rerank provider reordered them (false when it was not asked, or failed). */
  reranked: boolean;
}

export interface SearchSettings {
  /** Candidates each index contributes before fusion (at least `top_k`). */
  candidates: number;
  /** Reciprocal rank fusion's rank constant. */
  rrfK: number;
  /** Candidates sent to the rerank provider. */
  rerankCandidates: number;
}

/** A knowledge base as search uses it: its row and its resolved settings. */
export interface SearchableBase {
  row: KnowledgeBaseRow;
  settings: KnowledgeBaseSettings;
}

interface Candidate {
  kbId: string;
  seq: number;
  score: number;
  scores: SearchHit['scores'];
}

/**
 * Search over one or several knowledge bases: lexical (BM25F over the in-process index), vector (pgvector
 * HNSW, or an exact in-process scan: without the extension, or by choice) or hybrid (both, fused by reciprocal rank
 * fusion), then optionally reranked. Results carry the chunk, its document and its location.
 */
export class KnowledgeSearch {
  constructor(
    private readonly deps: {
      db: Executor;
      knowledge: KnowledgeRepository;
      chunks: ChunksRepository;
      cache: IndexCache;
      storage: () => VectorStorage;
      embed: EmbedTexts;
      reranker?: Reranker | undefined;
      logger: Pick<Logger, 'warn'>;
      settings: SearchSettings;
    },
  ) {}

  get rerankAvailable(): boolean {
    return this.deps.reranker !== undefined;
  }

  async search(
    tenantId: string,
    bases: readonly SearchableBase[],
    query: string,
    options: SearchOptions = {},
  ): Promise<SearchResult> {
    const signal = options.signal ?? new AbortController().signal;
    if (bases.length === 0 || query.trim() === '') return { hits: [], reranked: false };
    const topK = options.topK ?? Math.max(...bases.map((b) => b.settings.search.top_k));
    const depth = Math.max(topK, this.deps.settings.candidates);
    const terms = analyze(query);
    const vectors = new Map<string, Promise<number[] | undefined>>();
    const queryVector = (base: SearchableBase) => {
      const model = base.settings.embedding_model;
      let pending = vectors.get(model);
      if (!pending) {
        pending = this.deps.embed(tenantId, model, [query], signal, options.ctx).then((result) => result[0]);
        vectors.set(model, pending);
      }
      return pending;
    };

    const perBase = await Promise.all(
      bases.map((base) => this.searchBase(tenantId, base, terms, queryVector, depth, options)),
    );
    const candidates = perBase.flat().sort((a, b) => b.score - a.score || a.seq - b.seq);

    const wantRerank =
      options.rerank ?? bases.some((base) => base.settings.search.rerank && this.deps.reranker !== undefined);
    let reranked = false;
    let ordered = candidates;
    if (wantRerank && this.deps.reranker && candidates.length > 0) {
      const pool = candidates.slice(0, Math.max(topK, this.deps.settings.rerankCandidates));
      const hydrated = await this.hydrate(tenantId, pool);
      const withText = pool.filter((c) => hydrated.has(key(c.kbId, c.seq)));
      try {
        const results = await this.deps.reranker.rerank(
          query,
          withText.map((c) => rerankText(hydrated.get(key(c.kbId, c.seq))!)),
          withText.length,
          signal,
        );
        ordered = results.map((r) => {
          const candidate = withText[r.index]!;
          return { ...candidate, score: r.score, scores: { ...candidate.scores, rerank: r.score } };
        });
        reranked = true;
        return { hits: this.finish(ordered, hydrated, topK, options, bases), reranked };
      } catch (error) {
        if (signal.aborted) throw error;
        this.deps.logger.warn({ err: error }, 'knowledge-base rerank failed; answering in fused order');
        return { hits: this.finish(ordered, hydrated, topK, options, bases), reranked: false };
      }
    }
    const kept = this.thresholded(ordered, options, bases).slice(0, topK);
    const hydrated = await this.hydrate(tenantId, kept);
    return { hits: this.finish(kept, hydrated, topK, options, bases, false), reranked };
  }

  /** One knowledge base's candidates, scored by its mode, best first. */
  private async searchBase(
    tenantId: string,
    base: SearchableBase,
    terms: readonly string[],
    queryVector: (base: SearchableBase) => Promise<number[] | undefined>,
    depth: number,
    options: SearchOptions,
  ): Promise<Candidate[]> {
    const kb = base.row;
    const mode = options.mode ?? base.settings.search.mode;
    const allow = await this.allowedDocuments(tenantId, kb.id, options.filters);
    if (allow && allow.size === 0) return [];
    const storage = this.deps.storage();
    const wantsLexical = mode !== 'vector';
    const wantsVector = mode !== 'lexical' && kb.embedding_dims !== null && kb.chunk_count > 0;
    const needsIndex = wantsLexical || (wantsVector && storage.search === 'exact');
    const [index, vector] = await Promise.all([
      needsIndex && kb.chunk_count > 0 ? this.deps.cache.get(kb) : undefined,
      wantsVector ? queryVector(base) : undefined,
    ]);
    const lexical: ScoredSeq[] =
      wantsLexical && index
        ? await this.lexical(tenantId, kb.id, index, terms, depth, allow, {
            expand: options.queryExpansion ?? base.settings.search.query_expansion,
          })
        : [];
    let nearest: ScoredSeq[] = [];
    if (wantsVector && vector && vector.length === kb.embedding_dims) {
      nearest =
        storage.search === 'hnsw'
          ? await this.deps.chunks.vectorSearch(this.deps.db, tenantId, kb.id, {
              vector,
              embeddingVersion: kb.embedding_version,
              limit: depth,
              documentIds: allow ? [...allow] : undefined,
              iterativeScan: storage.iterativeScan,
            })
          : (index?.searchVector(vector, depth, allow) ?? []);
    }
    if (mode === 'lexical')
      return lexical.map((r) => ({ kbId: kb.id, seq: r.seq, score: r.score, scores: { lexical: r.score } }));
    if (mode === 'vector')
      return nearest.map((r) => ({ kbId: kb.id, seq: r.seq, score: r.score, scores: { vector: r.score } }));
    return this.fuse(kb.id, lexical, nearest);
  }

  /**
   * The lexical ranking: BM25F over the in-process index, or with query expansion RM3 (the first results'
   * stored term frequencies vote for expansion terms) fused with the plain ranking by RRF, its scores
   * normalised to 0–1 (1: first in both passes).
   */
  private async lexical(
    tenantId: string,
    kbId: string,
    index: KbMemoryIndex,
    terms: readonly string[],
    depth: number,
    allow: ReadonlySet<string> | undefined,
    options: { expand: boolean },
  ): Promise<ScoredSeq[]> {
    if (!options.expand) return index.searchLexical(terms, depth, allow);
    const expansion = DEFAULT_QUERY_EXPANSION;
    const hits = await searchWithExpansion(
      terms,
      depth,
      {
        search: (t, k, weights) =>
          index.searchLexical(t, k, allow, weights).map((r) => ({ id: String(r.seq), score: r.score })),
        feedback: async (first) => {
          const entries = await this.deps.chunks.lexicalEntries(
            this.deps.db,
            tenantId,
            kbId,
            first.map((hit) => Number(hit.id)),
          );
          return first.flatMap((hit) => {
            const entry = entries.get(Number(hit.id));
            if (!entry) return [];
            const { t, f } = decodeLexical(entry.lexical);
            return [
              { score: hit.score, tf: new Map(t.map((term, i) => [term, f[i]!])), length: entry.length },
            ];
          });
        },
      },
      { ...expansion, depth: Math.max(expansion.depth, depth) },
    );
    const best = 2 / (expansion.rrfK + 1);
    return hits.map((hit) => ({ seq: Number(hit.id), score: hit.score / best }));
  }

  /**
   * Reciprocal rank fusion of the two lists, normalised to 0–1 (1: first in both lists), so a threshold
   * and scores from several knowledge bases compare.
   */
  private fuse(kbId: string, lexical: readonly ScoredSeq[], nearest: readonly ScoredSeq[]): Candidate[] {
    const k = this.deps.settings.rrfK;
    const byId = new Map<string, Candidate['scores']>();
    for (const r of lexical) byId.set(String(r.seq), { lexical: r.score });
    for (const r of nearest) byId.set(String(r.seq), { ...byId.get(String(r.seq)), vector: r.score });
    // The best possible fused score: first in both lists.
    const best = 2 / (k + 1);
    return reciprocalRankFusion(
      [lexical, nearest].map((list) => list.map((r) => ({ id: String(r.seq) }))),
      { k },
    ).map((item) => ({
      kbId,
      seq: Number(item.id),
      score: item.score / best,
      scores: byId.get(item.id) ?? {},
    }));
  }

  private async allowedDocuments(
    tenantId: string,
    kbId: string,
    filters: SearchFilters | undefined,
  ): Promise<Set<string> | undefined> {
    if (!filters) return undefined;
    let allow: Set<string> | undefined = filters.documentIds ? new Set(filters.documentIds) : undefined;
    if (filters.metadata && Object.keys(filters.metadata).length > 0) {
      const matching = await this.deps.knowledge.documentIdsMatching(
        this.deps.db,
        tenantId,
        kbId,
        filters.metadata,
      );
      allow = allow ? new Set(matching.filter((id) => allow!.has(id))) : new Set(matching);
    }
    return allow;
  }

  private thresholded(
    candidates: readonly Candidate[],
    options: SearchOptions,
    bases: readonly SearchableBase[],
  ): Candidate[] {
    const thresholds = new Map(
      bases.map((b) => [
        b.row.id,
        options.scoreThreshold === undefined ? b.settings.search.score_threshold : options.scoreThreshold,
      ]),
    );
    return candidates.filter((c) => {
      const threshold = thresholds.get(c.kbId);
      return threshold === null || threshold === undefined || c.score >= threshold;
    });
  }

  private finish(
    ordered: readonly Candidate[],
    hydrated: Map<string, ChunkHit>,
    topK: number,
    options: SearchOptions,
    bases: readonly SearchableBase[],
    applyThreshold = true,
  ): SearchHit[] {
    const kept = applyThreshold ? this.thresholded(ordered, options, bases) : ordered;
    const hits: SearchHit[] = [];
    for (const candidate of kept) {
      const chunk = hydrated.get(key(candidate.kbId, candidate.seq));
      // A chunk removed between the index read and now (its document re-indexed or deleted) is skipped.
      if (!chunk) continue;
      hits.push({ chunk, score: candidate.score, scores: candidate.scores });
      if (hits.length === topK) break;
    }
    return hits;
  }

  private async hydrate(tenantId: string, candidates: readonly Candidate[]): Promise<Map<string, ChunkHit>> {
    const kbIds = [...new Set(candidates.map((c) => c.kbId))];
    const rows = await this.deps.chunks.hydrate(
      this.deps.db,
      tenantId,
      kbIds,
      candidates.map((c) => c.seq),
    );
    return new Map(rows.map((row) => [key(row.kb_id, Number(row.seq)), row]));
  }
}

const key = (kbId: string, seq: number) => `${kbId}:${seq}`;

/** What the rerank provider reads of a chunk: its title and headings, then its text. */
function rerankText(chunk: ChunkHit): string {
  const context = [chunk.document_title, ...chunk.headings].filter((s) => s.trim() !== '').join(' › ');
  return context ? `${context}\n${chunk.text}` : chunk.text;
}

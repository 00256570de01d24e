import { createHash } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { ChatMessage, Usage } from '../../providers/llm/language-model.js';
import { countTokens } from '../../providers/llm/token-count.js';
import { CatalogError } from './catalog.js';
import type { RouteReport, Router } from './router.js';

export const CACHE_MODES = ['off', 'exact', 'semantic'] as const;
/** `exact`: the same request again; `semantic`: that, or the same context with a similar last question. */
export type CacheMode = (typeof CACHE_MODES)[number];

/** What a hit replays. Only plain answers are cached (no tool calls; finish reason stop or length). */
export interface CachedCompletion {
  text: string;
  finishReason: 'stop' | 'length';
  /** The usage of the call that produced the answer, reported again on every hit. */
  usage: Usage;
}

export interface CacheStats {
  exact_hits: number;
  semantic_hits: number;
  misses: number;
}

export interface CacheRequest {
  tenantId: string;
  model: string;
  messages: readonly ChatMessage[];
  /** The request parameters (temperature, tools, ...); those in IGNORED_PARAMS do not take part. */
  params: Record<string, unknown>;
  mode: 'exact' | 'semantic';
  ttlSeconds: number;
}

export type CacheLookup =
  | { hit: 'exact' | 'semantic'; completion: CachedCompletion }
  /** A miss: `store` keeps the answer once the call has produced it (it never throws). */
  | { hit: false; store(completion: CachedCompletion): Promise<void> };

/** Embeds one text; the semantic cache compares these vectors by cosine similarity. */
export type Embedder = (text: string, signal: AbortSignal) => Promise<number[]>;

export interface ResponseCacheSettings {
  /** Cosine similarity at or above which a semantic match is a hit. */
  threshold: number;
  /** Questions remembered per semantic scope; the oldest are forgotten first. */
  maxEntries: number;
}

/** Parameters that do not change the answer, so requests differing only in them share entries. */
const IGNORED_PARAMS = new Set(['stream', 'stream_options', 'user']);

/** One remembered question of a semantic scope: the exact entry's hash, its vector, when it expires. */
interface IndexEntry {
  k: string;
  /** Float32 little-endian, base64: about a quarter of the size of a JSON array of numbers. */
  v: string;
  exp: number;
}

/**
 * The gateway's response cache, kept in the shared cache port (Redis in production, in-process embedded)
 * so every instance sees the same entries.
 *
 * - Exact: the key hashes the model, the parameters that affect the answer and the whole conversation.
 * - Semantic: for requests whose last message is a text-only user message, that question is embedded and
 *   compared with the questions already answered in the same scope — the same model, parameters and
 *   earlier messages — so only the question may differ, never the context it is asked in. The best match
 *   at or above the threshold is a hit. Each scope keeps its latest `maxEntries` questions in one list; two
 *   instances storing into one scope at once may lose one of the two (a cache may forget).
 *
 * Every key starts with the tenant id, so nothing is ever shared between tenants. Cache failures never fail
 * a call: a lookup that fails is a miss, a store that fails is logged.
 */
export class ResponseCache {
  private readonly counts: CacheStats = { exact_hits: 0, semantic_hits: 0, misses: 0 };

  constructor(
    private readonly deps: {
      cache: Cache;
      embed: Embedder;
      logger: Logger;
      settings: ResponseCacheSettings;
    },
  ) {}

  async lookup(request: CacheRequest, signal: AbortSignal): Promise<CacheLookup> {
    const keys = cacheKeys(request);
    let vector: number[] | undefined;
    try {
      const exact = await this.entry(keys.prefix, keys.hash);
      if (exact) return await this.hit('exact', request.tenantId, exact);
      if (request.mode === 'semantic' && keys.index) {
        vector = await this.deps.embed(keys.question!, signal);
        const match = await this.nearest(keys.prefix, keys.index, vector);
        if (match) return await this.hit('semantic', request.tenantId, match);
      }
    } catch (error) {
      // An aborted call fails on its own further on; anything else only costs us the hit.
      if (!signal.aborted)
        this.deps.logger.warn({ err: error }, 'response cache lookup failed; calling the model');
    }
    await this.count(request.tenantId, 'misses');
    return { hit: false, store: (completion) => this.store(request, keys, vector, completion) };
  }

  /** Hits and misses counted by this process since it started (what a metrics endpoint exports). */
  stats(): CacheStats {
    return { ...this.counts };
  }

  /** One tenant's hits and misses, counted by every instance in the shared cache. */
  async tenantStats(tenantId: string): Promise<CacheStats> {
    const read = async (name: keyof CacheStats) =>
      Number((await this.deps.cache.get(statsKey(tenantId, name))) ?? 0);
    return {
      exact_hits: await read('exact_hits'),
      semantic_hits: await read('semantic_hits'),
      misses: await read('misses'),
    };
  }

  private async hit(
    via: 'exact' | 'semantic',
    tenantId: string,
    completion: CachedCompletion,
  ): Promise<CacheLookup> {
    await this.count(tenantId, via === 'exact' ? 'exact_hits' : 'semantic_hits');
    return { hit: via, completion };
  }

  private async count(tenantId: string, name: keyof CacheStats): Promise<void> {
    this.counts[name]++;
    try {
      await this.deps.cache.increment(statsKey(tenantId, name));
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not count a response cache lookup');
    }
  }

  private async entry(prefix: string, hash: string): Promise<CachedCompletion | undefined> {
    const raw = await this.deps.cache.get(`${prefix}e:${hash}`);
    if (raw === null) return undefined;
    const entry = JSON.parse(raw) as Partial<CachedCompletion>;
    // Written by another version, or damaged: not worth replaying.
    return typeof entry.text === 'string' && entry.usage && entry.finishReason
      ? (entry as CachedCompletion)
      : undefined;
  }

  private async nearest(
    prefix: string,
    indexKey: string,
    vector: number[],
  ): Promise<CachedCompletion | undefined> {
    const now = Date.now();
    let best: { k: string; score: number } | undefined;
    for (const item of await this.index(indexKey)) {
      if (item.exp <= now) continue;
      const score = cosine(vector, decodeVector(item.v));
      if (score >= this.deps.settings.threshold && (!best || score > best.score)) best = { k: item.k, score };
    }
    return best && this.entry(prefix, best.k);
  }

  private async index(indexKey: string): Promise<IndexEntry[]> {
    const raw = await this.deps.cache.get(indexKey);
    const parsed: unknown = raw === null ? [] : JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as IndexEntry[]) : [];
  }

  private async store(
    request: CacheRequest,
    keys: CacheKeys,
    vector: number[] | undefined,
    completion: CachedCompletion,
  ): Promise<void> {
    const ttlMs = request.ttlSeconds * 1000;
    try {
      await this.deps.cache.set(`${keys.prefix}e:${keys.hash}`, JSON.stringify(completion), ttlMs);
      if (!vector || !keys.index) return;
      const now = Date.now();
      const kept = (await this.index(keys.index)).filter((e) => e.exp > now && e.k !== keys.hash);
      kept.push({ k: keys.hash, v: encodeVector(vector), exp: now + ttlMs });
      const capped = kept.slice(-this.deps.settings.maxEntries);
      // The list lives as long as its longest-lived question.
      const lifetime = Math.max(...capped.map((e) => e.exp)) - now;
      await this.deps.cache.set(keys.index, JSON.stringify(capped), lifetime);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not store a response in the response cache');
    }
  }
}

export interface CacheKeys {
  /** `gw:cache:<tenant>:` — every key of the tenant starts with it. */
  prefix: string;
  /** The exact entry's hash; its key is `<prefix>e:<hash>`. */
  hash: string;
  /** The semantic scope's list of questions; absent when the request has no text question to compare. */
  index?: string;
  question?: string;
}

/** The keys of a request. Exported for tests: what must (and must not) share an entry. */
export function cacheKeys(
  request: Pick<CacheRequest, 'tenantId' | 'model' | 'messages' | 'params'>,
): CacheKeys {
  const params = Object.fromEntries(Object.entries(request.params).filter(([k]) => !IGNORED_PARAMS.has(k)));
  const prefix = `gw:cache:${request.tenantId}:`;
  const keys: CacheKeys = { prefix, hash: digest([request.model, params, request.messages]) };
  const question = questionOf(request.messages);
  if (question !== undefined) {
    keys.question = question;
    keys.index = `${prefix}s:${digest([request.model, params, request.messages.slice(0, -1)])}`;
  }
  return keys;
}

/** The last message's text when it is a user message made of text only (an image changes the question). */
function questionOf(messages: readonly ChatMessage[]): string | undefined {
  const last = messages.at(-1);
  if (last?.role !== 'user') return undefined;
  const { content } = last;
  let text: string;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content) && content.every((p) => p.type === 'text'))
    text = content.map((p) => String((p as { text?: unknown }).text ?? '')).join('\n');
  else return undefined;
  return text.trim() === '' ? undefined : text;
}

function statsKey(tenantId: string, name: keyof CacheStats): string {
  return `gw:cache:${tenantId}:stats:${name}`;
}

function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function encodeVector(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

function decodeVector(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4)));
}

/**
 * The semantic cache's embedder: the configured embedding model (`GATEWAY_SEMANTIC_CACHE_MODEL`) called
 * through the router, so its retries, limits and fallbacks apply. These calls are the platform's, not the
 * tenant's, and are not metered. The model is resolved on each call (catalog entries may change at run
 * time); a name that is not an embedding model fails the lookup, which then counts as a miss and is logged.
 */
export function routedEmbedder(deps: { router: Router; model: string }): Embedder {
  return async (text, signal) => {
    const plan = deps.router.plan(deps.model);
    if (plan[0]!.spec.kind !== 'embedding' && !plan[0]!.passthrough)
      throw new CatalogError(`GATEWAY_SEMANTIC_CACHE_MODEL: "${deps.model}" is not an embedding model`);
    const report: RouteReport = {
      model: deps.model,
      deployment: undefined,
      attempts: 0,
      firstPartAt: undefined,
    };
    const result = await deps.router.call(
      plan,
      (model, d, callSignal) =>
        d.model.embed(
          { model: d.spec.model === '*' ? model.spec.name : d.spec.model, input: [text] },
          { signal: callSignal },
        ),
      { signal, estimateTokens: () => countTokens(text), report },
    );
    const vector = result.vectors[0];
    if (!vector) throw new Error(`"${deps.model}" returned no embedding`);
    return vector;
  };
}

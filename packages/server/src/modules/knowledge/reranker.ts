/**
 * A rerank provider: scores how well each document answers the query. Search asks it to reorder the fused
 * candidates (cross-encoders are much better judges of relevance than either index alone).
 */
export interface Reranker {
  /** Relevance of the best `topN` of `documents` (by index into it), best first. */
  rerank(
    query: string,
    documents: readonly string[],
    topN: number,
    signal: AbortSignal,
  ): Promise<RerankResult[]>;
}

export interface RerankResult {
  index: number;
  score: number;
}

export class RerankError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RerankError';
  }
}

export interface HttpRerankerSettings {
  /** Base URL of an OpenAI-compatible / Jina / Cohere style API (`…/v1`), or the full `…/rerank` URL. */
  baseUrl: string;
  /** Sent as `model` (servers that host one model, such as TEI, need none). */
  model?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * The `/rerank` shape Jina, Cohere, Voyage, vLLM, Xinference and TEI-compatible servers share:
 * `POST {model, query, documents, top_n}` → `{results: [{index, relevance_score}]}`.
 * @example const reranker = new HttpReranker({ baseUrl: 'https://api.jina.ai/v1', model: 'jina-reranker-v2-base-multilingual', apiKey, timeoutMs: 10_000 });
 */
export class HttpReranker implements Reranker {
  private readonly url: string;

  constructor(private readonly settings: HttpRerankerSettings) {
    const base = settings.baseUrl.replace(/\/+$/, '');
    this.url = base.endsWith('/rerank') ? base : `${base}/rerank`;
  }

  async rerank(
    query: string,
    documents: readonly string[],
    topN: number,
    signal: AbortSignal,
  ): Promise<RerankResult[]> {
    if (documents.length === 0) return [];
    const fetcher = this.settings.fetch ?? fetch;
    let response: Response;
    try {
      response = await fetcher(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
        },
        body: JSON.stringify({
          ...(this.settings.model ? { model: this.settings.model } : {}),
          query,
          documents,
          top_n: topN,
        }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new RerankError(`The rerank provider could not be reached: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new RerankError(`The rerank provider answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    const body = (await response.json().catch(() => undefined)) as { results?: unknown } | undefined;
    if (!body || !Array.isArray(body.results))
      throw new RerankError('The rerank provider answered without results');
    const results: RerankResult[] = [];
    const seen = new Set<number>();
    for (const item of body.results as { index?: unknown; relevance_score?: unknown }[]) {
      const index = item?.index;
      const score = item?.relevance_score;
      if (
        typeof index !== 'number' ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= documents.length ||
        typeof score !== 'number' ||
        !Number.isFinite(score)
      )
        throw new RerankError('The rerank provider answered a malformed result');
      if (seen.has(index)) continue;
      seen.add(index);
      results.push({ index, score });
    }
    return results.sort((a, b) => b.score - a.score).slice(0, topN);
  }
}

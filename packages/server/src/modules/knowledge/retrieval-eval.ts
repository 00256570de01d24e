import { performance } from 'node:perf_hooks';
import type { BeirDataset } from './beir-dataset.js';
import type { KnowledgeService } from './knowledge.service.js';
import type { SearchMode } from './knowledge-settings.js';
import { evaluateRun, type RetrievalMetrics, type Run } from './retrieval-metrics.js';

/** What `nexus eval retrieval` measures for one search mode. */
export interface ModeResult {
  mode: SearchMode;
  metrics: RetrievalMetrics;
  /** Search latency through the knowledge service (query embedding included), milliseconds. */
  latencyMs: { p50: number; p95: number; max: number };
}

export interface RetrievalEvalResult {
  documents: number;
  failedDocuments: number;
  chunks: number;
  ingestSeconds: number;
  queries: number;
  modes: ModeResult[];
}

export interface RetrievalEvalOptions {
  modes: readonly SearchMode[];
  /** The k of hit@k and recall@k (MRR and nDCG are always at 10). */
  ks: readonly number[];
  /** Documents queued per call (the ingestion worker takes them from there). */
  batchSize?: number;
  /** Called with progress lines (to stderr in the CLI). */
  progress?: (line: string) => void;
}

/** The most hits one search may ask for (the API's `top_k` limit). */
const MAX_TOP_K = 100;

/**
 * Evaluates retrieval exactly as a user's documents are served: every corpus entry becomes a text document
 * of the knowledge base (title and text) through the ingestion queue and worker, and every query goes
 * through the knowledge service's search. A document ranks where its best chunk ranks (later chunks of a
 * document already seen are skipped), so metrics are per document, as the dataset's judgements are.
 * @example const result = await evaluateRetrieval(knowledge, tenantId, kbId, await loadBeirDataset(dir), { modes: ['hybrid'], ks: [1, 5, 10] });
 */
export async function evaluateRetrieval(
  knowledge: KnowledgeService,
  tenantId: string,
  kbId: string,
  dataset: BeirDataset,
  options: RetrievalEvalOptions,
): Promise<RetrievalEvalResult> {
  const progress = options.progress ?? (() => undefined);
  const batchSize = options.batchSize ?? 1000;
  const corpusIdOf = new Map<string, string>();
  const started = performance.now();
  for (let i = 0; i < dataset.corpus.length; i += batchSize) {
    const batch = dataset.corpus.slice(i, i + batchSize);
    const created = await knowledge.addDocuments(
      tenantId,
      kbId,
      batch.map((doc) => ({
        kind: 'text' as const,
        format: 'txt' as const,
        text: doc.text,
        title: doc.title,
        metadata: { corpus_id: doc.id },
      })),
    );
    created.forEach((doc, j) => {
      const corpusId = doc.metadata?.corpus_id;
      corpusIdOf.set(doc.id, typeof corpusId === 'string' ? corpusId : batch[j]!.id);
    });
    progress(`queued ${Math.min(i + batchSize, dataset.corpus.length)}/${dataset.corpus.length} documents`);
  }
  const counts = await knowledge.waitForIdle(tenantId, kbId, { timeoutMs: 24 * 3600_000, pollMs: 200 });
  const ingestSeconds = (performance.now() - started) / 1000;
  const kb = await knowledge.getKnowledgeBase(tenantId, kbId);
  const chunks = kb.row.chunk_count;
  progress(
    `ingested ${counts.ready} documents (${counts.failed} failed), ${chunks} chunks in ${ingestSeconds.toFixed(1)} s`,
  );

  const wanted = Math.max(10, ...options.ks);
  // Chunks, not documents, come back: ask for more so that `wanted` distinct documents are likely.
  const topK = Math.min(MAX_TOP_K, wanted * 3);
  const modes: ModeResult[] = [];
  for (const mode of options.modes) {
    const run: Run = new Map();
    const latencies: number[] = [];
    for (const query of dataset.queries) {
      if (!dataset.qrels.has(query.id)) continue;
      const t0 = performance.now();
      const { hits } = await knowledge.searchKnowledgeBases(tenantId, [kbId], query.text, {
        mode,
        topK,
        scoreThreshold: null,
        rerank: false,
      });
      latencies.push(performance.now() - t0);
      const ranked: string[] = [];
      const seen = new Set<string>();
      for (const hit of hits) {
        const corpusId = corpusIdOf.get(hit.chunk.document_id);
        if (corpusId === undefined || seen.has(corpusId)) continue;
        seen.add(corpusId);
        ranked.push(corpusId);
      }
      run.set(query.id, ranked);
    }
    const metrics = evaluateRun(run, dataset.qrels, options.ks);
    modes.push({ mode, metrics, latencyMs: summarize(latencies) });
    progress(`${mode}: ${metrics.queries} queries, nDCG@10 ${metrics.ndcg10.toFixed(4)}`);
  }
  return {
    documents: dataset.corpus.length,
    failedDocuments: counts.failed,
    chunks,
    ingestSeconds,
    queries: dataset.queries.length,
    modes,
  };
}

/** The result as `name=value` lines (metrics per mode prefixed with the mode: `hybrid.hit@5=0.9980`). */
export function resultLines(name: string, result: RetrievalEvalResult): string[] {
  const lines = [
    `dataset=${name}`,
    `documents=${result.documents}`,
    `failed_documents=${result.failedDocuments}`,
    `chunks=${result.chunks}`,
    `queries=${result.queries}`,
    `ingest_seconds=${result.ingestSeconds.toFixed(2)}`,
    `ingest_documents_per_s=${rate(result.documents, result.ingestSeconds)}`,
    `ingest_chunks_per_s=${rate(result.chunks, result.ingestSeconds)}`,
  ];
  for (const { mode, metrics, latencyMs } of result.modes) {
    lines.push(`${mode}.judged_queries=${metrics.queries}`);
    for (const [k, v] of Object.entries(metrics.hit)) lines.push(`${mode}.hit@${k}=${v.toFixed(4)}`);
    for (const [k, v] of Object.entries(metrics.recall)) lines.push(`${mode}.recall@${k}=${v.toFixed(4)}`);
    lines.push(`${mode}.mrr@10=${metrics.mrr10.toFixed(4)}`);
    lines.push(`${mode}.ndcg@10=${metrics.ndcg10.toFixed(4)}`);
    lines.push(`${mode}.search_p50_ms=${latencyMs.p50.toFixed(2)}`);
    lines.push(`${mode}.search_p95_ms=${latencyMs.p95.toFixed(2)}`);
  }
  return lines;
}

/** A required minimum (`hit@5>=0.99`) that a mode's metrics miss, or null when they meet it. */
export function unmet(result: ModeResult, metric: string, minimum: number): string | null {
  const value = metricValue(result.metrics, metric);
  if (value === undefined) return `unknown metric "${metric}" (hit@k, recall@k, mrr@10, ndcg@10)`;
  return value >= minimum ? null : `${result.mode}.${metric}=${value.toFixed(4)} is below ${minimum}`;
}

function metricValue(metrics: RetrievalMetrics, metric: string): number | undefined {
  const at = /^(hit|recall)@(\d+)$/u.exec(metric);
  if (at) return (at[1] === 'hit' ? metrics.hit : metrics.recall)[Number(at[2])];
  if (metric === 'mrr@10') return metrics.mrr10;
  if (metric === 'ndcg@10') return metrics.ndcg10;
  return undefined;
}

function rate(count: number, seconds: number): string {
  return seconds > 0 ? (count / seconds).toFixed(1) : '0';
}

function summarize(values: number[]): { p50: number; p95: number; max: number } {
  if (values.length === 0) return { p50: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: from a 5 ms health check to a 2-minute upload or non-streamed completion. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds: provider calls and time to first token (local model: milliseconds; upstreams: seconds). */
const LLM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300];
/** Seconds: database statements (PGlite runs them on the event loop; PostgreSQL over the network). */
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct values kept per free-form label (model names, scopes); later ones are counted as `other`. */
const MAX_LABEL_VALUES = 100;
const LABEL_VALUE = /^[A-Za-z0-9._:/@-]{1,100}$/;

/** The route label of a request that matched no route (scanners must not mint label values). */
export const UNMATCHED_ROUTE = 'unmatched';

/** One LLM call as the usage meter records it (the fields the metrics read). */
export interface LlmCallObservation {
  endpoint: string;
  model: string;
  provider?: string | null;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  ttft_ms?: number | null;
  status: string;
  cached?: boolean;
}

/** Hits and misses of the gateway's response cache since the process started (`ResponseCache.stats()`). */
export interface CacheCounts {
  exact_hits: number;
  semantic_hits: number;
  misses: number;
}

/** Open long-lived connections, by kind. */
export type StreamKind = 'sse' | 'websocket';

export interface MetricsOptions {
  /** `METRICS_ENABLED`: false turns every method into a no-op and `/metrics` into a 404. */
  enabled: boolean;
  /** Process metrics (CPU, memory, event loop, GC); on by default, off in tests that build many apps. */
  processMetrics?: boolean;
}

/**
 * The Prometheus metrics of one container, in their own registry (never prom-client's global one: tests
 * build many apps per process). Edges and services call its `observe…`/`on…` methods; `/metrics` renders
 * {@link Metrics.render}. Every method is cheap and never throws; with `enabled: false` they do nothing.
 *
 * Quota and rate-limit services take it as their observer: `onQuotaRejected(scope)` and
 * `onRateLimited(scope)` are bound, so `{ observer: metrics }` or `onRateLimited: metrics.onRateLimited` work.
 *
 * @example
 * const metrics = new Metrics({ enabled: true });
 * metrics.observeHttp('GET', '/v1/models', 200, 0.004);
 * metrics.onRateLimited('api_key');
 * const text = await metrics.render(); // the Prometheus text format
 */
export class Metrics {
  readonly enabled: boolean;
  readonly registry = new Registry();
  readonly contentType: string = this.registry.contentType;

  private readonly http = new Histogram({
    name: 'nexus_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code (streams: until the stream opened)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  /** route → method → status → child: no label objects or strings built per request. */
  private readonly httpChildren = new Map<
    string,
    Map<string, Map<number, { observe(value: number): void }>>
  >();

  /** model, provider, endpoint, status → the label children one LLM call updates (no per-call lookups). */
  private readonly llmChildren = new Map<
    string,
    {
      duration: { observe(value: number): void };
      ttft?: { observe(value: number): void };
      input?: { inc(value: number): void };
      output?: { inc(value: number): void };
    }
  >();

  private readonly llmDuration = new Histogram({
    name: 'nexus_llm_request_duration_seconds',
    help: 'LLM provider call duration (whole stream for chat) by model, provider, endpoint and status',
    labelNames: ['model', 'provider', 'endpoint', 'status'] as const,
    buckets: LLM_BUCKETS,
    registers: [this.registry],
  });
  private readonly llmTtft = new Histogram({
    name: 'nexus_llm_time_to_first_token_seconds',
    help: 'Time from the call to the first streamed part, by model and provider',
    labelNames: ['model', 'provider'] as const,
    buckets: LLM_BUCKETS,
    registers: [this.registry],
  });
  private readonly llmTokens = new Counter({
    name: 'nexus_llm_tokens_total',
    help: 'Tokens sent to and received from providers, by model, provider and type (input|output)',
    labelNames: ['model', 'provider', 'type'] as const,
    registers: [this.registry],
  });
  private readonly dbDuration = new Histogram({
    name: 'nexus_db_query_duration_seconds',
    help: 'Database statement duration by operation (select|insert|update|delete|other)',
    labelNames: ['operation'] as const,
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });
  private readonly dbErrors = new Counter({
    name: 'nexus_db_query_errors_total',
    help: 'Database statements that failed, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  private readonly openStreams = new Gauge({
    name: 'nexus_open_streams',
    help: 'Open long-lived connections on this instance: server-sent event streams and WebSockets',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly quotaRejections = new Counter({
    name: 'nexus_quota_rejections_total',
    help: 'Requests refused because a token or request budget was exhausted, by scope',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitRejections = new Counter({
    name: 'nexus_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by scope',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  private readonly labelValues = new Map<string, Set<string>>();
  private queueDepthSource: (() => Promise<Record<string, number>>) | undefined;
  private cacheCountsSource: (() => CacheCounts) | undefined;

  constructor(options: MetricsOptions) {
    this.enabled = options.enabled;
    this.openStreams.set({ kind: 'sse' }, 0);
    this.openStreams.set({ kind: 'websocket' }, 0);
    const metrics = this;
    new Counter({
      name: 'nexus_response_cache_lookups_total',
      help: 'Gateway response cache lookups by mode (exact|semantic) and result (hit|miss); misses have mode "any"',
      labelNames: ['mode', 'result'] as const,
      registers: [this.registry],
      collect() {
        const counts = metrics.cacheCountsSource?.() ?? { exact_hits: 0, semantic_hits: 0, misses: 0 };
        // The cache counts for itself; the counter mirrors its totals at scrape time.
        this.reset();
        this.inc({ mode: 'exact', result: 'hit' }, counts.exact_hits);
        this.inc({ mode: 'semantic', result: 'hit' }, counts.semantic_hits);
        this.inc({ mode: 'any', result: 'miss' }, counts.misses);
      },
    });
    new Gauge({
      name: 'nexus_job_queue_depth',
      help: 'Background jobs waiting to be claimed (all instances), by queue: ingestion, tasks, webhooks',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        if (!metrics.queueDepthSource) return;
        try {
          const depths = await metrics.queueDepthSource();
          for (const [queue, depth] of Object.entries(depths)) this.set({ queue }, depth);
        } catch {
          // The database being away shows in /readyz and the error metrics; the scrape still answers.
        }
      },
    });
    const limits = resourceLimits();
    new Gauge({
      name: 'nexus_cpu_limit_cores',
      help: 'CPU cores this process may use (cgroup quota, else the machine): the denominator of CPU alerts',
      registers: [this.registry],
    }).set(limits.cpuCores);
    new Gauge({
      name: 'nexus_memory_limit_bytes',
      help: 'Memory this process may use (cgroup limit, else the machine): the denominator of memory alerts',
      registers: [this.registry],
    }).set(limits.memoryBytes);
    if (options.enabled && options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry });
  }

  /**
   * One finished HTTP request. `route` is the route pattern (`/v1/conversations/:id`), or undefined for a
   * request that matched none (labelled `unmatched`).
   */
  observeHttp(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    if (!this.enabled) return;
    const routeKey = route ?? UNMATCHED_ROUTE;
    let byMethod = this.httpChildren.get(routeKey);
    if (!byMethod) {
      byMethod = new Map();
      this.httpChildren.set(routeKey, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let child = byStatus.get(statusCode);
    if (!child) {
      child = this.http.labels(method, routeKey, String(statusCode));
      byStatus.set(statusCode, child);
    }
    child.observe(seconds);
  }

  /** One metered LLM call (the usage meter calls this for every record). Cache hits are not provider calls. */
  observeLlmCall(call: LlmCallObservation): void {
    if (!this.enabled || call.cached) return;
    const model = this.bounded('model', call.model);
    const provider = call.provider ? this.bounded('provider', call.provider) : 'none';
    const key = `${model}\u0000${provider}\u0000${call.endpoint}\u0000${call.status}`;
    let children = this.llmChildren.get(key);
    if (!children) {
      // Bounded like the labels themselves: models and providers are capped, endpoints and statuses few.
      children = { duration: this.llmDuration.labels(model, provider, call.endpoint, call.status) };
      this.llmChildren.set(key, children);
    }
    children.duration.observe(call.latency_ms / 1000);
    // The other series appear with their first value, as they did before the children were kept.
    if (call.ttft_ms !== null && call.ttft_ms !== undefined) {
      children.ttft ??= this.llmTtft.labels(model, provider);
      children.ttft.observe(call.ttft_ms / 1000);
    }
    if (call.input_tokens > 0) {
      children.input ??= this.llmTokens.labels(model, provider, 'input');
      children.input.inc(call.input_tokens);
    }
    if (call.output_tokens > 0) {
      children.output ??= this.llmTokens.labels(model, provider, 'output');
      children.output.inc(call.output_tokens);
    }
  }

  /** One database statement: its SQL (only the first keyword is read), duration, and whether it failed. */
  observeDbQuery(sqlText: string, seconds: number, failed: boolean): void {
    if (!this.enabled) return;
    const operation = operationOf(sqlText);
    this.dbDuration.labels(operation).observe(seconds);
    if (failed) this.dbErrors.labels(operation).inc();
  }

  /**
   * A stream opened; call the returned function once when it closes (extra calls do nothing).
   * @example const closed = metrics.streamOpened('websocket'); socket.once('close', closed);
   */
  streamOpened(kind: StreamKind): () => void {
    if (!this.enabled) return noop;
    this.openStreams.inc({ kind });
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.openStreams.dec({ kind });
    };
  }

  /** Observer hook for the quota service: a request was refused with `quota_exceeded`. */
  readonly onQuotaRejected = (scope: string): void => {
    if (this.enabled) this.quotaRejections.labels(this.bounded('scope', scope)).inc();
  };

  /** Observer hook for the rate limiter: a request was refused with 429 `rate_limited`. */
  readonly onRateLimited = (scope: string): void => {
    if (this.enabled) this.rateLimitRejections.labels(this.bounded('scope', scope)).inc();
  };

  /** Where queue depths come from at scrape time (one cheap query; see `queueDepths`). */
  setQueueDepthSource(source: () => Promise<Record<string, number>>): void {
    this.queueDepthSource = source;
  }

  /** Where the response cache's hit and miss totals come from at scrape time. */
  setCacheCountsSource(source: () => CacheCounts): void {
    this.cacheCountsSource = source;
  }

  /** The Prometheus text exposition of every metric (collects queue depths and cache counts first). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops the process-metric collectors (event loop monitor) of this registry. */
  close(): void {
    this.registry.clear();
  }

  /** A label value from a free-form source: checked, and at most {@link MAX_LABEL_VALUES} distinct ones. */
  private bounded(label: string, value: string): string {
    let seen = this.labelValues.get(label);
    if (!seen) {
      seen = new Set();
      this.labelValues.set(label, seen);
    }
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES || !LABEL_VALUE.test(value)) return 'other';
    seen.add(value);
    return value;
  }
}

function noop(): void {}

const OPERATIONS = new Set(['select', 'insert', 'update', 'delete']);

/** The statement's first keyword (`with … select` counts as select), lower-cased; else `other`. */
export function operationOf(sqlText: string): string {
  const match = /^\s*\(?\s*([A-Za-z]+)/.exec(sqlText);
  const word = match?.[1]?.toLowerCase();
  if (word === 'with') {
    const main = /\)\s*(select|insert|update|delete)\b/i.exec(sqlText);
    return main ? main[1]!.toLowerCase() : 'select';
  }
  return word && OPERATIONS.has(word) ? word : 'other';
}

/** CPU cores and memory bytes this process may use: the cgroup (v2, then v1) limits, else the machine's. */
export function resourceLimits(): { cpuCores: number; memoryBytes: number } {
  const machineMemory = os.totalmem();
  let memoryBytes = machineMemory;
  const constrained = process.constrainedMemory?.() ?? 0;
  if (constrained > 0 && constrained < memoryBytes) memoryBytes = constrained;
  const cgroupMemory = Number(readSmall('/sys/fs/cgroup/memory.max'));
  if (cgroupMemory > 0 && cgroupMemory < memoryBytes) memoryBytes = cgroupMemory;
  let cpuCores = os.availableParallelism();
  const [quota, period] = (readSmall('/sys/fs/cgroup/cpu.max') ?? '').split(/\s+/);
  const cgroupCores = Number(quota) / Number(period);
  if (Number.isFinite(cgroupCores) && cgroupCores > 0 && cgroupCores < cpuCores) cpuCores = cgroupCores;
  return { cpuCores, memoryBytes };
}

function readSmall(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

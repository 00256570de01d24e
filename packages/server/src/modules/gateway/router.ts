import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import { AppError, NotFoundError, ServiceUnavailableError } from '../../errors.js';
import type { Tracing } from '../../observability/tracing.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { ChatRequest, LanguageModel, StreamPart } from '../../providers/llm/language-model.js';
import { UpstreamError } from '../../providers/llm/language-model.js';
import type { DeploymentSpec, ModelSpec } from './catalog.js';

export class ModelNotFoundError extends NotFoundError {
  override readonly code = 'model_not_found';
}

/** Every deployment of the model (and its fallbacks) failed, is open-circuit or is over its limits. */
export class UpstreamUnavailableError extends ServiceUnavailableError {
  override readonly code = 'provider_unavailable';
}

export interface RouterSettings {
  maxRetries: number;
  /** Cap on any single wait between attempts, `Retry-After` included. */
  maxRetryWaitMs: number;
  retryBaseMs: number;
  firstTokenTimeoutMs: number;
  totalTimeoutMs: number;
}

/** Per-deployment health: opens after consecutive failures, lets one trial through after the cooldown. */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  /** Whether a call may go out now (claims the half-open trial when the cooldown has passed). */
  tryAcquire(now = Date.now()): boolean {
    if (this.failures < this.threshold) return true;
    if (now < this.openUntil || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.failures < this.threshold) return 'closed';
    return Date.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Milliseconds until a trial may go out (0 when closed or half-open). */
  retryInMs(now = Date.now()): number {
    return this.failures < this.threshold ? 0 : Math.max(0, this.openUntil - now);
  }

  onSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  onFailure(now = Date.now()): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.failures >= this.threshold) this.openUntil = now + this.cooldownMs;
  }
}

export interface Deployment {
  id: string;
  spec: DeploymentSpec;
  model: LanguageModel;
  inFlight: number;
  breaker: CircuitBreaker;
}

export interface RoutedModel {
  spec: ModelSpec;
  deployments: Deployment[];
  /** Served by the OPENAI_BASE_URL upstream without a catalog entry (its kind is unknown). */
  passthrough?: boolean;
  /**
   * What the response cache keys this model's answers by, instead of its name: a runtime config entry's
   * (`runtime-config:<name>:<hash of its spec>`), so it never shares answers with a catalog model of the
   * same name or with another version's entry.
   */
  cacheName?: string;
}

/** What the router reports about the attempt that served (or failed) a call, for metering. */
export interface RouteReport {
  model: string;
  deployment: Deployment | undefined;
  attempts: number;
  firstPartAt: number | undefined;
}

/**
 * Models that take precedence over the catalog for some requests — a runtime config version's
 * `models.entries` (modules/release). Immutable: built once per version by `ModelRegistry.buildOverlay`.
 */
export type ModelOverlay = ReadonlyMap<string, RoutedModel>;

/**
 * Routes one call to a deployment: picks among healthy deployments (weighted random or least in-flight),
 * enforces rpm/tpm through the shared cache, retries retryable failures with exponential back-off and
 * jitter (honouring `Retry-After`), moves on to other deployments and then to fallback models, and keeps a
 * circuit breaker per deployment. Once a stream has yielded anything it is never restarted: a later
 * failure reaches the caller.
 */
export class Router {
  constructor(
    private readonly deps: {
      cache: Cache;
      settings: RouterSettings;
      /** The model `name` as `tenantId` sees it (its own catalog entries first). */
      resolve: (name: string, tenantId?: string, overlay?: ModelOverlay) => RoutedModel | undefined;
      random?: () => number;
      /** A client span per provider attempt (for a stream: until its first part arrived). */
      tracing?: Tracing;
    },
  ) {}

  /**
   * The models to try in order: the one asked for, then its fallbacks (deduplicated), as `tenantId` sees
   * them — `overlay`'s models (the caller's runtime config entries) first.
   */
  plan(name: string, tenantId?: string, overlay?: ModelOverlay): RoutedModel[] {
    const first = this.deps.resolve(name, tenantId, overlay);
    if (!first)
      throw new ModelNotFoundError(`The model "${name}" does not exist or you do not have access to it`);
    const chain = [first];
    for (const fallback of first.spec.fallbacks) {
      const routed = this.deps.resolve(fallback, tenantId, overlay);
      if (routed && !chain.some((c) => c.spec.name === routed.spec.name)) chain.push(routed);
    }
    return chain;
  }

  /**
   * Streams a chat through the plan. `estimateTokens` counts against tpm limits before the call (asked
   * only of deployments with a tpm limit: counting a long prompt costs milliseconds).
   * `report` is filled as the call goes (which model and deployment served it, when the first part came).
   */
  async *streamChat(
    plan: RoutedModel[],
    build: (routed: RoutedModel, deployment: Deployment) => ChatRequest,
    options: { signal: AbortSignal; estimateTokens: () => number; report: RouteReport },
  ): AsyncIterable<StreamPart> {
    const { firstTokenTimeoutMs, totalTimeoutMs } = this.deps.settings;
    // The total timeout covers the whole stream, so the deadline lives until the stream is over.
    const deadline = new Deadline(options.signal, totalTimeoutMs);
    try {
      // An attempt succeeds when its first part arrives; until then it may be retried or fall back.
      const started = await this.call(
        plan,
        async (routed, d, signal) => {
          // The provider's signal follows `signal` until this attempt's stream is over (see linkedSignal).
          const attempt = linkedSignal(signal);
          try {
            const iterator = d.model
              .stream(build(routed, d), { signal: attempt.signal })
              [Symbol.asyncIterator]();
            const first = await withTimeout(iterator.next(), firstTokenTimeoutMs, attempt.controller, () => {
              return new UpstreamError('The upstream sent nothing within the first-token timeout', {
                retryable: true,
              });
            });
            return { iterator, first, deployment: d, release: attempt.release };
          } catch (error) {
            attempt.release();
            throw error;
          }
        },
        { ...options, deadline },
      );
      options.report.firstPartAt = performance.now();
      const { iterator, first, deployment, release } = started;
      deployment.inFlight++;
      try {
        if (!first.done) yield first.value;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason ?? error;
        // Tokens may already be with the client: never restart, report the break.
        throw asMidStreamError(error, deadline.signal);
      } finally {
        deployment.inFlight--;
        try {
          await iterator.return?.();
        } finally {
          release();
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Runs `run` on a deployment of the plan: selection, limits, retries with back-off, other deployments,
   * then fallback models. Non-retryable failures (the caller's bad request) end the call at once.
   */
  async call<T>(
    plan: RoutedModel[],
    run: (routed: RoutedModel, deployment: Deployment, signal: AbortSignal) => Promise<T>,
    options: { signal: AbortSignal; estimateTokens: () => number; report: RouteReport; deadline?: Deadline },
  ): Promise<T> {
    const { settings } = this.deps;
    const deadline = options.deadline ?? new Deadline(options.signal, settings.totalTimeoutMs);
    try {
      return await this.attempt(plan, run, options, deadline.signal);
    } finally {
      if (!options.deadline) deadline.dispose();
    }
  }

  private async attempt<T>(
    plan: RoutedModel[],
    run: (routed: RoutedModel, deployment: Deployment, signal: AbortSignal) => Promise<T>,
    options: { signal: AbortSignal; estimateTokens: () => number; report: RouteReport },
    total: AbortSignal,
  ): Promise<T> {
    const { settings } = this.deps;
    let lastError: unknown;
    let waitHintMs = 0;
    for (const routed of plan) {
      const tried = new Set<string>();
      for (let attempt = 0; attempt <= settings.maxRetries; attempt++) {
        const picked = await this.pick(routed, tried, options.estimateTokens);
        if (!picked.ok) {
          waitHintMs = Math.max(waitHintMs, picked.retryInMs);
          break;
        }
        const d = picked.value;
        options.report.model = routed.spec.name;
        options.report.deployment = d;
        options.report.attempts++;
        d.inFlight++;
        try {
          const result = this.deps.tracing
            ? await this.deps.tracing.inSpan(
                `gen_ai ${routed.spec.name}`,
                {
                  'gen_ai.request.model': routed.spec.name,
                  'gen_ai.provider.name': d.spec.provider,
                  'nexus.deployment': d.id,
                  'nexus.attempt': attempt,
                },
                () => run(routed, d, total),
                SpanKind.CLIENT,
              )
            : await run(routed, d, total);
          d.breaker.onSuccess();
          return result;
        } catch (error) {
          if (options.signal.aborted) throw options.signal.reason ?? error;
          // The caller's own bad request (a 4xx we pass back) says the deployment is up, not failing; so
          // does a capability it lacks (501: a missing engine or adapter is configuration, not ill health).
          if (error instanceof AppError && (error.status < 500 || error.status === 501))
            d.breaker.onSuccess();
          else d.breaker.onFailure();
          tried.add(d.id);
          lastError = error;
          if (!isRetryable(error) || total.aborted) break;
          const wait = retryWait(error, attempt, settings, this.deps.random ?? Math.random);
          waitHintMs = Math.max(waitHintMs, wait);
          if (attempt < settings.maxRetries && wait > 0) await sleep(wait, undefined, { signal: total });
        } finally {
          d.inFlight--;
        }
      }
      if (lastError && !isRetryable(lastError)) throw lastError;
    }
    throw unavailable(plan, lastError, waitHintMs);
  }

  private async pick(
    routed: RoutedModel,
    tried: Set<string>,
    estimateTokens: () => number,
  ): Promise<{ ok: true; value: Deployment } | { ok: false; retryInMs: number }> {
    let candidates = routed.deployments.filter((d) => !tried.has(d.id));
    // Once every deployment failed once, retries may go back to them.
    if (candidates.length === 0) candidates = [...routed.deployments];
    let retryInMs = Number.POSITIVE_INFINITY;
    const random = this.deps.random ?? Math.random;
    while (candidates.length > 0) {
      const choice =
        routed.spec.routing === 'least-in-flight'
          ? leastInFlight(candidates, random)
          : weighted(candidates, random);
      candidates = candidates.filter((c) => c !== choice);
      if (!choice.breaker.tryAcquire()) {
        retryInMs = Math.min(retryInMs, choice.breaker.retryInMs());
        continue;
      }
      const limited = await this.overLimit(choice, estimateTokens);
      if (limited > 0) {
        // The breaker trial (if any) was not used: give it back.
        if (choice.breaker.state === 'half-open') choice.breaker.onFailure();
        retryInMs = Math.min(retryInMs, limited);
        continue;
      }
      return { ok: true, value: choice };
    }
    return { ok: false, retryInMs: Number.isFinite(retryInMs) ? retryInMs : 1000 };
  }

  /** 0 when the deployment is within its rpm/tpm; otherwise how long until it is. */
  private async overLimit(d: Deployment, estimateTokens: () => number): Promise<number> {
    const { rpm, tpm } = d.spec;
    if (rpm) {
      const decision = await this.deps.cache.consumeTokens(`gw:rpm:${d.id}`, {
        capacity: rpm,
        refillPerSecond: rpm / 60,
      });
      if (!decision.allowed) return decision.retryAfterMs;
    }
    if (tpm) {
      const decision = await this.deps.cache.consumeTokens(
        `gw:tpm:${d.id}`,
        { capacity: tpm, refillPerSecond: tpm / 60 },
        Math.min(estimateTokens(), tpm),
      );
      if (!decision.allowed) return decision.retryAfterMs;
    }
    return 0;
  }
}

function weighted(candidates: Deployment[], random: () => number): Deployment {
  const total = candidates.reduce((n, d) => n + d.spec.weight, 0);
  let x = random() * total;
  for (const d of candidates) {
    x -= d.spec.weight;
    if (x < 0) return d;
  }
  return candidates.at(-1)!;
}

function leastInFlight(candidates: Deployment[], random: () => number): Deployment {
  const least = Math.min(...candidates.map((d) => d.inFlight));
  return weighted(
    candidates.filter((d) => d.inFlight === least),
    random,
  );
}

function isRetryable(error: unknown): boolean {
  return error instanceof AppError ? error.isRetryable : true;
}

/** Exponential back-off with full jitter, or the upstream's `Retry-After`; capped. */
export function retryWait(
  error: unknown,
  attempt: number,
  settings: Pick<RouterSettings, 'retryBaseMs' | 'maxRetryWaitMs'>,
  random: () => number,
): number {
  const retryAfter = error instanceof UpstreamError ? error.retryAfterSeconds : undefined;
  const wait = retryAfter !== undefined ? retryAfter * 1000 : random() * settings.retryBaseMs * 2 ** attempt;
  return Math.min(Math.round(wait), settings.maxRetryWaitMs);
}

function asMidStreamError(error: unknown, total: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  return new UpstreamError(
    total.aborted ? 'The call took longer than the total timeout' : 'The upstream stream broke off',
    { cause: error },
  );
}

function unavailable(plan: RoutedModel[], cause: unknown, waitHintMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitHintMs / 1000));
  const why =
    cause instanceof Error ? `: ${cause.message}` : ': every deployment is open-circuit or over its limits';
  return new UpstreamUnavailableError(
    `No deployment of ${plan.map((p) => `"${p.spec.name}"`).join(' or ')} could serve the call${why}`,
    {
      ...(cause === undefined ? {} : { cause }),
      headers: { 'retry-after': String(seconds) },
      details: { models: plan.map((p) => p.spec.name) },
    },
  );
}

/**
 * The total timeout of one call as a plain AbortController: it follows the caller's signal and fires when
 * the time is up, until `dispose()` clears its timer and listener. AbortSignal.any() with
 * AbortSignal.timeout() did the same with three signals and a listener left for the GC, a measurable share
 * of a gateway request's CPU.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly forward = () => this.controller.abort(this.source.reason);

  constructor(
    private readonly source: AbortSignal,
    ms: number,
  ) {
    if (source.aborted) this.forward();
    else source.addEventListener('abort', this.forward, { once: true });
    this.timer = setTimeout(
      () => this.controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
      ms,
    ).unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.source.removeEventListener('abort', this.forward);
  }
}

/**
 * A plain AbortSignal that follows `source` until `release()`. Provider SDKs (openai, anthropic) add an
 * 'abort' listener to the signal they are given and never remove it, and Node keeps an AbortSignal.any()
 * or AbortSignal.timeout() signal that has a listener alive for good (nodejs/node#54614): handing them the
 * router's combined signals leaked every call (about 2.5 KB each, found by `npm run bench -- gateway`).
 */
export function linkedSignal(source: AbortSignal): {
  controller: AbortController;
  signal: AbortSignal;
  release: () => void;
} {
  const controller = new AbortController();
  const forward = () => controller.abort(source.reason);
  if (source.aborted) forward();
  else source.addEventListener('abort', forward, { once: true });
  return {
    controller,
    signal: controller.signal,
    release: () => source.removeEventListener('abort', forward),
  };
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  controller: AbortController,
  makeError: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = makeError();
          controller.abort(error);
          reject(error);
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

import { BadRequestError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { ChatMessage, StreamPart, Usage } from '../../providers/llm/language-model.js';
import { countTokens, PromptTokens } from '../../providers/llm/token-count.js';
import type { AccessService } from '../access/access.service.js';
import type { Permission } from '../access/permissions.js';
import type { RequestContext } from '../access/principal.js';
import type { GatewaySettingsService } from './gateway-settings.service.js';
import type { ModelRegistry } from './model-registry.js';
import type { CachedCompletion, CacheLookup, CacheMode, ResponseCache } from './response-cache.js';
import { linkedSignal, type RoutedModel, type RouteReport, type Router } from './router.js';
import type { UsageMeter } from './usage-meter.js';

export class ContextLengthExceededError extends BadRequestError {
  override readonly code = 'context_length_exceeded';
}

export class ModelKindError extends BadRequestError {
  override readonly code = 'invalid_model';
}

export interface ChatInput {
  model: string;
  messages: ChatMessage[];
  /** OpenAI parameters other than model, messages and stream; passed through to the upstream. */
  params: Record<string, unknown>;
  /** The response cache mode this request asked for (`x-nexus-cache`); absent: the tenant's setting. */
  cache?: CacheMode;
}

export interface ChatRun {
  id: string;
  created: number;
  /** The model that was asked for (what the response reports). */
  model: string;
  parts: AsyncIterable<StreamPart>;
  /** What the response cache did: replayed a cached answer, will store this one, or was not used. */
  cache: 'hit' | 'miss' | 'off';
}

export interface ModelInfo {
  id: string;
  kind: 'chat' | 'embedding';
  contextWindow: number;
  ownedBy: string;
}

/**
 * The LLM gateway: authorises the call, checks it against the model's context window, routes it (retries,
 * fallbacks, limits) and meters it — tenant, caller, model, deployment, tokens (the upstream's usage, or
 * counted with gpt-tokenizer), cost, latency, time to first token and status — off the request path.
 */
export class GatewayService {
  constructor(
    private readonly deps: {
      access: AccessService;
      registry: ModelRegistry;
      router: Router;
      meter: UsageMeter;
      responseCache?: { cache: ResponseCache; settings: Pick<GatewaySettingsService, 'cachePolicy'> };
    },
  ) {}

  async listModels(ctx: RequestContext): Promise<ModelInfo[]> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'chat:read');
    const catalog: ModelInfo[] = this.deps.registry.list(tenantId).map((m) => ({
      id: m.spec.name,
      kind: m.spec.kind,
      contextWindow: m.spec.context_window,
      ownedBy: m.spec.deployments[0]?.provider === 'local' ? 'nexus' : 'nexus-gateway',
    }));
    // The OPENAI_BASE_URL upstream serves every model it has; those the catalog does not name are listed too.
    const named = new Set(catalog.map((m) => m.id));
    const upstream = (await this.deps.registry.upstreamModels())
      .filter((id) => !named.has(id))
      .map((id): ModelInfo => ({ id, kind: 'chat', contextWindow: 1_000_000, ownedBy: 'upstream' }));
    return [...catalog, ...upstream];
  }

  /**
   * The kind of model `name` is for the caller's tenant — one {@link listModels} would list — or
   * undefined when it lists no such model. Checks `permission` (the one the caller's own action needs,
   * e.g. `chat:write` to create a conversation) rather than `chat:read`.
   * @example if ((await gateway.modelKind(ctx, 'gpt-4o', 'chat:write')) !== 'chat') throw ...;
   */
  async modelKind(
    ctx: RequestContext,
    name: string,
    permission: Permission,
  ): Promise<ModelInfo['kind'] | undefined> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    const entry = this.deps.registry.list(tenantId).find((m) => m.spec.name === name);
    if (entry) return entry.spec.kind;
    return (await this.deps.registry.upstreamModels()).includes(name) ? 'chat' : undefined;
  }

  async chat(ctx: RequestContext, input: ChatInput, signal: AbortSignal): Promise<ChatRun> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'chat:write');
    const plan = this.deps.router.plan(input.model, tenantId);
    const first = plan[0]!;
    if (first.spec.kind !== 'chat')
      throw new ModelKindError(`"${input.model}" is an embedding model; use POST /v1/embeddings`, {
        details: { param: 'model' },
      });
    const promptTokens = new PromptTokens(input.messages);
    checkContext(first, promptTokens, input.params);

    const startedAt = performance.now();
    const report = newReport(input.model);
    const lookup = await this.lookupCache(tenantId, input, signal);
    if (lookup?.hit) {
      // Metered like any call, marked cached; no deployment served it, so it costs nothing.
      return {
        id: `chatcmpl-${newId('call').slice(5)}`,
        created: Math.floor(Date.now() / 1000),
        model: input.model,
        cache: 'hit',
        parts: this.metered(replay(lookup.completion, report), {
          ctx,
          tenantId,
          startedAt,
          report,
          promptTokens,
          signal,
          cached: true,
        }),
      };
    }
    const parts = this.deps.router.streamChat(
      plan,
      (routed, deployment) => ({
        model: deployment.spec.model === '*' ? routed.spec.name : deployment.spec.model,
        messages: input.messages,
        params: input.params,
      }),
      { signal, estimateTokens: () => promptTokens.exact() + requestedOutput(input.params), report },
    );
    const metered = this.metered(parts, { ctx, tenantId, startedAt, report, promptTokens, signal });
    return {
      id: `chatcmpl-${newId('call').slice(5)}`,
      created: Math.floor(Date.now() / 1000),
      model: input.model,
      cache: lookup ? 'miss' : 'off',
      parts: lookup ? storedWhenComplete(metered, lookup.store, signal) : metered,
    };
  }

  /** The response cache's answer for this call; undefined when caching is off for it. */
  private async lookupCache(
    tenantId: string,
    input: ChatInput,
    signal: AbortSignal,
  ): Promise<CacheLookup | undefined> {
    const responseCache = this.deps.responseCache;
    if (!responseCache || input.cache === 'off') return undefined;
    const policy = await responseCache.settings.cachePolicy(tenantId, input.cache);
    if (policy.mode === 'off') return undefined;
    return responseCache.cache.lookup(
      {
        tenantId,
        model: input.model,
        messages: input.messages,
        params: input.params,
        mode: policy.mode,
        ttlSeconds: policy.ttlSeconds,
      },
      signal,
    );
  }

  async embed(
    ctx: RequestContext,
    input: { model: string; input: string[]; dimensions?: number },
    signal: AbortSignal,
  ): Promise<{ model: string; vectors: number[][]; usage: Usage }> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'chat:write');
    return this.embedForTenant(tenantId, input, signal, ctx);
  }

  /**
   * Embeddings for Nexus's own work on a tenant's data (knowledge-base ingestion and search), routed and
   * metered to `tenantId` like {@link embed} but without its `chat:write` check: the service asking has
   * authorised the work itself (`kb:write`, `kb:read`). `ctx` names the caller when a request started the
   * work; background jobs pass a context without a principal.
   * @example const { vectors } = await gateway.embedForTenant(tenantId, { model: 'local-embedding', input: ['text'] }, signal, ctx);
   */
  async embedForTenant(
    tenantId: string,
    input: { model: string; input: string[]; dimensions?: number },
    signal: AbortSignal,
    ctx: RequestContext,
  ): Promise<{ model: string; vectors: number[][]; usage: Usage }> {
    const plan = this.deps.router.plan(input.model, tenantId);
    const first = plan[0]!;
    if (first.spec.kind !== 'embedding' && !first.passthrough)
      throw new ModelKindError(`"${input.model}" is a chat model; use an embedding model`, {
        details: { param: 'model' },
      });
    const estimate = input.input.reduce((n, text) => n + countTokens(text), 0);
    for (const [index, text] of input.input.entries()) {
      const tokens = countTokens(text);
      if (tokens > first.spec.context_window)
        throw new ContextLengthExceededError(
          `Input ${index} has ${tokens} tokens; "${input.model}" accepts at most ${first.spec.context_window}`,
          { details: { param: 'input', index, limit: first.spec.context_window, requested: tokens } },
        );
    }
    const startedAt = performance.now();
    const report = newReport(input.model);
    try {
      const result = await this.deps.router.call(
        plan,
        (routed, deployment, callSignal) => {
          // Never hand a provider the router's combined signal itself (see linkedSignal).
          const link = linkedSignal(callSignal);
          return deployment.model
            .embed(
              {
                model: deployment.spec.model === '*' ? routed.spec.name : deployment.spec.model,
                input: input.input,
                ...(input.dimensions ? { dimensions: input.dimensions } : {}),
              },
              { signal: link.signal },
            )
            .finally(link.release);
        },
        { signal, estimateTokens: () => estimate, report },
      );
      const usage = { inputTokens: result.inputTokens || estimate, outputTokens: 0 };
      this.meter(ctx, tenantId, 'embeddings', report, usage, startedAt, 'success');
      return { model: input.model, vectors: result.vectors, usage };
    } catch (error) {
      this.meter(
        ctx,
        tenantId,
        'embeddings',
        report,
        { inputTokens: 0, outputTokens: 0 },
        startedAt,
        statusOf(error, signal),
        error,
      );
      throw error;
    }
  }

  /** Passes the parts through and meters the call when the stream ends, however it ends. */
  private async *metered(
    parts: AsyncIterable<StreamPart>,
    run: {
      ctx: RequestContext;
      tenantId: string;
      startedAt: number;
      report: RouteReport;
      promptTokens: PromptTokens;
      signal: AbortSignal;
      cached?: boolean;
    },
  ): AsyncIterable<StreamPart> {
    let usage: Usage | undefined;
    let text = '';
    let toolText = '';
    let failure: unknown;
    try {
      for await (const part of parts) {
        if (part.type === 'usage') usage = part.usage;
        else if (part.type === 'text') text += part.text;
        else if (part.type === 'tool-call') toolText += (part.name ?? '') + part.arguments;
        yield part;
      }
      // No usage from the upstream: count it (gpt-tokenizer), so clients and metering still get one.
      if (!usage) {
        usage = {
          inputTokens: run.promptTokens.exact(),
          outputTokens: countTokens(text) + countTokens(toolText),
        };
        yield { type: 'usage', usage };
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const counted = usage ?? {
        inputTokens: run.promptTokens.exact(),
        outputTokens: countTokens(text) + countTokens(toolText),
      };
      const status = failure === undefined && !run.signal.aborted ? 'success' : statusOf(failure, run.signal);
      this.meter(
        run.ctx,
        run.tenantId,
        'chat',
        run.report,
        counted,
        run.startedAt,
        status,
        failure,
        run.cached,
      );
    }
  }

  private meter(
    ctx: RequestContext,
    tenantId: string,
    endpoint: 'chat' | 'embeddings',
    report: RouteReport,
    usage: Usage,
    startedAt: number,
    status: 'success' | 'error' | 'cancelled',
    error?: unknown,
    cached = false,
  ): void {
    const price = report.deployment?.spec.price ?? { input: 0, output: 0 };
    const principal = ctx.principal;
    this.deps.meter.record({
      id: newId('call'),
      tenant_id: tenantId,
      user_id: principal ? principal.userId : null,
      api_key_id: principal?.kind === 'api_key' ? principal.keyId : null,
      request_id: ctx.requestId,
      endpoint,
      model: report.model,
      deployment: report.deployment?.id ?? null,
      provider: report.deployment?.spec.provider ?? null,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cost: (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000,
      latency_ms: Math.round(performance.now() - startedAt),
      ttft_ms: report.firstPartAt === undefined ? null : Math.round(report.firstPartAt - startedAt),
      status,
      error_code:
        error && typeof error === 'object' && 'code' in error
          ? String(error.code)
          : error
            ? 'internal_error'
            : null,
      cached,
    });
  }
}

/** What the router fills in as the call goes, for metering. */
function newReport(model: string): RouteReport {
  return { model, deployment: undefined, attempts: 0, firstPartAt: undefined };
}

function statusOf(error: unknown, signal: AbortSignal): 'error' | 'cancelled' {
  return signal.aborted && (error === undefined || error === signal.reason || isAbort(error))
    ? 'cancelled'
    : 'error';
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}

/** A cached answer as a stream: the text in one part, then its usage and finish reason. */
async function* replay(completion: CachedCompletion, report: RouteReport): AsyncIterable<StreamPart> {
  report.firstPartAt = performance.now();
  if (completion.text !== '') yield { type: 'text', text: completion.text };
  yield { type: 'usage', usage: completion.usage };
  yield { type: 'finish', reason: completion.finishReason };
}

/**
 * Passes the parts through and, on a cache miss, stores the answer once the stream has completed: not
 * after an error or a cancellation, and not when the model called tools (a tool call asks the client to
 * act on the world as it is now; replaying it, call ids and all, could repeat an action) or was filtered.
 */
async function* storedWhenComplete(
  parts: AsyncIterable<StreamPart>,
  store: (completion: CachedCompletion) => Promise<void>,
  signal: AbortSignal,
): AsyncIterable<StreamPart> {
  let text = '';
  let calledTools = false;
  let usage: Usage | undefined;
  let finish: string | undefined;
  for await (const part of parts) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call') calledTools = true;
    else if (part.type === 'usage') usage = part.usage;
    else if (part.type === 'finish') finish = part.reason;
    yield part;
  }
  if (signal.aborted || calledTools || !usage || (finish !== 'stop' && finish !== 'length')) return;
  await store({ text, finishReason: finish, usage });
}

function requestedOutput(params: Record<string, unknown>): number {
  const value = params.max_completion_tokens ?? params.max_tokens;
  return typeof value === 'number' ? value : 0;
}

/** The prompt plus the requested output must fit the model's context window. */
function checkContext(model: RoutedModel, prompt: PromptTokens, params: Record<string, unknown>): void {
  const limit = model.spec.context_window;
  // Most prompts are far below the window: the byte bound settles it without counting.
  if (prompt.bound + requestedOutput(params) <= limit) return;
  const promptTokens = prompt.exact();
  const requested = promptTokens + requestedOutput(params);
  if (requested > limit) {
    throw new ContextLengthExceededError(
      `This model's maximum context length is ${limit} tokens; the messages use ${promptTokens}${
        requestedOutput(params) ? ` and ${requestedOutput(params)} more were requested for the reply` : ''
      }`,
      { details: { param: 'messages', limit, requested, prompt_tokens: promptTokens } },
    );
  }
}

import { BadRequestError, PayloadTooLargeError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import {
  CapabilityUnavailableError,
  type ChatMessage,
  type GeneratedImage,
  type LanguageModel,
  type ModelCapability,
  type StreamPart,
  type TranscriptionResult,
  type Usage,
} from '../../providers/llm/language-model.js';
import { countTokens, PromptTokens } from '../../providers/llm/token-count.js';
import type { AccessService } from '../access/access.service.js';
import type { Permission } from '../access/permissions.js';
import type { RequestContext } from '../access/principal.js';
import type { QuotaRequest, QuotaTicket } from '../quotas/quota.service.js';
import { imageSizesOf, type ModelKind } from './catalog.js';
import type { GatewaySettingsService } from './gateway-settings.service.js';
import type { ModelRegistry } from './model-registry.js';
import { maskPrompt, restorePii } from './prompt-masking.js';
import type { CachedCompletion, CacheLookup, CacheMode, ResponseCache } from './response-cache.js';
import {
  type Deployment,
  linkedSignal,
  type ModelOverlay,
  type RoutedModel,
  type RouteReport,
  type Router,
} from './router.js';
import type { UsageMeter } from './usage-meter.js';

export class ContextLengthExceededError extends BadRequestError {
  override readonly code = 'context_length_exceeded';
}

export class ModelKindError extends BadRequestError {
  override readonly code = 'invalid_model';
}

/** An image size the model does not generate; `details.supported` lists those it does. */
export class UnsupportedImageSizeError extends BadRequestError {
  override readonly code = 'unsupported_image_size';
}

/** What each kind of model is called in messages, and the endpoint that serves it. */
const KINDS: Readonly<Record<ModelKind, { noun: string; endpoint: string }>> = {
  chat: { noun: 'a chat model', endpoint: 'POST /v1/chat/completions' },
  embedding: { noun: 'an embedding model', endpoint: 'POST /v1/embeddings' },
  image: { noun: 'an image model', endpoint: 'POST /v1/images/generations' },
  speech: { noun: 'a text-to-speech model', endpoint: 'POST /v1/audio/speech' },
  transcription: {
    noun: 'a speech-to-text (transcription) model',
    endpoint: 'POST /v1/audio/transcriptions',
  },
};

/**
 * "a chat model", "an image model", ...: for messages about a model of the wrong kind.
 * @example `"${name}" is ${describeModelKind('embedding')}` // '"x" is an embedding model'
 */
export function describeModelKind(kind: ModelKind): string {
  return KINDS[kind].noun;
}

/** 400 `invalid_model`: `name` is a model of kind `actual` where one of kind `wanted` is needed. */
function wrongKind(name: string, actual: ModelKind, wanted: ModelKind): ModelKindError {
  return new ModelKindError(
    `"${name}" is ${KINDS[actual].noun}, not ${KINDS[wanted].noun}; use it with ${KINDS[actual].endpoint}`,
    { details: { param: 'model', kind: actual, expected: wanted } },
  );
}

/** Limits on speech input that hold whatever the provider (`SPEECH_MAX_TEXT_CHARS`, `SPEECH_MAX_AUDIO_BYTES`). */
export interface MediaLimits {
  /** Text to speech: the most characters of text. */
  maxTextChars: number;
  /** Speech to text: the largest audio file. */
  maxAudioBytes: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = { maxTextChars: 4096, maxAudioBytes: 26_214_400 };

/** The most images one call may ask for. */
export const MAX_IMAGES_PER_CALL = 4;

export interface ImageGeneration {
  /** The model that served the call (the one asked for, or the fallback that served it). */
  model: string;
  provider: string;
  images: GeneratedImage[];
  revisedPrompt?: string;
  /** `nexus-local-test-image` for the offline provider's labelled test images. */
  label?: string;
}

export interface SpeechSynthesis {
  model: string;
  provider: string;
  audio: Uint8Array;
  mediaType: string;
  /** 0 when the upstream answered audio that is not WAV (its length is then unknown). */
  durationSeconds: number;
}

export interface Transcription {
  model: string;
  provider: string;
  text: string;
  language: string | null;
  durationSeconds: number | null;
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
  kind: ModelKind;
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
      /** The tenant's `pii_masking` setting: prompts leave with placeholders, replies come back restored. */
      piiMasking?: Pick<GatewaySettingsService, 'piiMasking'>;
      media?: MediaLimits;
      /**
       * Quotas (modules/quotas): every chat, `POST /v1/embeddings`, image and speech call reserves against
       * the caller's budgets before it is routed and settles after. Absent (`QUOTAS_ENABLED=false`): unchecked.
       */
      quotas?: { reserve(request: QuotaRequest): Promise<QuotaTicket> };
      /** The runtime config's model aliases for the caller (release module); absent: names route as sent. */
      modelAlias?: (ctx: RequestContext, name: string) => string;
      /**
       * The runtime config's models for the caller (release module: its effective version's
       * `models.entries`), which override catalog models of the same name for chat and embeddings.
       */
      modelOverlay?: (ctx: RequestContext) => ModelOverlay | undefined;
    },
  ) {}

  /** The limits on speech input (`SPEECH_MAX_TEXT_CHARS`, `SPEECH_MAX_AUDIO_BYTES`), for edges that read uploads. */
  get mediaLimits(): MediaLimits {
    return this.deps.media ?? DEFAULT_MEDIA_LIMITS;
  }

  async listModels(ctx: RequestContext): Promise<ModelInfo[]> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'chat:read');
    const catalog: ModelInfo[] = this.deps.registry.list(tenantId, this.overlay(ctx)).map((m) => ({
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
    const routed = this.routedName(ctx, name);
    const entry = this.deps.registry.list(tenantId, this.overlay(ctx)).find((m) => m.spec.name === routed);
    if (entry) return entry.spec.kind;
    return (await this.deps.registry.upstreamModels()).includes(routed) ? 'chat' : undefined;
  }

  /**
   * A chat completion. `permission` is what the caller must hold in the tenant: `chat:write` for the
   * OpenAI routes, `tasks:write` when `POST /v1/invoke` runs it.
   */
  async chat(
    ctx: RequestContext,
    input: ChatInput,
    signal: AbortSignal,
    permission: Permission = 'chat:write',
  ): Promise<ChatRun> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    const plan = this.deps.router.plan(this.routedName(ctx, input.model), tenantId, this.overlay(ctx));
    const first = plan[0]!;
    if (first.spec.kind !== 'chat') throw wrongKind(input.model, first.spec.kind, 'chat');
    const promptTokens = new PromptTokens(input.messages);
    checkContext(first, promptTokens, input.params);
    const quota = this.deps.quotas
      ? await this.reserveQuota(ctx, tenantId, promptTokens.exact(), askedOutput(input.params), true)
      : undefined;
    try {
      return await this.startChat(ctx, tenantId, input, signal, plan, promptTokens, quota);
    } catch (error) {
      await quota?.release();
      throw error;
    }
  }

  /** The rest of {@link chat}, once the call is authorised and its quota reserved. */
  private async startChat(
    ctx: RequestContext,
    tenantId: string,
    asked: ChatInput,
    signal: AbortSignal,
    plan: RoutedModel[],
    promptTokens: PromptTokens,
    quota: QuotaTicket | undefined,
  ): Promise<ChatRun> {
    // A plan's max_tokens cap applies to a request that named none (the reservation counted on it).
    const input: ChatInput =
      quota?.maxTokens != null
        ? { ...asked, params: { ...asked.params, max_tokens: quota.maxTokens } }
        : asked;
    const startedAt = performance.now();
    const report = newReport(input.model);
    // Keyed by the model the call is routed to, so retargeting a runtime-config alias never serves the
    // old target's answers.
    const lookup = await this.lookupCache(
      tenantId,
      { ...asked, model: plan[0]!.cacheName ?? plan[0]!.spec.name },
      signal,
    );
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
          quota,
        }),
      };
    }
    // Masked only on the way to a provider: the response cache and metering see the real conversation.
    const masked = (await this.deps.piiMasking?.piiMasking(tenantId))
      ? maskPrompt(input.messages)
      : undefined;
    const upstream = this.deps.router.streamChat(
      plan,
      (routed, deployment) => ({
        model: deployment.spec.model === '*' ? routed.spec.name : deployment.spec.model,
        messages: masked?.messages ?? input.messages,
        params: input.params,
      }),
      { signal, estimateTokens: () => promptTokens.exact() + requestedOutput(input.params), report },
    );
    const parts = masked?.vault ? restorePii(upstream, masked.vault) : upstream;
    const metered = this.metered(parts, { ctx, tenantId, startedAt, report, promptTokens, signal, quota });
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
    // Counted against quotas here, not in embedForTenant: Nexus's own embeddings (knowledge-base
    // ingestion and search, the semantic cache) are metered but never refused for a budget.
    const quota = this.deps.quotas
      ? await this.reserveQuota(
          ctx,
          tenantId,
          input.input.reduce((n, text) => n + countTokens(text), 0),
          undefined,
          false,
        )
      : undefined;
    try {
      const result = await this.embedForTenant(tenantId, input, signal, ctx);
      await quota?.settle(result.usage.inputTokens);
      return result;
    } catch (error) {
      await quota?.release();
      throw error;
    }
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
    const plan = this.deps.router.plan(this.routedName(ctx, input.model), tenantId, this.overlay(ctx));
    const first = plan[0]!;
    if (first.spec.kind !== 'embedding' && !first.passthrough)
      throw wrongKind(input.model, first.spec.kind, 'embedding');
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

  /**
   * Generates `n` images of `width` × `height` with an image model, routed (retries, fallbacks, circuit
   * breakers) and metered (endpoint `images`; input tokens: the prompt's, output tokens 0). The size must
   * be one the model lists (`image_sizes`), else 400 `unsupported_image_size` with `details.supported`.
   * `permission` defaults to `chat:write` (`tasks:write` for `POST /v1/invoke`).
   * @example const { images } = await gateway.generateImage(ctx, { model: 'local-image', prompt: 'a fox', width: 256, height: 256, n: 1 }, signal);
   */
  async generateImage(
    ctx: RequestContext,
    input: { model: string; prompt: string; width: number; height: number; n: number },
    signal: AbortSignal,
    permission: Permission = 'chat:write',
  ): Promise<ImageGeneration> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    if (input.prompt.trim() === '') throw invalid('prompt', 'must not be empty', 'too_small');
    if (input.prompt.length > 32_000) throw invalid('prompt', 'must be at most 32000 characters', 'too_big');
    if (!Number.isInteger(input.n) || input.n < 1 || input.n > MAX_IMAGES_PER_CALL)
      throw invalid('n', `must be an integer from 1 to ${MAX_IMAGES_PER_CALL}`, 'invalid_value');
    const plan = this.imagePlan(input, tenantId);
    const promptTokens = countTokens(input.prompt);
    const result = await this.routedCall(ctx, tenantId, 'images', plan, 'generateImage', signal, {
      estimate: promptTokens,
      usage: () => ({ inputTokens: promptTokens, outputTokens: 0 }),
      run: (model, request, callSignal) =>
        model.generateImage!({ ...input, model: request }, { signal: callSignal }),
    });
    return {
      model: result.model,
      provider: result.provider,
      images: result.value.images,
      ...(result.value.revisedPrompt ? { revisedPrompt: result.value.revisedPrompt } : {}),
      ...(result.value.label ? { label: result.value.label } : {}),
    };
  }

  /**
   * Text to speech (WAV) with a speech model, routed and metered (endpoint `audio.speech`; input tokens:
   * the text's characters, as speech is priced per character; output 0). Text must be 1 to
   * `SPEECH_MAX_TEXT_CHARS` characters, `speed` 0.25–4.
   * @example const { audio } = await gateway.synthesizeSpeech(ctx, { model: 'local-tts', text: 'hello' }, signal);
   */
  async synthesizeSpeech(
    ctx: RequestContext,
    input: { model: string; text: string; voice?: string; speed?: number; format?: 'wav' },
    signal: AbortSignal,
    permission: Permission = 'chat:write',
  ): Promise<SpeechSynthesis> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    const { maxTextChars } = this.mediaLimits;
    if (input.text.trim() === '') throw invalid('input', 'the text to speak must not be empty', 'too_small');
    if (input.text.length > maxTextChars)
      throw invalid('input', `the text to speak must be at most ${maxTextChars} characters`, 'too_big');
    if (input.speed !== undefined && !(input.speed >= 0.25 && input.speed <= 4))
      throw invalid('speed', 'must be from 0.25 to 4', 'invalid_value');
    if (input.voice !== undefined && (input.voice.length === 0 || input.voice.length > 64))
      throw invalid('voice', 'must be 1 to 64 characters', 'invalid_value');
    if (input.format !== undefined && input.format !== 'wav')
      throw invalid('response_format', 'only wav is supported', 'invalid_value');
    const plan = this.planFor(input.model, tenantId, 'speech');
    const characters = input.text.length;
    const result = await this.routedCall(ctx, tenantId, 'audio.speech', plan, 'synthesizeSpeech', signal, {
      estimate: characters,
      usage: () => ({ inputTokens: characters, outputTokens: 0 }),
      run: (model, request, callSignal) =>
        model.synthesizeSpeech!(
          {
            model: request,
            text: input.text,
            ...(input.voice === undefined ? {} : { voice: input.voice }),
            ...(input.speed === undefined ? {} : { speed: input.speed }),
            format: 'wav',
          },
          { signal: callSignal },
        ),
    });
    return { model: result.model, provider: result.provider, ...result.value };
  }

  /**
   * Speech to text with a transcription model, routed and metered (endpoint `audio.transcriptions`; input
   * tokens: the audio's seconds, rounded up, when known; output tokens: the transcript's). Audio must be 1
   * byte to `SPEECH_MAX_AUDIO_BYTES`.
   * @example const { text } = await gateway.transcribe(ctx, { model: 'local-asr', audio, filename: 'a.wav', mediaType: 'audio/wav' }, signal);
   */
  async transcribe(
    ctx: RequestContext,
    input: { model: string; audio: Uint8Array; filename: string; mediaType: string; language?: string },
    signal: AbortSignal,
    permission: Permission = 'chat:write',
  ): Promise<Transcription> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    const { maxAudioBytes } = this.mediaLimits;
    if (input.audio.length === 0) throw invalid('file', 'the audio file is empty', 'too_small');
    if (input.audio.length > maxAudioBytes)
      throw new PayloadTooLargeError(`The audio file is larger than ${maxAudioBytes} bytes`, {
        details: { param: 'file', limit: maxAudioBytes },
      });
    if (input.language !== undefined && !/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/.test(input.language))
      throw invalid('language', 'must be a language code such as en or en-US', 'invalid_value');
    const plan = this.planFor(input.model, tenantId, 'transcription');
    const result = await this.routedCall<TranscriptionResult>(
      ctx,
      tenantId,
      'audio.transcriptions',
      plan,
      'transcribe',
      signal,
      {
        estimate: 0,
        usage: (value) => ({
          inputTokens: value.durationSeconds === null ? 0 : Math.ceil(value.durationSeconds),
          outputTokens: countTokens(value.text),
        }),
        run: (model, request, callSignal) =>
          model.transcribe!(
            {
              model: request,
              audio: input.audio,
              filename: input.filename,
              mediaType: input.mediaType,
              ...(input.language === undefined ? {} : { language: input.language }),
            },
            { signal: callSignal },
          ),
      },
    );
    return { model: result.model, provider: result.provider, ...result.value };
  }

  /** The plan for `name` when it must be a model of `kind` (fallbacks of another kind are left out). */
  /**
   * Checks, before any work is stored or started, that the caller may use `model` as a model of `kind`
   * (404 `model_not_found`, 400 `invalid_model`) and, for images, that it generates `width` × `height`
   * (400 `unsupported_image_size`) — the same errors the call itself would answer. Passthrough models
   * (any name the `OPENAI_BASE_URL` upstream may serve) pass; the upstream judges them.
   * @example await gateway.checkModel(ctx, { model: 'local-image', kind: 'image', width: 512, height: 512 }, 'tasks:write');
   */
  async checkModel(
    ctx: RequestContext,
    input: { model: string; kind: ModelKind; width?: number; height?: number },
    permission: Permission = 'chat:write',
  ): Promise<void> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    if (input.kind === 'image' && input.width !== undefined && input.height !== undefined)
      this.imagePlan({ model: input.model, width: input.width, height: input.height }, tenantId);
    else this.planFor(input.model, tenantId, input.kind);
  }

  /** The plan of an image call, after checking the size against the model's `image_sizes`. */
  private imagePlan(
    input: { model: string; width: number; height: number },
    tenantId: string,
  ): RoutedModel[] {
    const plan = this.planFor(input.model, tenantId, 'image');
    const size = `${input.width}x${input.height}`;
    // The passthrough upstream's models have no catalog entry: the upstream judges the size itself.
    if (!plan[0]!.passthrough) {
      const supported = imageSizesOf(plan[0]!.spec);
      if (!Number.isInteger(input.width) || !Number.isInteger(input.height) || !supported.includes(size))
        throw new UnsupportedImageSizeError(
          `"${input.model}" does not generate ${size} images; supported sizes: ${supported.join(', ')}`,
          { details: { param: 'size', requested: size, supported: [...supported] } },
        );
    }
    return plan;
  }

  /** The model a chat or embedding request for `name` is routed to: the runtime config's alias, if any. */
  private routedName(ctx: RequestContext, name: string): string {
    return this.deps.modelAlias?.(ctx, name) ?? name;
  }

  /** The runtime config's models for the caller (its `models.entries`), if any. */
  private overlay(ctx: RequestContext): ModelOverlay | undefined {
    return this.deps.modelOverlay?.(ctx);
  }

  private planFor(name: string, tenantId: string, kind: ModelKind): RoutedModel[] {
    const plan = this.deps.router.plan(name, tenantId);
    const first = plan[0]!;
    if (first.spec.kind !== kind && !first.passthrough) throw wrongKind(name, first.spec.kind, kind);
    return plan.filter((m) => m.spec.kind === kind || m.passthrough);
  }

  /**
   * One non-streaming call through the router to a deployment's `capability`, metered however it ends. A
   * deployment whose adapter lacks the capability answers 501 `capability_unavailable`.
   */
  private async routedCall<T>(
    ctx: RequestContext,
    tenantId: string,
    endpoint: MeteredEndpoint,
    plan: RoutedModel[],
    capability: ModelCapability,
    signal: AbortSignal,
    call: {
      estimate: number;
      usage: (value: T) => Usage;
      run: (model: LanguageModel, upstreamModel: string, signal: AbortSignal) => Promise<T>;
    },
  ): Promise<{ value: T; model: string; provider: string }> {
    const quota = await this.reserveQuota(ctx, tenantId, call.estimate, undefined, false);
    const startedAt = performance.now();
    const report = newReport(plan[0]!.spec.name);
    try {
      const value = await this.deps.router.call(
        plan,
        (routed, deployment, callSignal) => {
          if (typeof deployment.model[capability] !== 'function')
            return Promise.reject(missingCapability(routed, deployment, capability));
          // Never hand a provider the router's combined signal itself (see linkedSignal).
          const link = linkedSignal(callSignal);
          return call
            .run(deployment.model, upstreamModelOf(routed, deployment), link.signal)
            .finally(link.release);
        },
        { signal, estimateTokens: () => call.estimate, report },
      );
      const usage = call.usage(value);
      this.meter(ctx, tenantId, endpoint, report, usage, startedAt, 'success');
      await quota?.settle(usage.inputTokens + usage.outputTokens);
      return { value, model: report.model, provider: report.deployment?.spec.provider ?? 'unknown' };
    } catch (error) {
      await quota?.release();
      this.meter(
        ctx,
        tenantId,
        endpoint,
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
      quota?: QuotaTicket | undefined;
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
      // A call that failed before anything came back gives its reservation back; anything else is
      // charged what it used (a cancelled stream: the part that was produced).
      // Sent now, not awaited: the answer does not wait for the bookkeeping (the ticket logs a failure,
      // and shutdown waits for it through QuotaService.settled).
      if (status === 'error' && run.report.firstPartAt === undefined) void run.quota?.release();
      else void run.quota?.settle(counted.inputTokens + counted.outputTokens);
    }
  }

  /** Reserves the call against the caller's quotas (undefined when quotas are off). */
  private reserveQuota(
    ctx: RequestContext,
    tenantId: string,
    inputTokens: number,
    requestedOutputTokens: number | undefined,
    generates: boolean,
  ): Promise<QuotaTicket> | undefined {
    return this.deps.quotas?.reserve({
      tenantId,
      userId: ctx.principal?.userId ?? null,
      inputTokens,
      requestedOutputTokens,
      generates,
    });
  }

  private meter(
    ctx: RequestContext,
    tenantId: string,
    endpoint: MeteredEndpoint,
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

/** The `endpoint` of a metered call (`llm_calls.endpoint`). */
export type MeteredEndpoint = 'chat' | 'embeddings' | 'images' | 'audio.speech' | 'audio.transcriptions';

const CAPABILITY_NOUNS: Readonly<Record<ModelCapability, string>> = {
  generateImage: 'image generation',
  synthesizeSpeech: 'text to speech',
  transcribe: 'speech to text',
};

function missingCapability(routed: RoutedModel, deployment: Deployment, capability: ModelCapability) {
  return new CapabilityUnavailableError(
    `Deployment "${deployment.id}" of "${routed.spec.name}" uses provider ${deployment.spec.provider}, which has no ${CAPABILITY_NOUNS[capability]}`,
    { details: { param: 'model', provider: deployment.spec.provider } },
  );
}

/** The upstream's name for the model (`*`, the passthrough deployment, serves every name as asked). */
function upstreamModelOf(routed: RoutedModel, deployment: Deployment): string {
  return deployment.spec.model === '*' ? routed.spec.name : deployment.spec.model;
}

/** 400 `validation_failed` naming the parameter, in the shape the edge's validation errors have. */
function invalid(param: string, message: string, issue: string): ValidationError {
  return new ValidationError(`${param}: ${message}`, {
    details: [{ location: 'body', path: param, message, issue }],
  });
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

/** The output tokens a chat request asked for (`max_completion_tokens` or `max_tokens`), if it named any. */
function askedOutput(params: Record<string, unknown>): number | undefined {
  const value = params.max_completion_tokens ?? params.max_tokens;
  return typeof value === 'number' ? value : undefined;
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

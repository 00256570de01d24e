import { fileTypeFromBuffer } from 'file-type';
import OpenAI from 'openai';
import { GuardedFetchError, guardedFetch } from '../../platform/net/guarded-fetch.js';
import { SsrfPolicy } from '../../platform/net/ssrf-guard.js';
import { VERSION } from '../../version.js';
import { pngSize } from '../images/png.js';
import { fixWavSizes, isWav, WavFormatError } from '../speech/wav.js';
import {
  type CallOptions,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type FinishReason,
  type GeneratedImage,
  type ImageRequest,
  type ImageResult,
  type LanguageModel,
  type SpeechRequest,
  type SpeechResult,
  type StreamPart,
  type TranscriptionRequest,
  type TranscriptionResult,
  UpstreamError,
  upstreamUnreachableError,
} from './language-model.js';
import { openAIHttpError, type SseEvent, SseParser, UpstreamEndpoint } from './upstream-sse.js';

export interface OpenAICompatibleSettings {
  baseUrl: string;
  apiKey: string;
  /** Ask the upstream for usage in streams (`stream_options.include_usage`); off for upstreams without it. */
  streamUsage?: boolean;
  /** Give up when the upstream has sent no response headers within this long (a retryable failure). */
  connectTimeoutMs?: number;
  fetch?: typeof fetch;
  /** The W3C `traceparent` of the active span, sent with chat requests (when traces are recorded). */
  traceparent?: () => string | undefined;
}

/** The largest JSON answer read from an upstream's images or transcription endpoint (base64 images). */
const MAX_UPSTREAM_JSON_BYTES = 64 * 1024 * 1024;
/** The largest audio answer read from an upstream's speech endpoint. */
const MAX_UPSTREAM_AUDIO_BYTES = 64 * 1024 * 1024;
/** An image the upstream answers by URL (instead of base64): the largest accepted, and how long to wait. */
const MAX_IMAGE_URL_BYTES = 32 * 1024 * 1024;
const IMAGE_URL_TIMEOUT_MS = 60_000;

/**
 * Any upstream that speaks OpenAI's Chat Completions and Embeddings: OpenAI, DeepSeek, Qwen (DashScope
 * compatible mode), Moonshot, Zhipu, Ollama, vLLM; and, where the upstream has them, its images
 * (`/images/generations`) and audio (`/audio/speech`, `/audio/transcriptions`) endpoints. Request
 * parameters pass through untouched; the router owns retries, so the SDK's are off.
 */
export class OpenAICompatibleModel implements LanguageModel {
  readonly provider = 'openai-compatible';
  private readonly client: OpenAI;
  private readonly endpoint: UpstreamEndpoint;
  private policy: SsrfPolicy | undefined;

  constructor(private readonly settings: OpenAICompatibleSettings) {
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey,
      maxRetries: 0,
      timeout: 24 * 3600 * 1000,
      // Failures surface as UpstreamErrors and are logged once at the edge; the SDK's own stderr lines
      // (e.g. "Could not parse message into JSON" on a malformed stream) would only duplicate them.
      logLevel: 'off',
      ...(settings.fetch ? { fetch: settings.fetch } : {}),
    });
    this.endpoint = new UpstreamEndpoint(settings.baseUrl, {
      authorization: `Bearer ${settings.apiKey}`,
      accept: 'text/event-stream',
      'user-agent': `nexus-gateway/${VERSION}`,
    });
  }

  async *stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    const { stream_options: _ignored, ...params } = request.params;
    const body = JSON.stringify({
      ...params,
      model: request.model,
      messages: request.messages,
      stream: true,
      ...(this.settings.streamUsage === false ? {} : { stream_options: { include_usage: true } }),
    });
    // The connect timeout ends when the response headers arrive; the router's first-token and total
    // timeouts cover the rest.
    const response = await this.endpoint.post('/chat/completions', body, {
      signal: options.signal,
      headersTimeoutMs: this.settings.connectTimeoutMs,
      traceparent: this.settings.traceparent?.(),
    });
    const parser = new SseParser();
    const parts: StreamPart[] = [];
    let finish: FinishReason | undefined;
    let done = false;
    let broken: unknown;
    // The parts of every event a chunk completed are yielded before a bad event's error is thrown: the
    // tokens that came first reach the client, and the failure comes after them.
    const take = (events: SseEvent[]) => {
      for (const event of events) {
        if (done) return;
        // Read on to the end of the body after [DONE], so the connection goes back to the pool.
        if (event.data.startsWith('[DONE]')) done = true;
        else {
          try {
            finish = chunkParts(parseChunk(event), parts) ?? finish;
          } catch (error) {
            broken = error;
            done = true;
          }
        }
      }
    };
    response.setEncoding('utf8');
    try {
      for await (const text of response) {
        take(parser.push(text as string));
        if (parts.length > 0) {
          yield* parts;
          parts.length = 0;
        }
        if (broken) break;
      }
      if (!broken) take(parser.end());
      yield* parts;
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
    if (broken) {
      response.destroy();
      throw broken;
    }
    // A body cut short by our own signal (a timeout, the client gone) ends quietly: say why.
    if (options.signal.aborted) throw options.signal.reason;
    if (!finish)
      throw new UpstreamError('The upstream stream ended without a finish reason', { retryable: true });
    yield { type: 'finish', reason: finish };
  }

  async embed(request: EmbedRequest, options: CallOptions): Promise<EmbedResult> {
    try {
      const response = await this.client.embeddings.create(
        {
          model: request.model,
          input: request.input,
          encoding_format: 'float',
          ...(request.dimensions ? { dimensions: request.dimensions } : {}),
        },
        { signal: options.signal },
      );
      const sorted = [...response.data].sort((a, b) => a.index - b.index);
      return { vectors: sorted.map((d) => d.embedding), inputTokens: response.usage?.prompt_tokens ?? 0 };
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
  }

  /**
   * `POST {base}/images/generations` asking for base64 (`response_format: b64_json`). An upstream that
   * answers with URLs anyway has them fetched: through the SSRF guard (public addresses, and the
   * upstream's own host), at most 32 MiB each.
   */
  async generateImage(request: ImageRequest, options: CallOptions): Promise<ImageResult> {
    const body = JSON.stringify({
      model: request.model,
      prompt: request.prompt,
      n: request.n,
      size: `${request.width}x${request.height}`,
      response_format: 'b64_json',
    });
    const json = (await this.postForJson('/images/generations', body, options.signal)) as {
      data?: { b64_json?: unknown; url?: unknown; revised_prompt?: unknown }[];
    };
    const data = Array.isArray(json.data) ? json.data : [];
    if (data.length === 0) throw new UpstreamError('The upstream answered no images', { retryable: false });
    const images: GeneratedImage[] = [];
    for (const item of data) {
      let bytes: Uint8Array;
      if (typeof item.b64_json === 'string') bytes = new Uint8Array(Buffer.from(item.b64_json, 'base64'));
      else if (typeof item.url === 'string') bytes = await this.fetchImage(item.url, options.signal);
      else
        throw new UpstreamError('The upstream answered an image without b64_json or url', {
          retryable: false,
        });
      const type = await fileTypeFromBuffer(bytes);
      if (!type?.mime.startsWith('image/'))
        throw new UpstreamError('The upstream answered something that is not an image', { retryable: false });
      const size = type.mime === 'image/png' ? pngSize(bytes) : undefined;
      images.push({
        data: bytes,
        mediaType: type.mime,
        width: size?.width ?? request.width,
        height: size?.height ?? request.height,
      });
    }
    const revised = data[0]?.revised_prompt;
    return { images, ...(typeof revised === 'string' && revised ? { revisedPrompt: revised } : {}) };
  }

  private async fetchImage(url: string, signal: AbortSignal): Promise<Uint8Array> {
    try {
      const result = await guardedFetch(url, {
        policy: this.imagePolicy,
        maxBytes: MAX_IMAGE_URL_BYTES,
        timeoutMs: IMAGE_URL_TIMEOUT_MS,
        signal,
        accept: 'image/*',
        userAgent: `nexus-gateway/${VERSION}`,
      });
      return result.bytes;
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      const code = error instanceof GuardedFetchError ? error.code : 'url_fetch_failed';
      // A blocked or oversized URL will not get better; a timeout or a failed fetch may.
      const retryable = code === 'url_timeout' || code === 'url_fetch_failed' || code === 'url_http_error';
      throw new UpstreamError(`The image the upstream pointed at could not be fetched (${code})`, {
        retryable,
        cause: error,
      });
    }
  }

  /** Public addresses, plus the upstream's own host (the operator chose to talk to it already). */
  private get imagePolicy(): SsrfPolicy {
    this.policy ??= new SsrfPolicy([new URL(this.settings.baseUrl).hostname]);
    return this.policy;
  }

  /** `POST {base}/audio/speech` asking for WAV; the answer's bytes as the upstream sent them. */
  async synthesizeSpeech(request: SpeechRequest, options: CallOptions): Promise<SpeechResult> {
    const body = JSON.stringify({
      model: request.model,
      input: request.text,
      ...(request.voice === undefined ? {} : { voice: request.voice }),
      ...(request.speed === undefined ? {} : { speed: request.speed }),
      response_format: request.format,
    });
    return this.call('/audio/speech', body, 'audio/*', options.signal, async (response) => {
      let audio = await readBody(response, MAX_UPSTREAM_AUDIO_BYTES);
      const mediaType = (response.headers.get('content-type') ?? 'audio/wav')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      let durationSeconds = 0;
      if (isWav(audio)) {
        try {
          const fixed = fixWavSizes(audio);
          audio = fixed.bytes;
          durationSeconds = fixed.header.durationSeconds;
        } catch (error) {
          if (!(error instanceof WavFormatError)) throw error;
        }
      }
      return { audio, mediaType: isWav(audio) ? 'audio/wav' : mediaType, durationSeconds };
    });
  }

  /**
   * `POST {base}/audio/transcriptions` (multipart) asking for `verbose_json`, which carries the language and
   * duration; an upstream that refuses it (OpenAI's gpt-4o transcription models) is asked again for `json`.
   */
  async transcribe(request: TranscriptionRequest, options: CallOptions): Promise<TranscriptionResult> {
    const ask = (format: 'verbose_json' | 'json') => {
      const form = new FormData();
      const type = request.mediaType || 'application/octet-stream';
      form.append('file', new Blob([Buffer.from(request.audio)], { type }), request.filename || 'audio');
      form.append('model', request.model);
      if (request.language) form.append('language', request.language);
      form.append('response_format', format);
      return this.postForJson('/audio/transcriptions', form, options.signal);
    };
    let json: {
      text?: unknown;
      language?: unknown;
      duration?: unknown;
      usage?: { type?: unknown; seconds?: unknown };
    };
    try {
      json = (await ask('verbose_json')) as typeof json;
    } catch (error) {
      if (
        !(
          error instanceof UpstreamError &&
          error.code === 'invalid_request' &&
          /response_format|verbose_json/i.test(error.message)
        )
      )
        throw error;
      json = (await ask('json')) as typeof json;
    }
    if (typeof json.text !== 'string')
      throw new UpstreamError('The upstream answered a transcription without text', { retryable: false });
    const duration =
      typeof json.duration === 'number'
        ? json.duration
        : json.usage?.type === 'duration' && typeof json.usage.seconds === 'number'
          ? json.usage.seconds
          : null;
    const language =
      typeof json.language === 'string' && json.language ? json.language : (request.language ?? null);
    return { text: json.text, language, durationSeconds: duration };
  }

  private postForJson(path: string, body: string | FormData, signal: AbortSignal): Promise<unknown> {
    return this.call(path, body, 'application/json', signal, async (response) => {
      const bytes = await readBody(response, MAX_UPSTREAM_JSON_BYTES);
      try {
        return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
      } catch {
        throw new UpstreamError('The upstream answered something that is not JSON', { retryable: true });
      }
    });
  }

  /**
   * One POST to the upstream with fetch: no response headers within the connect timeout is a retryable
   * failure, an HTTP error answer maps like chat's (`openAIHttpError`), a connection that fails is
   * retryable; the caller's signal aborts it (and is what the call rejects with).
   */
  private async call<T>(
    path: string,
    body: string | FormData,
    accept: string,
    signal: AbortSignal,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const forward = () => controller.abort(signal.reason);
    if (signal.aborted) forward();
    else signal.addEventListener('abort', forward, { once: true });
    const timeoutMs = this.settings.connectTimeoutMs;
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs);
    try {
      const response = await (this.settings.fetch ?? fetch)(
        `${this.settings.baseUrl.replace(/\/+$/, '')}${path}`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.settings.apiKey}`,
            accept,
            'user-agent': `nexus-gateway/${VERSION}`,
            ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
          },
          body,
          signal: controller.signal,
        },
      );
      clearTimeout(timer);
      if (!response.ok) {
        const text = Buffer.from(await readBody(response, 65_536).catch(() => new Uint8Array(0))).toString(
          'utf8',
        );
        let message = text.slice(0, 1000) || `HTTP ${response.status}`;
        let code: unknown;
        try {
          const error = (JSON.parse(text) as { error?: { message?: unknown; code?: unknown } | string })
            .error;
          if (typeof error === 'string') message = error;
          else if (typeof error?.message === 'string') message = error.message;
          if (typeof error === 'object') code = error?.code;
        } catch {
          // Not JSON: the text itself is the message.
        }
        throw openAIHttpError(response.status, message, code, response.headers.get('retry-after'));
      }
      return await read(response);
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      if (error instanceof UpstreamError) throw error;
      if (timedOut)
        throw new UpstreamError(`The upstream sent no response headers within ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      throw upstreamUnreachableError(error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', forward);
    }
  }

  /** `GET {base}/models`: the ids the upstream serves (bounded, in case a server pages without end). */
  async listModels(options: CallOptions): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const model of this.client.models.list({ signal: options.signal })) {
        ids.push(model.id);
        if (ids.length >= 10_000) break;
      }
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
    return ids;
  }
}

/** A response body, at most `maxBytes` (more is a non-retryable failure: the upstream will not send less). */
async function readBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  const tooLarge = () =>
    new UpstreamError(`The upstream answered more than ${maxBytes} bytes`, { retryable: false });
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

interface ChunkJson {
  choices?: {
    delta?: {
      content?: string | null;
      tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; code?: unknown } | string;
}

/** One stream event's JSON; an `error` object or event in the stream is the upstream failing mid-way. */
function parseChunk(event: SseEvent): ChunkJson {
  let chunk: ChunkJson;
  try {
    chunk = JSON.parse(event.data) as ChunkJson;
  } catch {
    throw new UpstreamError('The upstream sent a stream event that is not JSON', { retryable: true });
  }
  if (chunk === null || typeof chunk !== 'object')
    throw new UpstreamError('The upstream sent a stream event that is not a JSON object', {
      retryable: true,
    });
  if (chunk.error || event.event === 'error') {
    const message =
      typeof chunk.error === 'string'
        ? chunk.error
        : (chunk.error?.message ?? 'the upstream reported an error');
    throw new UpstreamError(`The upstream stream failed: ${message}`, { retryable: true });
  }
  return chunk;
}

/** Appends the parts one Chat Completions chunk carries; returns its finish reason, if any. */
function chunkParts(chunk: ChunkJson, parts: StreamPart[]): FinishReason | undefined {
  const choice = chunk.choices?.[0];
  const delta = choice?.delta;
  if (delta?.content) parts.push({ type: 'text', text: delta.content });
  if (delta?.tool_calls) {
    for (const call of delta.tool_calls) {
      parts.push({
        type: 'tool-call',
        index: call.index,
        ...(call.id ? { id: call.id } : {}),
        ...(call.function?.name ? { name: call.function.name } : {}),
        arguments: call.function?.arguments ?? '',
      });
    }
  }
  if (chunk.usage) {
    parts.push({
      type: 'usage',
      usage: {
        inputTokens: chunk.usage.prompt_tokens ?? 0,
        outputTokens: chunk.usage.completion_tokens ?? 0,
      },
    });
  }
  return choice?.finish_reason ? normaliseFinish(choice.finish_reason) : undefined;
}

function normaliseFinish(reason: string): FinishReason {
  return reason === 'length' || reason === 'tool_calls' || reason === 'content_filter'
    ? reason
    : reason === 'function_call'
      ? 'tool_calls'
      : 'stop';
}

/** Maps what the SDK throws to an UpstreamError; an abort by our own signal is rethrown as is. */
export function toUpstreamError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof UpstreamError) return error;
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const status = error.status;
    const upstreamMessage =
      (error.error as { message?: string } | undefined)?.message ?? error.message ?? `HTTP ${status}`;
    return openAIHttpError(status, upstreamMessage, error.code, error.headers?.get?.('retry-after'), error);
  }
  return upstreamUnreachableError(error);
}

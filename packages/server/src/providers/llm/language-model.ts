import { AppError } from '../../errors.js';

/**
 * The one interface every language-model provider implements. Messages and request parameters keep
 * OpenAI's Chat Completions shape (the lingua franca clients send); adapters translate to their upstream.
 * Generation is a stream of parts; non-streaming calls collect the same stream (`collect`).
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: string; [key: string]: unknown };

export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/**
 * One generation request to one upstream model. `params` holds the OpenAI request parameters other than
 * `model`, `messages` and `stream` (temperature, top_p, stop, seed, tools, tool_choice, response_format,
 * max_tokens, max_completion_tokens, ...); the OpenAI-compatible adapter passes them through untouched.
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  params: Record<string, unknown>;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** The internal stream: what every provider yields and every edge encodes (SSE, WebSocket, JSON). */
export type StreamPart =
  | { type: 'text'; text: string }
  /** A piece of a tool call: the first piece of each index carries `id` and `name`. */
  | { type: 'tool-call'; index: number; id?: string; name?: string; arguments: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };

export interface EmbedRequest {
  model: string;
  input: string[];
  dimensions?: number;
}

export interface EmbedResult {
  vectors: number[][];
  inputTokens: number;
}

export interface CallOptions {
  /** Aborts the upstream call: a client that goes away stops the provider. */
  signal: AbortSignal;
}

/** One image generation: `n` images of `width` × `height` pixels. */
export interface ImageRequest {
  model: string;
  prompt: string;
  width: number;
  height: number;
  n: number;
}

export interface GeneratedImage {
  data: Uint8Array;
  /** Detected from the bytes (`image/png`, ...). */
  mediaType: string;
  width: number;
  height: number;
}

export interface ImageResult {
  images: GeneratedImage[];
  /** The prompt the upstream says it used, when it rewrote it. */
  revisedPrompt?: string;
  /** Marks images that are not a model's work (the offline provider's test images). */
  label?: string;
}

/** Text to speech. `speed` is OpenAI's (0.25–4, 1 = normal); `voice` the provider's voice name. */
export interface SpeechRequest {
  model: string;
  text: string;
  voice?: string;
  speed?: number;
  format: 'wav';
}

export interface SpeechResult {
  audio: Uint8Array;
  mediaType: string;
  durationSeconds: number;
}

/** Speech to text: the audio file's bytes, with its name and media type as the client sent them. */
export interface TranscriptionRequest {
  model: string;
  audio: Uint8Array;
  filename: string;
  mediaType: string;
  /** ISO-639-1 (`en`), when the caller knows it. */
  language?: string;
}

export interface TranscriptionResult {
  text: string;
  language: string | null;
  durationSeconds: number | null;
}

/** The optional capabilities beyond chat and embeddings, by the method that provides each. */
export type ModelCapability = 'generateImage' | 'synthesizeSpeech' | 'transcribe';

export interface LanguageModel {
  /** The adapter kind (`openai-compatible`, `anthropic`, `local`). */
  readonly provider: string;
  /**
   * Streams one generation. Failing before the first part throws an UpstreamError (the router may retry
   * or fall back); failing after it throws too, and the caller must not restart the stream.
   */
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart>;
  embed(request: EmbedRequest, options: CallOptions): Promise<EmbedResult>;
  /** The model ids the upstream serves (`GET /models`), for adapters that can ask. */
  listModels?(options: CallOptions): Promise<string[]>;
  /** Image generation, for adapters that offer it. Failures are UpstreamErrors, as for chat. */
  generateImage?(request: ImageRequest, options: CallOptions): Promise<ImageResult>;
  /** Text to speech (WAV), for adapters that offer it. */
  synthesizeSpeech?(request: SpeechRequest, options: CallOptions): Promise<SpeechResult>;
  /** Speech to text, for adapters that offer it. */
  transcribe?(request: TranscriptionRequest, options: CallOptions): Promise<TranscriptionResult>;
}

/**
 * A capability this deployment cannot provide: its adapter lacks it (an `anthropic` deployment asked for
 * images), or the offline engine behind it is not installed (espeak-ng, pocketsphinx). 501, not
 * retryable, and the router does not count it against the deployment's health: it is a configuration
 * matter, and the message says how to fix it.
 */
export class CapabilityUnavailableError extends AppError {
  readonly code = 'capability_unavailable';
  readonly status = 501;
}

/** A failure reported by, or on the way to, an upstream provider. */
export class UpstreamError extends AppError {
  readonly code: string;
  readonly status: number;
  override readonly isRetryable: boolean;
  /** The upstream's HTTP status, when it answered. */
  readonly upstreamStatus: number | undefined;
  /** Seconds the upstream asked us to wait (`Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    options: {
      upstreamStatus?: number;
      retryAfterSeconds?: number;
      retryable?: boolean;
      code?: string;
      status?: number;
      cause?: unknown;
      details?: Record<string, unknown>;
    } = {},
  ) {
    super(message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.details ? { details: options.details } : {}),
    });
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.isRetryable = options.retryable ?? isRetryableStatus(options.upstreamStatus);
    this.code = options.code ?? 'provider_unavailable';
    this.status = options.status ?? 502;
  }
}

/**
 * The error for an upstream's HTTP error answer, shared by the adapters: 400/413/422 are the caller's
 * request as the upstream judged it (a non-retryable 400 `invalid_request` with the upstream's message);
 * everything else keeps the upstream status for the router (retryable per isRetryableStatus, with
 * `Retry-After`).
 */
export function upstreamHttpError(
  status: number,
  upstreamMessage: string,
  retryAfter: string | null | undefined,
  cause: unknown,
): UpstreamError {
  if (status === 400 || status === 413 || status === 422) {
    return new UpstreamError(upstreamMessage, {
      upstreamStatus: status,
      retryable: false,
      code: 'invalid_request',
      status: 400,
      cause,
      details: { upstream_status: status },
    });
  }
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  return new UpstreamError(`The upstream answered HTTP ${status}: ${upstreamMessage}`, {
    upstreamStatus: status,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    cause,
    details: { upstream_status: status },
  });
}

/** The error for an upstream that could not be reached at all (refused, reset, timed out): retryable. */
export function upstreamUnreachableError(error: unknown): UpstreamError {
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError(`The upstream could not be reached: ${message}`, {
    retryable: true,
    cause: error,
  });
}

/** 408, 409, 429 and 5xx may succeed later; no status (a connection failure, a timeout) may too. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Parses `Retry-After` (seconds or an HTTP date) into seconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

export interface Completion {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage | undefined;
}

/** Collects a stream into one completion (non-streaming calls are built on streaming). */
export async function collect(parts: AsyncIterable<StreamPart>): Promise<Completion> {
  let text = '';
  const calls: ToolCall[] = [];
  let finishReason: FinishReason = 'stop';
  let usage: Usage | undefined;
  for await (const part of parts) {
    switch (part.type) {
      case 'text':
        text += part.text;
        break;
      case 'tool-call': {
        let call = calls[part.index];
        if (!call) {
          call = { id: '', type: 'function', function: { name: '', arguments: '' } };
          calls[part.index] = call;
        }
        if (part.id) call.id = part.id;
        if (part.name) call.function.name += part.name;
        call.function.arguments += part.arguments;
        break;
      }
      case 'usage':
        usage = part.usage;
        break;
      case 'finish':
        finishReason = part.reason;
        break;
    }
  }
  return { text, toolCalls: calls.filter(Boolean), finishReason, usage };
}

/** The plain text of a message's content (text parts joined; other parts ignored). */
export function textOf(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

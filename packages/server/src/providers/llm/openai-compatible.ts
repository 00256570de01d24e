import OpenAI from 'openai';
import { VERSION } from '../../version.js';
import {
  type CallOptions,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type FinishReason,
  type LanguageModel,
  type StreamPart,
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
}

/**
 * Any upstream that speaks OpenAI's Chat Completions and Embeddings: OpenAI, DeepSeek, Qwen (DashScope
 * compatible mode), Moonshot, Zhipu, Ollama, vLLM. Request parameters pass through untouched; the router
 * owns retries, so the SDK's are off.
 */
export class OpenAICompatibleModel implements LanguageModel {
  readonly provider = 'openai-compatible';
  private readonly client: OpenAI;
  private readonly endpoint: UpstreamEndpoint;

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

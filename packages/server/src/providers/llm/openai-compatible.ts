import OpenAI from 'openai';
import {
  type CallOptions,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type FinishReason,
  type LanguageModel,
  type StreamPart,
  UpstreamError,
  upstreamHttpError,
  upstreamUnreachableError,
} from './language-model.js';

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
  }

  async *stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    const { stream_options: _ignored, ...params } = request.params;
    let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    try {
      stream = await this.client.chat.completions.create(
        {
          ...(params as object),
          model: request.model,
          messages: request.messages as OpenAI.Chat.Completions.ChatCompletionMessageParam[],
          stream: true,
          ...(this.settings.streamUsage === false ? {} : { stream_options: { include_usage: true } }),
        } as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming,
        // The SDK's per-request timeout ends when the response headers arrive: for a stream, that is
        // the connect timeout; the router's first-token and total timeouts cover the rest.
        {
          signal: options.signal,
          ...(this.settings.connectTimeoutMs ? { timeout: this.settings.connectTimeoutMs } : {}),
        },
      );
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
    let finish: FinishReason | undefined;
    try {
      for await (const chunk of stream) {
        const choice = chunk.choices?.[0];
        const delta = choice?.delta;
        if (delta?.content) yield { type: 'text', text: delta.content };
        for (const call of delta?.tool_calls ?? []) {
          yield {
            type: 'tool-call',
            index: call.index,
            ...(call.id ? { id: call.id } : {}),
            ...(call.function?.name ? { name: call.function.name } : {}),
            arguments: call.function?.arguments ?? '',
          };
        }
        if (choice?.finish_reason) finish = normaliseFinish(choice.finish_reason);
        if (chunk.usage) {
          yield {
            type: 'usage',
            usage: {
              inputTokens: chunk.usage.prompt_tokens ?? 0,
              outputTokens: chunk.usage.completion_tokens ?? 0,
            },
          };
        }
      }
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
    // The SDK ends a stream quietly when its request is aborted (a timeout, the client gone): say why.
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
    // A 404 about the model is the upstream not serving it (OpenAI: code model_not_found): the caller's 404.
    if (status === 404 && (error.code === 'model_not_found' || /model/i.test(upstreamMessage))) {
      return new UpstreamError(upstreamMessage, {
        upstreamStatus: status,
        retryable: false,
        code: 'model_not_found',
        status: 404,
        cause: error,
        details: { upstream_status: status, param: 'model' },
      });
    }
    return upstreamHttpError(status, upstreamMessage, error.headers?.get?.('retry-after'), error);
  }
  return upstreamUnreachableError(error);
}

import Anthropic from '@anthropic-ai/sdk';
import { BadRequestError } from '../../errors.js';
import {
  type CallOptions,
  type ChatMessage,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type FinishReason,
  type LanguageModel,
  type StreamPart,
  textOf,
  UpstreamError,
  type Usage,
  upstreamHttpError,
  upstreamUnreachableError,
} from './language-model.js';

export interface AnthropicSettings {
  /** Defaults to https://api.anthropic.com. */
  baseUrl?: string;
  apiKey: string;
  /** Give up when the upstream has sent no response headers within this long (a retryable failure). */
  connectTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** Anthropic requires `max_tokens`; OpenAI clients usually leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

/** `response_format: {type: "json_object"}` has no schema to enforce, so it becomes an instruction. */
export const JSON_OBJECT_INSTRUCTION =
  'Reply with one valid JSON object and nothing else: no prose, no Markdown code fences.';

/** The caller sent something the Messages API cannot express; repeating it will not help. */
export class AnthropicUnsupportedError extends BadRequestError {
  override readonly code: string;
  constructor(message: string, code: string, param: string) {
    super(message, { details: { param } });
    this.code = code;
  }
}

/**
 * Anthropic's Messages API behind the OpenAI-shaped interface, with the official SDK (which speaks API
 * version 2026-10-21 and sends the key as `Authorization: Bearer`). Requests are translated field by field
 * (`toMessagesRequest`); unknown parameters are not passed on, since Anthropic rejects fields it does not
 * know. The router owns retries, so the SDK's are off.
 */
export class AnthropicModel implements LanguageModel {
  readonly provider = 'anthropic';
  private readonly client: Anthropic;

  constructor(private readonly settings: AnthropicSettings) {
    this.client = new Anthropic({
      // Explicit values keep the SDK from reading ANTHROPIC_* variables or credential files itself.
      baseURL: settings.baseUrl ?? 'https://api.anthropic.com',
      apiKey: settings.apiKey,
      maxRetries: 0,
      // The router's first-token and total timeouts bound the call.
      timeout: 24 * 3600 * 1000,
      ...(settings.fetch ? { fetch: settings.fetch } : {}),
    });
  }

  async *stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    const body = toMessagesRequest(request);
    let events: AsyncIterable<Anthropic.RawMessageStreamEvent>;
    try {
      // The SDK's per-request timeout ends when the response headers arrive: for a stream, that is
      // the connect timeout; the router's first-token and total timeouts cover the rest.
      events = await this.client.messages.create(body, {
        signal: options.signal,
        ...(this.settings.connectTimeoutMs ? { timeout: this.settings.connectTimeoutMs } : {}),
      });
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
    // Anthropic numbers content blocks (text and tool_use together); OpenAI numbers tool calls only.
    const toolIndex = new Map<number, { index: number; sentArguments: boolean; input: unknown }>();
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let stopReason: string | null | undefined;
    let stopped = false;
    try {
      for await (const event of events) {
        switch (event.type) {
          case 'message_start':
            inputTokens = totalInput(event.message.usage);
            outputTokens = event.message.usage.output_tokens;
            break;
          case 'content_block_start': {
            const block = event.content_block;
            if (block.type === 'text' && block.text) yield { type: 'text', text: block.text };
            else if (block.type === 'tool_use') {
              const call = { index: toolIndex.size, sentArguments: false, input: block.input };
              toolIndex.set(event.index, call);
              yield { type: 'tool-call', index: call.index, id: block.id, name: block.name, arguments: '' };
            }
            break;
          }
          case 'content_block_delta': {
            const delta = event.delta;
            if (delta.type === 'text_delta' && delta.text) yield { type: 'text', text: delta.text };
            else if (delta.type === 'input_json_delta' && delta.partial_json) {
              const call = toolIndex.get(event.index);
              if (call) {
                call.sentArguments = true;
                yield { type: 'tool-call', index: call.index, arguments: delta.partial_json };
              }
            }
            // Thinking, signature and citation deltas have no place in a Chat Completions answer.
            break;
          }
          case 'content_block_stop': {
            // A tool without parameters streams no JSON; OpenAI clients still parse `arguments`.
            const call = toolIndex.get(event.index);
            if (call && !call.sentArguments)
              yield { type: 'tool-call', index: call.index, arguments: JSON.stringify(call.input ?? {}) };
            break;
          }
          case 'message_delta':
            stopReason = event.delta.stop_reason ?? stopReason;
            // message_delta's counts are cumulative; its input count, when present, is the final one.
            if (event.usage.input_tokens !== null && event.usage.input_tokens !== undefined)
              inputTokens = totalInput(event.usage);
            outputTokens = event.usage.output_tokens;
            break;
          case 'message_stop':
            stopped = true;
            break;
        }
      }
    } catch (error) {
      throw toUpstreamError(error, options.signal);
    }
    // The SDK ends the iteration quietly when our signal aborts it: report the abort, not a short answer.
    if (options.signal.aborted) throw options.signal.reason;
    if (!stopped || !stopReason)
      throw new UpstreamError('The upstream stream ended before the message was complete', {
        retryable: true,
      });
    if (inputTokens !== undefined || outputTokens !== undefined) {
      const usage: Usage = { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
      yield { type: 'usage', usage };
    }
    yield { type: 'finish', reason: finishReason(stopReason) };
  }

  async embed(_request: EmbedRequest, _options: CallOptions): Promise<EmbedResult> {
    throw new AnthropicUnsupportedError(
      'Anthropic deployments do not serve embeddings; use an embedding model',
      'invalid_model',
      'model',
    );
  }
}

/** Prompt tokens as OpenAI counts them: cache writes and cache reads are input too. */
function totalInput(usage: {
  input_tokens: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}): number {
  return (
    (usage.input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0)
  );
}

const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic's `stop_reason` as an OpenAI `finish_reason` (an unknown future reason counts as `stop`). */
export function finishReason(stopReason: string): FinishReason {
  return FINISH[stopReason] ?? 'stop';
}

type Block = Anthropic.ContentBlockParam;

/**
 * OpenAI's Chat Completions request as a Messages API request:
 * - system and developer messages, in order, become the top-level `system`;
 * - assistant `tool_calls` become `tool_use` blocks (arguments parsed to JSON), `tool` messages become
 *   `tool_result` blocks in a user turn, and consecutive turns of one role are merged;
 * - `image_url` parts become image blocks (base64 for `data:` URLs, a URL source otherwise);
 * - `max_completion_tokens`/`max_tokens` → `max_tokens` (default DEFAULT_MAX_TOKENS), `stop` →
 *   `stop_sequences`, `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic's tools and
 *   tool_choice, `response_format` json_schema → `output_config.format`, json_object → an instruction
 *   appended to the system prompt, `user` → `metadata.user_id`.
 * - `temperature`, `top_p` are dropped: API version 2026-10-21 rejects them with a 400 (even at default
 *   values). `seed`, penalties, `logit_bias`, `logprobs` have no Anthropic equivalent and are dropped too.
 */
export function toMessagesRequest(request: ChatRequest): Anthropic.MessageCreateParamsStreaming {
  const params = request.params;
  const system: string[] = [];
  const messages: Anthropic.MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    // Anthropic wants turns to alternate: merge a turn into the previous one of the same role.
    if (last && last.role === role) (last.content as Block[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  request.messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content);
        if (text) system.push(text);
        break;
      }
      case 'user':
        push('user', userBlocks(message, i));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, i));
        break;
      case 'tool': {
        const content = textOf(message.content);
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.tool_call_id ?? '',
            ...(content ? { content } : {}),
          },
        ]);
        break;
      }
    }
  });

  const format = params.response_format as
    | { type: string; json_schema?: { schema?: Record<string, unknown> } }
    | undefined;
  if (format?.type === 'json_object') system.push(JSON_OBJECT_INSTRUCTION);

  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  const stop = params.stop;
  const body: Anthropic.MessageCreateParamsStreaming = {
    model: request.model,
    messages,
    max_tokens: typeof maxTokens === 'number' ? maxTokens : DEFAULT_MAX_TOKENS,
    stream: true,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  if (typeof stop === 'string') body.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) body.stop_sequences = stop as string[];
  const tools = toTools(params.tools);
  if (tools) body.tools = tools;
  const toolChoice = toToolChoice(params.tool_choice, params.parallel_tool_calls);
  if (toolChoice) body.tool_choice = toolChoice;
  if (format?.type === 'json_schema' && format.json_schema?.schema)
    body.output_config = { format: { type: 'json_schema', schema: format.json_schema.schema } };
  if (typeof params.user === 'string' && params.user) body.metadata = { user_id: params.user };
  return body;
}

function userBlocks(message: ChatMessage, i: number): Block[] {
  if (message.content === null) return [];
  if (typeof message.content === 'string')
    return message.content ? [{ type: 'text', text: message.content }] : [];
  const blocks: Block[] = [];
  message.content.forEach((part, j) => {
    if (part.type === 'text') {
      // Anthropic rejects empty text blocks.
      if (typeof part.text === 'string' && part.text) blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      if (typeof url !== 'string')
        throw new AnthropicUnsupportedError('image_url.url must be a string', 'invalid_request', param(i, j));
      blocks.push({ type: 'image', source: imageSource(url, param(i, j)) });
    } else {
      throw new AnthropicUnsupportedError(
        `Anthropic deployments do not accept "${part.type}" content parts`,
        'invalid_request',
        param(i, j),
      );
    }
  });
  return blocks;
}

function assistantBlocks(message: ChatMessage, i: number): Block[] {
  const blocks: Block[] = [];
  const text = textOf(message.content);
  if (text) blocks.push({ type: 'text', text });
  message.tool_calls?.forEach((call, j) => {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, `messages.${i}.tool_calls.${j}.function.arguments`),
    });
  });
  return blocks;
}

function param(i: number, j: number): string {
  return `messages.${i}.content.${j}`;
}

/** Tool arguments are a JSON object in a string for OpenAI, an object for Anthropic. */
function parseArguments(text: string, path: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new AnthropicUnsupportedError(`${path} must be a JSON object`, 'invalid_request', path);
  return value as Record<string, unknown>;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

function imageSource(url: string, path: string): Anthropic.ImageBlockParam['source'] {
  if (!url.startsWith('data:')) return { type: 'url', url };
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  const mediaType = IMAGE_TYPES.find((t) => t === match?.[1]?.toLowerCase());
  if (!match || !mediaType)
    throw new AnthropicUnsupportedError(
      `Image data URLs must be base64 ${IMAGE_TYPES.join(', ')}`,
      'invalid_request',
      path,
    );
  return { type: 'base64', media_type: mediaType, data: match[2]! };
}

interface OpenAITool {
  type: string;
  function?: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

function toTools(value: unknown): Anthropic.Tool[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return (value as OpenAITool[])
    .filter((tool) => tool.type === 'function' && tool.function)
    .map(({ function: fn }) => ({
      name: fn!.name,
      ...(fn!.description ? { description: fn!.description } : {}),
      input_schema: (fn!.parameters ?? { type: 'object', properties: {} }) as Anthropic.Tool.InputSchema,
      ...(typeof fn!.strict === 'boolean' ? { strict: fn!.strict } : {}),
    }));
}

function toToolChoice(choice: unknown, parallel: unknown): Anthropic.ToolChoice | undefined {
  const single = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...single };
  if (choice && typeof choice === 'object') {
    const name = (choice as { function?: { name?: string } }).function?.name;
    if (name) return { type: 'tool', name, ...single };
  }
  if (choice === 'auto' || parallel === false) return { type: 'auto', ...single };
  return undefined;
}

/** The HTTP status an Anthropic error type stands for (an `error` event mid-stream carries no status). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * Maps what the SDK throws to an UpstreamError (as the OpenAI-compatible adapter does): 400/413/422 are
 * the caller's request and answer 400 `invalid_request` with Anthropic's message; 408, 409, 429 and 5xx
 * (529 "overloaded" included) are retryable, with `Retry-After`; an abort by our own signal is rethrown.
 */
export function toUpstreamError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof UpstreamError || error instanceof BadRequestError) return error;
  if (error instanceof Anthropic.APIError && !(error instanceof Anthropic.APIConnectionError)) {
    const status = error.status ?? (error.type ? STATUS_OF_TYPE[error.type] : undefined);
    if (status !== undefined)
      return upstreamHttpError(
        status,
        error.apiMessage ?? error.message ?? `HTTP ${status}`,
        error.headers?.get?.('retry-after'),
        error,
      );
  }
  return upstreamUnreachableError(error);
}

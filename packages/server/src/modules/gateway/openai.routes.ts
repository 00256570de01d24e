import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decode } from 'gpt-tokenizer';
import { z } from 'zod';
import { isAppError, ValidationError } from '../../errors.js';
import type { Authenticator } from '../../http/auth.js';
import { handleOpenAIError, openAIErrorBody } from '../../http/openai-errors.js';
import { type ChatMessage, collect, type StreamPart } from '../../providers/llm/language-model.js';
import type { ChatRun, GatewayService } from './gateway.service.js';
import { CACHE_MODES, type CacheMode } from './response-cache.js';

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const messageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
    name: z.string().max(256).optional(),
    tool_calls: z
      .array(
        z.looseObject({
          id: z.string(),
          type: z.literal('function'),
          function: z.looseObject({ name: z.string(), arguments: z.string() }),
        }),
      )
      .optional(),
    tool_call_id: z.string().optional(),
  })
  .loose();

/**
 * The Chat Completions request as OpenAI documents it. Known parameters are checked (a bad one answers 400
 * naming it); unknown ones (vendor extensions such as `enable_thinking`) pass through to the upstream.
 */
export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1).max(200),
    messages: z.array(messageSchema).min(1).max(100_000),
    stream: nullable(z.boolean()),
    stream_options: nullable(z.looseObject({ include_usage: z.boolean().optional() })),
    temperature: nullable(z.number().min(0).max(2)),
    top_p: nullable(z.number().min(0).max(1)),
    n: nullable(z.literal(1, { message: 'only n = 1 is supported' })),
    max_tokens: nullable(z.number().int().min(1)),
    max_completion_tokens: nullable(z.number().int().min(1)),
    stop: nullable(z.union([z.string(), z.array(z.string()).max(4)])),
    seed: nullable(z.number().int()),
    presence_penalty: nullable(z.number().min(-2).max(2)),
    frequency_penalty: nullable(z.number().min(-2).max(2)),
    logit_bias: nullable(z.record(z.string(), z.number().min(-100).max(100))),
    user: z.string().max(256).optional(),
    tools: z
      .array(
        z.looseObject({
          type: z.literal('function'),
          function: z.looseObject({ name: z.string().min(1).max(64), description: z.string().optional() }),
        }),
      )
      .max(128)
      .optional(),
    tool_choice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.looseObject({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
      ])
      .optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
  })
  .loose();

const embeddingRequestSchema = z
  .object({
    model: z.string().min(1).max(200),
    input: z.union([
      z.string(),
      z.array(z.string()).min(1).max(2048),
      z.array(z.number().int().min(0)).min(1),
      z
        .array(z.array(z.number().int().min(0)).min(1))
        .min(1)
        .max(2048),
    ]),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().min(1).max(8192).optional(),
    user: z.string().max(256).optional(),
  })
  .strict();

export interface OpenAIRoutesOptions {
  gateway: GatewayService;
  authn: Authenticator;
}

/** `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`: OpenAI's wire format and error shape. */
export const openAIRoutes: FastifyPluginAsyncZod<OpenAIRoutesOptions> = async (app, { gateway, authn }) => {
  app.setErrorHandler(handleOpenAIError);
  const tags = ['gateway'];

  app.get(
    '/v1/models',
    { schema: { tags, summary: 'Models this caller can use (OpenAI format)' } },
    async (request) => {
      const models = await gateway.listModels(await authn.required(request));
      const created = Math.floor(Date.now() / 1000);
      return {
        object: 'list',
        data: models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy })),
      };
    },
  );

  app.post(
    '/v1/chat/completions',
    {
      schema: {
        tags,
        summary: 'Chat completion, streaming (SSE) or not, routed through the gateway (OpenAI format)',
        body: chatCompletionRequestSchema,
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const { model, messages, stream, stream_options, ...params } = request.body;
      const cache = cacheModeOf(request.headers['x-nexus-cache']);
      const abort = abortOnDisconnect(request, reply);
      const run = await gateway.chat(
        ctx,
        {
          model,
          messages: messages as ChatMessage[],
          params: stripNulls(params),
          ...(cache ? { cache } : {}),
        },
        abort.signal,
      );
      if (!stream) {
        const completion = await collect(run.parts);
        abort.done();
        if (run.cache !== 'off') reply.header('x-nexus-cache', run.cache);
        return {
          id: run.id,
          object: 'chat.completion',
          created: run.created,
          model: run.model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: completion.toolCalls.length > 0 && completion.text === '' ? null : completion.text,
                refusal: null,
                ...(completion.toolCalls.length > 0 ? { tool_calls: completion.toolCalls } : {}),
              },
              logprobs: null,
              finish_reason: completion.finishReason,
            },
          ],
          usage: usageOf(completion.usage),
        };
      }
      return streamChat(request, reply, run, abort, stream_options?.include_usage === true);
    },
  );

  app.post(
    '/v1/embeddings',
    { schema: { tags, summary: 'Embeddings (OpenAI format)', body: embeddingRequestSchema } },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const body = request.body;
      const input = normaliseEmbeddingInput(body.input);
      const abort = abortOnDisconnect(request, reply);
      const result = await gateway.embed(
        ctx,
        { model: body.model, input, ...(body.dimensions ? { dimensions: body.dimensions } : {}) },
        abort.signal,
      );
      abort.done();
      return {
        object: 'list',
        data: result.vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: body.encoding_format === 'base64' ? toBase64(vector) : vector,
        })),
        model: result.model,
        usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
      };
    },
  );
};

function usageOf(usage: { inputTokens: number; outputTokens: number } | undefined) {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** `x-nexus-cache: exact|semantic|off` asks for (or bypasses) the response cache for this one request. */
function cacheModeOf(header: string | string[] | undefined): CacheMode | undefined {
  if (header === undefined) return undefined;
  const value = String(header).trim().toLowerCase();
  if ((CACHE_MODES as readonly string[]).includes(value)) return value as CacheMode;
  const message = 'must be exact, semantic or off';
  throw new ValidationError(`x-nexus-cache: ${message}`, {
    details: [{ location: 'header', path: 'x-nexus-cache', message, issue: 'invalid_value' }],
  });
}

/** OpenAI clients send `null` for "not set"; upstreams get the parameter left out instead. */
function stripNulls(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params))
    if (value !== null && value !== undefined) out[key] = value;
  return out;
}

function normaliseEmbeddingInput(input: string | string[] | number[] | number[][]): string[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [decodeTokens(input as number[], 'input')];
  return (input as (string | number[])[]).map((item, i) =>
    typeof item === 'string' ? item : decodeTokens(item, `input.${i}`),
  );
}

function decodeTokens(tokens: number[], path: string): string {
  try {
    return decode(tokens);
  } catch {
    throw new ValidationError(`${path}: not valid token ids`, {
      details: [{ location: 'body', path, message: 'not valid token ids', issue: 'invalid_value' }],
    });
  }
}

function toBase64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** An AbortSignal that fires when the client goes away before the answer is complete. */
function abortOnDisconnect(request: FastifyRequest, reply: FastifyReply) {
  const controller = new AbortController();
  let finished = false;
  const onClose = () => {
    if (!finished) controller.abort(new ClientGoneError());
  };
  reply.raw.once('close', onClose);
  request.raw.once('aborted', onClose);
  return {
    signal: controller.signal,
    done: () => {
      finished = true;
      reply.raw.off('close', onClose);
      request.raw.off('aborted', onClose);
    },
  };
}

class ClientGoneError extends Error {
  override name = 'AbortError';
  constructor() {
    super('The client closed the connection');
  }
}

/**
 * Server-sent events in OpenAI's chunk format. The first part has already been awaited when this runs
 * (routing errors still answer as JSON with their status); a failure after that is sent as a final
 * `error` event, then `[DONE]`, so no client is left hanging.
 */
async function streamChat(
  request: FastifyRequest,
  reply: FastifyReply,
  run: ChatRun,
  abort: ReturnType<typeof abortOnDisconnect>,
  includeUsage: boolean,
): Promise<FastifyReply> {
  const iterator = run.parts[Symbol.asyncIterator]();
  let next = await iterator.next();
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': request.id,
    'x-accel-buffering': 'no',
    ...(run.cache === 'off' ? {} : { 'x-nexus-cache': run.cache }),
  });
  // No `system_fingerprint`: OpenAI's schema types it as a string (optional), so `null` is off-spec.
  const head = `data: {"id":${JSON.stringify(run.id)},"object":"chat.completion.chunk","created":${run.created},"model":${JSON.stringify(run.model)},"choices":`;
  const chunk = (choices: string, usage?: string) =>
    `${head}${choices}${usage === undefined ? '' : `,"usage":${usage}`}}\n\n`;
  const delta = (body: string, finish: string | null = null) =>
    `[{"index":0,"delta":${body},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]`;
  const write = (text: string) => {
    if (!raw.destroyed) raw.write(text);
  };
  write(chunk(delta('{"role":"assistant","content":"","refusal":null}')));
  let usage: (StreamPart & { type: 'usage' }) | undefined;
  try {
    for (; !next.done; next = await iterator.next()) {
      const part = next.value;
      switch (part.type) {
        case 'text':
          write(chunk(delta(`{"content":${JSON.stringify(part.text)}}`)));
          break;
        case 'tool-call': {
          const call: Record<string, unknown> = { index: part.index };
          if (part.id) Object.assign(call, { id: part.id, type: 'function' });
          call.function = { ...(part.name ? { name: part.name } : {}), arguments: part.arguments };
          write(chunk(delta(`{"tool_calls":[${JSON.stringify(call)}]}`)));
          break;
        }
        case 'usage':
          usage = part;
          break;
        case 'finish':
          write(chunk(delta('{}', part.reason)));
          break;
      }
    }
    if (includeUsage) write(chunk('[]', JSON.stringify(usageOf(usage?.usage))));
  } catch (error) {
    if (!abort.signal.aborted) {
      const appError = isAppError(error) ? error : undefined;
      request.log.warn({ err: error }, 'the upstream stream failed after it started');
      write(
        `data: ${JSON.stringify(
          appError
            ? openAIErrorBody(appError)
            : {
                error: {
                  message: 'The upstream stream broke off',
                  type: 'api_error',
                  param: null,
                  code: 'provider_unavailable',
                },
              },
        )}\n\n`,
      );
    }
  } finally {
    abort.done();
  }
  write('data: [DONE]\n\n');
  raw.end();
  return reply;
}

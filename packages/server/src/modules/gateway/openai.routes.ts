import fastifyMultipart, { type Multipart } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decode } from 'gpt-tokenizer';
import { z } from 'zod';
import {
  BadRequestError,
  isAppError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../errors.js';
import type { Authenticator } from '../../http/auth.js';
import { handleOpenAIError, openAIErrorBody } from '../../http/openai-errors.js';
import { traceIdOf, trackOpenStream } from '../../http/telemetry.js';
import { type ChatMessage, collect, type StreamPart } from '../../providers/llm/language-model.js';
import { LOCAL_IMAGE_MODEL, MODEL_KINDS } from './catalog.js';
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

/**
 * Image generation as OpenAI documents it. `model` defaults to `local-image`; `size` to 1024x1024 (as
 * OpenAI's does; `auto` means the same). Images come back as base64 only (`response_format: url` is
 * refused: Nexus does not host them). `quality`, `style` and `user` are accepted and have no effect.
 */
const imageRequestSchema = z
  .object({
    model: nullable(z.string().min(1).max(200)),
    prompt: z.string().min(1).max(32_000),
    n: nullable(z.number().int()),
    size: nullable(z.string().max(20)),
    response_format: nullable(z.enum(['b64_json', 'url'])),
    quality: nullable(z.string().max(20)),
    style: nullable(z.string().max(20)),
    user: z.string().max(256).optional(),
  })
  .strict();

/** Text to speech as OpenAI documents it; only WAV is produced (the default here, unlike OpenAI's mp3). */
const speechRequestSchema = z
  .object({
    model: z.string().min(1).max(200),
    input: z.string().max(100_000),
    voice: z.union([z.string().max(64), z.object({ id: z.string().min(1).max(64) }).strict()]).optional(),
    response_format: nullable(z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'])),
    speed: nullable(z.number()),
    stream_format: nullable(z.enum(['audio', 'sse'])),
  })
  .strict();

/** The multipart fields `POST /v1/audio/transcriptions` reads (besides `file`); `prompt` and `temperature` have no effect. */
const TRANSCRIPTION_FIELDS = new Set(['model', 'language', 'response_format', 'prompt', 'temperature']);

const modelsQuery = z.object({
  kind: z.enum(MODEL_KINDS).optional().meta({
    description: 'Nexus extension: only models of this kind (chat, embedding, image, speech, transcription)',
  }),
});

export interface OpenAIRoutesOptions {
  gateway: GatewayService;
  authn: Authenticator;
}

/**
 * `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`, `/v1/images/generations`, `/v1/audio/speech`,
 * `/v1/audio/transcriptions`: OpenAI's wire format and error shape.
 */
export const openAIRoutes: FastifyPluginAsyncZod<OpenAIRoutesOptions> = async (app, { gateway, authn }) => {
  app.setErrorHandler(handleOpenAIError);
  const tags = ['gateway'];

  app.get(
    '/v1/models',
    { schema: { tags, summary: 'Models this caller can use (OpenAI format)', querystring: modelsQuery } },
    async (request) => {
      const models = await gateway.listModels(await authn.required(request));
      const created = Math.floor(Date.now() / 1000);
      const { kind } = request.query;
      return {
        object: 'list',
        data: models
          .filter((m) => kind === undefined || m.kind === kind)
          .map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy })),
      };
    },
  );

  app.post(
    '/v1/images/generations',
    {
      schema: {
        tags,
        summary: 'Generate images with an image model (OpenAI format; base64 PNG from local-image)',
        body: imageRequestSchema,
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const body = request.body;
      if (body.response_format === 'url')
        throw bodyError(
          'response_format',
          'only b64_json is supported (Nexus does not host generated images)',
        );
      const { width, height } = parseImageSize(body.size);
      const abort = abortOnDisconnect(request, reply);
      const result = await gateway.generateImage(
        ctx,
        { model: body.model ?? LOCAL_IMAGE_MODEL, prompt: body.prompt, width, height, n: body.n ?? 1 },
        abort.signal,
      );
      abort.done();
      if (result.label) reply.header('x-nexus-label', result.label);
      const formats = new Set(result.images.map((image) => image.mediaType));
      const format = formats.size === 1 ? OUTPUT_FORMATS[[...formats][0]!] : undefined;
      return {
        created: Math.floor(Date.now() / 1000),
        data: result.images.map((image) => ({
          b64_json: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).toString(
            'base64',
          ),
          ...(result.revisedPrompt ? { revised_prompt: result.revisedPrompt } : {}),
        })),
        ...(format ? { output_format: format } : {}),
      };
    },
  );

  app.post(
    '/v1/audio/speech',
    {
      schema: {
        tags,
        summary: 'Text to speech with a speech model: WAV audio (OpenAI format)',
        body: speechRequestSchema,
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const body = request.body;
      if (body.response_format && body.response_format !== 'wav')
        throw bodyError('response_format', 'only wav is supported');
      if (body.stream_format === 'sse') throw bodyError('stream_format', 'only audio is supported');
      const voice = typeof body.voice === 'object' ? body.voice.id : body.voice;
      const abort = abortOnDisconnect(request, reply);
      const result = await gateway.synthesizeSpeech(
        ctx,
        {
          model: body.model,
          text: body.input,
          ...(voice === undefined ? {} : { voice }),
          ...(typeof body.speed === 'number' ? { speed: body.speed } : {}),
          format: 'wav',
        },
        abort.signal,
      );
      abort.done();
      return reply
        .header('content-type', result.mediaType)
        .header('x-nexus-audio-duration', result.durationSeconds.toFixed(3))
        .send(Buffer.from(result.audio.buffer, result.audio.byteOffset, result.audio.byteLength));
    },
  );

  // Multipart is parsed only in this scope: every other route keeps refusing it.
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, { throwFileSizeLimit: false });
    scope.post(
      '/v1/audio/transcriptions',
      {
        schema: {
          tags,
          summary: 'Speech to text with a transcription model (OpenAI format, multipart/form-data)',
          description:
            'Fields: `file` (the audio), `model`, optional `language` (ISO-639-1) and `response_format` (json or text).',
          consumes: ['multipart/form-data'],
        },
      },
      async (request, reply) => {
        try {
          const ctx = await authn.required(request);
          if (!request.isMultipart())
            throw new UnsupportedMediaTypeError(
              'Send the audio as multipart/form-data: the fields file and model (and optionally language)',
            );
          const form = await readTranscriptionForm(request, gateway.mediaLimits.maxAudioBytes);
          const format = form.fields.response_format ?? 'json';
          if (format !== 'json' && format !== 'text')
            throw bodyError('response_format', 'only json and text are supported');
          const abort = abortOnDisconnect(request, reply);
          const result = await gateway.transcribe(
            ctx,
            {
              model: form.fields.model!,
              audio: form.file.bytes,
              filename: form.file.filename,
              mediaType: form.file.mediaType,
              ...(form.fields.language ? { language: form.fields.language } : {}),
            },
            abort.signal,
          );
          abort.done();
          if (format === 'text') return reply.type('text/plain; charset=utf-8').send(result.text);
          return {
            text: result.text,
            ...(result.durationSeconds === null
              ? {}
              : { usage: { type: 'duration', seconds: result.durationSeconds } }),
          };
        } catch (error) {
          // The rest of the body is not read: close the connection after answering rather than drain it.
          if (!request.raw.complete) reply.header('connection', 'close');
          throw error;
        }
      },
    );
  });

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

/** OpenAI's `output_format` for the media types images come back in. */
const OUTPUT_FORMATS: Readonly<Record<string, 'png' | 'jpeg' | 'webp'>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
};

function bodyError(path: string, message: string): ValidationError {
  return new ValidationError(`${path}: ${message}`, {
    details: [{ location: 'body', path, message, issue: 'invalid_value' }],
  });
}

/** `WIDTHxHEIGHT`; absent or `auto` is 1024x1024 (OpenAI's default). Whether the model makes it is the gateway's call. */
function parseImageSize(size: string | null | undefined): { width: number; height: number } {
  if (size === undefined || size === null || size === 'auto') return { width: 1024, height: 1024 };
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  if (!match) throw bodyError('size', 'must be WIDTHxHEIGHT in pixels (e.g. 1024x1024) or auto');
  return { width: Number(match[1]), height: Number(match[2]) };
}

interface TranscriptionForm {
  fields: Partial<Record<'model' | 'language' | 'response_format' | 'prompt' | 'temperature', string>>;
  file: { bytes: Uint8Array; filename: string; mediaType: string };
}

/**
 * The multipart fields and the audio file, in any order (OpenAI's SDKs send `file` first): the file is read
 * into memory, at most `maxBytes` (one byte more answers 413 `payload_too_large`).
 */
async function readTranscriptionForm(request: FastifyRequest, maxBytes: number): Promise<TranscriptionForm> {
  const parts = request.parts({
    limits: { fileSize: maxBytes + 1, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
    defParamCharset: 'utf8',
  } as Parameters<FastifyRequest['parts']>[0]);
  const fields: TranscriptionForm['fields'] = {};
  let file: TranscriptionForm['file'] | undefined;
  for (;;) {
    const next = await nextPart(parts);
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      if (!TRANSCRIPTION_FIELDS.has(part.fieldname))
        throw new ValidationError(`Unknown field ${JSON.stringify(part.fieldname)}`, {
          details: [
            {
              location: 'body',
              path: part.fieldname,
              message: 'unknown parameter',
              issue: 'unrecognized_keys',
            },
          ],
        });
      fields[part.fieldname as keyof TranscriptionForm['fields']] = String(part.value);
      continue;
    }
    if (part.fieldname !== 'file') throw bodyError(part.fieldname, 'only the field file may be a file');
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) chunks.push(chunk as Buffer);
    if (part.file.truncated)
      throw new PayloadTooLargeError(`The audio file is larger than ${maxBytes} bytes`, {
        details: { param: 'file', limit: maxBytes },
      });
    file = {
      bytes: new Uint8Array(Buffer.concat(chunks)),
      filename: part.filename || 'audio',
      mediaType: part.mimetype || 'application/octet-stream',
    };
  }
  if (!file) throw bodyError('file', 'no audio file was sent (the multipart field file)');
  if (!fields.model) throw bodyError('model', 'is required');
  return { fields, file };
}

/** The next multipart part; a malformed body or a parser limit is the client's error (400/413), never a 500. */
async function nextPart(parts: AsyncIterableIterator<Multipart>): Promise<IteratorResult<Multipart>> {
  try {
    return await parts.next();
  } catch (error) {
    if (isAppError(error) || (error as { statusCode?: number }).statusCode !== undefined) throw error;
    throw new BadRequestError('The multipart body is malformed', { cause: error });
  }
}

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
  trackOpenStream(request, reply, 'sse');
  reply.hijack();
  const raw = reply.raw;
  const traceId = traceIdOf(request);
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': request.id,
    ...(traceId ? { 'x-trace-id': traceId } : {}),
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

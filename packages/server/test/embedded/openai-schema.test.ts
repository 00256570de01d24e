import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import {
  expectOpenAISchema,
  type OpenAISchemaName,
  openAISchemaErrors,
  openAISpec,
  sseData,
} from '../support/openai-schemas.js';

/**
 * The OpenAI-compatible routes answer in exactly the shapes of OpenAI's published API description
 * (test/fixtures/openai-schemas.json): every JSON response, every streamed chunk and every error body is
 * validated against OpenAI's own component schemas, with undocumented properties rejected. Embedded
 * defaults (PGlite, the offline `local` models) plus two catalog models served by a fake OpenAI upstream
 * (tool calls; a stream that breaks off); test/integration/openai-client.test.ts does the same with the
 * official `openai` client over a real socket.
 */

const DIMENSIONS = 64;
let t: TestApp;
let user: Session;
let upstream: FakeOpenAI;
let modelsDir: string;

beforeAll(async () => {
  upstream = await FakeOpenAI.start();
  modelsDir = mkdtempSync(join(tmpdir(), 'nexus-openai-schema-'));
  const modelsFile = join(modelsDir, 'models.json');
  const served = (name: string) => ({
    name,
    deployments: [{ provider: 'openai-compatible', model: name, base_url: upstream.url }],
  });
  writeFileSync(
    modelsFile,
    JSON.stringify({ models: [served('upstream-tools'), served('upstream-dropped')] }),
  );
  t = await createTestApp({
    env: {
      LOCAL_MODEL_WORDS_PER_S: '0',
      LOCAL_EMBEDDING_DIMENSIONS: String(DIMENSIONS),
      NEXUS_MODELS_FILE: modelsFile,
    },
  });
  user = await registerUser(t.app);
});
afterAll(async () => {
  await t?.close();
  await upstream?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

const MESSAGES = [
  { role: 'system', content: 'Nexus is a gateway. The gateway speaks the OpenAI wire format.' },
  { role: 'user', content: 'What format does the gateway speak?' },
];

function post(url: string, payload: unknown, headers: Record<string, string> = user.auth) {
  return t.app.inject({ method: 'POST', url, headers, payload: payload as object });
}

/** The chunks of an SSE body, parsed; the stream must end with `[DONE]` and nothing after it. */
function chunksOf(body: string): Record<string, unknown>[] {
  const data = sseData(body);
  expect(data.at(-1)).toBe('[DONE]');
  return data.slice(0, -1).map((d) => JSON.parse(d));
}

describe(`the validator (OpenAI API ${openAISpec.version}) rejects what OpenAI clients would not accept`, () => {
  const completion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'local',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'hi', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
  const chunk = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'local',
    choices: [{ index: 0, delta: { content: 'hi' }, logprobs: null, finish_reason: null }],
  };
  const choice = completion.choices[0]!;

  it('accepts well-formed examples', () => {
    expect(openAISchemaErrors('CreateChatCompletionResponse', completion)).toEqual([]);
    expect(openAISchemaErrors('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
  });

  it.each<[string, OpenAISchemaName, unknown]>([
    [
      'created in milliseconds',
      'CreateChatCompletionResponse',
      { ...completion, created: 1_700_000_000_000 },
    ],
    [
      'a chunk object type',
      'CreateChatCompletionResponse',
      { ...completion, object: 'chat.completion.chunk' },
    ],
    [
      'a message without refusal',
      'CreateChatCompletionResponse',
      { ...completion, choices: [{ ...choice, message: { role: 'assistant', content: 'hi' } }] },
    ],
    [
      'a choice without logprobs',
      'CreateChatCompletionResponse',
      { ...completion, choices: [{ index: 0, message: choice.message, finish_reason: 'stop' }] },
    ],
    [
      'an unknown finish reason',
      'CreateChatCompletionResponse',
      { ...completion, choices: [{ ...choice, finish_reason: 'done' }] },
    ],
    ['an undocumented property', 'CreateChatCompletionResponse', { ...completion, nexus_trace: 'x' }],
    [
      'a null system_fingerprint',
      'CreateChatCompletionStreamResponse',
      { ...chunk, system_fingerprint: null },
    ],
    ['a string usage', 'CreateChatCompletionStreamResponse', { ...chunk, usage: '3' }],
    ['an error without param', 'ErrorResponse', { error: { message: 'm', type: 't', code: null } }],
    [
      'a Nexus-shaped error',
      'ErrorResponse',
      { error: { code: 'not_found', message: 'm', request_id: 'r' } },
    ],
  ])('rejects %s', (_label, schema, value) => {
    expect(openAISchemaErrors(schema, value)).not.toEqual([]);
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers a CreateChatCompletionResponse', async () => {
    const response = await post('/v1/chat/completions', { model: 'local', messages: MESSAGES });
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('CreateChatCompletionResponse', response.json());
    expect(response.json().choices[0].message.content).toContain('OpenAI wire format');
  });

  it.each([
    ['without usage', {}],
    ['with stream_options.include_usage', { stream_options: { include_usage: true } }],
    ['cut short by max_tokens', { max_tokens: 3, stream_options: { include_usage: true } }],
  ])('streams CreateChatCompletionStreamResponse chunks %s', async (_label, extra) => {
    const response = await post('/v1/chat/completions', {
      model: 'local',
      messages: MESSAGES,
      stream: true,
      ...extra,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const chunks = chunksOf(response.body);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expectOpenAISchema('CreateChatCompletionStreamResponse', chunk);
    // One id, one created for the whole stream; exactly one finish reason.
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    const choices = chunks.flatMap((c) => c.choices as { finish_reason: string | null }[]);
    expect(choices.filter((c) => c.finish_reason !== null)).toHaveLength(1);
    const withUsage = chunks.filter((c) => c.usage);
    if ('stream_options' in extra) {
      expect(withUsage).toEqual([chunks.at(-1)]);
      expect(chunks.at(-1)!.choices).toEqual([]);
    } else expect(withUsage).toEqual([]);
  });

  it('streams the same text it answers without streaming', async () => {
    const json = await post('/v1/chat/completions', { model: 'local', messages: MESSAGES });
    const stream = await post('/v1/chat/completions', { model: 'local', messages: MESSAGES, stream: true });
    const text = chunksOf(stream.body)
      .flatMap((c) => c.choices as { delta: { content?: string } }[])
      .map((c) => c.delta.content ?? '')
      .join('');
    expect(text).toBe(json.json().choices[0].message.content);
  });
});

describe('POST /v1/chat/completions through an upstream', () => {
  const CALLS = [
    { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { id: 'call_2', name: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
  ];
  const tools = CALLS.map((c) => ({
    type: 'function',
    function: { name: c.name, parameters: { type: 'object' } },
  }));
  const ask = { messages: [{ role: 'user', content: 'Weather and time?' }], tools };

  it('answers tool calls in a CreateChatCompletionResponse', async () => {
    upstream.on('upstream-tools', { toolCalls: CALLS });
    const response = await post('/v1/chat/completions', { model: 'upstream-tools', ...ask });
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('CreateChatCompletionResponse', response.json());
    expect(response.json().choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { content: null },
    });
  });

  it('streams tool-call deltas in chunks that match the chunk schema', async () => {
    upstream.on('upstream-tools', { toolCalls: CALLS });
    const response = await post('/v1/chat/completions', {
      model: 'upstream-tools',
      ...ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.statusCode, response.body).toBe(200);
    const chunks = chunksOf(response.body);
    for (const chunk of chunks) expectOpenAISchema('CreateChatCompletionStreamResponse', chunk);
    type Delta = { index: number; id?: string; function?: { name?: string; arguments?: string } };
    const calls: { id: string; name: string; arguments: string }[] = [];
    for (const chunk of chunks)
      for (const choice of chunk.choices as { delta: { tool_calls?: Delta[] } }[])
        for (const delta of choice.delta.tool_calls ?? []) {
          calls[delta.index] ??= { id: '', name: '', arguments: '' };
          const call = calls[delta.index]!;
          if (delta.id) call.id = delta.id;
          call.name += delta.function?.name ?? '';
          call.arguments += delta.function?.arguments ?? '';
        }
    expect(calls).toEqual(CALLS);
  });

  it('ends a stream that broke off with an ErrorResponse event, then [DONE]', async () => {
    upstream.on('upstream-dropped', { text: 'one two three four', disconnectAfter: 2 });
    const response = await post('/v1/chat/completions', {
      model: 'upstream-dropped',
      messages: [{ role: 'user', content: 'Count.' }],
      stream: true,
    });
    expect(response.statusCode, response.body).toBe(200);
    const events = chunksOf(response.body);
    const error = events.at(-1)!;
    expectOpenAISchema('ErrorResponse', error);
    for (const chunk of events.slice(0, -1)) expectOpenAISchema('CreateChatCompletionStreamResponse', chunk);
    expect(events.slice(0, -1).flatMap((c) => c.choices as unknown[]).length).toBeGreaterThan(0);
  });
});

describe('POST /v1/embeddings', () => {
  it.each([
    ['a string', 'the gateway'],
    ['an array of strings', ['the gateway', 'speaks OpenAI']],
    ['token ids', [1820, 29528]],
  ])('answers a CreateEmbeddingResponse for %s', async (_label, input) => {
    const response = await post('/v1/embeddings', { model: 'local-embedding', input });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expectOpenAISchema('CreateEmbeddingResponse', body);
    expect(body.data).toHaveLength(Array.isArray(input) && typeof input[0] === 'string' ? input.length : 1);
    for (const item of body.data) expect(item.embedding).toHaveLength(DIMENSIONS);
  });

  it('answers base64 float32 vectors, which decode to the float answer', async () => {
    const input = ['the gateway', 'speaks OpenAI'];
    const floats = await post('/v1/embeddings', { model: 'local-embedding', input });
    const encoded = await post('/v1/embeddings', {
      model: 'local-embedding',
      input,
      encoding_format: 'base64',
    });
    expect(encoded.statusCode, encoded.body).toBe(200);
    const body = encoded.json();
    // OpenAI's schema describes only float arrays; base64 is a string in the same place (what OpenAI
    // sends and its clients decode), so the body is checked after decoding.
    for (const item of body.data) expect(typeof item.embedding).toBe('string');
    const decoded = {
      ...body,
      data: body.data.map((item: { embedding: string }) => ({
        ...item,
        embedding: Array.from(new Float32Array(new Uint8Array(Buffer.from(item.embedding, 'base64')).buffer)),
      })),
    };
    expectOpenAISchema('CreateEmbeddingResponse', decoded);
    const expected = floats.json().data.map((d: { embedding: number[] }) => d.embedding.map(Math.fround));
    expect(decoded.data.map((d: { embedding: number[] }) => d.embedding)).toEqual(expected);
  });
});

describe('GET /v1/models', () => {
  it('answers a ListModelsResponse that lists the built-in models', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/models', headers: user.auth });
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('ListModelsResponse', response.json());
    expect(response.json().data.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining(['local', 'local-embedding']),
    );
  });
});

describe('errors answer an ErrorResponse', () => {
  const chat = (extra: Record<string, unknown>) => ({ model: 'local', messages: MESSAGES, ...extra });
  const none = {};
  const badKey = { authorization: 'Bearer nx-not-a-real-key' };

  it.each<{
    label: string;
    url: string;
    payload: unknown;
    headers?: Record<string, string>;
    status: number;
    type: string;
    code: string;
    param?: string;
  }>([
    {
      label: 'an unknown model',
      url: '/v1/chat/completions',
      payload: chat({ model: 'no-such-model' }),
      status: 404,
      type: 'invalid_request_error',
      // OpenAI itself answers model_not_found with `param: null`.
      code: 'model_not_found',
    },
    {
      label: 'no messages',
      url: '/v1/chat/completions',
      payload: { model: 'local' },
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_failed',
      param: 'messages',
    },
    {
      label: 'temperature out of range',
      url: '/v1/chat/completions',
      payload: chat({ temperature: 3 }),
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_failed',
      param: 'temperature',
    },
    {
      label: 'n > 1',
      url: '/v1/chat/completions',
      payload: chat({ n: 2 }),
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_failed',
      param: 'n',
    },
    {
      label: 'a bad message role',
      url: '/v1/chat/completions',
      payload: chat({ messages: [{ role: 'robot', content: 'hi' }] }),
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_failed',
      param: 'messages.0.role',
    },
    {
      label: 'more output than the context window',
      url: '/v1/chat/completions',
      payload: chat({ max_tokens: 1_000_000 }),
      status: 400,
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'messages',
    },
    {
      label: 'an embedding model for chat',
      url: '/v1/chat/completions',
      payload: chat({ model: 'local-embedding' }),
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_model',
      param: 'model',
    },
    {
      label: 'a chat model for embeddings',
      url: '/v1/embeddings',
      payload: { model: 'local', input: 'x' },
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_model',
      param: 'model',
    },
    {
      label: 'a bad encoding_format',
      url: '/v1/embeddings',
      payload: { model: 'local-embedding', input: 'x', encoding_format: 'hex' },
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_failed',
      param: 'encoding_format',
    },
    {
      label: 'no input',
      url: '/v1/embeddings',
      payload: { model: 'local-embedding' },
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_failed',
      param: 'input',
    },
    {
      label: 'no credentials',
      url: '/v1/chat/completions',
      payload: chat({}),
      headers: none,
      status: 401,
      type: 'authentication_error',
      code: 'authentication_required',
    },
    {
      label: 'an unknown API key',
      url: '/v1/embeddings',
      payload: { model: 'local-embedding', input: 'x' },
      headers: badKey,
      status: 401,
      type: 'authentication_error',
      code: 'invalid_api_key',
    },
  ])('$label: $status $code', async ({ url, payload, headers, status, type, code, param }) => {
    const response = await post(url, payload, headers ?? user.auth);
    expect(response.statusCode, response.body).toBe(status);
    const body = response.json();
    expectOpenAISchema('ErrorResponse', body);
    expect(body.error).toMatchObject({ type, code, param: param ?? null });
  });

  it('answers malformed JSON with an ErrorResponse', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload: '{"model": "local", ',
    });
    expect(response.statusCode).toBe(400);
    expectOpenAISchema('ErrorResponse', response.json());
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('answers GET /v1/models without credentials with an ErrorResponse', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/models' });
    expect(response.statusCode).toBe(401);
    expectOpenAISchema('ErrorResponse', response.json());
  });
});

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { expectOpenAISchema, openAISpec } from '../support/openai-schemas.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * OpenAI compatibility, proven with the official `openai` client against a real listening Nexus on
 * PostgreSQL and Redis: chat (JSON and streamed), embeddings, models and errors, each response and every
 * streamed chunk validated against OpenAI's published response schemas. A second Nexus instance on the same
 * database and Redis routes to a fake OpenAI upstream (OPENAI_BASE_URL) to carry tool calls end to end; it
 * is separate because OPENAI_BASE_URL passes every unknown model name upstream, so `model_not_found` is
 * only observable on an instance without it. The same API key works on both.
 */

const DIMENSIONS = 48;
const MESSAGES: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Nexus routes requests to models. Nexus meters every call it routes.' },
  { role: 'user', content: 'What does Nexus meter?' },
];

type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const prefix = `${uniqueName('openai_client')}:`;
let upstream: FakeOpenAI;
/** Nexus with the built-in catalog only (`local`, `local-embedding`). */
let nexus: TestApp;
/** Nexus routing any other model name to the fake upstream (OPENAI_BASE_URL + OPENAI_API_KEY). */
let routed: TestApp;
let user: Session;
let apiKey: string;
let readOnlyKey: string;
let nexusUrl: string;
let routedUrl: string;

const client = (
  apiKey: string,
  baseUrl = nexusUrl,
  options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {},
) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0, ...options });

async function createKey(scopes: string[]): Promise<string> {
  const response = await nexus.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: user.auth,
    payload: { name: uniqueName('key'), scopes },
  });
  expect(response.statusCode, response.body).toBe(201);
  const secret = response.json().secret as string;
  expect(secret).toMatch(/^nx-/);
  return secret;
}

beforeAll(async () => {
  database = await createTestDatabase('openai_client');
  upstream = await FakeOpenAI.start();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOCAL_MODEL_WORDS_PER_S: '0',
    LOCAL_EMBEDDING_DIMENSIONS: String(DIMENSIONS),
    GATEWAY_MAX_RETRIES: '0',
  };
  nexus = await createTestApp({ env });
  routed = await createTestApp({ env: { ...env, OPENAI_BASE_URL: upstream.url, OPENAI_API_KEY: 'sk-fake' } });
  nexusUrl = await nexus.app.listen({ port: 0, host: '127.0.0.1' });
  routedUrl = await routed.app.listen({ port: 0, host: '127.0.0.1' });
  user = await registerUser(nexus.app);
  apiKey = await createKey(['chat:read', 'chat:write']);
  readOnlyKey = await createKey(['chat:read']);
});

afterAll(async () => {
  await routed?.close();
  await nexus?.close();
  await upstream?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
});

/** Iterates a client stream, validating every chunk against OpenAI's chunk schema. */
async function readStream(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream) {
    expectOpenAISchema('CreateChatCompletionStreamResponse', chunk);
    chunks.push(chunk);
  }
  return chunks;
}

const textOf = (chunks: ChatChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe(`the official openai client against Nexus, checked with the schemas of OpenAI API ${openAISpec.version}`, () => {
  describe.each([
    ['an API key', () => apiKey],
    ['a user access token (JWT)', () => user.access],
  ])('chat completions with %s', (_label, credential) => {
    it('answers a CreateChatCompletionResponse', async () => {
      const completion = await client(credential()).chat.completions.create({
        model: 'local',
        messages: MESSAGES,
      });
      expectOpenAISchema('CreateChatCompletionResponse', completion);
      expect(completion.object).toBe('chat.completion');
      expect(completion.model).toBe('local');
      expect(completion.choices[0]!.finish_reason).toBe('stop');
      expect(completion.choices[0]!.message.content).toContain('Nexus meters every call it routes');
      expect(completion.usage!.total_tokens).toBe(
        completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
      );
    });

    it('streams chunks that all match the chunk schema, the same text, and usage last', async () => {
      const openai = client(credential());
      const completion = await openai.chat.completions.create({ model: 'local', messages: MESSAGES });
      const stream = await openai.chat.completions.create({
        model: 'local',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = await readStream(stream);
      expect(chunks.length).toBeGreaterThan(3);
      expect(textOf(chunks)).toBe(completion.choices[0]!.message.content);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual(completion.usage);
      expect(chunks.slice(0, -1).every((c) => !c.usage)).toBe(true);
      expect(chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter(Boolean)).toEqual(['stop']);
    });
  });

  describe('embeddings', () => {
    it.each([
      ['a string', 'Nexus meters every call'],
      ['an array of strings', ['Nexus meters every call', 'Nexus routes requests', '路由']],
    ])(
      `answers %s with ${DIMENSIONS}-dimension vectors the client decoded from base64`,
      async (_label, input) => {
        const openai = client(apiKey);
        // No encoding_format: the client asks for base64 and decodes it to floats itself.
        const decoded = await openai.embeddings.create({ model: 'local-embedding', input });
        expectOpenAISchema('CreateEmbeddingResponse', decoded);
        const count = Array.isArray(input) ? input.length : 1;
        expect(decoded.data.map((d) => d.index)).toEqual([...Array(count).keys()]);
        for (const item of decoded.data) {
          expect(item.embedding).toHaveLength(DIMENSIONS);
          expect(item.embedding.some((x) => x !== 0)).toBe(true);
        }
        expect(decoded.usage.prompt_tokens).toBeGreaterThan(0);

        const floats = await openai.embeddings.create({
          model: 'local-embedding',
          input,
          encoding_format: 'float',
        });
        expectOpenAISchema('CreateEmbeddingResponse', floats);
        expect(decoded.data.map((d) => d.embedding)).toEqual(
          floats.data.map((d) => d.embedding.map(Math.fround)),
        );
      },
    );

    it('answers base64 as-is when asked for it explicitly, little-endian float32', async () => {
      const response = await client(apiKey).embeddings.create({
        model: 'local-embedding',
        input: ['Nexus meters every call'],
        encoding_format: 'base64',
      });
      const encoded = response.data[0]!.embedding as unknown as string;
      expect(typeof encoded).toBe('string');
      const bytes = Buffer.from(encoded, 'base64');
      expect(bytes.byteLength).toBe(DIMENSIONS * 4);
      const vector = Array.from({ length: DIMENSIONS }, (_, i) => bytes.readFloatLE(i * 4));
      // OpenAI's schema describes the float form only; checked after decoding.
      expectOpenAISchema('CreateEmbeddingResponse', {
        ...response,
        data: [{ ...response.data[0], embedding: vector }],
      });
    });
  });

  it('lists the models in a ListModelsResponse', async () => {
    const openai = client(apiKey);
    // The page object is the client's; the body it was built from is what the schema describes.
    expectOpenAISchema('ListModelsResponse', await (await openai.models.list().asResponse()).json());
    const models = (await openai.models.list()).data;
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['local', 'local-embedding']));
  });

  describe('errors are the client error classes, with ErrorResponse bodies', () => {
    async function failure(call: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expectOpenAISchema('ErrorResponse', { error: apiError.error });
      return apiError;
    }

    it('an unknown model is a NotFoundError with code model_not_found', async () => {
      const error = await failure(() =>
        client(apiKey).chat.completions.create({ model: 'no-such-model', messages: MESSAGES }),
      );
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.status).toBe(404);
      expect(error.code).toBe('model_not_found');
    });

    it.each<[string, () => Promise<unknown>, string]>([
      [
        'temperature out of range',
        () => client(apiKey).chat.completions.create({ model: 'local', messages: MESSAGES, temperature: 3 }),
        'temperature',
      ],
      [
        'a chat model for embeddings',
        () => client(apiKey).embeddings.create({ model: 'local', input: 'x' }),
        'model',
      ],
      [
        'a streamed request over the context window',
        () =>
          client(apiKey).chat.completions.create({
            model: 'local',
            messages: MESSAGES,
            max_tokens: 10_000_000,
            stream: true,
          }),
        'messages',
      ],
    ])('%s is a BadRequestError naming the parameter', async (_label, call, param) => {
      const error = await failure(call);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param).toBe(param);
    });

    it.each<[string, () => OpenAI, string]>([
      [
        'no key',
        () => client('unused', nexusUrl, { defaultHeaders: { Authorization: null } }),
        'authentication_required',
      ],
      ['an unknown key', () => client('nx-not-a-real-key'), 'invalid_api_key'],
      ['a bad JWT', () => client('not.a.jwt'), 'invalid_token'],
    ])('%s is an AuthenticationError', async (_label, make, code) => {
      const error = await failure(() =>
        make().chat.completions.create({ model: 'local', messages: MESSAGES }),
      );
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error.code).toBe(code);
    });

    it('a key without chat:write is a PermissionDeniedError', async () => {
      const error = await failure(() =>
        client(readOnlyKey).chat.completions.create({ model: 'local', messages: MESSAGES }),
      );
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      // The same key may read the model list.
      expect((await client(readOnlyKey).models.list()).data.length).toBeGreaterThan(0);
    });
  });

  describe('through Nexus to an OpenAI-compatible upstream', () => {
    const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'The weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      {
        type: 'function',
        function: {
          name: 'get_time',
          parameters: { type: 'object', properties: { zone: { type: 'string' } } },
        },
      },
    ];
    const CALLS = [
      { id: 'call_weather', name: 'get_weather', arguments: '{"city":"Paris, \\"FR\\""}' },
      { id: 'call_time', name: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
    ];

    it('streams tool-call deltas that assemble into the upstream tool calls', async () => {
      const model = upstream.on('fake-tools-stream', { toolCalls: CALLS });
      const stream = await client(apiKey, routedUrl).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
        tools: TOOLS,
        tool_choice: 'auto',
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = await readStream(stream);

      const assembled: { id: string; name: string; arguments: string }[] = [];
      for (const chunk of chunks) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          assembled[delta.index] ??= { id: '', name: '', arguments: '' };
          const call = assembled[delta.index]!;
          if (delta.id) call.id = delta.id;
          if (delta.function?.name) call.name += delta.function.name;
          call.arguments += delta.function?.arguments ?? '';
        }
      }
      expect(assembled).toEqual(CALLS);
      expect(assembled.map((c) => JSON.parse(c.arguments))).toEqual([
        { city: 'Paris, "FR"' },
        { zone: 'Europe/Paris' },
      ]);
      expect(chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter(Boolean)).toEqual([
        'tool_calls',
      ]);
      expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);

      // The upstream got the tools as sent, under the model name the caller used.
      const [request] = upstream.requestsFor(model);
      expect(request?.body).toMatchObject({ model, tools: TOOLS, tool_choice: 'auto', stream: true });
    });

    it('answers a non-streamed tool call in a CreateChatCompletionResponse', async () => {
      const model = upstream.on('fake-tools-json', { toolCalls: CALLS });
      const completion = await client(apiKey, routedUrl).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
        tools: TOOLS,
      });
      expectOpenAISchema('CreateChatCompletionResponse', completion);
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expect(
        choice.message.tool_calls?.map((c) => (c.type === 'function' ? { id: c.id, ...c.function } : c)),
      ).toEqual(CALLS);
    });

    it('when the upstream drops mid-stream, the client gets the chunks so far, then an APIError', async () => {
      const model = upstream.on('fake-dropped', { text: 'one two three four five', disconnectAfter: 2 });
      const stream = await client(apiKey, routedUrl).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Say something.' }],
        stream: true,
      });
      const chunks: ChatChunk[] = [];
      const error = await (async () => {
        for await (const chunk of stream) {
          expectOpenAISchema('CreateChatCompletionStreamResponse', chunk);
          chunks.push(chunk);
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      // A started stream is never restarted: the caller keeps what it got and learns that it broke off
      // from an error event in OpenAI's error shape, which the client raises.
      expect(textOf(chunks)).toBe('one two ');
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expectOpenAISchema('ErrorResponse', { error: (error as InstanceType<typeof OpenAI.APIError>).error });
    });

    it('streams upstream text the client reassembles', async () => {
      const text = 'Routed through Nexus, word by word, to the official client.';
      const model = upstream.on('fake-text', { text });
      const stream = await client(apiKey, routedUrl).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Say something.' }],
        stream: true,
      });
      expect(textOf(await readStream(stream))).toBe(text);
    });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { countChatTokens } from '../../src/providers/llm/token-count.js';
import { type Behaviour, FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';

/**
 * The gateway's routing behaviour end to end: the real app, a real OpenAI-compatible upstream (the fake,
 * over HTTP) and the real OpenAI SDK in between. Each catalog model below belongs to one test, so routing
 * state (circuit breakers, rpm buckets, in-flight counts) never leaks between tests.
 *
 * Two apps: `t` (OPENAI_BASE_URL passthrough, 2 retries, 3 failures open a circuit for 60 s, generous
 * timeouts) and `strict` (no passthrough, no retries, short first-token and total timeouts).
 */

const MAX_RETRIES = 2;
const CIRCUIT_FAILURES = 3;
const CIRCUIT_COOLDOWN_MS = 60_000;

let fake: FakeOpenAI;
let t: TestApp;
let strict: TestApp;
let user: Session;
let strictUser: Session;
let baseUrl: string;
let dir: string;

/** A deployment on the fake; the upstream model name tells the fake (and the test) which one was called. */
const on = (id: string, extra: Record<string, unknown> = {}, keyEnv = 'OPENAI_API_KEY') => ({
  id,
  provider: 'openai-compatible',
  model: `up-${id}`,
  base_url: fake.url,
  api_key_env: keyEnv,
  ...extra,
});
const model = (name: string, deployments: object[], extra: Record<string, unknown> = {}) => ({
  name,
  deployments,
  ...extra,
});

function writeCatalog(file: string, models: object[]): string {
  const full = path.join(dir, file);
  writeFileSync(full, stringify({ models }));
  return full;
}

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-gateway-'));
  const main = writeCatalog('models.yaml', [
    model('params', [{ ...on('params'), model: 'upstream-params-v2' }]),
    model('streamy', [on('streamy')]),
    model('retry-500', [on('retry-500')]),
    model('retry-429', [on('retry-429')]),
    model('throttled', [on('throttled')]),
    model('bad-request', [on('bad-request')]),
    model('failover', [on('fo-1', { weight: 1000 }), on('fo-2', { weight: 0.001 })]),
    model('fallback', [on('fb-1')], { fallbacks: ['local'] }),
    model('breaker', [on('brk-1', { weight: 1000 }), on('brk-2', { weight: 0.001 })]),
    model('dead', [on('dead-1')]),
    model('weighted', [on('w-heavy', { weight: 3 }), on('w-light', { weight: 1 })]),
    model('idle', [on('lif-1'), on('lif-2')], { routing: 'least-in-flight' }),
    model('broken', [on('broken')]),
    model('garbled-early', [on('garbled-early')]),
    model('badjson-early', [on('badjson-early')]),
    model('garbled-late', [on('garbled-late')]),
    model('hangup', [on('hangup')]),
    model('rpm-one', [on('rpm-one', { rpm: 2 })]),
    model('rpm-two', [on('rpm-limited', { rpm: 2, weight: 1000 }), on('rpm-spare', { weight: 0.001 })]),
    model('metered', [on('metered', { price: { input: 2, output: 10 } })]),
    model('silent', [on('silent', { price: { input: 1, output: 3 } })]),
    model('no-stream-usage', [
      on('no-stream-usage', { stream_usage: false, price: { input: 1, output: 3 } }),
    ]),
    model('tiny', [on('tiny')], { context_window: 50 }),
  ]);
  const strictCatalog = writeCatalog('strict.yaml', [
    model('slow', [on('slow', {}, 'FAKE_KEY')], { fallbacks: ['slow-backup'] }),
    model('slow-backup', [on('slow-backup', {}, 'FAKE_KEY')]),
    model('stall', [on('stall', {}, 'FAKE_KEY')]),
    model('throttled-strict', [on('throttled-strict', {}, 'FAKE_KEY')]),
  ]);
  const common = { LOCAL_MODEL_WORDS_PER_S: '0', GATEWAY_RETRY_BASE_MS: '1', METERING_BATCH_SIZE: '1' };
  t = await createTestApp({
    env: {
      ...common,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test',
      NEXUS_MODELS_FILE: main,
      GATEWAY_MAX_RETRIES: String(MAX_RETRIES),
      // Waits are capped small so that a `Retry-After: 1` test does not take a second.
      GATEWAY_RETRY_MAX_WAIT_MS: '20',
      GATEWAY_CIRCUIT_FAILURES: String(CIRCUIT_FAILURES),
      GATEWAY_CIRCUIT_COOLDOWN_MS: String(CIRCUIT_COOLDOWN_MS),
    },
  });
  strict = await createTestApp({
    env: {
      ...common,
      FAKE_KEY: 'sk-strict',
      NEXUS_MODELS_FILE: strictCatalog,
      GATEWAY_MAX_RETRIES: '0',
      GATEWAY_FIRST_TOKEN_TIMEOUT_MS: '1000',
      GATEWAY_TOTAL_TIMEOUT_MS: '3000',
    },
  });
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  user = await registerUser(t.app);
  strictUser = await registerUser(strict.app);
});

afterAll(async () => {
  await Promise.all([t?.close(), strict?.close()]);
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const MESSAGES = [{ role: 'user', content: 'Say hello' }];

function chat(
  body: Record<string, unknown>,
  options: { headers?: Record<string, string>; app?: TestApp } = {},
): Promise<LightMyRequestResponse> {
  const app = options.app ?? t;
  return app.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: options.headers ?? (app === strict ? strictUser.auth : user.auth),
    payload: { messages: MESSAGES, ...body },
  });
}

/** The answer's text, asserting a 200. */
async function answer(modelName: string, app?: TestApp): Promise<string> {
  const response = await chat({ model: modelName }, app ? { app } : {});
  expect(response.statusCode, response.body).toBe(200);
  return response.json().choices[0].message.content;
}

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: string;
      content?: string;
      tool_calls?: {
        index: number;
        id?: string;
        type?: string;
        function: { name?: string; arguments: string };
      }[];
    };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

interface ErrorEvent {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface Sse {
  /** Parsed `data:` payloads other than `[DONE]`. */
  events: (Partial<Chunk> & Partial<ErrorEvent>)[];
  chunks: Chunk[];
  errors: ErrorEvent[];
  text: string;
  /** `[DONE]` came once, as the last event. */
  done: boolean;
}

function parseSse(body: string): Sse {
  const blocks = body.split('\n\n').filter((b) => b !== '');
  for (const block of blocks) expect(block.startsWith('data: '), block).toBe(true);
  const data = blocks.map((b) => b.slice('data: '.length));
  const events = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Sse['events'][number]);
  const chunks = events.filter((e): e is Chunk => e.object === 'chat.completion.chunk');
  return {
    events,
    chunks,
    errors: events.filter((e): e is ErrorEvent => e.error !== undefined),
    text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''),
    done: data.indexOf('[DONE]') === data.length - 1,
  };
}

function expectOpenAIError(response: LightMyRequestResponse, status: number, type: string, code?: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const { error } = response.json();
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.type).toBe(type);
  expect(typeof error.message).toBe('string');
  if (code) expect(error.code).toBe(code);
  return error as { message: string; type: string; param: string | null; code: string | null };
}

/** Polls until `probe` returns something (not undefined/false); fails after a deadline, never sleeps blindly. */
async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The metering row of a request (METERING_BATCH_SIZE is 1, so it is written right after the call). */
function meteredCall(requestId: string, app: TestApp = t) {
  return eventually(
    () =>
      app.container.database.db
        .selectFrom('llm_calls')
        .selectAll()
        .where('request_id', '=', requestId)
        .executeTakeFirst(),
    `the llm_calls row of ${requestId}`,
  );
}

let requestSeq = 0;
const requestId = (label: string) => `req-${label}-${Date.now().toString(36)}-${requestSeq++}`;

describe('what reaches the upstream', () => {
  it('passes OpenAI parameters and vendor extensions through, under the deployment’s model name', async () => {
    fake.on('upstream-params-v2', { text: '{"ok":true}' });
    const params = {
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            description: 'Looks a thing up',
            parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      max_tokens: 64,
      max_completion_tokens: 80,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END', 'STOP'],
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { '50256': -100 },
      user: 'end-user-7',
      enable_thinking: false,
      top_k: 20,
    };
    const messages = [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
    ];
    const response = await chat({
      model: 'params',
      messages,
      ...params,
      // The client's stream options are its own business; `null` means "not set".
      stream_options: { include_usage: false },
      metadata: null,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().model).toBe('params');

    const [sent, ...more] = fake.requestsFor('upstream-params-v2');
    expect(more).toHaveLength(0);
    expect(sent!.path).toBe('/v1/chat/completions');
    expect(sent!.headers.authorization).toBe('Bearer sk-test');
    // Exactly this body: every parameter as sent, nulls left out, always streamed with usage requested.
    expect(sent!.body).toEqual({
      ...params,
      model: 'upstream-params-v2',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('serves a model the catalog does not name from the OPENAI_BASE_URL upstream, under its own name', async () => {
    fake.on('some-upstream-model', { text: 'passthrough works' });
    expect(await answer('some-upstream-model')).toBe('passthrough works');
    expect(fake.requestsFor('some-upstream-model')).toHaveLength(1);
  });

  it('routes embeddings to the upstream and returns its vectors in order', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      headers: user.auth,
      payload: { model: 'fake-embedding', input: ['first', 'second'], dimensions: 4 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const [sent] = fake.requestsFor('fake-embedding');
    expect(sent).toMatchObject({
      path: '/v1/embeddings',
      body: { input: ['first', 'second'], dimensions: 4 },
    });
    const body = response.json();
    expect(body.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(body.data[0].embedding).toHaveLength(4);
    expect(body.data[0].embedding).not.toEqual(body.data[1].embedding);
  });
});

describe('streaming', () => {
  const reply: Behaviour = {
    text: 'Hello there world',
    toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"weather in Paris"}' }],
    usage: { prompt_tokens: 21, completion_tokens: 9 },
  };

  it('relays text and tool-call deltas in OpenAI’s chunk format, then usage when asked, then [DONE]', async () => {
    fake.on('up-streamy', reply);
    const response = await chat({
      model: 'streamy',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const sse = parseSse(response.body);
    expect(sse.done).toBe(true);
    expect(sse.errors).toEqual([]);
    expect(sse.chunks.length).toBe(sse.events.length);
    for (const chunk of sse.chunks) {
      expect(chunk).toMatchObject({
        object: 'chat.completion.chunk',
        id: sse.chunks[0]!.id,
        model: 'streamy',
      });
      expect(Number.isInteger(chunk.created)).toBe(true);
    }
    expect(sse.chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(sse.text).toBe('Hello there world');

    // Tool calls arrive as OpenAI streams them: the id and name first, then the arguments in pieces.
    const calls = sse.chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toMatchObject({
      index: 0,
      id: 'call_1',
      type: 'function',
      function: { name: 'lookup' },
    });
    for (const call of calls) expect(call.index).toBe(0);
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"q":"weather in Paris"}');

    const finishes = sse.chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
    expect(finishes).toEqual(['tool_calls']);
    // The usage chunk is the last one, with no choices, carrying the upstream's numbers.
    const withUsage = sse.chunks.filter((c) => c.usage);
    expect(withUsage).toHaveLength(1);
    expect(withUsage[0]).toBe(sse.chunks.at(-1));
    expect(withUsage[0]!.choices).toEqual([]);
    expect(withUsage[0]!.usage).toEqual({ prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });
  });

  it.each([
    ['no stream_options', {}],
    ['include_usage: false', { stream_options: { include_usage: false } }],
  ])('sends no usage chunk when the client did not ask for it (%s)', async (_label, options) => {
    fake.on('up-streamy', reply);
    const response = await chat({ model: 'streamy', stream: true, ...options });
    const sse = parseSse(response.body);
    expect(sse.done).toBe(true);
    expect(sse.text).toBe('Hello there world');
    expect(sse.chunks.some((c) => 'usage' in c)).toBe(false);
    // The upstream was asked for usage all the same (metering needs it).
    expect(fake.requestsFor('up-streamy').at(-1)!.body!.stream_options).toEqual({ include_usage: true });
  });

  it('works with the official OpenAI SDK as the client, streaming and not', async () => {
    fake.on('up-streamy', reply);
    const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: user.access, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'streamy',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let args = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello there world');
    expect(args).toBe('{"q":"weather in Paris"}');
    expect(usage?.total_tokens).toBe(30);

    const completion = await client.chat.completions.create({
      model: 'streamy',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('Hello there world');
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      id: 'call_1',
      function: { name: 'lookup', arguments: '{"q":"weather in Paris"}' },
    });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('retries', () => {
  it('retries a 500 and answers 200; the upstream saw two requests', async () => {
    fake.on('up-retry-500', { text: 'second time lucky' });
    fake.script('up-retry-500', { error: { status: 500, message: 'The server had an error' } });
    expect(await answer('retry-500')).toBe('second time lucky');
    expect(fake.requestsFor('up-retry-500')).toHaveLength(2);
  });

  it('retries a 429 with Retry-After and answers 200', async () => {
    fake.on('up-retry-429', { text: 'after the wait' });
    fake.script('up-retry-429', { error: { status: 429, retryAfter: '1', message: 'Rate limit reached' } });
    expect(await answer('retry-429')).toBe('after the wait');
    const [first, second, ...more] = fake.requestsFor('up-retry-429');
    expect(more).toHaveLength(0);
    expect(second!.receivedAt).toBeGreaterThan(first!.receivedAt);
  });

  it('gives up after GATEWAY_MAX_RETRIES retries: 503 provider_unavailable with Retry-After', async () => {
    fake.on('up-throttled', { error: { status: 429, retryAfter: '30', message: 'Rate limit reached' } });
    const response = await chat({ model: 'throttled' });
    expectOpenAIError(response, 503, 'service_unavailable_error', 'provider_unavailable');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(fake.requestsFor('up-throttled')).toHaveLength(1 + MAX_RETRIES);
  });

  it.each([
    ['JSON', false],
    ['streaming', true],
  ])(
    'passes an upstream 400 back as a 400 with its message, without retrying (%s)',
    async (_label, stream) => {
      const before = fake.requestsFor('up-bad-request').length;
      const id = requestId('bad-request');
      fake.script('up-bad-request', {
        error: {
          status: 400,
          message: "Invalid value for 'tool_choice': no function named 'nope'",
          param: 'tool_choice',
        },
      });
      const response = await chat(
        { model: 'bad-request', stream },
        { headers: { ...user.auth, 'x-request-id': id } },
      );
      const error = expectOpenAIError(response, 400, 'invalid_request_error');
      expect(error.message).toContain("Invalid value for 'tool_choice': no function named 'nope'");
      expect(fake.requestsFor('up-bad-request')).toHaveLength(before + 1);
      expect(await meteredCall(id)).toMatchObject({
        status: 'error',
        error_code: error.code,
        model: 'bad-request',
      });
    },
  );

  it('does not count the caller’s bad requests against the deployment’s health', async () => {
    for (let i = 0; i < CIRCUIT_FAILURES + 1; i++) {
      fake.script('up-bad-request', { error: { status: 400, message: 'Bad request' } });
      expect((await chat({ model: 'bad-request' })).statusCode).toBe(400);
    }
    fake.on('up-bad-request', { text: 'still serving' });
    expect(await answer('bad-request')).toBe('still serving');
  });
});

describe('fallbacks', () => {
  it('moves on to the model’s next deployment when one fails', async () => {
    fake.on('up-fo-1', { error: { status: 503, message: 'Overloaded' } });
    fake.on('up-fo-2', { text: 'from the second deployment' });
    expect(await answer('failover')).toBe('from the second deployment');
    expect(fake.requestsFor('up-fo-1')).toHaveLength(1);
    expect(fake.requestsFor('up-fo-2')).toHaveLength(1);
  });

  it('falls back to the next model when every deployment fails, and meters the model that served', async () => {
    fake.on('up-fb-1', { error: { status: 500 } });
    const id = requestId('fallback');
    const response = await chat({ model: 'fallback' }, { headers: { ...user.auth, 'x-request-id': id } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().model).toBe('fallback');
    expect(response.json().choices[0].message.content).toContain('[Nexus offline model]');
    expect(fake.requestsFor('up-fb-1')).toHaveLength(1 + MAX_RETRIES);
    expect(await meteredCall(id)).toMatchObject({ model: 'local', deployment: 'local', status: 'success' });
  });
});

describe('circuit breaker', () => {
  it('stops calling a failing deployment until the cooldown has passed, then lets one trial through', async () => {
    fake.on('up-brk-1', { error: { status: 500 } });
    fake.on('up-brk-2', { text: 'healthy' });
    // brk-1 carries nearly all the weight, so each call tries it first, fails once, and brk-2 answers.
    for (let i = 0; i < CIRCUIT_FAILURES; i++) expect(await answer('breaker')).toBe('healthy');
    expect(fake.requestsFor('up-brk-1')).toHaveLength(CIRCUIT_FAILURES);

    for (let i = 0; i < 5; i++) expect(await answer('breaker')).toBe('healthy');
    expect(fake.requestsFor('up-brk-1')).toHaveLength(CIRCUIT_FAILURES);
    expect(fake.requestsFor('up-brk-2')).toHaveLength(CIRCUIT_FAILURES + 5);

    // Past the cooldown (the breaker reads the wall clock): one trial call, which fails and reopens it.
    const realNow = Date.now.bind(Date);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + CIRCUIT_COOLDOWN_MS + 1_000);
    try {
      for (let i = 0; i < 3; i++) expect(await answer('breaker')).toBe('healthy');
    } finally {
      clock.mockRestore();
    }
    expect(fake.requestsFor('up-brk-1')).toHaveLength(CIRCUIT_FAILURES + 1);
  });

  it('answers 503 provider_unavailable with Retry-After, without calling, when every deployment is open', async () => {
    fake.on('up-dead-1', { error: { status: 503 } });
    // One call makes 1 + MAX_RETRIES attempts, enough to open the circuit.
    expect(MAX_RETRIES + 1).toBeGreaterThanOrEqual(CIRCUIT_FAILURES);
    expectOpenAIError(
      await chat({ model: 'dead' }),
      503,
      'service_unavailable_error',
      'provider_unavailable',
    );
    const calls = fake.requestsFor('up-dead-1').length;
    expect(calls).toBe(CIRCUIT_FAILURES);

    const response = await chat({ model: 'dead' });
    expectOpenAIError(response, 503, 'service_unavailable_error', 'provider_unavailable');
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(1);
    expect(retryAfter).toBeLessThanOrEqual(CIRCUIT_COOLDOWN_MS / 1000);
    expect(fake.requestsFor('up-dead-1')).toHaveLength(calls);
  });
});

describe('deployment selection', () => {
  it('spreads calls by weight', async () => {
    fake.on('up-w-heavy', { text: 'heavy' });
    fake.on('up-w-light', { text: 'light' });
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, () => answer('weighted')));
    }
    const heavy = fake.requestsFor('up-w-heavy').length;
    const light = fake.requestsFor('up-w-light').length;
    expect(heavy + light).toBe(200);
    expect(light).toBeGreaterThan(0);
    expect(heavy).toBeGreaterThan(light);
  });

  it('least-in-flight sends calls to the idle deployment while the other one is busy', async () => {
    fake.on('up-lif-1', { text: 'one' });
    fake.on('up-lif-2', { text: 'two' });
    // The next upstream request, whichever deployment it goes to, streams one token and then stalls.
    fake.script('*', { text: 'busy busy busy', stallAfter: 1 });
    const controller = new AbortController();
    const busy = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'idle', messages: MESSAGES, stream: true }),
      signal: controller.signal,
    });
    expect(busy.status).toBe(200);
    const [stalled] = fake.requests.slice(-1);
    const busyModel = stalled!.model!;
    const idleModel = busyModel === 'up-lif-1' ? 'up-lif-2' : 'up-lif-1';
    try {
      for (let i = 0; i < 10; i++) await answer('idle');
      expect(fake.requestsFor(busyModel)).toHaveLength(1);
      expect(fake.requestsFor(idleModel)).toHaveLength(10);
    } finally {
      controller.abort();
    }
    await eventually(() => stalled!.aborted, 'the stalled upstream request to be aborted');
  });
});

describe('rpm limits', () => {
  it('answers 503 with Retry-After once the only deployment has used its rpm', async () => {
    fake.on('up-rpm-one', { text: 'ok' });
    expect(await answer('rpm-one')).toBe('ok');
    expect(await answer('rpm-one')).toBe('ok');
    const response = await chat({ model: 'rpm-one' });
    expectOpenAIError(response, 503, 'service_unavailable_error', 'provider_unavailable');
    // rpm 2 refills one call every 30 s.
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(1);
    expect(fake.requestsFor('up-rpm-one')).toHaveLength(2);
  });

  it('sends the call to another deployment when the preferred one is over its rpm', async () => {
    fake.on('up-rpm-limited', { text: 'limited' });
    fake.on('up-rpm-spare', { text: 'spare' });
    const answers = [await answer('rpm-two'), await answer('rpm-two'), await answer('rpm-two')];
    expect(answers).toEqual(['limited', 'limited', 'spare']);
    expect(fake.requestsFor('up-rpm-limited')).toHaveLength(2);
  });
});

describe('timeouts', () => {
  it('gives up on an upstream that sends nothing within the first-token timeout, aborts it, and falls back', async () => {
    fake.on('up-slow', { hang: true });
    fake.on('up-slow-backup', { text: 'backup answer' });
    expect(await answer('slow', strict)).toBe('backup answer');
    const [hung, ...more] = fake.requestsFor('up-slow');
    expect(more).toHaveLength(0);
    expect(hung!.headers.authorization).toBe('Bearer sk-strict');
    await eventually(() => hung!.aborted, 'the hung upstream request to be aborted');
  });

  it('ends a stream that outlives the total timeout with an error event, after the tokens already sent', async () => {
    fake.on('up-stall', { text: 'one two three four', stallAfter: 2 });
    const response = await chat({ model: 'stall', stream: true }, { app: strict });
    expect(response.statusCode).toBe(200);
    const sse = parseSse(response.body);
    expect(sse.text).toBe('one two ');
    expect(sse.errors).toHaveLength(1);
    expect(sse.errors[0]!.error.message).toMatch(/total timeout/);
    expect(sse.done).toBe(true);
    const [stalled, ...more] = fake.requestsFor('up-stall');
    expect(more).toHaveLength(0);
    await eventually(() => stalled!.aborted, 'the stalled upstream request to be aborted');
  });

  it('tells the client how long the upstream asked to wait (Retry-After) when it cannot retry', async () => {
    fake.on('up-throttled-strict', {
      error: { status: 429, retryAfter: '7', message: 'Rate limit reached' },
    });
    const response = await chat({ model: 'throttled-strict' }, { app: strict });
    expectOpenAIError(response, 503, 'service_unavailable_error', 'provider_unavailable');
    expect(response.headers['retry-after']).toBe('7');
    expect(fake.requestsFor('up-throttled-strict')).toHaveLength(1);
  });
});

describe('broken streams', () => {
  it('does not restart a stream that broke after its first tokens: tokens, an error event, [DONE]', async () => {
    fake.on('up-broken', { text: 'alpha beta gamma delta', disconnectAfter: 2 });
    const response = await chat({ model: 'broken', stream: true });
    expect(response.statusCode).toBe(200);
    const sse = parseSse(response.body);
    expect(sse.text).toBe('alpha beta ');
    expect(sse.errors).toHaveLength(1);
    expect(sse.errors[0]!.error).toMatchObject({ code: 'provider_unavailable' });
    expect(sse.done).toBe(true);
    expect(fake.requestsFor('up-broken')).toHaveLength(1);
  });

  it.each([
    ['garbled-early', 'garbage'],
    ['badjson-early', 'invalid-json'],
  ] as const)(
    'answers a JSON error when the upstream stream is malformed before any token (%s)',
    async (name, kind) => {
      fake.on(`up-${name}`, { text: 'never seen', malformed: { after: 0, kind } });
      const response = await chat({ model: name, stream: true });
      expectOpenAIError(response, 503, 'service_unavailable_error', 'provider_unavailable');
      expect(fake.requestsFor(`up-${name}`)).toHaveLength(1 + MAX_RETRIES);
    },
  );

  it('ends with an SSE error event when the upstream stream turns malformed after tokens', async () => {
    fake.on('up-garbled-late', { text: 'one two three', malformed: { after: 2, kind: 'garbage' } });
    const response = await chat({ model: 'garbled-late', stream: true });
    const sse = parseSse(response.body);
    expect(sse.text).toBe('one two ');
    expect(sse.errors).toHaveLength(1);
    expect(sse.done).toBe(true);
    expect(fake.requestsFor('up-garbled-late')).toHaveLength(1);
  });
});

describe('client disconnect', () => {
  it('aborts the upstream request and meters the call as cancelled', async () => {
    fake.on('up-hangup', { text: 'a b c d e f', stallAfter: 2 });
    const id = requestId('hangup');
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ model: 'hangup', messages: MESSAGES, stream: true }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    while (!received.includes('"content":"b "')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${received}`);
      received += decoder.decode(value, { stream: true });
    }
    controller.abort();

    const [upstream] = fake.requestsFor('up-hangup');
    await eventually(() => fake.aborts.includes(upstream!), 'the upstream request to be aborted');
    expect(await meteredCall(id)).toMatchObject({
      status: 'cancelled',
      model: 'hangup',
      deployment: 'hangup',
    });
  });
});

describe('metering', () => {
  it('records tenant, caller, model, deployment, the upstream’s token counts and their cost', async () => {
    fake.on('up-metered', { text: 'metered answer', usage: { prompt_tokens: 1000, completion_tokens: 50 } });
    const id = requestId('metered');
    const response = await chat({ model: 'metered' }, { headers: { ...user.auth, 'x-request-id': id } });
    expect(response.json().usage).toEqual({ prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050 });
    const row = await meteredCall(id);
    expect(row).toMatchObject({
      tenant_id: user.tenantId,
      user_id: user.userId,
      api_key_id: null,
      endpoint: 'chat',
      model: 'metered',
      deployment: 'metered',
      provider: 'openai-compatible',
      input_tokens: 1000,
      output_tokens: 50,
      status: 'success',
      error_code: null,
    });
    // price: 2 per million input tokens, 10 per million output tokens
    expect(Number(row.cost)).toBeCloseTo((1000 * 2 + 50 * 10) / 1e6, 12);
    expect(row.ttft_ms).not.toBeNull();
  });

  it.each([
    ['the upstream ignores include_usage', 'silent', { usage: false } satisfies Behaviour],
    ['the deployment has stream_usage: false', 'no-stream-usage', {} satisfies Behaviour],
  ])(
    'counts tokens with gpt-tokenizer when the upstream reports no usage (%s)',
    async (_label, name, extra) => {
      const text = 'Counted by the gateway itself, token by token.';
      fake.on(`up-${name}`, { text, ...extra });
      const id = requestId(name);
      const response = await chat(
        { model: name, stream: true, stream_options: { include_usage: true } },
        { headers: { ...user.auth, 'x-request-id': id } },
      );
      const sse = parseSse(response.body);
      expect(sse.text).toBe(text);
      const input = countChatTokens(MESSAGES as never);
      const output = countTokens(text);
      expect(sse.chunks.at(-1)!.usage).toEqual({
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input + output,
      });
      const row = await meteredCall(id);
      expect(row).toMatchObject({ input_tokens: input, output_tokens: output, status: 'success' });
      expect(Number(row.cost)).toBeCloseTo((input * 1 + output * 3) / 1e6, 12);
      if (name === 'no-stream-usage')
        expect(fake.requestsFor(`up-${name}`)[0]!.body).not.toHaveProperty('stream_options');
    },
  );

  it('records the API key that made the call', async () => {
    fake.on('up-metered', { text: 'via key', usage: { prompt_tokens: 5, completion_tokens: 2 } });
    const key = await createKey(['chat:write']);
    const id = requestId('key');
    const response = await chat(
      { model: 'metered' },
      { headers: { authorization: `Bearer ${key.secret}`, 'x-request-id': id } },
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(await meteredCall(id)).toMatchObject({
      api_key_id: key.id,
      tenant_id: user.tenantId,
      input_tokens: 5,
    });
  });
});

async function createKey(scopes: string[]): Promise<{ id: string; secret: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: { ...user.auth, 'x-nexus-tenant': user.tenantId },
    payload: { name: `gateway-${requestSeq++}`, scopes },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe('bad input', () => {
  const valid = { model: 'streamy', messages: MESSAGES };

  it.each([
    ['temperature above 2', { temperature: 3 }, 'temperature'],
    ['n other than 1', { n: 2 }, 'n'],
    ['empty messages', { messages: [] }, 'messages'],
    ['missing messages', { messages: undefined }, 'messages'],
    ['an unknown role', { messages: [{ role: 'bogus', content: 'hi' }] }, 'messages.0.role'],
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens'],
    ['stop with 5 items', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    ['tools not an array', { tools: 'lookup' }, 'tools'],
    ['top_p above 1', { top_p: 1.5 }, 'top_p'],
    ['a model name that is not a string', { model: 42 }, 'model'],
  ])('answers 400 invalid_request_error naming the parameter: %s', async (_label, patch, param) => {
    const before = fake.requests.length;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: user.auth,
      payload: { ...valid, ...patch },
    });
    const error = expectOpenAIError(response, 400, 'invalid_request_error');
    expect(error.param).toBe(param);
    expect(fake.requests.length).toBe(before);
  });

  it('answers 404 model_not_found for a model neither the catalog nor any upstream has', async () => {
    const response = await chat({ model: 'no-such-model' }, { app: strict });
    const error = expectOpenAIError(response, 404, 'invalid_request_error', 'model_not_found');
    expect(error.message).toContain('no-such-model');
  });

  it('answers 404 model_not_found when the passthrough upstream does not know the model', async () => {
    fake.on('no-such-upstream-model', {
      error: {
        status: 404,
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: 'The model `no-such-upstream-model` does not exist or you do not have access to it.',
      },
    });
    const response = await chat({ model: 'no-such-upstream-model' });
    const error = expectOpenAIError(response, 404, 'invalid_request_error', 'model_not_found');
    expect(error.message).toContain('no-such-upstream-model');
    expect(fake.requestsFor('no-such-upstream-model')).toHaveLength(1);
  });

  it.each([
    [
      'a prompt longer than the context window',
      { messages: [{ role: 'user', content: 'word '.repeat(200) }] },
    ],
    ['room asked for the reply beyond the context window', { max_tokens: 45 }],
  ])('answers 400 context_length_exceeded for %s, without calling the upstream', async (_label, patch) => {
    const response = await chat({ model: 'tiny', ...patch });
    const error = expectOpenAIError(response, 400, 'invalid_request_error', 'context_length_exceeded');
    expect(error.param).toBe('messages');
    expect(fake.requestsFor('up-tiny')).toHaveLength(0);
  });

  it('answers 401 in OpenAI’s shape without credentials', async () => {
    const response = await chat({ model: 'streamy' }, { headers: {} });
    expectOpenAIError(response, 401, 'authentication_error');
  });

  it('answers 403 to an API key without chat:write', async () => {
    const key = await createKey(['tenant:read']);
    const response = await chat({ model: 'streamy' }, { headers: { authorization: `Bearer ${key.secret}` } });
    expectOpenAIError(response, 403, 'permission_error');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FakeAnthropic } from '../fakes/anthropic-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { expectOpenAISchema, sseData } from '../support/openai-schemas.js';

/**
 * An `anthropic` deployment end to end: a NEXUS_MODELS_FILE catalog pointing at the fake Anthropic
 * upstream (over HTTP), the key read from ANTHROPIC_API_KEY, the real app, and OpenAI's own SDK as the
 * client. What the client gets is OpenAI's format; what the upstream gets is Anthropic's.
 */

let fake: FakeAnthropic;
let t: TestApp;
let user: Session;
let client: OpenAI;
let dir: string;

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

beforeAll(async () => {
  fake = await FakeAnthropic.start('sk-ant-test-key');
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-anthropic-'));
  const deployment = {
    provider: 'anthropic',
    base_url: fake.url,
    api_key_env: 'ANTHROPIC_API_KEY',
    price: { input: 3, output: 15 },
  };
  const modelsFile = path.join(dir, 'models.yaml');
  writeFileSync(
    modelsFile,
    stringify({
      models: [
        {
          name: 'claude',
          context_window: 200_000,
          deployments: [{ ...deployment, id: 'claude-1', model: 'claude-up' }],
        },
        {
          name: 'claude-embed',
          kind: 'embedding',
          deployments: [{ ...deployment, id: 'claude-embed-1', model: 'claude-up' }],
        },
      ],
    }),
  );
  t = await createTestApp({
    env: {
      NEXUS_MODELS_FILE: modelsFile,
      ANTHROPIC_API_KEY: fake.apiKey,
      LOCAL_MODEL_WORDS_PER_S: '0',
      GATEWAY_RETRY_BASE_MS: '1',
      GATEWAY_MAX_RETRIES: '2',
      METERING_BATCH_SIZE: '1',
    },
  });
  const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  user = await registerUser(t.app);
  client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: user.access, maxRetries: 0 });
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const QUESTION: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a weather bot.' },
  { role: 'user', content: 'Weather in Paris?' },
];

/** The metering row of a request (METERING_BATCH_SIZE is 1: written right after the call). */
async function meteredCall(requestId: string) {
  for (let i = 0; i < 1000; i++) {
    const row = await t.container.database.db
      .selectFrom('llm_calls')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    if (row) return row;
    await sleep(10);
  }
  throw new Error(`no llm_calls row for ${requestId}`);
}

describe('POST /v1/chat/completions on an anthropic deployment', () => {
  it('answers tool calls and usage in OpenAI format, without streaming', async () => {
    fake.script({
      text: 'Let me check.',
      toolUses: [{ id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } }],
      usage: { input_tokens: 31, output_tokens: 12 },
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...user.auth, 'x-request-id': 'req-anthropic-json' },
      payload: { model: 'claude', messages: QUESTION, tools: [WEATHER_TOOL], temperature: 0.3 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expectOpenAISchema('CreateChatCompletionResponse', body);
    expect(body.model).toBe('claude');
    expect(body.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          {
            id: 'toolu_paris',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
    });
    expect(body.usage).toEqual({ prompt_tokens: 31, completion_tokens: 12, total_tokens: 43 });

    // What Anthropic received: its own request shape, under the deployment's model name, with the key.
    const received = fake.requests.at(-1)!;
    expect(received.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(received.body).toEqual({
      model: 'claude-up',
      max_tokens: 4096,
      stream: true,
      system: 'You are a weather bot.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }],
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          input_schema: WEATHER_TOOL.function.parameters,
        },
      ],
    });

    const row = await meteredCall('req-anthropic-json');
    expect(row).toMatchObject({
      model: 'claude',
      deployment: 'claude-1',
      provider: 'anthropic',
      input_tokens: 31,
      output_tokens: 12,
      status: 'success',
    });
    expect(Number(row.cost)).toBeCloseTo((31 * 3 + 12 * 15) / 1e6, 12);
  });

  it('streams text, tool calls and usage as OpenAI chunks', async () => {
    fake.script({
      text: 'Checking both.',
      toolUses: [
        { id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
        { id: 'toolu_b', name: 'get_weather', input: { city: 'Oslo' } },
      ],
      usage: { input_tokens: 40, output_tokens: 22 },
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: user.auth,
      payload: {
        model: 'claude',
        messages: QUESTION,
        tools: [WEATHER_TOOL],
        stream: true,
        stream_options: { include_usage: true },
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const data = sseData(response.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    for (const chunk of chunks) expectOpenAISchema('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Checking both.');
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 40, completion_tokens: 22, total_tokens: 62 });
  });

  it('works with the OpenAI SDK: a streamed tool call, then the tool result back, then the answer', async () => {
    fake.script({ toolUses: [{ id: 'toolu_x', name: 'get_weather', input: { city: 'Paris' } }] });
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: QUESTION,
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const calls: { id: string; name: string; arguments: string }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        calls[call.index] ??= { id: '', name: '', arguments: '' };
        const entry = calls[call.index]!;
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name += call.function.name;
        entry.arguments += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(calls).toEqual([{ id: 'toolu_x', name: 'get_weather', arguments: '{"city":"Paris"}' }]);

    fake.script({ text: 'It is 18°C in Paris.', usage: { input_tokens: 60, output_tokens: 9 } });
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: [
        ...QUESTION,
        {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          })),
        },
        { role: 'tool', tool_call_id: 'toolu_x', content: '18°C, clear' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(completion.choices[0]?.message.content).toBe('It is 18°C in Paris.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 9, total_tokens: 69 });
    expect(fake.lastBody.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_x', name: 'get_weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: '18°C, clear' }] },
    ]);
  });

  it('retries an overloaded (529) upstream through the router', async () => {
    fake.script({ error: { status: 529, message: 'Overloaded' } }, { text: 'Second time lucky.' });
    const before = fake.requests.length;
    const completion = await client.chat.completions.create({ model: 'claude', messages: QUESTION });
    expect(completion.choices[0]?.message.content).toBe('Second time lucky.');
    expect(fake.requests).toHaveLength(before + 2);
  });

  it('passes an upstream 400 back as a 400 with Anthropic’s message, without retrying', async () => {
    fake.script({ error: { status: 400, message: 'messages.0.content.0.image.source: image exceeds 5 MB' } });
    const before = fake.requests.length;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: user.auth,
      payload: { model: 'claude', messages: QUESTION },
    });
    expect(response.statusCode, response.body).toBe(400);
    expectOpenAISchema('ErrorResponse', response.json());
    expect(response.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_request',
      message: 'messages.0.content.0.image.source: image exceeds 5 MB',
    });
    expect(fake.requests).toHaveLength(before + 1);
  });
});

describe('POST /v1/embeddings on an anthropic deployment', () => {
  it('is refused: Anthropic serves no embeddings', async () => {
    const before = fake.requests.length;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      headers: user.auth,
      payload: { model: 'claude-embed', input: 'hello' },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_model', type: 'invalid_request_error' });
    expect(response.json().error.message).toMatch(/Anthropic deployments do not serve embeddings/);
    expect(fake.requests).toHaveLength(before);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AnthropicBehaviour, FakeAnthropic } from '../../../test/fakes/anthropic-upstream.js';
import {
  AnthropicModel,
  AnthropicUnsupportedError,
  DEFAULT_MAX_TOKENS,
  finishReason,
  JSON_OBJECT_INSTRUCTION,
} from './anthropic.js';
import { type ChatMessage, collect, type StreamPart, UpstreamError } from './language-model.js';

let fake: FakeAnthropic;
let model: AnthropicModel;

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  model = new AnthropicModel({ baseUrl: fake.url, apiKey: fake.apiKey });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.defaults = {};
});

const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const hi = [user('hi')];

function stream(
  messages: ChatMessage[],
  params: Record<string, unknown> = {},
  signal = new AbortController().signal,
  on = model,
) {
  return on.stream({ model: 'claude-test', messages, params }, { signal });
}

async function parts(
  messages: ChatMessage[] = hi,
  params: Record<string, unknown> = {},
): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const part of stream(messages, params)) out.push(part);
  return out;
}

/** Runs the call and returns the error it failed with (failing the test if it did not fail). */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('request translation (asserted on what the upstream received)', () => {
  const toolCall = (id: string, name: string, args: string) => ({
    id,
    type: 'function' as const,
    function: { name, arguments: args },
  });

  it.each<[string, ChatMessage[], Record<string, unknown>, Record<string, unknown>]>([
    [
      'system and developer messages become `system`, in order',
      [
        { role: 'system', content: 'Be brief.' },
        user('hi'),
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
      ],
      {},
      {
        system: 'Be brief.\n\nUse metric units.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      },
    ],
    ['max_tokens defaults when absent', hi, {}, { max_tokens: DEFAULT_MAX_TOKENS }],
    ['max_tokens passes on', hi, { max_tokens: 77 }, { max_tokens: 77 }],
    [
      'max_completion_tokens wins over max_tokens',
      hi,
      { max_tokens: 500, max_completion_tokens: 50 },
      { max_tokens: 50 },
    ],
    ['a stop string becomes stop_sequences', hi, { stop: 'END' }, { stop_sequences: ['END'] }],
    ['a stop list becomes stop_sequences', hi, { stop: ['A', 'B'] }, { stop_sequences: ['A', 'B'] }],
    ['user becomes metadata.user_id', hi, { user: 'end-user-7' }, { metadata: { user_id: 'end-user-7' } }],
    [
      'function tools become tools with input_schema',
      hi,
      {
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          },
          { type: 'function', function: { name: 'now' } },
        ],
      },
      {
        tools: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
          { name: 'now', input_schema: { type: 'object', properties: {} } },
        ],
      },
    ],
    ['tool_choice auto', hi, { tool_choice: 'auto' }, { tool_choice: { type: 'auto' } }],
    ['tool_choice none', hi, { tool_choice: 'none' }, { tool_choice: { type: 'none' } }],
    ['tool_choice required → any', hi, { tool_choice: 'required' }, { tool_choice: { type: 'any' } }],
    [
      'tool_choice function → tool',
      hi,
      { tool_choice: { type: 'function', function: { name: 'now' } } },
      { tool_choice: { type: 'tool', name: 'now' } },
    ],
    [
      'parallel_tool_calls false → disable_parallel_tool_use',
      hi,
      { parallel_tool_calls: false },
      { tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
    ],
    [
      'json_object → an instruction at the end of `system`',
      [{ role: 'system', content: 'You extract data.' }, user('hi')],
      { response_format: { type: 'json_object' } },
      { system: `You extract data.\n\n${JSON_OBJECT_INSTRUCTION}` },
    ],
    [
      'json_schema → output_config.format',
      hi,
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } },
      { output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } },
    ],
    [
      'assistant tool_calls → tool_use blocks, tool messages → tool_result blocks in one user turn',
      [
        user('Weather in Paris and Oslo?'),
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            toolCall('toolu_1', 'get_weather', '{"city":"Paris"}'),
            toolCall('toolu_2', 'get_weather', '{"city":"Oslo"}'),
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '9°C' }] },
        user('And tomorrow?'),
      ],
      {},
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Oslo?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: '9°C' },
              { type: 'text', text: 'And tomorrow?' },
            ],
          },
        ],
      },
    ],
    [
      'an assistant turn with only tool calls (content null, no arguments) has only tool_use blocks',
      [
        user('time?'),
        { role: 'assistant', content: null, tool_calls: [toolCall('toolu_9', 'now', '')] },
        { role: 'tool', tool_call_id: 'toolu_9', content: '12:00' },
      ],
      {},
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'time?' }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'now', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '12:00' }] },
        ],
      },
    ],
    [
      'consecutive user messages merge; empty text parts are left out',
      [
        user('one'),
        user([
          { type: 'text', text: '' },
          { type: 'text', text: 'two' },
        ]),
      ],
      {},
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'one' },
              { type: 'text', text: 'two' },
            ],
          },
        ],
      },
    ],
    [
      'image_url parts: data: URLs as base64, others as URL sources',
      [
        user([
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ]),
      ],
      {},
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      },
    ],
  ])('%s', async (_name, messages, params, expected) => {
    await parts(messages, params);
    expect(fake.lastBody).toMatchObject({ model: 'claude-test', stream: true, ...expected });
  });

  it('sends no parameter Anthropic lacks (API 2026-10-21 refuses temperature and top_p even at defaults)', async () => {
    await parts(hi, {
      temperature: 0.2,
      top_p: 0.9,
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      logit_bias: { '50256': -100 },
      logprobs: true,
      enable_thinking: true,
    });
    expect(Object.keys(fake.lastBody).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
  });

  it('leaves `system` out when there is none', async () => {
    await parts();
    expect(fake.lastBody).not.toHaveProperty('system');
  });

  it('sends the key and an anthropic-version', async () => {
    await parts();
    const { headers } = fake.requests.at(-1)!;
    expect(headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each<[string, ChatMessage[], string]>([
    [
      'an audio part',
      [user([{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }])],
      'messages.0.content.0',
    ],
    [
      'a PDF data URL',
      [user([{ type: 'image_url', image_url: { url: 'data:application/pdf;base64,JVBERi0=' } }])],
      'messages.0.content.0',
    ],
    [
      'a data URL that is not base64',
      [
        user([
          { type: 'text', text: 'x' },
          { type: 'image_url', image_url: { url: 'data:image/png,abc' } },
        ]),
      ],
      'messages.0.content.1',
    ],
    [
      'tool arguments that are not a JSON object',
      [
        user('x'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '[1,' } }],
        },
      ],
      'messages.1.tool_calls.0.function.arguments',
    ],
  ])(
    'refuses %s with a 400 naming the field, without calling the upstream',
    async (_name, messages, param) => {
      const before = fake.requests.length;
      const error = await failure(() => parts(messages));
      expect(error).toBeInstanceOf(AnthropicUnsupportedError);
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_request',
        isRetryable: false,
        details: { param },
      });
      expect(fake.requests).toHaveLength(before);
    },
  );
});

describe('stream translation', () => {
  it('streams text deltas, then one usage part, then the finish', async () => {
    fake.script({ text: 'Hello there, friend.', usage: { input_tokens: 12, output_tokens: 5 } });
    expect(await parts()).toEqual([
      { type: 'text', text: 'Hello ' },
      { type: 'text', text: 'there, ' },
      { type: 'text', text: 'friend.' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 5 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('turns tool_use blocks into tool calls numbered in their own order, arguments assembled', async () => {
    fake.script({
      text: 'Let me look.',
      toolUses: [
        { id: 'toolu_a', name: 'get_weather', input: { city: 'Paris', units: 'metric', days: [1, 2] } },
        { id: 'toolu_b', name: 'get_time', input: { zone: 'Europe/Oslo' } },
        { id: 'toolu_c', name: 'now', input: {} },
      ],
    });
    const out = await parts();
    const completion = await collect(
      (async function* () {
        yield* out;
      })(),
    );
    expect(completion.text).toBe('Let me look.');
    expect(completion.finishReason).toBe('tool_calls');
    expect(
      completion.toolCalls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]),
    ).toEqual([
      ['toolu_a', 'get_weather', { city: 'Paris', units: 'metric', days: [1, 2] }],
      ['toolu_b', 'get_time', { zone: 'Europe/Oslo' }],
      ['toolu_c', 'now', {}],
    ]);
    // The text block is Anthropic's index 0; tool calls still count from 0, and only the first piece names them.
    const calls = out.filter((p) => p.type === 'tool-call');
    expect(calls.filter((p) => p.id).map((p) => [p.index, p.id, p.name])).toEqual([
      [0, 'toolu_a', 'get_weather'],
      [1, 'toolu_b', 'get_time'],
      [2, 'toolu_c', 'now'],
    ]);
    expect(calls.filter((p) => p.index === 0).length).toBeGreaterThan(2);
  });

  it('counts cache reads and writes as input tokens', async () => {
    fake.script({
      usage: {
        input_tokens: 20,
        cache_creation_input_tokens: 3,
        cache_read_input_tokens: 5,
        output_tokens: 7,
      },
    });
    expect((await collect(stream(hi))).usage).toEqual({ inputTokens: 28, outputTokens: 7 });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('stop_reason %s finishes as %s', async (stopReason, expected) => {
    fake.script({ text: 'x', stopReason });
    expect((await collect(stream(hi))).finishReason).toBe(expected);
  });

  it('treats a stop_reason it does not know as stop', () => {
    expect(finishReason('some_future_reason')).toBe('stop');
  });
});

describe('errors', () => {
  it.each<[string, AnthropicBehaviour['error'], Record<string, unknown>]>([
    [
      '400 is the caller’s: 400 invalid_request with Anthropic’s message, not retried',
      { status: 400, message: 'messages.0.content: image too large' },
      {
        status: 400,
        code: 'invalid_request',
        isRetryable: false,
        upstreamStatus: 400,
        message: 'messages.0.content: image too large',
      },
    ],
    [
      '413 is the caller’s too',
      { status: 413, message: 'Request exceeds the maximum allowed number of bytes.' },
      { status: 400, code: 'invalid_request', isRetryable: false, upstreamStatus: 413 },
    ],
    [
      '401 is ours (a bad key): not retryable',
      { status: 401, message: 'invalid x-api-key' },
      { status: 502, code: 'provider_unavailable', isRetryable: false, upstreamStatus: 401 },
    ],
    [
      '429 is retryable after Retry-After',
      {
        status: 429,
        message: 'Number of request tokens has exceeded your per-minute rate limit',
        retryAfter: '7',
      },
      { status: 502, isRetryable: true, upstreamStatus: 429, retryAfterSeconds: 7 },
    ],
    [
      '529 overloaded is retryable',
      { status: 529, message: 'Overloaded' },
      { status: 502, code: 'provider_unavailable', isRetryable: true, upstreamStatus: 529 },
    ],
    [
      '500 is retryable',
      { status: 500, message: 'Internal server error' },
      { isRetryable: true, upstreamStatus: 500 },
    ],
  ])('%s', async (_name, error, expected) => {
    fake.script({ error });
    const before = fake.requests.length;
    const thrown = await failure(() => collect(stream(hi)));
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject(expected);
    // One request: the SDK's own retries are off (the router owns retrying).
    expect(fake.requests).toHaveLength(before + 1);
  });

  it('maps an error event in the middle of the stream by its type, after the parts already sent', async () => {
    fake.script({
      text: 'one two three',
      errorEventAfter: { after: 1, type: 'overloaded_error', message: 'Overloaded' },
    });
    const seen: StreamPart[] = [];
    const thrown = await failure(async () => {
      for await (const part of stream(hi)) seen.push(part);
    });
    expect(seen).toEqual([{ type: 'text', text: 'one ' }]);
    expect(thrown).toMatchObject({ isRetryable: true, upstreamStatus: 529 });
  });

  it('fails retryably when the connection drops mid-stream', async () => {
    fake.script({ text: 'one two three four', disconnectAfter: 2 });
    const seen: StreamPart[] = [];
    const thrown = await failure(async () => {
      for await (const part of stream(hi)) seen.push(part);
    });
    expect(seen.map((p) => p.type === 'text' && p.text)).toEqual(['one ', 'two ']);
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ isRetryable: true, upstreamStatus: undefined });
  });

  it('fails retryably when the upstream cannot be reached', async () => {
    const closed = await FakeAnthropic.start();
    await closed.close();
    const unreachable = new AnthropicModel({ baseUrl: closed.url, apiKey: 'k' });
    const thrown = await failure(() => collect(stream(hi, {}, undefined, unreachable)));
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ isRetryable: true, upstreamStatus: undefined });
  });

  it('rejects a wrong key as a non-retryable 401', async () => {
    const wrongKey = new AnthropicModel({ baseUrl: fake.url, apiKey: 'sk-ant-wrong' });
    const thrown = await failure(() => collect(stream(hi, {}, undefined, wrongKey)));
    expect(thrown).toMatchObject({ isRetryable: false, upstreamStatus: 401 });
  });

  it('aborting stops the upstream request and rethrows the abort reason', async () => {
    fake.script({ hang: true });
    const controller = new AbortController();
    const [requests, aborts] = [fake.requests.length, fake.aborts.length];
    const pending = failure(() => collect(stream(hi, {}, controller.signal)));
    await vi.waitFor(() => expect(fake.requests).toHaveLength(requests + 1));
    const reason = new Error('the client went away');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await vi.waitFor(() => expect(fake.aborts).toHaveLength(aborts + 1));
  });

  it('aborting mid-stream rethrows the abort reason instead of ending quietly', async () => {
    fake.script({ text: 'one two three four five six seven eight nine ten' });
    const controller = new AbortController();
    const reason = new Error('the client went away');
    const thrown = await failure(async () => {
      for await (const part of stream(hi, {}, controller.signal))
        if (part.type === 'text') controller.abort(reason);
    });
    expect(thrown).toBe(reason);
  });
});

describe('embeddings', () => {
  it('are refused with a clear, non-retryable 400', async () => {
    const thrown = await failure(() =>
      model.embed({ model: 'claude-test', input: ['x'] }, { signal: new AbortController().signal }),
    );
    expect(thrown).toBeInstanceOf(AnthropicUnsupportedError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_model', isRetryable: false });
    expect((thrown as Error).message).toMatch(/Anthropic deployments do not serve embeddings/);
  });
});

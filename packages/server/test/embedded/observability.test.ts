import { setImmediate as tick } from 'node:timers/promises';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { FakeOtlpReceiver } from '../fakes/otlp-receiver.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { type Exposition, parseExposition, sampleValue } from '../support/prometheus.js';
import { RealtimeClient } from '../support/realtime-client.js';

/**
 * Metrics, traces and log correlation through the real app (docs/observability.md): what `/metrics`
 * shows after real requests, its switches, trace ids in log lines and headers, spans recorded in memory
 * and exported over OTLP/HTTP to a fake collector.
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

let database: Database;
beforeAll(async () => {
  database = await openMemoryDatabase();
});
afterAll(() => database.close());

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await t.app.inject({ method: 'GET', url: '/metrics', headers });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toContain('text/plain');
  return parseExposition(response.body);
}

const chat = (t: TestApp, s: Session, body: object, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { ...s.auth, ...headers },
    payload: { model: 'local', messages: [{ role: 'user', content: 'hello there' }], ...body },
  });

describe('GET /metrics', () => {
  let t: TestApp;
  let s: Session;
  beforeAll(async () => {
    t = await createTestApp({ database, env: { LOCAL_MODEL_WORDS_PER_S: '0' } });
    s = await registerUser(t.app);
  });
  afterAll(() => t.close());

  it('labels request durations with the route pattern, method and status, never the raw URL', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/healthz?cache_buster=1' });
    const missing = await t.app.inject({
      method: 'GET',
      url: '/v1/conversations/conv_no_such_conversation_12345',
      headers: s.auth,
    });
    expect(missing.statusCode).toBeGreaterThanOrEqual(400);
    await t.app.inject({ method: 'GET', url: '/no/such/route/12345' });

    const m = await scrape(t);
    expect(
      sampleValue(m, 'nexus_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/healthz',
        status_code: '200',
      }),
    ).toBe(2);
    expect(
      sampleValue(m, 'nexus_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/conversations/:id',
        status_code: String(missing.statusCode),
      }),
    ).toBe(1);
    expect(
      sampleValue(m, 'nexus_http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBe(1);
    const routes = new Set(
      m.samples.filter((x) => x.name.startsWith('nexus_http_request')).map((x) => x.labels.route),
    );
    for (const route of routes) expect(route).not.toMatch(/conv_01|12345|cache_buster/);
    // Histogram buckets: cumulative, ending in +Inf with the count.
    const buckets = m.samples.filter(
      (x) => x.name === 'nexus_http_request_duration_seconds_bucket' && x.labels.route === '/healthz',
    );
    expect(buckets.map((b) => b.labels.le)).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '30',
      '60',
      '120',
      '+Inf',
    ]);
    expect(buckets.at(-1)!.value).toBe(2);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
  });

  it('has process CPU and memory, the resource limits, database timings and queue depths', async () => {
    const m = await scrape(t);
    expect(sampleValue(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(m, 'nexus_cpu_limit_cores')).toBeGreaterThan(0);
    expect(sampleValue(m, 'nexus_memory_limit_bytes')).toBeGreaterThan(0);
    expect(sampleValue(m, 'nexus_db_query_duration_seconds_count', { operation: 'select' })).toBeGreaterThan(
      0,
    );
    expect(sampleValue(m, 'nexus_db_query_duration_seconds_count', { operation: 'insert' })).toBeGreaterThan(
      0,
    );
    for (const queue of ['ingestion', 'tasks', 'webhooks'])
      expect(sampleValue(m, 'nexus_job_queue_depth', { queue })).toBe(0);
    expect(sampleValue(m, 'nexus_open_streams', { kind: 'sse' })).toBe(0);
    expect(sampleValue(m, 'nexus_open_streams', { kind: 'websocket' })).toBe(0);
  });

  it('counts a queued task in the tasks queue depth', async () => {
    const queued = await database.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    const m = await scrape(t);
    expect(sampleValue(m, 'nexus_job_queue_depth', { queue: 'tasks' })).toBe(Number(queued.n));
  });

  it('records LLM latency, time to first token and tokens by model and provider', async () => {
    const before = await scrape(t);
    const outputBefore =
      sampleValue(before, 'nexus_llm_tokens_total', { model: 'local', provider: 'local', type: 'output' }) ??
      0;
    const response = await chat(t, s, {});
    expect(response.statusCode, response.body).toBe(200);
    const usage = response.json().usage as { prompt_tokens: number; completion_tokens: number };
    const streamed = await chat(t, s, { stream: true });
    expect(streamed.body).toContain('[DONE]');

    const m = await scrape(t);
    expect(
      sampleValue(m, 'nexus_llm_tokens_total', { model: 'local', provider: 'local', type: 'output' }),
    ).toBeGreaterThanOrEqual(outputBefore + usage.completion_tokens);
    expect(
      sampleValue(m, 'nexus_llm_request_duration_seconds_count', {
        model: 'local',
        provider: 'local',
        endpoint: 'chat',
        status: 'success',
      }),
    ).toBe(2);
    expect(
      sampleValue(m, 'nexus_llm_time_to_first_token_seconds_count', { model: 'local', provider: 'local' }),
    ).toBe(2);
    // The stream counts once, as opened, and is closed again.
    expect(
      sampleValue(m, 'nexus_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/chat/completions',
        status_code: '200',
      }),
    ).toBe(2);
    expect(sampleValue(m, 'nexus_open_streams', { kind: 'sse' })).toBe(0);
  });

  it('counts response cache hits and misses so a hit ratio can be computed', async () => {
    const body = { messages: [{ role: 'user', content: 'cache me please' }] };
    const first = await chat(t, s, body, { 'x-nexus-cache': 'exact' });
    const second = await chat(t, s, body, { 'x-nexus-cache': 'exact' });
    expect([first.headers['x-nexus-cache'], second.headers['x-nexus-cache']]).toEqual(['miss', 'hit']);
    const m = await scrape(t);
    expect(sampleValue(m, 'nexus_response_cache_lookups_total', { mode: 'exact', result: 'hit' })).toBe(1);
    expect(sampleValue(m, 'nexus_response_cache_lookups_total', { mode: 'any', result: 'miss' })).toBe(1);
    expect(sampleValue(m, 'nexus_response_cache_lookups_total', { mode: 'semantic', result: 'hit' })).toBe(0);
  });

  it('counts quota and rate-limit rejections reported through the observer hooks, by scope', async () => {
    const { onQuotaRejected, onRateLimited } = t.container.metrics;
    onQuotaRejected('user');
    onQuotaRejected('user');
    onRateLimited('ip');
    onRateLimited('bad scope with spaces');
    const m = await scrape(t);
    expect(sampleValue(m, 'nexus_quota_rejections_total', { scope: 'user' })).toBe(2);
    expect(sampleValue(m, 'nexus_rate_limit_rejections_total', { scope: 'ip' })).toBe(1);
    expect(sampleValue(m, 'nexus_rate_limit_rejections_total', { scope: 'other' })).toBe(1);
  });

  it('is not in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('open streams over real connections', () => {
  let t: TestApp;
  let s: Session;
  let url: string;
  const openStreams = async (kind: string) => sampleValue(await scrape(t), 'nexus_open_streams', { kind });
  beforeAll(async () => {
    // Two words a second: the stream stays open while the test looks at it.
    t = await createTestApp({ database, env: { LOCAL_MODEL_WORDS_PER_S: '2' } });
    s = await registerUser(t.app);
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('counts an SSE stream while it is open and not after the client goes away', async () => {
    const abort = new AbortController();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...s.auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'local',
        stream: true,
        messages: [{ role: 'user', content: 'tell me a long story about many things' }],
      }),
      signal: abort.signal,
    });
    expect(response.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    const reader = response.body!.getReader();
    await reader.read();
    expect(await openStreams('sse')).toBe(1);
    abort.abort();
    await expect.poll(() => openStreams('sse')).toBe(0);
  });

  it('counts a WebSocket while it is open', async () => {
    const client = await RealtimeClient.open(url, { headers: s.auth });
    await expect.poll(() => openStreams('websocket')).toBe(1);
    client.socket.close();
    await client.closed;
    await expect.poll(() => openStreams('websocket')).toBe(0);
  });
});

describe('metrics switches', () => {
  it('METRICS_ENABLED=false: /metrics is a 404 and nothing is recorded', async () => {
    const t = await createTestApp({ database, env: { METRICS_ENABLED: 'false' } });
    try {
      await t.app.inject({ method: 'GET', url: '/healthz' });
      const response = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('route_not_found');
      expect(await t.container.metrics.render()).not.toContain('route="/healthz"');
    } finally {
      await t.close();
    }
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-wrong-token' }],
    ['the token without Bearer', { authorization: 'metrics-secret-0123456789' }],
    ['a longer token', { authorization: 'Bearer metrics-secret-0123456789x' }],
  ])('METRICS_TOKEN: %s → 401', async (_label, headers: Record<string, string>) => {
    const t = await createTestApp({ database, env: { METRICS_TOKEN: 'metrics-secret-0123456789' } });
    try {
      const response = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('unauthorized');
      expect(response.body).not.toContain('nexus_');
      await scrape(t, { authorization: 'Bearer metrics-secret-0123456789' });
    } finally {
      await t.close();
    }
  });
});

describe('trace ids in responses and log lines (spans off)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      database,
      register: (app) => {
        // A service logging through the root logger, after an await, inside a request.
        const work = async () => {
          await tick();
          t.container.logger.info({ probe: 'service-line' }, 'service work');
        };
        app.get('/test/service-log', async () => {
          await work();
          return { ok: true };
        });
        app.post('/test/service-log', async () => {
          await work();
          return { ok: true };
        });
      },
    });
  });
  afterAll(() => t.close());

  it('follows an incoming traceparent: x-trace-id and every line of the request carry its trace id', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/service-log',
      headers: { traceparent: TRACEPARENT, 'x-request-id': 'req-trace-1' },
      payload: { some: 'body' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-trace-id']).toBe(TRACE_ID);
    const service = t.logs.lines.filter((l) => l.probe === 'service-line').at(-1)!;
    expect(service).toMatchObject({ trace_id: TRACE_ID, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(service.span_id).not.toBe(PARENT_SPAN);
    const access = t.logs.lines.find((l) => l.request_id === 'req-trace-1' && l.msg === 'request completed')!;
    expect(access).toMatchObject({ trace_id: TRACE_ID, span_id: service.span_id });
    // Bound once: the line's JSON has one trace_id, not a binding plus a mixin copy.
    expect(t.logs.text.split('\n').every((line) => (line.match(/"trace_id"/g) ?? []).length <= 1)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_SPAN}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${PARENT_SPAN}-01`],
    ['version 00 with extra fields', `${TRACEPARENT}-extra`],
  ])('starts a new trace for %s', async (_label, traceparent) => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/service-log',
      headers: traceparent ? { traceparent } : {},
    });
    const traceId = response.headers['x-trace-id'] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(TRACE_ID);
    expect(t.logs.lines.filter((l) => l.probe === 'service-line').at(-1)!.trace_id).toBe(traceId);
  });

  it('gives each request its own trace id, and none to lines outside requests', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/healthz' });
    const b = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(a.headers['x-trace-id']).not.toBe(b.headers['x-trace-id']);
    t.container.logger.info({ probe: 'outside' }, 'not in a request');
    expect(t.logs.lines.find((l) => l.probe === 'outside')).not.toHaveProperty('trace_id');
  });
});

describe('spans (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  let s: Session;
  beforeAll(async () => {
    t = await createTestApp({ database, spanExporter: exporter, env: { LOCAL_MODEL_WORDS_PER_S: '0' } });
    s = await registerUser(t.app);
  });
  afterAll(() => t.close());

  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((x) => x.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('a server span per request joins the incoming trace; DB and provider spans are its children', async () => {
    exporter.reset();
    const response = await chat(t, s, {}, { traceparent: TRACEPARENT });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-trace-id']).toBe(TRACE_ID);
    await t.container.tracing.flush();
    const spans = spansOf(TRACE_ID);
    const server = spans.find((x) => x.name === 'POST /v1/chat/completions')!;
    expect(server).toBeDefined();
    expect(parentOf(server)).toBe(PARENT_SPAN);
    expect(server.attributes).toMatchObject({
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
    });
    const provider = spans.find((x) => x.name === 'gen_ai local')!;
    expect(provider.attributes).toMatchObject({
      'gen_ai.provider.name': 'local',
      'gen_ai.request.model': 'local',
    });
    const db = spans.filter((x) => x.name.startsWith('db '));
    expect(db.length).toBeGreaterThan(0);
    const ids = new Set(spans.map((x) => x.spanContext().spanId));
    for (const span of [provider, ...db]) expect(ids.has(parentOf(span)!)).toBe(true);
    expect(db[0]!.attributes['db.query.text']).toMatch(/^(select|insert|update|delete|with|begin|commit)/i);
  });

  it('marks a failed request span as an error and logs with the span ids', async () => {
    exporter.reset();
    const response = await chat(t, s, { model: 'no-such-model' });
    expect(response.statusCode).toBe(404);
    const traceId = response.headers['x-trace-id'] as string;
    await t.container.tracing.flush();
    const server = spansOf(traceId).find((x) => x.name === 'POST /v1/chat/completions')!;
    expect(server.attributes['http.response.status_code']).toBe(404);
    const line = t.logs.lines.find((l) => l.msg === 'request completed' && l.trace_id === traceId)!;
    expect(line.span_id).toBe(server.spanContext().spanId);
  });
});

describe('OTLP/HTTP export', () => {
  let receiver: FakeOtlpReceiver;
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    receiver = await FakeOtlpReceiver.start();
    upstream = await FakeOpenAI.start({ defaults: { text: 'hi from upstream' } });
  });
  afterAll(async () => {
    await receiver.close();
    await upstream.close();
  });

  it('exports spans to OTEL_EXPORTER_OTLP_ENDPOINT with the service name and headers', async () => {
    const t = await createTestApp({
      database,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=abc%20123',
        OTEL_SERVICE_NAME: 'nexus-test',
        OPENAI_BASE_URL: upstream.url,
        OPENAI_API_KEY: 'sk-test',
      },
    });
    try {
      const s = await registerUser(t.app);
      // OPENAI_BASE_URL passes any other model name through to the upstream.
      const model = 'gpt-4o-mini';
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { ...s.auth, traceparent: TRACEPARENT },
        payload: { model, messages: [{ role: 'user', content: 'hello' }] },
      });
      expect(response.statusCode, response.body).toBe(200);
      await t.container.tracing.flush();

      expect(receiver.requests.some((r) => r.path === '/v1/traces')).toBe(true);
      expect(receiver.requests.at(-1)!.headers['x-collector-key']).toBe('abc 123');
      const ours = receiver.spans.filter((x) => x.traceId === TRACE_ID);
      expect(ours.map((x) => x.name)).toContain('POST /v1/chat/completions');
      expect(ours.every((x) => x.service === 'nexus-test')).toBe(true);
      // The upstream call carried the trace onward (W3C traceparent of the provider span).
      const call = upstream.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;
      expect(call.model).toBe(model);
      const sent = call.headers.traceparent as string;
      expect(sent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      const providerSpan = ours.find((x) => x.name.startsWith('gen_ai '))!;
      expect(sent.split('-')[2]).toBe(providerSpan.spanId);
    } finally {
      await t.close();
    }
  });
});

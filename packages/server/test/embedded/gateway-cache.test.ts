import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { cacheKeys } from '../../src/modules/gateway/response-cache.js';
import { type Behaviour, FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';

/**
 * The gateway's response cache through the real app: the offline `local` model (whose reply quotes the
 * question, so a replayed answer is recognisable) and a priced model on the fake OpenAI-compatible
 * upstream (which counts the calls that reach it). Every test registers its own users, so each has its
 * own tenants and nothing cached in one test can answer another.
 */

let t: TestApp;
let fake: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-cache-'));
  const models = path.join(dir, 'models.yaml');
  const priced = (name: string) => ({
    name,
    deployments: [
      {
        id: name,
        provider: 'openai-compatible',
        model: `up-${name}`,
        base_url: fake.url,
        api_key_env: 'OPENAI_API_KEY',
        price: { input: 2, output: 10 },
      },
    ],
  });
  writeFileSync(
    models,
    stringify({ models: ['priced', 'tools', 'filtered', 'flaky', 'truncated'].map(priced) }),
  );
  t = await createTestApp({
    env: {
      LOCAL_MODEL_WORDS_PER_S: '0',
      METERING_BATCH_SIZE: '1',
      GATEWAY_MAX_RETRIES: '0',
      OPENAI_API_KEY: 'sk-test',
      NEXUS_MODELS_FILE: models,
    },
  });
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const chat = (who: Session, body: object, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { ...who.auth, ...headers },
    payload: body,
  });
const ask = (content: string, extra: object = {}) => ({
  model: 'local',
  messages: [{ role: 'user' as const, content }],
  ...extra,
});
const reply = (response: LightMyRequestResponse): string => {
  expect(response.statusCode, response.body).toBe(200);
  return response.json().choices[0].message.content;
};
const cacheHeader = (response: LightMyRequestResponse) => response.headers['x-nexus-cache'];

/** The metering row of a response (METERING_BATCH_SIZE is 1: it is written right after the call). */
async function meteredCall(response: LightMyRequestResponse) {
  const requestId = String(response.headers['x-request-id']);
  return vi.waitFor(
    async () => {
      const row = await t.container.database.db
        .selectFrom('llm_calls')
        .selectAll()
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      if (!row) throw new Error(`no llm_calls row for ${requestId} yet`);
      return row;
    },
    { timeout: 10_000, interval: 10 },
  );
}

const settingsUrl = (tenantId: string) => `/v1/tenants/${tenantId}/gateway-settings`;
const getSettings = (who: Session, tenantId = who.tenantId) =>
  t.app.inject({ method: 'GET', url: settingsUrl(tenantId), headers: who.auth });
const putSettings = (who: Session, payload: unknown, tenantId = who.tenantId) =>
  t.app.inject({
    method: 'PUT',
    url: settingsUrl(tenantId),
    headers: who.auth,
    payload: payload as object,
  });

/** The content deltas, finish reason and usage of an SSE response. */
function readStream(body: string) {
  const events = body
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)));
  const choices = events.flatMap((e) => e.choices);
  return {
    text: choices.map((c) => c.delta?.content ?? '').join(''),
    finish: choices.find((c) => c.finish_reason)?.finish_reason,
    usage: events.find((e) => e.usage)?.usage,
    done: body.trimEnd().endsWith('data: [DONE]'),
  };
}

describe('opting in', () => {
  it('is off by default: no header, no hit, nothing counted', async () => {
    const a = await registerUser(t.app);
    const first = await chat(a, ask('Is caching on by default?'));
    const second = await chat(a, ask('Is caching on by default?'));
    expect(reply(second)).toBe(reply(first));
    expect(cacheHeader(first)).toBeUndefined();
    expect(cacheHeader(second)).toBeUndefined();
    expect((await meteredCall(second)).cached).toBe(false);
    const settings = await getSettings(a);
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json()).toEqual({
      tenant_id: a.tenantId,
      response_cache: 'off',
      cache_ttl_s: null,
      pii_masking: false,
      updated_at: null,
      cache_stats: { exact_hits: 0, semantic_hits: 0, misses: 0 },
    });
  });

  it('x-nexus-cache: exact — a repeated request is answered from the cache, metered as cached at no cost', async () => {
    const a = await registerUser(t.app);
    fake.on('up-priced', {
      text: 'Forty-two, as always.',
      usage: { prompt_tokens: 11, completion_tokens: 5 },
    });
    const body = { model: 'priced', messages: [{ role: 'user', content: 'The answer?' }], temperature: 0 };
    const first = await chat(a, body, { 'x-nexus-cache': 'exact' });
    const second = await chat(a, { ...body, user: 'someone' }, { 'x-nexus-cache': 'EXACT' });
    expect(cacheHeader(first)).toBe('miss');
    expect(cacheHeader(second)).toBe('hit');
    expect(reply(second)).toBe('Forty-two, as always.');
    expect(second.json().usage).toEqual(first.json().usage);
    expect(second.json().id).not.toBe(first.json().id);
    expect(fake.requestsFor('up-priced')).toHaveLength(1);

    const paid = await meteredCall(first);
    expect(paid).toMatchObject({ cached: false, deployment: 'priced', input_tokens: 11, output_tokens: 5 });
    expect(Number(paid.cost)).toBeGreaterThan(0);
    const free = await meteredCall(second);
    expect(free).toMatchObject({
      cached: true,
      deployment: null,
      provider: null,
      status: 'success',
      model: 'priced',
    });
    expect(Number(free.cost)).toBe(0);

    // A streaming client gets the same answer as chunks, and the header on the event stream.
    const streamed = await chat(
      a,
      { ...body, stream: true, stream_options: { include_usage: true } },
      { 'x-nexus-cache': 'exact' },
    );
    expect(streamed.statusCode).toBe(200);
    expect(cacheHeader(streamed)).toBe('hit');
    expect(readStream(streamed.body)).toEqual({
      text: 'Forty-two, as always.',
      finish: 'stop',
      usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
      done: true,
    });
    expect(fake.requestsFor('up-priced')).toHaveLength(1);
  });

  it('never answers one tenant from another tenant’s cache', async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const question = ask('What does tenant A know?');
    expect(cacheHeader(await chat(a, question, { 'x-nexus-cache': 'semantic' }))).toBe('miss');
    expect(cacheHeader(await chat(a, question, { 'x-nexus-cache': 'semantic' }))).toBe('hit');
    // B asks a paraphrase first (A's question would match it semantically), then A's exact question.
    const paraphrase = ask('what does TENANT A know');
    expect(cacheHeader(await chat(b, paraphrase, { 'x-nexus-cache': 'semantic' }))).toBe('miss');
    expect(cacheHeader(await chat(b, question, { 'x-nexus-cache': 'exact' }))).toBe('miss');
    expect(cacheHeader(await chat(a, paraphrase, { 'x-nexus-cache': 'semantic' }))).toBe('hit');
    // B's owner naming tenant A is refused before any cache lookup.
    const named = await chat(b, question, { 'x-nexus-cache': 'exact', 'x-nexus-tenant': a.tenantId });
    expect(named.statusCode).toBe(404);
  });

  it('x-nexus-cache: semantic — a paraphrase is answered from the cache; with exact it is not', async () => {
    const a = await registerUser(t.app);
    const original = await chat(a, ask('What is the capital of Atlantis?'), { 'x-nexus-cache': 'semantic' });
    expect(cacheHeader(original)).toBe('miss');
    // The same words in another case, order and punctuation: lexical similarity 1.
    const paraphrase = await chat(a, ask('the capital of atlantis is what'), { 'x-nexus-cache': 'semantic' });
    expect(cacheHeader(paraphrase)).toBe('hit');
    // The local model quotes the question: the paraphrase got the original's answer.
    expect(reply(paraphrase)).toBe(reply(original));
    expect(reply(paraphrase)).toContain('What is the capital of Atlantis?');
    const exact = await chat(a, ask('Atlantis: what is the capital?'), { 'x-nexus-cache': 'exact' });
    expect(cacheHeader(exact)).toBe('miss');
    expect(reply(exact)).toContain('Atlantis: what is the capital?');
    const stats = (await getSettings(a)).json().cache_stats;
    expect(stats).toEqual({ exact_hits: 0, semantic_hits: 1, misses: 2 });
  });

  it('the tenant setting applies to every request; x-nexus-cache: off bypasses it', async () => {
    const a = await registerUser(t.app);
    const put = await putSettings(a, { response_cache: 'exact' });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ tenant_id: a.tenantId, response_cache: 'exact', cache_ttl_s: null });
    expect(put.json().updated_at).toEqual(expect.any(String));

    expect(cacheHeader(await chat(a, ask('Tenant-wide caching?')))).toBe('miss');
    const hit = await chat(a, ask('Tenant-wide caching?'));
    expect(cacheHeader(hit)).toBe('hit');
    expect((await meteredCall(hit)).cached).toBe(true);
    const bypass = await chat(a, ask('Tenant-wide caching?'), { 'x-nexus-cache': 'off' });
    expect(cacheHeader(bypass)).toBeUndefined();
    expect((await meteredCall(bypass)).cached).toBe(false);

    expect((await getSettings(a)).json().cache_stats).toEqual({ exact_hits: 1, semantic_hits: 0, misses: 1 });
    expect(t.container.services.responseCache.stats().exact_hits).toBeGreaterThanOrEqual(1);

    // Back off: no more lookups.
    expect((await putSettings(a, { response_cache: 'off' })).statusCode).toBe(200);
    expect(cacheHeader(await chat(a, ask('Tenant-wide caching?')))).toBeUndefined();
  });

  it('keeps answers for the tenant’s TTL', async () => {
    const a = await registerUser(t.app);
    expect((await putSettings(a, { response_cache: 'exact', cache_ttl_s: 120 })).json().cache_ttl_s).toBe(
      120,
    );
    const body = ask('How long is this kept?');
    expect(cacheHeader(await chat(a, body))).toBe('miss');
    const keys = cacheKeys({ tenantId: a.tenantId, model: 'local', messages: body.messages, params: {} });
    const ttl = await t.container.cache.ttl(`${keys.prefix}e:${keys.hash}`);
    // Well under the platform default of an hour: the tenant's 120 s applied.
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it.each([
    [
      'tool calls',
      'tools',
      { toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{}' }], finishReason: 'tool_calls' },
    ],
    ['a content-filtered answer', 'filtered', { text: 'Sorry', finishReason: 'content_filter' }],
    ['an upstream error', 'flaky', { error: { status: 500, message: 'upstream broke' } }],
  ] as [string, string, Behaviour][])('does not cache %s', async (_label, model, behaviour) => {
    const a = await registerUser(t.app);
    fake.script(`up-${model}`, behaviour, { text: 'A plain answer.' });
    const body = { model, messages: [{ role: 'user', content: 'Do it.' }] };
    const first = await chat(a, body, { 'x-nexus-cache': 'exact' });
    expect(cacheHeader(first), first.body).not.toBe('hit');
    const second = await chat(a, body, { 'x-nexus-cache': 'exact' });
    expect(cacheHeader(second)).toBe('miss');
    expect(reply(second)).toBe('A plain answer.');
    expect(cacheHeader(await chat(a, body, { 'x-nexus-cache': 'exact' }))).toBe('hit');
    expect(fake.requestsFor(`up-${model}`)).toHaveLength(2);
  });

  it('caches an answer cut short by max_tokens (the limit is part of the key)', async () => {
    const a = await registerUser(t.app);
    fake.on('up-truncated', { text: 'One two three', finishReason: 'length' });
    const body = { model: 'truncated', messages: [{ role: 'user', content: 'Count.' }], max_tokens: 3 };
    expect(cacheHeader(await chat(a, body, { 'x-nexus-cache': 'exact' }))).toBe('miss');
    const hit = await chat(a, body, { 'x-nexus-cache': 'exact' });
    expect(cacheHeader(hit)).toBe('hit');
    expect(hit.json().choices[0].finish_reason).toBe('length');
    expect(cacheHeader(await chat(a, { ...body, max_tokens: 4 }, { 'x-nexus-cache': 'exact' }))).toBe('miss');
  });

  it.each(['always', 'yes', 'exact,semantic'])(
    'refuses x-nexus-cache: %j in OpenAI’s error shape',
    async (value) => {
      const a = await registerUser(t.app);
      const response = await chat(a, ask('hi'), { 'x-nexus-cache': value });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param: 'x-nexus-cache' });
    },
  );
});

describe('GET/PUT /v1/tenants/:id/gateway-settings', () => {
  let owner: Session;
  beforeAll(async () => {
    owner = await registerUser(t.app);
  });

  it.each([
    ['an unknown mode', { response_cache: 'always' }],
    ['no mode', { cache_ttl_s: 60 }],
    ['an empty body', {}],
    ['a TTL of 0', { response_cache: 'exact', cache_ttl_s: 0 }],
    ['a negative TTL', { response_cache: 'exact', cache_ttl_s: -5 }],
    ['a TTL over 30 days', { response_cache: 'exact', cache_ttl_s: 2_592_001 }],
    ['a fractional TTL', { response_cache: 'exact', cache_ttl_s: 1.5 }],
    ['a TTL as a string', { response_cache: 'exact', cache_ttl_s: '60' }],
    ['an unknown field', { response_cache: 'exact', threshold: 0.5 }],
    ['the mode in another case', { response_cache: 'EXACT' }],
  ])('PUT refuses %s', async (_label, payload) => {
    const response = await putSettings(owner, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toMatch(/^(validation_failed|unknown_parameter)$/);
    expect((await getSettings(owner)).json().response_cache).toBe('off');
  });

  it('replaces the settings (PUT) and records who changed them', async () => {
    const a = await registerUser(t.app);
    expect((await putSettings(a, { response_cache: 'semantic', cache_ttl_s: 600 })).statusCode).toBe(200);
    const replaced = await putSettings(a, { response_cache: 'exact' });
    expect(replaced.json()).toMatchObject({ response_cache: 'exact', cache_ttl_s: null });
    expect((await getSettings(a)).json()).toMatchObject({ response_cache: 'exact', cache_ttl_s: null });
    const events = await t.app.inject({
      method: 'GET',
      url: '/v1/audit-events?action=tenant.gateway_settings_update',
      headers: a.auth,
    });
    expect(events.statusCode, events.body).toBe(200);
    expect(events.json().data).toHaveLength(2);
    expect(events.json().data[0]).toMatchObject({ actor_id: a.userId, tenant_id: a.tenantId });
  });

  it('answers 404 for another tenant’s settings, and changes nothing there', async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    expect((await putSettings(a, { response_cache: 'exact', cache_ttl_s: 300 })).statusCode).toBe(200);
    const read = await getSettings(b, a.tenantId);
    const write = await putSettings(b, { response_cache: 'off' }, a.tenantId);
    for (const response of [read, write]) {
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect((await getSettings(a)).json()).toMatchObject({ response_cache: 'exact', cache_ttl_s: 300 });
  });

  it('needs tenant:read to read and tenant:update to write', async () => {
    const a = await registerUser(t.app);
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: a.auth,
      payload: { name: 'reader', scopes: ['tenant:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const reader = { ...a, auth: { authorization: `Bearer ${key.json().secret}` } };
    expect((await getSettings(reader)).statusCode).toBe(200);
    const write = await putSettings(reader, { response_cache: 'exact' });
    expect(write.statusCode, write.body).toBe(403);
    expect(write.json().error.code).toBe('insufficient_scope');
    expect((await getSettings(a)).json().response_cache).toBe('off');
  });
});

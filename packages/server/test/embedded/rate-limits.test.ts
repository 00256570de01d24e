import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';

/**
 * Rate limits, tenant IP allowlists and prompt PII masking through the real app (docs/rate-limits.md,
 * docs/pii.md). Two apps share one embedded database: `limited` has tiny buckets (each test sends from its
 * own client address, so address buckets do not interfere); `t` has the defaults and the fake upstream.
 */

let database: Database;
let limited: TestApp;
let t: TestApp;
let fake: FakeOpenAI;

beforeAll(async () => {
  database = await openMemoryDatabase();
  fake = await FakeOpenAI.start();
  limited = await createTestApp({
    database,
    env: {
      RATE_LIMIT_IP_PER_MINUTE: '1',
      RATE_LIMIT_IP_BURST: '30',
      RATE_LIMIT_USER_PER_MINUTE: '1',
      RATE_LIMIT_USER_BURST: '3',
      RATE_LIMIT_KEY_PER_MINUTE: '1',
      RATE_LIMIT_KEY_BURST: '2',
    },
  });
  t = await createTestApp({
    database,
    env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test', GATEWAY_MAX_RETRIES: '0' },
  });
});
afterAll(async () => {
  await limited?.close();
  await t?.close();
  await fake?.close();
  await database?.close();
});

let address = 0;
/** A client address no other test uses. */
const freshIp = () => `198.51.${Math.floor(address / 250)}.${(address++ % 250) + 1}`;

function send(app: TestApp, ip: string, options: InjectOptions): Promise<LightMyRequestResponse> {
  return app.app.inject({ ...options, remoteAddress: ip });
}

function expectLimited(response: LightMyRequestResponse, limit: number) {
  expect(response.statusCode, response.body).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(response.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(response.headers['x-ratelimit-remaining']).toBe('0');
  expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
}

describe('rate limit headers', () => {
  it('reports the tightest bucket on every /v1 response, and nothing on probes and docs', async () => {
    const user = await registerUser(limited.app);
    const ip = freshIp();
    const me = await send(limited, ip, { method: 'GET', url: '/v1/me', headers: user.auth });
    expect(me.statusCode, me.body).toBe(200);
    // The user bucket (3) is tighter than the address bucket (30).
    expect(me.headers['x-ratelimit-limit']).toBe('3');
    expect(me.headers['x-ratelimit-remaining']).toBe('2');
    expect(Number(me.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    const anonymous = await send(limited, freshIp(), { method: 'GET', url: '/v1/me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['x-ratelimit-limit']).toBe('30');
    expect(anonymous.headers['x-ratelimit-remaining']).toBe('29');
    for (const url of ['/healthz', '/readyz', '/openapi.json']) {
      const response = await send(limited, ip, { method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['x-ratelimit-limit'], url).toBeUndefined();
    }
  });
});

describe('429 rate_limited', () => {
  it('per client address, for unauthenticated requests too (login)', async () => {
    const ip = freshIp();
    for (let i = 0; i < 30; i++) {
      const response = await send(limited, ip, {
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@example.com', password: 'x'.repeat(12) },
      });
      // The login throttle (per account) answers its own 429 `login_throttled`; never `rate_limited` here.
      expect(response.json().error.code).not.toBe('rate_limited');
    }
    const refused = await send(limited, ip, {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'x'.repeat(12) },
    });
    expectLimited(refused, 30);
    expect(refused.json().error).toMatchObject({
      code: 'rate_limited',
      details: { scope: 'ip', limit: 30 },
    });
    const other = await send(limited, freshIp(), { method: 'GET', url: '/v1/me' });
    expect(other.statusCode).toBe(401);
    const metrics = await limited.app.inject({ method: 'GET', url: '/metrics' });
    const counted = /^nexus_rate_limit_rejections_total\{scope="ip"\} (\d+)$/m.exec(metrics.body);
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('per user (JWT), across client addresses', async () => {
    const user = await registerUser(limited.app);
    for (let i = 0; i < 3; i++) {
      const response = await send(limited, freshIp(), { method: 'GET', url: '/v1/me', headers: user.auth });
      expect(response.statusCode, response.body).toBe(200);
    }
    const refused = await send(limited, freshIp(), { method: 'GET', url: '/v1/me', headers: user.auth });
    expectLimited(refused, 3);
    expect(refused.json().error).toMatchObject({ code: 'rate_limited', details: { scope: 'user' } });
    const someoneElse = await registerUser(limited.app);
    const other = await send(limited, freshIp(), { method: 'GET', url: '/v1/me', headers: someoneElse.auth });
    expect(other.statusCode).toBe(200);
  });

  it('per API key, in OpenAI error shape on the OpenAI-compatible routes', async () => {
    const user = await registerUser(limited.app);
    const created = await send(limited, freshIp(), {
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...user.auth, 'x-nexus-tenant': user.tenantId },
      payload: { name: 'limited', scopes: ['chat:read', 'chat:write'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const auth = { authorization: `Bearer ${created.json().secret}` };
    for (let i = 0; i < 2; i++) {
      const response = await send(limited, freshIp(), { method: 'GET', url: '/v1/models', headers: auth });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe('2');
    }
    const refused = await send(limited, freshIp(), { method: 'GET', url: '/v1/models', headers: auth });
    expectLimited(refused, 2);
    const { error } = refused.json();
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    // The key's creator has a bucket of their own (one request used for creating the key).
    const mine = await send(limited, freshIp(), { method: 'GET', url: '/v1/me', headers: user.auth });
    expect(mine.statusCode).toBe(200);
  });

  it.each([
    ['a bad access token', { authorization: 'Bearer not-a-jwt' }, '30'],
    ['a malformed Authorization header', { authorization: 'Basic abc' }, '30'],
    // An API key is counted under its secret before it is looked up: an unknown one has a bucket of
    // its own (and its address's), and the route answers 401.
    ['an unknown API key', { authorization: 'Bearer nx-not-a-real-key' }, '2'],
    ['an unknown x-api-key', { 'x-api-key': 'nx-not-a-real-key-either' }, '2'],
  ])(
    'lets the route answer 401 for %s, counted against the bucket it names',
    async (_case, headers, limit) => {
      const response = await send(limited, freshIp(), { method: 'GET', url: '/v1/me', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['x-ratelimit-limit']).toBe(limit);
    },
  );
});

describe('tenant IP allowlist', () => {
  const put = (s: Session, ip: string, payload: Record<string, unknown>) =>
    send(t, ip, { method: 'PUT', url: `/v1/tenants/${s.tenantId}/ip-allowlist`, headers: s.auth, payload });
  const get = (s: Session, ip: string) =>
    send(t, ip, { method: 'GET', url: `/v1/tenants/${s.tenantId}/ip-allowlist`, headers: s.auth });

  it('lets listed addresses in and refuses others with 403 ip_not_allowed, then clears', async () => {
    const owner = await registerUser(t.app);
    expect((await get(owner, '10.9.1.1')).json()).toMatchObject({ entries: [], updated_at: null });
    const set = await put(owner, '10.9.1.1', { entries: ['10.9.0.0/16', '2001:db8::/32', ' 203.0.113.7 '] });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({
      tenant_id: owner.tenantId,
      entries: ['10.9.0.0/16', '2001:db8::/32', '203.0.113.7'],
    });
    for (const ip of ['10.9.200.3', '2001:db8:5::9', '203.0.113.7', '::ffff:10.9.0.1']) {
      expect((await get(owner, ip)).statusCode, ip).toBe(200);
    }
    for (const ip of ['10.8.0.1', '2001:db9::1', '203.0.113.8']) {
      const refused = await get(owner, ip);
      expect(refused.statusCode, ip).toBe(403);
      expect(refused.json().error.code).toBe('ip_not_allowed');
    }
    // Tenant-scoped work is refused too (a conversation in the tenant), in OpenAI's shape on its routes.
    const conversation = await send(t, '10.8.0.1', {
      method: 'POST',
      url: '/v1/conversations',
      headers: owner.auth,
      payload: { model: 'local' },
    });
    expect(conversation.statusCode).toBe(403);
    const chat = await send(t, '10.8.0.1', {
      method: 'POST',
      url: '/v1/chat/completions',
      headers: owner.auth,
      payload: { model: 'local', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(chat.statusCode).toBe(403);
    expect(chat.json().error).toMatchObject({ type: 'permission_error', code: 'ip_not_allowed' });
    // Another tenant (another user's) is not affected.
    const other = await registerUser(t.app);
    expect((await get(other, '10.8.0.1')).statusCode).toBe(200);
    // Cleared: every address may call again.
    expect((await put(owner, '10.9.1.1', { entries: [] })).statusCode).toBe(200);
    expect((await get(owner, '10.8.0.1')).statusCode).toBe(200);
  });

  it('refuses a list that leaves out the caller unless forced', async () => {
    const owner = await registerUser(t.app);
    const refused = await put(owner, '10.6.0.1', { entries: ['192.0.2.0/24'] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'ip_allowlist_excludes_caller',
      details: { caller_ip: '10.6.0.1' },
    });
    expect((await get(owner, '10.6.0.1')).json().entries).toEqual([]);
    const forced = await put(owner, '10.6.0.1', { entries: ['192.0.2.0/24'], force: true });
    expect(forced.statusCode, forced.body).toBe(200);
    expect((await get(owner, '10.6.0.1')).statusCode).toBe(403);
    expect((await get(owner, '192.0.2.10')).statusCode).toBe(200);
  });

  it.each([
    ['not-an-ip', 0],
    ['10.0.0.0/33', 0],
    ['2001:db8::/129', 0],
    ['', 0],
    ['10.0.0.1/8/8', 0],
  ])('refuses %j with 400 invalid_ip_allowlist naming it', async (entry) => {
    const owner = await registerUser(t.app);
    const response = await put(owner, '10.5.0.1', { entries: ['10.5.0.0/16', entry] });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'invalid_ip_allowlist',
      details: { param: 'entries', index: 1, entry },
    });
    expect(response.json().error.message).toContain(JSON.stringify(entry));
  });

  it('needs tenant:update to change and tenant membership to read', async () => {
    const owner = await registerUser(t.app);
    const stranger = await registerUser(t.app);
    const response = await send(t, '10.4.0.1', {
      method: 'PUT',
      url: `/v1/tenants/${owner.tenantId}/ip-allowlist`,
      headers: stranger.auth,
      payload: { entries: [] },
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('PII masking of prompts (pii_masking)', () => {
  const PROMPT = 'Call me on 13812345678 or mail ada@example.com please';

  async function enable(s: Session, on: boolean) {
    const response = await t.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${s.tenantId}/gateway-settings`,
      headers: s.auth,
      payload: { response_cache: 'off', pii_masking: on },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().pii_masking).toBe(on);
  }

  const chat = (s: Session, model: string, stream: boolean) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: s.auth,
      payload: {
        model,
        stream,
        messages: [
          { role: 'system', content: 'You help.' },
          { role: 'user', content: PROMPT },
        ],
      },
    });

  it('the provider sees placeholders, the user sees the values (non-streaming)', async () => {
    const user = await registerUser(t.app);
    await enable(user, true);
    fake.on('pii-plain', { text: 'Noted: ⟦PII_PHONE_1⟧ and ⟦PII_EMAIL_1⟧.' });
    const response = await chat(user, 'pii-plain', false);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().choices[0].message.content).toBe('Noted: 13812345678 and ada@example.com.');
    const [sent] = fake.requestsFor('pii-plain');
    const upstream = JSON.stringify(sent!.body);
    expect(upstream).not.toContain('13812345678');
    expect(upstream).not.toContain('ada@example.com');
    expect(upstream).toContain('Call me on ⟦PII_PHONE_1⟧ or mail ⟦PII_EMAIL_1⟧ please');
  });

  it('restores the values in a streamed reply', async () => {
    const user = await registerUser(t.app);
    await enable(user, true);
    fake.on('pii-stream', { text: 'Dialling ⟦PII_PHONE_1⟧ now, then ⟦PII_EMAIL_1⟧' });
    const response = await chat(user, 'pii-stream', true);
    expect(response.statusCode, response.body).toBe(200);
    const text = response.body
      .split('\n\n')
      .filter((b) => b.startsWith('data: {'))
      .map((b) => JSON.parse(b.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe('Dialling 13812345678 now, then ada@example.com');
    expect(response.body).not.toContain('⟦');
    expect(JSON.stringify(fake.requestsFor('pii-stream')[0]!.body)).not.toContain('13812345678');
  });

  it('sends the prompt as written when the tenant has not opted in', async () => {
    const user = await registerUser(t.app);
    fake.on('pii-off', { text: 'ok' });
    const response = await chat(user, 'pii-off', false);
    expect(response.statusCode, response.body).toBe(200);
    expect(JSON.stringify(fake.requestsFor('pii-off')[0]!.body)).toContain('13812345678');
    const settings = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${user.tenantId}/gateway-settings`,
      headers: user.auth,
    });
    expect(settings.json().pii_masking).toBe(false);
  });

  it('keeps pii_masking when a later PUT leaves it out', async () => {
    const user = await registerUser(t.app);
    await enable(user, true);
    const response = await t.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${user.tenantId}/gateway-settings`,
      headers: user.auth,
      payload: { response_cache: 'exact' },
    });
    expect(response.json()).toMatchObject({ response_cache: 'exact', pii_masking: true });
  });
});

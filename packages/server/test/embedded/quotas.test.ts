import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session } from '../support/identity.js';

/**
 * Quotas through the real app (PGlite, MemoryCache): plan administration and its bad inputs, 429
 * `quota_exceeded` with the reset time, top-ups, the per-request `max_tokens` cap, reserve/settle/release
 * against the fake upstream's real usage, 50 concurrent calls on a budget of 10, `QUOTAS_ENABLED=false`,
 * and the usage API (shapes, filters, analytics, tenant isolation).
 */

const ADMIN_EMAIL = 'quota-admin@example.com';
const FAKE = 'fake-counted';
const BROKEN = 'fake-broken';

let database: Database;
let upstream: FakeOpenAI;
let t: TestApp;
/** The same database with QUOTAS_ENABLED=false. */
let unchecked: TestApp;
let admin: { authorization: string };

beforeAll(async () => {
  database = await openMemoryDatabase();
  upstream = await FakeOpenAI.start();
  upstream.on(FAKE, { text: 'five words of reply here', usage: { prompt_tokens: 10, completion_tokens: 5 } });
  upstream.on(BROKEN, { error: { status: 500, message: 'upstream broke' } });
  const env = {
    LOCAL_MODEL_WORDS_PER_S: '0',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    METERING_FLUSH_MS: '10',
  };
  t = await createTestApp({ database, env });
  unchecked = await createTestApp({ database, env: { ...env, QUOTAS_ENABLED: 'false' } });
  await t.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, PASSWORD);
  const session = await login(t.app, ADMIN_EMAIL);
  expect(session.statusCode, session.body).toBe(200);
  admin = { authorization: `Bearer ${session.json().access_token}` };
});

afterAll(async () => {
  await unchecked?.close();
  await t?.close();
  await upstream?.close();
  await database?.close();
});

let planCounter = 0;
/** Creates a plan with the given budgets and returns its name. */
async function createPlan(budgets: Record<string, number | null>): Promise<string> {
  const name = `plan-${planCounter++}`;
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/admin/plans',
    headers: admin,
    payload: { name, ...budgets },
  });
  expect(response.statusCode, response.body).toBe(201);
  return name;
}

async function setTenantPlan(tenantId: string, plan: string): Promise<void> {
  const response = await t.app.inject({
    method: 'PUT',
    url: `/v1/admin/tenants/${tenantId}/plan`,
    headers: admin,
    payload: { plan },
  });
  expect(response.statusCode, response.body).toBe(200);
}

function chat(s: Session | { authorization: string }, extra: Record<string, unknown> = {}, app = t) {
  const headers = 'auth' in s ? s.auth : s;
  return app.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: headers as Record<string, string>,
    payload: { model: 'local', messages: [{ role: 'user', content: 'hello' }], ...extra },
  });
}

async function quotas(s: Session) {
  const response = await t.app.inject({ method: 'GET', url: '/v1/quotas', headers: s.auth });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    enabled: boolean;
    tenant_plan: string;
    user_plan: string | null;
    max_tokens: number | null;
    quotas: {
      scope: string;
      metric: string;
      period: string;
      limit: number | null;
      used: number;
      remaining: number | null;
      top_up: number;
      resets_at: string;
    }[];
  };
}

const line = (status: Awaited<ReturnType<typeof quotas>>, scope: string, metric: string, period: string) =>
  status.quotas.find((q) => q.scope === scope && q.metric === metric && q.period === period)!;

function nextUtcMidnight(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

describe('defaults', () => {
  it('the default plan (free) is unlimited: calls go through and are counted', async () => {
    const s = await registerUser(t.app);
    expect((await chat(s)).statusCode).toBe(200);
    const status = await quotas(s);
    expect(status).toMatchObject({ enabled: true, tenant_plan: 'free', user_plan: 'free', max_tokens: null });
    expect(status.quotas).toHaveLength(8);
    const userDay = line(status, 'user', 'requests', 'day');
    expect(userDay).toMatchObject({ limit: null, used: 1, remaining: null, top_up: 0 });
    expect(userDay.resets_at).toBe(nextUtcMidnight().toISOString());
    expect(line(status, 'tenant', 'tokens', 'month').used).toBeGreaterThan(0);
  });

  it('lists the built-in plans to platform admins only', async () => {
    const listed = await t.app.inject({ method: 'GET', url: '/v1/admin/plans', headers: admin });
    expect(listed.statusCode).toBe(200);
    const names = listed.json().data.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['free', 'vip']));
    const s = await registerUser(t.app);
    const refused = await t.app.inject({ method: 'GET', url: '/v1/admin/plans', headers: s.auth });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('permission_denied');
  });
});

describe('plan administration', () => {
  it('creates and updates a plan, and audits both', async () => {
    const name = await createPlan({ tokens_per_day: 1000, max_tokens: 64 });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/admin/plans/${name}`,
      headers: admin,
      payload: { tokens_per_day: null, requests_per_month: 99, description: 'changed' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name,
      description: 'changed',
      tokens_per_day: null,
      requests_per_month: 99,
      max_tokens: 64,
      built_in: false,
    });
    const audit = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/audit-events?limit=200',
      headers: admin,
    });
    const actions = audit
      .json()
      .data.filter((e: { target_id: string }) => e.target_id === name)
      .map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['quota.plan.create', 'quota.plan.update']));
  });

  it.each([
    ['a name with capitals', 'POST', '/v1/admin/plans', { name: 'Big Plan' }, 400, 'validation_failed'],
    [
      'a negative budget',
      'POST',
      '/v1/admin/plans',
      { name: 'neg', tokens_per_day: -1 },
      400,
      'validation_failed',
    ],
    [
      'a fractional budget',
      'POST',
      '/v1/admin/plans',
      { name: 'frac', requests_per_day: 1.5 },
      400,
      'validation_failed',
    ],
    ['max_tokens 0', 'POST', '/v1/admin/plans', { name: 'zero', max_tokens: 0 }, 400, 'validation_failed'],
    ['an unknown field', 'POST', '/v1/admin/plans', { name: 'x1', tokens: 5 }, 400, 'validation_failed'],
    ['a taken name', 'POST', '/v1/admin/plans', { name: 'free' }, 409, 'plan_exists'],
    [
      'an unknown plan to patch',
      'PATCH',
      '/v1/admin/plans/nope',
      { tokens_per_day: 1 },
      404,
      'plan_not_found',
    ],
    [
      'an unknown plan for a tenant',
      'PUT',
      '/v1/admin/tenants/{tenant}/plan',
      { plan: 'nope' },
      400,
      'unknown_plan',
    ],
    ['a malformed tenant id', 'PUT', '/v1/admin/tenants/ten_x/plan', { plan: 'free' }, 400, 'invalid_id'],
    [
      'a tenant that does not exist',
      'PUT',
      '/v1/admin/tenants/ten_01jd8x3k5q9v7w2m4n6p8r0s1t/plan',
      { plan: 'free' },
      404,
      'not_found',
    ],
    [
      'a user who is not a member',
      'PUT',
      '/v1/admin/tenants/{tenant}/users/{stranger}/plan',
      { plan: 'vip' },
      404,
      'not_found',
    ],
    [
      'an unknown plan for a user',
      'PUT',
      '/v1/admin/tenants/{tenant}/users/{user}/plan',
      { plan: 'nope' },
      400,
      'unknown_plan',
    ],
    [
      'a top-up of nothing',
      'POST',
      '/v1/admin/tenants/{tenant}/top-ups',
      { period: 'day' },
      400,
      'bad_request',
    ],
    [
      'a top-up for a week',
      'POST',
      '/v1/admin/tenants/{tenant}/top-ups',
      { period: 'week', tokens: 5 },
      400,
      'validation_failed',
    ],
    [
      'a negative top-up',
      'POST',
      '/v1/admin/tenants/{tenant}/top-ups',
      { period: 'day', tokens: -5 },
      400,
      'validation_failed',
    ],
    [
      'a top-up for a stranger',
      'POST',
      '/v1/admin/tenants/{tenant}/top-ups',
      { period: 'day', tokens: 5, user_id: '{stranger}' },
      404,
      'not_found',
    ],
  ] as const)('refuses %s', async (_label, method, template, payload, status, code) => {
    const s = await registerUser(t.app);
    const stranger = await registerUser(t.app);
    const fill = (v: string) =>
      v.replace('{tenant}', s.tenantId).replace('{user}', s.userId).replace('{stranger}', stranger.userId);
    const response = await t.app.inject({
      method,
      url: fill(template),
      headers: admin,
      payload: JSON.parse(fill(JSON.stringify(payload))),
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
  });

  it.each([
    ['POST', '/v1/admin/plans', { name: 'mine' }],
    ['PUT', '/v1/admin/tenants/{tenant}/plan', { plan: 'vip' }],
    ['PUT', '/v1/admin/tenants/{tenant}/users/{user}/plan', { plan: 'vip' }],
    ['POST', '/v1/admin/tenants/{tenant}/top-ups', { period: 'day', requests: 1000 }],
  ] as const)('a tenant owner may not %s %s (platform admins only)', async (method, template, payload) => {
    const s = await registerUser(t.app);
    const response = await t.app.inject({
      method,
      url: template.replace('{tenant}', s.tenantId).replace('{user}', s.userId),
      headers: s.auth,
      payload,
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('permission_denied');
  });
});

describe('enforcement', () => {
  it('refuses the call past the daily request budget with 429 quota_exceeded and the reset time', async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 2 }));
    expect((await chat(s)).statusCode).toBe(200);
    expect((await chat(s)).statusCode).toBe(200);
    const refused = await chat(s);
    expect(refused.statusCode).toBe(429);
    // The OpenAI routes answer OpenAI's error shape.
    expect(refused.json().error).toMatchObject({ type: 'rate_limit_error', code: 'quota_exceeded' });
    const reset = nextUtcMidnight();
    expect(refused.json().error.message).toContain(reset.toISOString());
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((reset.getTime() - Date.now()) / 1000) + 1);
    const status = await quotas(s);
    expect(line(status, 'tenant', 'requests', 'day')).toMatchObject({ limit: 2, used: 2, remaining: 0 });
    // Streaming calls and embeddings are refused the same way.
    expect((await chat(s, { stream: true })).statusCode).toBe(429);
    const embedded = await t.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      headers: s.auth,
      payload: { model: 'local-embedding', input: 'x' },
    });
    expect(embedded.statusCode).toBe(429);
    // Each refusal is counted on /metrics by the counter that refused it.
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    const counted = /^nexus_quota_rejections_total\{scope="tenant\.requests\.day"\} (\d+)$/m.exec(
      metrics.body,
    );
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(3);
  });

  it("conversation replies are checked too, and Nexus's own error shape carries details.reset_at", async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 1 }));
    const conv = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: s.auth,
      payload: { model: 'local' },
    });
    expect(conv.statusCode, conv.body).toBe(201);
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conv.json().id}/messages`,
        headers: s.auth,
        payload: { content: 'Hello there' },
      });
    expect((await send()).statusCode).toBe(201);
    const refused = await send();
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json().error).toMatchObject({
      code: 'quota_exceeded',
      details: {
        scope: 'tenant',
        metric: 'requests',
        period: 'day',
        limit: 1,
        used: 1,
        reset_at: nextUtcMidnight().toISOString(),
      },
    });
  });

  it('a top-up unlocks the budget for the current period, to the tenant or one member', async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 1 }));
    expect((await chat(s)).statusCode).toBe(200);
    expect((await chat(s)).statusCode).toBe(429);
    const granted = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/tenants/${s.tenantId}/top-ups`,
      headers: admin,
      payload: { period: 'day', requests: 2, reason: 'launch day' },
    });
    expect(granted.statusCode, granted.body).toBe(201);
    expect(granted.json()).toMatchObject({
      tenant_id: s.tenantId,
      user_id: null,
      period: 'day',
      period_key: new Date().toISOString().slice(0, 10),
      requests: 2,
      tokens: 0,
    });
    // The tenant has room again; the user's own budget (the same plan) is still used up.
    const stillRefused = await chat(s);
    expect(stillRefused.statusCode).toBe(429);
    expect(stillRefused.json().error.message).toContain('your daily request quota');
    const forUser = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/tenants/${s.tenantId}/top-ups`,
      headers: admin,
      payload: { period: 'day', requests: 2, user_id: s.userId },
    });
    expect(forUser.statusCode, forUser.body).toBe(201);
    expect((await chat(s)).statusCode).toBe(200);
    expect((await chat(s)).statusCode).toBe(200);
    expect((await chat(s)).statusCode).toBe(429);
    const status = await quotas(s);
    expect(line(status, 'tenant', 'requests', 'day')).toMatchObject({ limit: 3, used: 3, top_up: 2 });
    expect(line(status, 'user', 'requests', 'day')).toMatchObject({ limit: 3, used: 3, top_up: 2 });
  });

  it("a user's own plan replaces the tenant's for their budgets; the tenant's still applies", async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 100 }));
    const one = await createPlan({ requests_per_day: 1 });
    const set = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/tenants/${s.tenantId}/users/${s.userId}/plan`,
      headers: admin,
      payload: { plan: one },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect((await chat(s)).statusCode).toBe(200);
    const refused = await chat(s);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toContain(`on the ${one} plan`);
    expect(await quotas(s)).toMatchObject({ user_plan: one });
    const cleared = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/tenants/${s.tenantId}/users/${s.userId}/plan`,
      headers: admin,
      payload: { plan: null },
    });
    expect(cleared.statusCode).toBe(200);
    expect((await chat(s)).statusCode).toBe(200);
  });

  it('refuses max_tokens above the plan cap with 400 max_tokens_exceeds_plan, and caps requests that name none', async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ max_tokens: 16 }));
    const refused = await chat(s, { max_tokens: 17 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'max_tokens_exceeds_plan', param: 'max_tokens' });
    expect(refused.json().error.message).toContain('16');
    const completionTokens = await chat(s, { max_completion_tokens: 100 });
    expect(completionTokens.statusCode).toBe(400);
    expect((await chat(s, { max_tokens: 16 })).statusCode).toBe(200);
    const before = upstream.requestsFor(FAKE).length;
    expect((await chat(s, { model: FAKE })).statusCode).toBe(200);
    const sent = upstream.requestsFor(FAKE).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body?.max_tokens).toBe(16);
    expect((await quotas(s)).max_tokens).toBe(16);
  });

  it('settles a call at its real usage and gives a failed call back entirely', async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ tokens_per_day: 100_000 }));
    const ok = await chat(s, { model: FAKE, max_tokens: 500 });
    expect(ok.statusCode, ok.body).toBe(200);
    // 500 were reserved for the reply; the upstream reported 10 + 5: the rest was refunded.
    expect(line(await quotas(s), 'tenant', 'tokens', 'day').used).toBe(15);
    const failed = await chat(s, { model: BROKEN });
    expect(failed.statusCode).toBeGreaterThanOrEqual(500);
    const status = await quotas(s);
    expect(line(status, 'tenant', 'tokens', 'day').used).toBe(15);
    expect(line(status, 'tenant', 'requests', 'day').used).toBe(1);
  });

  it('50 concurrent calls on a budget of 10 requests let exactly 10 through', async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 10 }));
    const answers = await Promise.all(Array.from({ length: 50 }, () => chat(s)));
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(10);
    expect(codes.filter((c) => c === 429)).toHaveLength(40);
    expect(line(await quotas(s), 'tenant', 'requests', 'day').used).toBe(10);
  });

  it('a restart does not hand out a fresh budget (in-process counters are seeded from metering)', async () => {
    const env = { LOCAL_MODEL_WORDS_PER_S: '0', METERING_FLUSH_MS: '10' };
    const first = await createTestApp({ database, env });
    const s = await registerUser(first.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 2 }));
    expect((await chat(s, {}, first)).statusCode).toBe(200);
    expect((await chat(s, {}, first)).statusCode).toBe(200);
    // A graceful shutdown writes the metering; the next process starts with an empty MemoryCache.
    await first.close();
    const second = await createTestApp({ database, env });
    try {
      const refused = await chat(s, {}, second);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('quota_exceeded');
    } finally {
      await second.close();
    }
  });

  it('with QUOTAS_ENABLED=false nothing is refused (same database, same plans)', async () => {
    const s = await registerUser(t.app);
    await setTenantPlan(s.tenantId, await createPlan({ requests_per_day: 1, max_tokens: 4 }));
    expect((await chat(s)).statusCode).toBe(200);
    expect((await chat(s)).statusCode).toBe(429);
    expect((await chat(s, {}, unchecked)).statusCode).toBe(200);
    expect((await chat(s, { max_tokens: 50 }, unchecked)).statusCode).toBe(200);
    const status = await unchecked.app.inject({ method: 'GET', url: '/v1/quotas', headers: s.auth });
    expect(status.json().enabled).toBe(false);
  });
});

describe('tenant quotas', () => {
  it('GET /v1/tenants/:id/quotas: members with usage:read and platform admins; other tenants 404', async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const own = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${a.tenantId}/quotas`,
      headers: a.auth,
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ tenant_id: a.tenantId, user_id: null, user_plan: null });
    expect(own.json().quotas).toHaveLength(4);
    const byAdmin = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${a.tenantId}/quotas?user_id=${a.userId}`,
      headers: admin,
    });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json().quotas).toHaveLength(8);
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${a.tenantId}/quotas`,
      headers: b.auth,
    });
    expect(foreign.statusCode).toBe(404);
    const stranger = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${a.tenantId}/quotas?user_id=${b.userId}`,
      headers: a.auth,
    });
    expect(stranger.statusCode).toBe(404);
  });
});

describe("tenant admins and their members' plans", () => {
  it("an owner gives a member their own plan in the tenant; others' tenants 404, scopes apply", async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const one = await createPlan({ requests_per_day: 1 });
    const put = (
      s: Session | Record<string, string>,
      tenantId: string,
      userId: string,
      plan: string | null,
    ) =>
      t.app.inject({
        method: 'PUT',
        url: `/v1/tenants/${tenantId}/members/${userId}/plan`,
        headers: ('auth' in s ? s.auth : s) as Record<string, string>,
        payload: { plan },
      });
    const set = await put(a, a.tenantId, a.userId, one);
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ tenant_id: a.tenantId, user_id: a.userId, plan: one });
    expect(await quotas(a)).toMatchObject({ tenant_plan: 'free', user_plan: one });
    expect((await chat(a)).statusCode).toBe(200);
    expect((await chat(a)).statusCode).toBe(429);
    expect((await put(a, a.tenantId, a.userId, 'nope')).json().error.code).toBe('unknown_plan');
    expect((await put(a, a.tenantId, b.userId, 'vip')).statusCode).toBe(404);
    const foreign = await put(b, a.tenantId, a.userId, 'vip');
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: a.auth,
      payload: { name: 'no-members', scopes: ['chat:write'] },
    });
    const scoped = await put({ authorization: `Bearer ${key.json().secret}` }, a.tenantId, a.userId, null);
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().error.code).toBe('insufficient_scope');
    expect((await put(a, a.tenantId, a.userId, null)).statusCode).toBe(200);
    expect((await chat(a)).statusCode).toBe(200);
  });
});

describe('usage API', () => {
  let a: Session;
  let b: Session;
  let keyId: string;

  beforeAll(async () => {
    a = await registerUser(t.app);
    b = await registerUser(t.app);
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: a.auth,
      payload: { name: 'usage-key', scopes: ['chat:write', 'usage:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    keyId = key.json().id;
    expect((await chat(a, { model: FAKE })).statusCode).toBe(200);
    expect((await chat(a, { model: FAKE })).statusCode).toBe(200);
    expect((await chat({ authorization: `Bearer ${key.json().secret}` }, { model: FAKE })).statusCode).toBe(
      200,
    );
    expect((await chat(a, { model: BROKEN })).statusCode).toBeGreaterThanOrEqual(500);
    expect((await chat(b)).statusCode).toBe(200);
    // Metering is written off the request path: wait for the 4 calls of tenant A and B's one.
    for (let i = 0; i < 200; i++) {
      const rows = await database.db
        .selectFrom('llm_calls')
        .select('id')
        .where('tenant_id', 'in', [a.tenantId, b.tenantId])
        .execute();
      if (rows.length >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('sums per day × model by default, with totals', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/usage', headers: a.auth });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    const today = new Date().toISOString().slice(0, 10);
    expect(body).toMatchObject({ to: today, group_by: ['day', 'model'] });
    const fake = body.data.find((r: { model: string }) => r.model === FAKE);
    expect(fake).toEqual({
      day: today,
      model: FAKE,
      requests: 3,
      errors: 0,
      input_tokens: 30,
      output_tokens: 15,
      cost: 0,
    });
    expect(body.data.find((r: { model: string }) => r.model === BROKEN)).toMatchObject({
      requests: 1,
      errors: 1,
    });
    // The failed call is metered with its counted prompt tokens.
    expect(body.totals).toMatchObject({ requests: 4, errors: 1, output_tokens: 15 });
    expect(body.totals.input_tokens).toBeGreaterThan(30);
  });

  it('groups by user and API key and filters by model, user and key', async () => {
    const grouped = await t.app.inject({
      method: 'GET',
      url: `/v1/usage?group_by=user,api_key&model=${FAKE}`,
      headers: a.auth,
    });
    expect(grouped.statusCode, grouped.body).toBe(200);
    expect(grouped.json().data).toEqual([
      expect.objectContaining({ user_id: a.userId, api_key_id: keyId, requests: 1 }),
      expect.objectContaining({ user_id: a.userId, api_key_id: null, requests: 2 }),
    ]);
    const byKey = await t.app.inject({
      method: 'GET',
      url: `/v1/usage?api_key_id=${keyId}`,
      headers: a.auth,
    });
    expect(byKey.json().totals.requests).toBe(1);
    const byUser = await t.app.inject({
      method: 'GET',
      url: `/v1/usage?user_id=${b.userId}`,
      headers: a.auth,
    });
    expect(byUser.json()).toMatchObject({ data: [], totals: { requests: 0 } });
    const old = await t.app.inject({
      method: 'GET',
      url: '/v1/usage?from=2020-01-01&to=2020-01-31',
      headers: a.auth,
    });
    expect(old.json().totals.requests).toBe(0);
  });

  it('analytics: totals with the error rate, top users, cost by model, errors by code', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/usage/analytics', headers: a.auth });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.totals).toMatchObject({ requests: 4, errors: 1, error_rate: 0.25 });
    expect(body.top_users).toEqual([
      expect.objectContaining({ user_id: a.userId, requests: 4, output_tokens: 15 }),
    ]);
    expect(body.cost_by_model.map((m: { model: string }) => m.model).sort()).toEqual([BROKEN, FAKE].sort());
    expect(body.by_day).toEqual([expect.objectContaining({ requests: 4, errors: 1, error_rate: 0.25 })]);
    expect(body.errors_by_code).toHaveLength(1);
    expect(body.errors_by_code[0].count).toBe(1);
  });

  it("is tenant-scoped: B sees only B's usage, and naming tenant A is a 404", async () => {
    const own = await t.app.inject({ method: 'GET', url: '/v1/usage?group_by=user', headers: b.auth });
    expect(own.statusCode).toBe(200);
    expect(own.body).not.toContain(a.userId);
    expect(own.json().totals.requests).toBe(1);
    for (const url of ['/v1/usage', '/v1/usage/analytics']) {
      const foreign = await t.app.inject({
        method: 'GET',
        url,
        headers: { ...b.auth, 'x-nexus-tenant': a.tenantId },
      });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.code).toBe('not_found');
    }
  });

  it('needs usage:read: an API key without it is refused', async () => {
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: a.auth,
      payload: { name: 'chat-only', scopes: ['chat:write'] },
    });
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/usage',
      headers: { authorization: `Bearer ${key.json().secret}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('insufficient_scope');
  });

  it.each([
    ['from=2026-13-01', 'from'],
    ['to=yesterday', 'to'],
    ['from=2026-02-30', 'from'],
    ['from=2026-11-20&to=2026-11-10', 'from'],
    ['from=2020-01-01&to=2026-01-01', 'from'],
    ['group_by=week', 'group_by'],
    ['user_id=usr_bad', 'user_id'],
    ['api_key_id=nope', 'api_key_id'],
  ])('refuses ?%s (400 naming %s)', async (query, param) => {
    const response = await t.app.inject({ method: 'GET', url: `/v1/usage?${query}`, headers: a.auth });
    expect(response.statusCode, response.body).toBe(400);
    expect(JSON.stringify(response.json().error.details)).toContain(param);
  });
});

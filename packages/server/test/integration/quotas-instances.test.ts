import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { useTwoInstances } from '../support/two-instances.js';

/**
 * Quotas on PostgreSQL and Redis: two instances share one budget (the Lua check-and-reserve is the only
 * thing standing between 50 concurrent calls and a budget of 10), a top-up granted on one instance is
 * seen by the other, and when Redis goes away quotas fail closed (503, no upstream call) and recover.
 */

const ADMIN_EMAIL = 'quota-instances-admin@example.com';

async function adminOn(t: TestApp): Promise<{ authorization: string }> {
  await t.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, PASSWORD);
  const session = await login(t.app, ADMIN_EMAIL);
  expect(session.statusCode, session.body).toBe(200);
  return { authorization: `Bearer ${session.json().access_token}` };
}

async function assignPlan(
  t: TestApp,
  admin: { authorization: string },
  tenantId: string,
  name: string,
  budgets: Record<string, number>,
): Promise<void> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/admin/plans',
    headers: admin,
    payload: { name, ...budgets },
  });
  expect(created.statusCode, created.body).toBe(201);
  const set = await t.app.inject({
    method: 'PUT',
    url: `/v1/admin/tenants/${tenantId}/plan`,
    headers: admin,
    payload: { plan: name },
  });
  expect(set.statusCode, set.body).toBe(200);
}

const chat = (t: TestApp, s: Session) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: s.auth,
    payload: { model: 'local', messages: [{ role: 'user', content: 'hello' }] },
  });

describe('one budget across two instances', () => {
  const n = useTwoInstances('quota_instances');
  let admin: { authorization: string };

  beforeAll(async () => {
    admin = await adminOn(n.a);
  });

  it('50 concurrent calls, half on each instance, on a budget of 10 requests: exactly 10 go through', async () => {
    const s = await registerUser(n.a.app);
    await assignPlan(n.a, admin, s.tenantId, 'race-ten', { requests_per_day: 10 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(i % 2 === 0 ? n.a : n.b, s)));
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(10);
    expect(codes.filter((c) => c === 429)).toHaveLength(40);
    for (const refused of answers.filter((a) => a.statusCode === 429))
      expect(refused.json().error.code).toBe('quota_exceeded');
    for (const t of [n.a, n.b]) {
      const status = await t.app.inject({ method: 'GET', url: '/v1/quotas', headers: s.auth });
      const line = status
        .json()
        .quotas.find(
          (q: { scope: string; metric: string; period: string }) =>
            q.scope === 'tenant' && q.metric === 'requests' && q.period === 'day',
        );
      expect(line).toMatchObject({ limit: 10, used: 10, remaining: 0 });
    }
  });

  it('a top-up granted on A lets the next call through on B', async () => {
    const s = await registerUser(n.a.app);
    await assignPlan(n.a, admin, s.tenantId, 'one-a-day', { requests_per_day: 1 });
    expect((await chat(n.b, s)).statusCode).toBe(200);
    expect((await chat(n.b, s)).statusCode).toBe(429);
    for (const user of [undefined, s.userId]) {
      const granted = await n.a.app.inject({
        method: 'POST',
        url: `/v1/admin/tenants/${s.tenantId}/top-ups`,
        headers: admin,
        payload: { period: 'day', requests: 1, ...(user ? { user_id: user } : {}) },
      });
      expect(granted.statusCode, granted.body).toBe(201);
    }
    // B learns of the change through pub/sub (QUOTA_PLAN_CACHE_MS bounds it otherwise).
    let answer = await chat(n.b, s);
    for (let i = 0; i < 50 && answer.statusCode === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await chat(n.b, s);
    }
    expect(answer.statusCode).toBe(200);
    expect((await chat(n.a, s)).statusCode).toBe(429);
  });
});

describe('Redis going away', () => {
  let proxy: TcpProxy;
  let upstream: FakeOpenAI;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  const prefix = `${uniqueName('quota_redis')}:`;

  beforeAll(async () => {
    const target = new URL(REDIS_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    upstream = await FakeOpenAI.start();
    upstream.on('counted', { text: 'fine', usage: { prompt_tokens: 3, completion_tokens: 1 } });
    database = await createTestDatabase('quota_redis');
    t = await createTestApp({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: proxy.redisUrl,
        REDIS_KEY_PREFIX: prefix,
        OPENAI_BASE_URL: upstream.url,
        OPENAI_API_KEY: 'sk-fake',
        GATEWAY_MAX_RETRIES: '0',
        REDIS_CONNECT_TIMEOUT_MS: '500',
      },
    });
  });

  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await t?.close();
    await upstream?.close();
    await proxy?.cut();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  it('refuses calls with 503 service_unavailable before reaching the provider, and recovers', async () => {
    const s = await registerUser(t.app);
    const ask = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: s.auth,
        payload: { model: 'counted', messages: [{ role: 'user', content: 'hi' }] },
      });
    expect((await ask()).statusCode).toBe(200);
    const before = upstream.requestsFor('counted').length;
    await proxy.cut();
    const refused = await ask();
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json().error.code).toBe('service_unavailable');
    expect(upstream.requestsFor('counted').length).toBe(before);
    const status = await t.app.inject({ method: 'GET', url: '/v1/quotas', headers: s.auth });
    expect(status.statusCode).toBe(503);
    expect(status.json().error.details).toMatchObject({ dependency: 'cache' });
    await proxy.restore();
    let answer = await ask();
    for (let i = 0; i < 100 && answer.statusCode !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await ask();
    }
    expect(answer.statusCode, answer.body).toBe(200);
  });
});

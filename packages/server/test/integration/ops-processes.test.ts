import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { PASSWORD, uniqueEmail } from '../support/identity.js';
import { type NexusProcess, startNexusProcess } from '../support/nexus-process.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';
import { openEventStream, readUntil } from '../support/sse-client.js';

/**
 * Several instances as operators run them: two Nexus processes (not two apps in one process) on one
 * PostgreSQL database and one Redis. What one process decides — a login, a revocation, a reply in
 * progress — the other honours.
 */

const PACED = 'paced-model';
const PACED_TEXT = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let upstream: FakeOpenAI;
let a: NexusProcess;
let b: NexusProcess;
const prefix = `${uniqueName('ops_processes')}:`;
const ADMIN_EMAIL = 'ops-admin@example.com';
const ADMIN_PASSWORD = 'ops admin password 0123456789';

beforeAll(async () => {
  database = await createTestDatabase('ops_processes');
  upstream = await FakeOpenAI.start();
  upstream.on(PACED, { text: PACED_TEXT, tokensPerSecond: 30 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    NEXUS_ADMIN_EMAIL: ADMIN_EMAIL,
    NEXUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // Small enough to exhaust in a test; only the API key made for that test is limited by it.
    RATE_LIMIT_KEY_PER_MINUTE: '10',
    // Only pub/sub can explain a change seen on B within a second.
    RUNTIME_CONFIG_POLL_MS: '60000',
  };
  // One after the other: the first runs the migrations and creates the admin, as a deploy's migration
  // Job would; the second finds both done.
  a = await startNexusProcess(env);
  b = await startNexusProcess(env);
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all([a?.stop(), b?.stop()]);
  await upstream?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
  // Both shut down gracefully (exit 0), after everything below.
  expect(codes).toEqual([0, 0]);
}, 60_000);

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

interface User {
  email: string;
  auth: Record<string, string>;
  tenantId: string;
  userId: string;
}

async function register(base: string): Promise<User> {
  const email = uniqueEmail('ops');
  const response = await call(
    base,
    'POST',
    '/v1/auth/register',
    {},
    { email, password: PASSWORD, device_name: 'test' },
  );
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return {
    email,
    auth: { authorization: `Bearer ${response.json.access_token}` },
    tenantId: response.json.tenant_id,
    userId: response.json.user_id,
  };
}

async function adminAuth(base: string): Promise<Record<string, string>> {
  const login = await call(
    base,
    'POST',
    '/v1/auth/login',
    {},
    { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
  );
  expect(login.status, JSON.stringify(login.json)).toBe(200);
  return { authorization: `Bearer ${login.json.access_token}` };
}

/** Polls `check` every 25 ms until it is true or `withinMs` has passed; answers how long it took. */
async function within(withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > withinMs) throw new Error(`not true within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - start;
}

describe('two Nexus processes on one PostgreSQL and one Redis', () => {
  it('are two processes that both answer ready', async () => {
    expect(a.pid).not.toBe(b.pid);
    for (const p of [a, b]) {
      const ready = await call(p.url, 'GET', '/readyz');
      expect(ready.status, JSON.stringify(ready.json)).toBe(200);
    }
  });

  it('log in on A, call B; revoke on A and B refuses within a second', async () => {
    const { email } = await register(a.url);
    const login = await call(a.url, 'POST', '/v1/auth/login', {}, { email, password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    const auth = { authorization: `Bearer ${login.json.access_token}` };
    const me = await call(b.url, 'GET', '/v1/me', auth);
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe(email);
    const logout = await call(a.url, 'POST', '/v1/auth/logout', auth);
    expect(logout.status).toBe(204);
    await within(1_000, async () => (await call(b.url, 'GET', '/v1/me', auth)).status === 401);
    const refused = await call(b.url, 'GET', '/v1/me', auth);
    expect(refused.json.error.code).toBe('session_revoked');
  });

  it('a reply streaming from A is resumed on B with Last-Event-ID, complete and saved once', async () => {
    const user = await register(a.url);
    const created = await call(a.url, 'POST', '/v1/conversations', user.auth, { model: PACED });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id as string;
    const first = await openEventStream(`${a.url}/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: user.auth,
      body: { content: 'Count', stream: true },
    });
    const seen = await readUntil(first.events, (e) => e.event === 'response.output_text.delta');
    first.close();
    const replyId = String(seen[0]!.json.assistant_message_id);
    const resumed = await openEventStream(`${b.url}/v1/conversations/${id}/messages/${replyId}/stream`, {
      headers: { ...user.auth, 'last-event-id': seen.at(-1)!.id! },
    });
    expect(resumed.status).toBe(200);
    const rest = await readUntil(resumed.events);
    expect(rest.at(-1)!.event).toBe('response.completed');
    const text = [...seen, ...rest]
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => e.json.delta)
      .join('');
    expect(text).toBe(PACED_TEXT);
    const messages = await call(b.url, 'GET', `/v1/conversations/${id}/messages`, user.auth);
    expect(messages.status).toBe(200);
    const assistants = (messages.json.data as { role: string; content: string; status: string }[]).filter(
      (m) => m.role === 'assistant',
    );
    expect(assistants).toEqual([expect.objectContaining({ content: PACED_TEXT, status: 'completed' })]);
  });

  it('share one rate limit: an API key limited to 10 a minute gets 10 answers across both, then 429', async () => {
    const user = await register(a.url);
    const key = await call(a.url, 'POST', '/v1/api-keys', user.auth, {
      name: 'limited',
      scopes: ['chat:read'],
    });
    expect(key.status, JSON.stringify(key.json)).toBe(201);
    const headers = { 'x-api-key': key.json.secret as string };
    const answers: { status: number; remaining: string | null; code?: string }[] = [];
    for (let i = 0; i < 14; i++) {
      const response = await call(i % 2 === 0 ? a.url : b.url, 'GET', '/v1/models', headers);
      answers.push({
        status: response.status,
        remaining: response.headers.get('x-ratelimit-remaining'),
        ...(response.status === 429 ? { code: response.json.error.code } : {}),
      });
    }
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    // The remaining count falls across the two processes: one bucket, not one per process.
    expect(answers.slice(0, 10).map((r) => Number(r.remaining))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(answers.slice(10)).toEqual(
      Array.from({ length: 4 }, () => ({ status: 429, remaining: '0', code: 'rate_limited' })),
    );
  });

  it('share one quota: 12 calls at once, half on each, on a budget of 4 requests let exactly 4 through', async () => {
    const admin = await adminAuth(a.url);
    const user = await register(b.url);
    const plan = await call(a.url, 'POST', '/v1/admin/plans', admin, {
      name: 'ops-four',
      requests_per_day: 4,
    });
    expect(plan.status, JSON.stringify(plan.json)).toBe(201);
    const assigned = await call(b.url, 'PUT', `/v1/admin/tenants/${user.tenantId}/plan`, admin, {
      plan: 'ops-four',
    });
    expect(assigned.status, JSON.stringify(assigned.json)).toBe(200);
    const body = { model: 'local', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(i % 2 === 0 ? a.url : b.url, 'POST', '/v1/chat/completions', user.auth, body),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    expect(results.filter((r) => r.status === 429).map((r) => r.json.error.code)).toEqual(
      Array.from({ length: 8 }, () => 'quota_exceeded'),
    );
    const status = await call(a.url, 'GET', '/v1/quotas', user.auth);
    expect(status.status).toBe(200);
    expect(JSON.stringify(status.json)).toContain('"used":4');
  });

  it('a config rollback on A is what B serves within a second', async () => {
    const admin = await adminAuth(a.url);
    const user = await register(b.url);
    const version = async (enabled: boolean) => {
      const created = await call(a.url, 'POST', '/v1/admin/config/versions', admin, {
        document: { flags: { 'new-composer': { enabled, rules: [] } } },
        message: enabled ? 'turn the new composer on' : 'turn it off',
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      return created.json.version as number;
    };
    const on = await version(true);
    const off = await version(false);
    const flagOnB = async () =>
      (await call(b.url, 'GET', '/v1/me/features', user.auth)).json.data['new-composer'];
    expect((await call(a.url, 'POST', `/v1/admin/config/versions/${on}/activate`, admin)).status).toBe(200);
    await within(1_000, async () => (await flagOnB()) === true);
    expect((await call(a.url, 'POST', `/v1/admin/config/versions/${off}/activate`, admin)).status).toBe(200);
    await within(1_000, async () => (await flagOnB()) === false);
    // The rollback: version `on` again, activated on A, served by B.
    expect((await call(a.url, 'POST', `/v1/admin/config/versions/${on}/activate`, admin)).status).toBe(200);
    await within(1_000, async () => (await flagOnB()) === true);
    const active = await call(b.url, 'GET', '/v1/admin/config/active', admin);
    expect(active.json.state).toMatchObject({ active_version: on, canary: null });
  });
});

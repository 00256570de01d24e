import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Runtime config across instances on real PostgreSQL and Redis: A and B share a Redis key prefix, so a
 * change on A is announced to B over pub/sub; `deaf` uses another prefix (it hears nothing) and must
 * catch up through its revision poll alone.
 */
describe('runtime config across instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestApp;
  let b: TestApp;
  let deaf: TestApp;
  const prefix = `${uniqueName('runtime_config')}:`;
  const deafPrefix = `${uniqueName('runtime_config_deaf')}:`;
  let admin: { authorization: string };
  let user: Session;

  beforeAll(async () => {
    database = await createTestDatabase('runtime_config');
    // A and B poll rarely (a minute): within a second only the announcement can have told B.
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      LOCAL_MODEL_WORDS_PER_S: '0',
      RUNTIME_CONFIG_POLL_MS: '60000',
    };
    a = await createTestApp({ env: { ...env, REDIS_KEY_PREFIX: prefix } });
    b = await createTestApp({ env: { ...env, REDIS_KEY_PREFIX: prefix } });
    deaf = await createTestApp({
      env: { ...env, REDIS_KEY_PREFIX: deafPrefix, RUNTIME_CONFIG_POLL_MS: '200' },
    });
    const email = `${uniqueName('admin')}@example.com`;
    await a.container.services.adminBootstrap.ensureAdmin(email, PASSWORD);
    const session = await login(a.app, email);
    expect(session.statusCode, session.body).toBe(200);
    admin = { authorization: `Bearer ${session.json().access_token}` };
    user = await registerUser(a.app);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), deaf?.close()]);
    await database?.drop();
    await deleteRedisKeys(prefix);
    await deleteRedisKeys(deafPrefix);
  });

  async function create(document: unknown, message: string): Promise<number> {
    const response = await a.app.inject({
      method: 'POST',
      url: '/v1/admin/config/versions',
      headers: admin,
      payload: { document, message },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().version;
  }

  async function post(url: string, payload?: unknown) {
    const response = await a.app.inject({
      method: 'POST',
      url,
      headers: admin,
      ...(payload ? { payload } : {}),
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  async function versionOn(t: TestApp): Promise<{ version: number | null; flag: boolean | undefined }> {
    const response = await t.app.inject({ method: 'GET', url: '/v1/me/features', headers: user.auth });
    expect(response.statusCode, response.body).toBe(200);
    return { version: response.json().config_version, flag: response.json().data.checkout };
  }

  /** Polls `check` until it holds, for at most `deadlineMs`; fails the test otherwise. */
  async function within(deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`not seen within ${deadlineMs} ms`);
      await sleep(20);
    }
  }

  it('an activation and a rollback on A are seen on B within a second', async () => {
    const v1 = await create({ flags: { checkout: { enabled: false } } }, 'v1');
    const v2 = await create({ flags: { checkout: { enabled: true } } }, 'v2');
    await post(`/v1/admin/config/versions/${v1}/activate`);
    await within(1_000, async () => (await versionOn(b)).version === v1);
    await post(`/v1/admin/config/versions/${v2}/activate`);
    await within(1_000, async () => (await versionOn(b)).version === v2);
    expect((await versionOn(b)).flag).toBe(true);

    // The rollback: v1 again, on A; B serves it within a second, without a restart.
    await post(`/v1/admin/config/versions/${v1}/activate`);
    expect(await versionOn(a)).toEqual({ version: v1, flag: false });
    await within(1_000, async () => (await versionOn(b)).version === v1);
    expect((await versionOn(b)).flag).toBe(false);
    const active = await b.app.inject({ method: 'GET', url: '/v1/admin/config/active', headers: admin });
    expect(active.json().served_revision).toBe(active.json().state.revision);
  });

  it('a canary started and promoted on A applies on B', async () => {
    const candidate = await create({ flags: { checkout: { enabled: true } } }, 'candidate');
    await post(`/v1/admin/config/versions/${candidate}/canary`, { percent: 100 });
    await within(1_000, async () => (await versionOn(b)).version === candidate);
    await post('/v1/admin/config/canary/rollback');
    await within(1_000, async () => (await versionOn(b)).version !== candidate);
    await post(`/v1/admin/config/versions/${candidate}/canary`, { percent: 100 });
    await post('/v1/admin/config/canary/promote');
    await within(1_000, async () => {
      const response = await b.app.inject({ method: 'GET', url: '/v1/me/features', headers: user.auth });
      return response.json().config_version === candidate && response.json().config_source === 'active';
    });
  });

  it('versions created at once on both instances get distinct numbers', async () => {
    const responses = await Promise.all(
      [a, b, a, b, a, b].map((t, i) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/admin/config/versions',
          headers: admin,
          payload: { document: { rag: { top_k: i + 1 } }, message: `race ${i}` },
        }),
      ),
    );
    for (const r of responses) expect(r.statusCode, r.body).toBe(201);
    expect(new Set(responses.map((r) => r.json().version)).size).toBe(6);
  });

  it('an instance that misses the announcement catches up by polling the revision', async () => {
    const latest = await create({ flags: { checkout: { enabled: false } } }, 'for the deaf one');
    await post(`/v1/admin/config/versions/${latest}/activate`);
    await within(5_000, async () => (await versionOn(deaf)).version === latest);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * The model catalog across instances: apps share one PostgreSQL database and one Redis. A change made on
 * one instance is announced on Redis pub/sub and served by the other at once; an instance that misses
 * the announcement (here: one on another Redis key prefix, so it hears nothing) catches up by polling
 * the catalog version.
 */
describe('model catalog across instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let one: TestApp;
  let two: TestApp;
  let deaf: TestApp;
  const prefix = `${uniqueName('catalog')}:`;
  const deafPrefix = `${uniqueName('catalog_deaf')}:`;
  let admin: { authorization: string };
  let user: Session;

  beforeAll(async () => {
    database = await createTestDatabase('catalog');
    const env = { DATABASE_URL: database.url, REDIS_URL, LOCAL_MODEL_WORDS_PER_S: '0' };
    one = await createTestApp({ env: { ...env, REDIS_KEY_PREFIX: prefix } });
    two = await createTestApp({ env: { ...env, REDIS_KEY_PREFIX: prefix } });
    deaf = await createTestApp({ env: { ...env, REDIS_KEY_PREFIX: deafPrefix } });
    const email = `${uniqueName('admin')}@example.com`;
    await one.container.services.adminBootstrap.ensureAdmin(email, PASSWORD);
    const session = await login(one.app, email);
    expect(session.statusCode, session.body).toBe(200);
    admin = { authorization: `Bearer ${session.json().access_token}` };
    user = await registerUser(one.app);
  });

  afterAll(async () => {
    await Promise.all([one?.close(), two?.close(), deaf?.close()]);
    await database?.drop();
    await deleteRedisKeys(prefix);
    await deleteRedisKeys(deafPrefix);
  });

  const spec = { deployments: [{ provider: 'local', model: 'local' }] };

  const chatStatus = async (t: TestApp, model: string, headers: Record<string, string>) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers,
        payload: { model, messages: [{ role: 'user', content: 'hello' }] },
      })
    ).statusCode;

  /** Polls until `check` holds; fails the test if it does not by the deadline. */
  async function eventually(check: () => Promise<boolean>, deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`not true within ${deadlineMs} ms`);
      await sleep(20);
    }
  }

  // Instances poll the version every 5 s; a deadline well under that shows the announcement did it.
  const ANNOUNCED_MS = 2_000;

  it('a global entry created on one instance is served by the other at once, and so is its deletion', async () => {
    expect(await chatStatus(two, 'shared-entry', user.auth)).toBe(404);
    const created = await one.app.inject({
      method: 'PUT',
      url: '/v1/admin/models/shared-entry',
      headers: admin,
      payload: spec,
    });
    expect(created.statusCode, created.body).toBe(201);
    await eventually(async () => (await chatStatus(two, 'shared-entry', user.auth)) === 200, ANNOUNCED_MS);
    const listed = await two.app.inject({ method: 'GET', url: '/v1/admin/models', headers: admin });
    expect(listed.json().version).toBe(
      (await one.app.inject({ method: 'GET', url: '/v1/admin/models', headers: admin })).json().version,
    );

    const deleted = await one.app.inject({
      method: 'DELETE',
      url: '/v1/admin/models/shared-entry',
      headers: admin,
    });
    expect(deleted.statusCode).toBe(204);
    await eventually(async () => (await chatStatus(two, 'shared-entry', user.auth)) === 404, ANNOUNCED_MS);
  });

  it('a tenant entry created on one instance is served by the other, in that tenant only', async () => {
    const a = await registerUser(two.app);
    const b = await registerUser(two.app);
    const created = await two.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${a.tenantId}/models/a-entry`,
      headers: a.auth,
      payload: spec,
    });
    expect(created.statusCode, created.body).toBe(201);
    await eventually(async () => (await chatStatus(one, 'a-entry', a.auth)) === 200, ANNOUNCED_MS);
    expect(await chatStatus(one, 'a-entry', b.auth)).toBe(404);
  });

  it('an instance that missed the announcement catches up by polling the catalog version', async () => {
    expect(await chatStatus(deaf, 'late-entry', user.auth)).toBe(404);
    const created = await one.app.inject({
      method: 'PUT',
      url: '/v1/admin/models/late-entry',
      headers: admin,
      payload: spec,
    });
    expect(created.statusCode, created.body).toBe(201);
    await eventually(async () => (await chatStatus(deaf, 'late-entry', user.auth)) === 200, 20_000);
  });
});

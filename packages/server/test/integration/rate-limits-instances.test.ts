import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Rate limits and IP allowlists across instances on PostgreSQL and Redis (docs/rate-limits.md): two apps
 * draw from one bucket, and an allowlist change on one is enforced by the other at once. Then Redis goes
 * away (a redis-server this file starts itself, killed by its PID): `/readyz` answers 503, rate limits
 * fail open (or closed, per `RATE_LIMIT_FAIL_MODE`), and all of it recovers when Redis is back.
 */

describe('one rate limit and one allowlist across two instances', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestApp;
  let b: TestApp;
  const prefix = `${uniqueName('ratelimit')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('ratelimit');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_USER_PER_MINUTE: '1',
      RATE_LIMIT_USER_BURST: '4',
    };
    a = await createTestApp({ env });
    b = await createTestApp({ env });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  it('shares one user bucket between the instances', async () => {
    const user = await registerUser(a.app);
    const remaining: string[] = [];
    for (const t of [a, b, a, b]) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/me', headers: user.auth });
      expect(response.statusCode, response.body).toBe(200);
      remaining.push(String(response.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const t of [a, b]) {
      const refused = await t.app.inject({ method: 'GET', url: '/v1/me', headers: user.auth });
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('enforces an allowlist set on one instance on the other at once', async () => {
    const owner = await registerUser(a.app);
    const owner2 = await registerUser(b.app);
    const get = (t: TestApp, ip: string) =>
      t.app.inject({
        method: 'GET',
        url: `/v1/tenants/${owner.tenantId}/ip-allowlist`,
        headers: owner.auth,
        remoteAddress: ip,
      });
    // B remembers "no list" for the tenant.
    expect((await get(b, '10.1.0.1')).statusCode).toBe(200);
    const set = await a.app.inject({
      method: 'PUT',
      url: `/v1/tenants/${owner.tenantId}/ip-allowlist`,
      headers: owner.auth,
      remoteAddress: '10.2.0.1',
      payload: { entries: ['10.2.0.0/16'] },
    });
    expect(set.statusCode, set.body).toBe(200);
    // Pub/sub delivery is asynchronous: ask until B refuses (bounded; it normally takes milliseconds).
    let status = 0;
    for (let i = 0; i < 50 && status !== 403; i++) {
      status = (await get(b, '10.1.0.1')).statusCode;
      if (status !== 403) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(403);
    expect((await get(b, '10.2.3.4')).statusCode).toBe(200);
    expect(owner2.tenantId).not.toBe(owner.tenantId);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server of this test's own (never the shared one), started in the foreground so we hold its PID. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  client.on('error', () => {});
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if (client.status !== 'ready') await client.connect();
        await client.ping();
        return child;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server on port ${port} did not start`);
  } finally {
    client.disconnect();
  }
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

describe('Redis going away and coming back', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: ChildProcess;
  let port: number;
  let open: TestApp;
  let closed: TestApp;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    database = await createTestDatabase('ratelimit_down');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_KEY_PREFIX: 'nexus-down-test:',
      READINESS_TIMEOUT_MS: '500',
      RATE_LIMIT_CIRCUIT_MS: '100',
    };
    open = await createTestApp({ env });
    closed = await createTestApp({ env: { ...env, RATE_LIMIT_FAIL_MODE: 'closed' } });
  });

  afterAll(async () => {
    await closed?.close();
    await open?.close();
    await database?.drop();
    if (redis) await stopRedis(redis);
  });

  const models = (t: TestApp) => t.app.inject({ method: 'GET', url: '/v1/models' });
  const readyz = (t: TestApp) => t.app.inject({ method: 'GET', url: '/readyz' });

  it('reports Redis in /readyz, fails open or closed as configured, and recovers', async () => {
    // Healthy: ready, and limited requests carry headers.
    expect((await readyz(open)).statusCode).toBe(200);
    const before = await models(open);
    expect(before.statusCode).toBe(401);
    expect(before.headers['x-ratelimit-limit']).toBeDefined();
    const user = await registerUser(open.app);
    const revokedUser = await registerUser(open.app);
    const loggedOut = await registerUser(open.app);
    const signedIn = (path: string, auth: Record<string, string> = user.auth) =>
      open.app.inject({ method: 'GET', url: path, headers: auth });
    expect((await signedIn('/v1/me')).statusCode).toBe(200);
    const key = await open.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.auth,
      payload: { name: 'outage', scopes: ['chat:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);

    await stopRedis(redis);

    const down = await readyz(open);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'unavailable',
      failing: ['cache'],
      checks: { cache: { status: 'error' } },
    });
    // Fail open: the request goes on (here to its 401) without rate-limit headers, and without waiting.
    for (let i = 0; i < 3; i++) {
      const response = await models(open);
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json().error.code).toBe('authentication_required');
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
    // Fail closed: 503 rate_limit_unavailable, in OpenAI's shape on the OpenAI-compatible route.
    const refused = await models(closed);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toMatchObject({
      code: 'rate_limit_unavailable',
      type: 'service_unavailable_error',
    });
    expect(refused.headers['retry-after']).toBeDefined();
    // A probe is never rate limited: it answers (503) in either mode.
    expect((await readyz(closed)).statusCode).toBe(503);
    // Signed-in users keep working where it is safe: access tokens are checked against the sessions
    // table while the revocation cache is away — a session revoked in the database is still refused.
    expect((await signedIn('/v1/me')).statusCode).toBe(200);
    expect((await signedIn('/v1/conversations')).statusCode).toBe(200);
    // API keys too: checked in the database while their cache is away.
    const byKey = await signedIn('/v1/conversations', { 'x-api-key': key.json().secret });
    expect(byKey.statusCode, byKey.body).toBe(200);
    await open.container.database.db
      .updateTable('sessions')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', revokedUser.sessionId)
      .execute();
    const revoked = await signedIn('/v1/me', revokedUser.auth);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('session_revoked');
    // Quotas fail closed: an LLM call is refused with 503 naming the cache, the model is never called.
    const chat = await open.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: user.auth,
      payload: { model: 'local', messages: [{ role: 'user', content: 'Hi' }] },
    });
    expect(chat.statusCode, chat.body).toBe(503);
    // Revocations work during the outage: written to the database (every instance checks it now), and
    // to the Redis block list / key cache once Redis is back.
    const logout = await open.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: loggedOut.auth });
    expect(logout.statusCode, logout.body).toBe(204);
    expect((await signedIn('/v1/me', loggedOut.auth)).statusCode).toBe(401);
    const revokeKey = await open.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${key.json().id}`,
      headers: user.auth,
    });
    expect(revokeKey.statusCode, revokeKey.body).toBeLessThan(300);
    expect((await signedIn('/v1/conversations', { 'x-api-key': key.json().secret })).statusCode).toBe(401);

    redis = await startRedis(port);

    // ioredis reconnects by itself (backing off up to 2 s): wait for readiness, bounded.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await readyz(open)).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    // The writes kept during the outage reach Redis (retried every second) …
    const waiting = () => open.container.services.auth.cacheWritesWaiting;
    for (let i = 0; i < 50 && waiting() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(waiting()).toBe(0);
    // … so the revoked session and key stay refused now that Redis answers again.
    const afterLogout = await signedIn('/v1/me', loggedOut.auth);
    expect(afterLogout.statusCode).toBe(401);
    expect(afterLogout.json().error.code).toBe('session_revoked');
    expect((await signedIn('/v1/conversations', { 'x-api-key': key.json().secret })).statusCode).toBe(401);
    expect((await signedIn('/v1/me')).statusCode).toBe(200);
    let limited = await models(closed);
    for (let i = 0; i < 50 && limited.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      limited = await models(closed);
    }
    expect(limited.statusCode).toBe(401);
    expect(limited.headers['x-ratelimit-limit']).toBeDefined();
    // Past the circuit's 100 ms, the open-mode app asks Redis again and reports the bucket.
    await new Promise((r) => setTimeout(r, 150));
    expect((await models(open)).headers['x-ratelimit-limit']).toBeDefined();
  });
});

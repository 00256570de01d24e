import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Identity across instances: two apps share one PostgreSQL database and one Redis. What one instance
 * revokes, the other refuses on the very next request; races between them resolve to one winner.
 */
describe('identity across two instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let one: TestApp;
  let two: TestApp;
  const prefix = `${uniqueName('instances')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('instances');
    const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    one = await createTestApp({ env });
    two = await createTestApp({ env });
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  const me = (t: TestApp, headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/v1/me', headers });

  it('a session revoked on one instance is refused on the other at once', async () => {
    const s = await registerUser(one.app);
    expect((await me(two, s.auth)).statusCode).toBe(200);
    const logout = await one.app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: s.auth });
    expect(logout.statusCode).toBeLessThan(300);
    const after = await me(two, s.auth);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('session_revoked');
  });

  it('an API key revoked on one instance is refused on the other at once', async () => {
    const s = await registerUser(one.app);
    const created = await one.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: s.auth,
      payload: { name: 'shared', scopes: ['api_keys:read'] },
    });
    const key = { 'x-api-key': created.json().secret };
    // Both instances have now seen (and cached) the key.
    expect((await one.app.inject({ method: 'GET', url: '/v1/api-keys', headers: key })).statusCode).toBe(200);
    expect((await two.app.inject({ method: 'GET', url: '/v1/api-keys', headers: key })).statusCode).toBe(200);
    await one.app.inject({ method: 'DELETE', url: `/v1/api-keys/${created.json().id}`, headers: s.auth });
    const after = await two.app.inject({ method: 'GET', url: '/v1/api-keys', headers: key });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('invalid_api_key');
  });

  it('a refresh token reused on the other instance revokes the whole family', async () => {
    const s = await registerUser(one.app);
    const first = await one.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: s.refresh },
    });
    expect(first.statusCode).toBe(200);
    const reuse = await two.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: s.refresh },
    });
    expect(reuse.statusCode).toBe(401);
    // The rotated token and its access token died with the family, on both instances.
    const rotated = await one.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: first.json().refresh_token },
    });
    expect(rotated.statusCode).toBe(401);
    expect((await me(one, { authorization: `Bearer ${first.json().access_token}` })).statusCode).toBe(401);
  });

  it('a disabled user is locked out on both instances, API keys included', async () => {
    const adminEmail = `${uniqueName('admin')}@example.com`;
    await one.container.services.adminBootstrap.ensureAdmin(adminEmail, 'admin password long');
    const admin = await one.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: adminEmail, password: 'admin password long' },
    });
    const s = await registerUser(one.app);
    const created = await two.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: s.auth,
      payload: { name: 'k', scopes: ['api_keys:read'] },
    });
    const key = { 'x-api-key': created.json().secret };
    expect((await two.app.inject({ method: 'GET', url: '/v1/api-keys', headers: key })).statusCode).toBe(200);
    const disabled = await one.app.inject({
      method: 'POST',
      url: `/v1/admin/users/${s.userId}/disable`,
      headers: { authorization: `Bearer ${admin.json().access_token}` },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect((await me(two, s.auth)).statusCode).toBe(401);
    expect((await two.app.inject({ method: 'GET', url: '/v1/api-keys', headers: key })).statusCode).toBe(401);
  });

  it('a demotion on one instance reaches the permissions the other remembered, within a second', async () => {
    const owner = await registerUser(one.app);
    const invite = await one.app.inject({
      method: 'POST',
      url: `/v1/tenants/${owner.tenantId}/invites`,
      headers: owner.auth,
      payload: { role: 'admin' },
    });
    const member = await registerUser(two.app);
    await two.app.inject({
      method: 'POST',
      url: '/v1/invites/accept',
      headers: member.auth,
      payload: { token: invite.json().token },
    });
    const asMember = { ...member.auth, 'x-nexus-tenant': owner.tenantId };
    const audit = () => two.app.inject({ method: 'GET', url: '/v1/audit-events?limit=1', headers: asMember });
    // Instance two now remembers the admin's permissions (audit:read among them).
    expect((await audit()).statusCode).toBe(200);
    const demoted = await one.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${owner.tenantId}/members/${member.userId}`,
      headers: owner.auth,
      payload: { role: 'viewer' },
    });
    expect(demoted.statusCode, demoted.body).toBe(204);
    // Pub/sub reaches instance two well inside its 5 s memo: poll up to one second.
    const deadline = Date.now() + 1000;
    let status = (await audit()).statusCode;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await audit()).statusCode;
    }
    expect(status).toBe(403);
  });

  it('two owners demoting each other at the same moment leave exactly one owner', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const a = await registerUser(one.app);
      const b = await registerUser(one.app);
      await makeOwner(a, b);
      const [ab, ba] = await Promise.all([
        one.app.inject({
          method: 'PATCH',
          url: `/v1/tenants/${a.tenantId}/members/${b.userId}`,
          headers: a.auth,
          payload: { role: 'member' },
        }),
        two.app.inject({
          method: 'PATCH',
          url: `/v1/tenants/${a.tenantId}/members/${a.userId}`,
          headers: b.auth,
          payload: { role: 'member' },
        }),
      ]);
      const statuses = [ab.statusCode, ba.statusCode].sort();
      // Either one wins and the other is told it would leave no owner (409), or the loser has already
      // lost the owner role when its check runs (403): never both 204.
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      const members = await one.app.inject({
        method: 'GET',
        url: `/v1/tenants/${a.tenantId}/members`,
        headers: ab.statusCode === 204 ? a.auth : b.auth,
      });
      const owners = members.json().data.filter((m: { role: string }) => m.role === 'owner');
      expect(owners).toHaveLength(1);
    }
  });

  it('one invite accepted by two users at the same moment admits exactly one', async () => {
    const owner = await registerUser(one.app);
    const invite = await one.app.inject({
      method: 'POST',
      url: `/v1/tenants/${owner.tenantId}/invites`,
      headers: owner.auth,
      payload: { role: 'member' },
    });
    const [x, y] = [await registerUser(one.app), await registerUser(two.app)];
    const results = await Promise.all([
      one.app.inject({
        method: 'POST',
        url: '/v1/invites/accept',
        headers: x.auth,
        payload: { token: invite.json().token },
      }),
      two.app.inject({
        method: 'POST',
        url: '/v1/invites/accept',
        headers: y.auth,
        payload: { token: invite.json().token },
      }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 404]);
    const members = await one.app.inject({
      method: 'GET',
      url: `/v1/tenants/${owner.tenantId}/members`,
      headers: owner.auth,
    });
    expect(members.json().data).toHaveLength(2);
  });

  /** Makes b a second owner of a's personal tenant through an owner invite. */
  async function makeOwner(a: Session, b: Session): Promise<void> {
    const invite = await one.app.inject({
      method: 'POST',
      url: `/v1/tenants/${a.tenantId}/invites`,
      headers: a.auth,
      payload: { role: 'owner' },
    });
    expect(invite.statusCode, invite.body).toBe(201);
    const accepted = await two.app.inject({
      method: 'POST',
      url: '/v1/invites/accept',
      headers: b.auth,
      payload: { token: invite.json().token },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
  }
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session, uniqueEmail } from '../support/identity.js';

/**
 * Tenants, members, invites, platform administration and the audit log, through the real app on its own
 * in-memory PGlite. One app for the whole file (opening PGlite costs seconds); every test makes its own
 * users and tenants so tests do not depend on each other.
 */

const ADMIN_EMAIL = 'root.admin@nexus.test';
const ADMIN_PASSWORD = 'platform admin password 42';
const UA = 'nexus-tenants-test/1.0';
const IP = '203.0.113.7';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Auth = Session | { auth: { authorization: string } } | null;
interface Options {
  payload?: object;
  tenant?: string;
  headers?: Record<string, string>;
}

interface EventView {
  id: string;
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: 'success' | 'failure';
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

let t: TestApp;
let admin: Session;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      NEXUS_ADMIN_EMAIL: ADMIN_EMAIL,
      NEXUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // A few tests fail logins on purpose; the per-IP throttle must not get in the way of the others.
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    },
  });
  // createTestApp does not run start-up; do what startServer does with the configured admin.
  const { config } = t.container;
  const boot = await t.container.services.adminBootstrap.ensureAdmin(
    config.NEXUS_ADMIN_EMAIL,
    config.NEXUS_ADMIN_PASSWORD,
  );
  expect(boot).toMatchObject({ created: true, email: ADMIN_EMAIL });
  expect(boot).not.toHaveProperty('generatedPassword');
  admin = toSession((await login(t.app, ADMIN_EMAIL, ADMIN_PASSWORD)).json());
});
afterAll(() => t?.close());

function toSession(body: Record<string, string>): Session {
  return {
    access: body.access_token!,
    refresh: body.refresh_token!,
    userId: body.user_id!,
    tenantId: body.tenant_id ?? '',
    sessionId: body.session_id!,
    auth: { authorization: `Bearer ${body.access_token}` },
  };
}

function call(method: Method, url: string, who: Auth, options: Options = {}) {
  return t.app.inject({
    method,
    url,
    remoteAddress: IP,
    headers: {
      'user-agent': UA,
      ...(who ? who.auth : {}),
      ...(options.tenant ? { 'x-nexus-tenant': options.tenant } : {}),
      ...options.headers,
    },
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
}

const code = (response: { json: () => { error?: { code?: string } } }) => response.json().error?.code;
const stripRequestId = (body: { error: Record<string, unknown> }) => ({ ...body.error, request_id: null });

async function createTenant(owner: Session, name = 'Team') {
  const response = await call('POST', '/v1/tenants', owner, { payload: { name } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; name: string; slug: string; status: string; created_at: string };
}

async function invite(owner: Session, tenantId: string, role: string, email?: string) {
  const response = await call('POST', `/v1/tenants/${tenantId}/invites`, owner, {
    payload: { role, ...(email ? { email } : {}) },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as {
    id: string;
    token: string;
    role: string;
    email: string | null;
    status: string;
    created_at: string;
    expires_at: string;
  };
}

const accept = (who: Session, token: string) =>
  call('POST', '/v1/invites/accept', who, { payload: { token } });

/** A user who joins `tenantId` with `role` through an invite from `owner`. */
async function join(owner: Session, tenantId: string, role: string, label = role): Promise<Session> {
  const user = await registerUser(t.app, uniqueEmail(label));
  const { token } = await invite(owner, tenantId, role);
  const response = await accept(user, token);
  expect(response.statusCode, response.body).toBe(200);
  return user;
}

/** An owner with a fresh tenant and one member per requested role. */
async function team(roles: string[] = []) {
  const owner = await registerUser(t.app, uniqueEmail('owner'));
  const tenant = await createTenant(owner, 'Team');
  const members: Session[] = [];
  for (const role of roles) members.push(await join(owner, tenant.id, role));
  return { owner, tenantId: tenant.id, members };
}

async function members(who: Session, tenantId: string) {
  const response = await call('GET', `/v1/tenants/${tenantId}/members`, who);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as { user_id: string; email: string; role: string; joined_at: string }[];
}

const roleIn = async (owner: Session, tenantId: string, userId: string) =>
  (await members(owner, tenantId)).find((m) => m.user_id === userId)?.role;

async function invites(owner: Session, tenantId: string) {
  const response = await call('GET', `/v1/tenants/${tenantId}/invites`, owner);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as { id: string; status: string; role: string; email: string | null }[];
}

async function myTenants(who: Session) {
  const response = await call('GET', '/v1/tenants', who);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as { id: string; name: string; role: string; status: string }[];
}

async function auditPage(who: Session, query: string, tenant?: string, path = '/v1/audit-events') {
  const response = await call('GET', `${path}${query ? `?${query}` : ''}`, who, tenant ? { tenant } : {});
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { data: EventView[]; next_cursor: string | null };
}

/** Follows next_cursor to the end with a small page size; returns every item and the page sizes seen. */
async function walk<T extends { id: string }>(
  fetchPage: (cursor: string | null) => Promise<{ data: T[]; next_cursor: string | null }>,
) {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await fetchPage(cursor);
    items.push(...page.data);
    sizes.push(page.data.length);
    if (!page.next_cursor) return { items, sizes };
    expect(page.next_cursor).toBe(page.data.at(-1)?.id);
    cursor = page.next_cursor;
  }
  throw new Error('pagination did not end');
}

describe('tenants', () => {
  it('creates tenants owned by the caller and lists personal and created ones with roles', async () => {
    const ada = await registerUser(t.app, uniqueEmail('ada'));
    const acme = await createTenant(ada, 'Acme Research & Co');
    expect(acme).toMatchObject({ name: 'Acme Research & Co', status: 'active' });
    expect(acme.id).toMatch(/^ten_[0-9a-z]{26}$/);
    expect(acme.slug).toMatch(/^acme-research-co-[0-9a-z]{8}$/);
    const labs = await createTenant(ada, 'Labs');

    const bob = await registerUser(t.app, uniqueEmail('bob'));
    const { token } = await invite(ada, acme.id, 'viewer');
    expect((await accept(bob, token)).statusCode).toBe(200);

    const list = await call('GET', '/v1/tenants', ada);
    expect(list.json().next_cursor).toBeNull();
    expect(list.json().data.map((x: { id: string; role: string }) => [x.id, x.role])).toEqual([
      [ada.tenantId, 'owner'],
      [acme.id, 'owner'],
      [labs.id, 'owner'],
    ]);
    expect((await myTenants(bob)).map((x) => [x.id, x.role])).toEqual([
      [bob.tenantId, 'owner'],
      [acme.id, 'viewer'],
    ]);
    const one = await call('GET', `/v1/tenants/${acme.id}`, bob);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(acme);
  });

  it('acts in the tenant named by X-Nexus-Tenant, else in the personal one', async () => {
    const {
      owner,
      tenantId,
      members: [viewer],
    } = await team(['viewer']);
    const perms = (who: Session, tenant?: string) =>
      call('GET', '/v1/me/permissions', who, tenant ? { tenant } : {});

    const personal = (await perms(viewer!)).json();
    expect(personal).toMatchObject({ tenant_id: viewer!.tenantId, role: 'owner' });
    expect(personal.permissions).toContain('tenant:update');
    const switched = (await perms(viewer!, tenantId)).json();
    expect(switched).toMatchObject({ tenant_id: tenantId, role: 'viewer' });
    expect(switched.permissions).toContain('tenant:read');
    expect(switched.permissions).not.toContain('tenant:update');

    // The audit log follows the header too: the team's log has its creation, the personal one does not.
    const teamLog = await auditPage(owner, 'action=tenant.create', tenantId);
    expect(teamLog.data.map((e) => e.target_id)).toEqual([tenantId]);
    const personalLog = await auditPage(owner, 'action=tenant.create');
    expect(personalLog.data).toEqual([]);
    expect((await auditPage(owner, 'action=auth.register')).data.map((e) => e.tenant_id)).toEqual([
      owner.tenantId,
    ]);

    // A tenant the caller is not in answers 404; a malformed header 400.
    const stranger = await registerUser(t.app, uniqueEmail('stranger'));
    const foreign = await perms(stranger, tenantId);
    expect(foreign.statusCode).toBe(404);
    expect(code(foreign)).toBe('not_found');
    const malformed = await perms(stranger, 'ten_nope');
    expect(malformed.statusCode).toBe(400);
    expect(code(malformed)).toBe('invalid_id');
  });

  it('lets owners and admins rename a tenant', async () => {
    const {
      owner,
      tenantId,
      members: [tenantAdmin],
    } = await team(['admin']);
    const renamed = await call('PATCH', `/v1/tenants/${tenantId}`, owner, {
      payload: { name: '  Renamed  ' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id: tenantId, name: 'Renamed' });
    expect(
      (await call('PATCH', `/v1/tenants/${tenantId}`, tenantAdmin!, { payload: { name: 'By admin' } }))
        .statusCode,
    ).toBe(200);
    expect((await call('GET', `/v1/tenants/${tenantId}`, owner)).json().name).toBe('By admin');
  });

  it.each(['viewer', 'member'])('refuses a rename by a %s with 403 permission_denied', async (role) => {
    const {
      owner,
      tenantId,
      members: [user],
    } = await team([role]);
    const response = await call('PATCH', `/v1/tenants/${tenantId}`, user!, { payload: { name: 'Mine now' } });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({
      code: 'permission_denied',
      details: { permission: 'tenant:update' },
    });
    expect((await call('GET', `/v1/tenants/${tenantId}`, owner)).json().name).toBe('Team');
  });

  it('answers 404 to a non-member reading or renaming a tenant', async () => {
    const { tenantId } = await team();
    const stranger = await registerUser(t.app, uniqueEmail('stranger'));
    for (const response of [
      await call('GET', `/v1/tenants/${tenantId}`, stranger),
      await call('PATCH', `/v1/tenants/${tenantId}`, stranger, { payload: { name: 'x' } }),
      await call('GET', `/v1/tenants/${tenantId}/members`, stranger),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(code(response)).toBe('not_found');
    }
  });

  it('needs a login to list or create tenants', async () => {
    for (const response of [
      await call('GET', '/v1/tenants', null),
      await call('POST', '/v1/tenants', null, { payload: { name: 'x' } }),
    ]) {
      expect(response.statusCode).toBe(401);
      expect(code(response)).toBe('authentication_required');
    }
  });

  it.each([
    ['no name', {}],
    ['empty name', { name: '' }],
    ['blank name', { name: '    ' }],
    ['name too long', { name: 'x'.repeat(101) }],
    ['name not a string', { name: 42 }],
    ['unknown field', { name: 'ok', slug: 'mine' }],
  ])(
    'refuses to create or rename a tenant with a bad body (%s): 400 validation_failed',
    async (_label, payload) => {
      const owner = await registerUser(t.app, uniqueEmail('badbody'));
      const created = await call('POST', '/v1/tenants', owner, { payload });
      expect(created.statusCode).toBe(400);
      expect(code(created)).toBe('validation_failed');
      const renamed = await call('PATCH', `/v1/tenants/${owner.tenantId}`, owner, { payload });
      expect(renamed.statusCode).toBe(400);
      expect(code(renamed)).toBe('validation_failed');
      expect(await myTenants(owner)).toHaveLength(1);
    },
  );
});

describe('invites', () => {
  it('shows the token once, and accepting it makes the user a member with that role', async () => {
    const { owner, tenantId } = await team();
    const before = Date.now();
    const created = await invite(owner, tenantId, 'member');
    const after = Date.now();
    expect(created).toMatchObject({ role: 'member', email: null, status: 'pending' });
    expect(created.id).toMatch(/^inv_/);
    expect(created.token).toMatch(/^nxi_/);
    // INVITE_TTL_S defaults to 7 days, counted from the moment the invite is made.
    const expires = new Date(created.expires_at).getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 604_800_000);
    expect(expires).toBeLessThanOrEqual(after + 604_800_000);

    const listed = await call('GET', `/v1/tenants/${tenantId}/invites`, owner);
    expect(listed.body).not.toContain(created.token);
    expect(listed.json().data).toEqual([
      {
        id: created.id,
        role: 'member',
        email: null,
        status: 'pending',
        created_at: created.created_at,
        expires_at: created.expires_at,
      },
    ]);
    // Only a hash is stored.
    const row = await t.container.database.db
      .selectFrom('invites')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(created.token);

    const bob = await registerUser(t.app, uniqueEmail('bob'));
    const accepted = await accept(bob, created.token);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ tenant: { id: tenantId, name: 'Team' }, role: 'member' });
    expect(await roleIn(owner, tenantId, bob.userId)).toBe('member');
    expect((await invites(owner, tenantId))[0]).toMatchObject({ id: created.id, status: 'accepted' });
    expect((await call('GET', `/v1/tenants/${tenantId}`, bob)).statusCode).toBe(200);
  });

  it('works once: a second use answers 404 invalid_invite and adds no membership', async () => {
    const { owner, tenantId } = await team();
    const { token } = await invite(owner, tenantId, 'admin');
    const first = await registerUser(t.app, uniqueEmail('first'));
    const second = await registerUser(t.app, uniqueEmail('second'));
    expect((await accept(first, token)).statusCode).toBe(200);

    const again = await accept(second, token);
    expect(again.statusCode).toBe(404);
    expect(code(again)).toBe('invalid_invite');
    const twiceBySame = await accept(first, token);
    expect(code(twiceBySame)).toBe('invalid_invite');

    expect((await members(owner, tenantId)).map((m) => m.user_id).sort()).toEqual(
      [owner.userId, first.userId].sort(),
    );
    expect((await call('GET', `/v1/tenants/${tenantId}`, second)).statusCode).toBe(404);
  });

  it('answers an unknown or tampered token exactly like a used one', async () => {
    const { owner, tenantId } = await team();
    const { token } = await invite(owner, tenantId, 'member');
    const user = await registerUser(t.app, uniqueEmail('used'));
    await accept(user, token);
    const used = await accept(user, token);
    const other = await registerUser(t.app, uniqueEmail('tamper'));
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    for (const candidate of [
      `${token.slice(0, -1)}${last}`,
      `${token}x`,
      token.toUpperCase(),
      'nxi_unknown',
      'not-a-token',
    ]) {
      const response = await accept(other, candidate);
      expect(response.statusCode, candidate).toBe(404);
      expect(stripRequestId(response.json())).toEqual(stripRequestId(used.json()));
    }
    expect((await call('GET', `/v1/tenants/${tenantId}`, other)).statusCode).toBe(404);
  });

  it('refuses a revoked invite', async () => {
    const { owner, tenantId } = await team();
    const created = await invite(owner, tenantId, 'member');
    const revoked = await call('DELETE', `/v1/tenants/${tenantId}/invites/${created.id}`, owner);
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');
    expect((await invites(owner, tenantId))[0]).toMatchObject({ id: created.id, status: 'revoked' });

    const user = await registerUser(t.app, uniqueEmail('late'));
    const response = await accept(user, created.token);
    expect(response.statusCode).toBe(404);
    expect(code(response)).toBe('invalid_invite');
    expect((await call('GET', `/v1/tenants/${tenantId}`, user)).statusCode).toBe(404);

    const twice = await call('DELETE', `/v1/tenants/${tenantId}/invites/${created.id}`, owner);
    expect(twice.statusCode).toBe(404);
    expect(code(twice)).toBe('not_found');
  });

  it('refuses an expired invite', async () => {
    const { owner, tenantId } = await team();
    const created = await invite(owner, tenantId, 'member');
    await t.container.database.db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', created.id)
      .execute();
    expect((await invites(owner, tenantId))[0]).toMatchObject({ id: created.id, status: 'expired' });

    const user = await registerUser(t.app, uniqueEmail('expired'));
    const response = await accept(user, created.token);
    expect(response.statusCode).toBe(404);
    expect(code(response)).toBe('invalid_invite');
    expect((await call('GET', `/v1/tenants/${tenantId}`, user)).statusCode).toBe(404);
  });

  it('binds an invite with an email to that address', async () => {
    const { owner, tenantId } = await team();
    const intendedEmail = uniqueEmail('intended');
    const created = await invite(owner, tenantId, 'member', intendedEmail.toUpperCase());
    expect(created.email).toBe(intendedEmail.toLowerCase());

    const someoneElse = await registerUser(t.app, uniqueEmail('someone'));
    const refused = await accept(someoneElse, created.token);
    expect(refused.statusCode).toBe(404);
    expect(code(refused)).toBe('invalid_invite');
    expect((await call('GET', `/v1/tenants/${tenantId}`, someoneElse)).statusCode).toBe(404);
    // The refusal did not use the invite up: the person it was meant for can still join.
    expect((await invites(owner, tenantId))[0]?.status).toBe('pending');

    const intended = await registerUser(t.app, intendedEmail);
    const joined = await accept(intended, created.token);
    expect(joined.statusCode).toBe(200);
    expect(await roleIn(owner, tenantId, intended.userId)).toBe('member');
  });

  it('answers 409 conflict to someone already a member, without using the invite up', async () => {
    const {
      owner,
      tenantId,
      members: [viewer],
    } = await team(['viewer']);
    const created = await invite(owner, tenantId, 'admin');
    for (const who of [viewer!, owner]) {
      const response = await accept(who, created.token);
      expect(response.statusCode).toBe(409);
      expect(code(response)).toBe('conflict');
    }
    expect(await roleIn(owner, tenantId, viewer!.userId)).toBe('viewer');
    expect((await invites(owner, tenantId)).find((i) => i.id === created.id)?.status).toBe('pending');
    const newcomer = await registerUser(t.app, uniqueEmail('newcomer'));
    expect((await accept(newcomer, created.token)).statusCode).toBe(200);
  });

  it('lists every invite with its status: pending, accepted, revoked, expired', async () => {
    const { owner, tenantId } = await team();
    const pending = await invite(owner, tenantId, 'member');
    const accepted = await invite(owner, tenantId, 'viewer');
    const revoked = await invite(owner, tenantId, 'member');
    const expired = await invite(owner, tenantId, 'member');
    await accept(await registerUser(t.app, uniqueEmail('acc')), accepted.token);
    await call('DELETE', `/v1/tenants/${tenantId}/invites/${revoked.id}`, owner);
    await t.container.database.db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    expect(Object.fromEntries((await invites(owner, tenantId)).map((i) => [i.id, i.status]))).toEqual({
      [pending.id]: 'pending',
      [accepted.id]: 'accepted',
      [revoked.id]: 'revoked',
      [expired.id]: 'expired',
    });
  });

  it('lets only members:invite holders invite, and nobody above their own rank', async () => {
    const {
      owner,
      tenantId,
      members: [tenantAdmin, member, viewer],
    } = await team(['admin', 'member', 'viewer']);
    for (const who of [member!, viewer!]) {
      const response = await call('POST', `/v1/tenants/${tenantId}/invites`, who, {
        payload: { role: 'viewer' },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({
        code: 'permission_denied',
        details: { permission: 'members:invite' },
      });
      expect((await call('GET', `/v1/tenants/${tenantId}/invites`, who)).statusCode).toBe(403);
    }
    const adminInvitesOwner = await call('POST', `/v1/tenants/${tenantId}/invites`, tenantAdmin!, {
      payload: { role: 'owner' },
    });
    expect(adminInvitesOwner.statusCode).toBe(403);
    expect(code(adminInvitesOwner)).toBe('permission_denied');
    expect((await invite(tenantAdmin!, tenantId, 'admin')).role).toBe('admin');
    expect((await invite(owner, tenantId, 'owner')).role).toBe('owner');
    // Only what was allowed was created.
    expect((await invites(owner, tenantId)).map((i) => i.role).sort()).toEqual(
      ['admin', 'member', 'owner', 'viewer', 'admin'].sort(),
    );
  });

  it('does not let a custom role with members:invite/update hand out admin', async () => {
    const { owner, tenantId } = await team();
    const member = (await call('GET', '/v1/roles', owner, { tenant: tenantId }))
      .json()
      .data.find((r: { name: string }) => r.name === 'member').permissions as string[];
    const role = await call('POST', '/v1/roles', owner, {
      tenant: tenantId,
      payload: { name: 'recruiter', permissions: [...member, 'members:invite', 'members:update'] },
    });
    expect(role.statusCode, role.body).toBe(201);
    const recruiter = await join(owner, tenantId, 'recruiter');
    expect((await invite(recruiter, tenantId, 'member')).role).toBe('member');

    const asAdmin = await call('POST', `/v1/tenants/${tenantId}/invites`, recruiter, {
      payload: { role: 'admin' },
    });
    expect(asAdmin.statusCode).toBe(403);
    expect(code(asAdmin)).toBe('permission_denied');
    const selfPromotion = await call(
      'PATCH',
      `/v1/tenants/${tenantId}/members/${recruiter.userId}`,
      recruiter,
      {
        payload: { role: 'admin' },
      },
    );
    expect(selfPromotion.statusCode).toBe(403);
    expect(code(selfPromotion)).toBe('permission_denied');
    expect(await roleIn(owner, tenantId, recruiter.userId)).toBe('recruiter');
  });

  it('refuses an invite for a role that does not exist in the tenant', async () => {
    const { owner, tenantId } = await team();
    const response = await call('POST', `/v1/tenants/${tenantId}/invites`, owner, {
      payload: { role: 'wizard' },
    });
    expect(response.statusCode).toBe(400);
    expect(code(response)).toBe('validation_failed');
    expect(await invites(owner, tenantId)).toEqual([]);
  });

  it.each([
    ['no role', {}],
    ['empty role', { role: '' }],
    ['upper-case role', { role: 'Admin' }],
    ['role with spaces', { role: 'a b' }],
    ['role not a string', { role: 7 }],
    ['bad email', { role: 'member', email: 'not-an-email' }],
    ['email too long', { role: 'member', email: `${'x'.repeat(320)}@example.com` }],
    ['unknown field', { role: 'member', tenant_id: 'ten_x' }],
  ])('refuses an invite with a bad body (%s): 400 validation_failed', async (_label, payload) => {
    const { owner, tenantId } = await team();
    const response = await call('POST', `/v1/tenants/${tenantId}/invites`, owner, { payload });
    expect(response.statusCode).toBe(400);
    expect(code(response)).toBe('validation_failed');
    expect(await invites(owner, tenantId)).toEqual([]);
  });

  it.each([
    ['no token', {}],
    ['empty token', { token: '' }],
    ['token too long', { token: `nxi_${'x'.repeat(600)}` }],
    ['token not a string', { token: 12345 }],
    ['unknown field', { token: 'nxi_x', role: 'owner' }],
  ])('refuses to accept with a bad body (%s): 400 validation_failed', async (_label, payload) => {
    const user = await registerUser(t.app, uniqueEmail('badaccept'));
    const response = await call('POST', '/v1/invites/accept', user, { payload });
    expect(response.statusCode).toBe(400);
    expect(code(response)).toBe('validation_failed');
  });
});

describe('members', () => {
  it('lists members with email, name, role and join time, oldest first', async () => {
    const {
      owner,
      tenantId,
      members: [a, b],
    } = await team(['member', 'viewer']);
    const list = await call('GET', `/v1/tenants/${tenantId}/members`, b!);
    expect(list.statusCode).toBe(200);
    expect(list.json().next_cursor).toBeNull();
    const rows = list.json().data as {
      user_id: string;
      email: string;
      role: string;
      joined_at: string;
      display_name: string;
    }[];
    expect(rows.map((m) => [m.user_id, m.role])).toEqual([
      [owner.userId, 'owner'],
      [a!.userId, 'member'],
      [b!.userId, 'viewer'],
    ]);
    for (const m of rows) {
      expect(m.email).toMatch(/@example\.com$/);
      expect(m.display_name).toBe(m.email.split('@')[0]);
      expect(Number.isNaN(Date.parse(m.joined_at))).toBe(false);
    }
  });

  it('lets the owner change a role, which takes effect at once', async () => {
    const {
      owner,
      tenantId,
      members: [user],
    } = await team(['member']);
    const response = await call('PATCH', `/v1/tenants/${tenantId}/members/${user!.userId}`, owner, {
      payload: { role: 'admin' },
    });
    expect(response.statusCode).toBe(204);
    expect(await roleIn(owner, tenantId, user!.userId)).toBe('admin');
    const perms = (await call('GET', '/v1/me/permissions', user!, { tenant: tenantId })).json();
    expect(perms).toMatchObject({ role: 'admin' });
    expect(perms.permissions).toContain('audit:read');
    // The promoted admin can now rename, which a member could not.
    expect(
      (await call('PATCH', `/v1/tenants/${tenantId}`, user!, { payload: { name: 'Promoted' } })).statusCode,
    ).toBe(200);
  });

  it('refuses role changes without members:update, to unknown roles, and for non-members', async () => {
    const {
      owner,
      tenantId,
      members: [member, viewer],
    } = await team(['member', 'viewer']);
    const byMember = await call('PATCH', `/v1/tenants/${tenantId}/members/${viewer!.userId}`, member!, {
      payload: { role: 'member' },
    });
    expect(byMember.statusCode).toBe(403);
    expect(byMember.json().error).toMatchObject({
      code: 'permission_denied',
      details: { permission: 'members:update' },
    });

    const unknownRole = await call('PATCH', `/v1/tenants/${tenantId}/members/${viewer!.userId}`, owner, {
      payload: { role: 'wizard' },
    });
    expect(unknownRole.statusCode).toBe(400);
    expect(code(unknownRole)).toBe('validation_failed');

    const stranger = await registerUser(t.app, uniqueEmail('notmember'));
    const notMember = await call('PATCH', `/v1/tenants/${tenantId}/members/${stranger.userId}`, owner, {
      payload: { role: 'member' },
    });
    expect(notMember.statusCode).toBe(404);
    expect(code(notMember)).toBe('not_found');

    const badId = await call('PATCH', `/v1/tenants/${tenantId}/members/nobody`, owner, {
      payload: { role: 'member' },
    });
    expect(badId.statusCode).toBe(400);
    expect(code(badId)).toBe('invalid_id');
    expect(await roleIn(owner, tenantId, viewer!.userId)).toBe('viewer');
  });

  it('removes a member, who loses access at once', async () => {
    const {
      owner,
      tenantId,
      members: [member, viewer],
    } = await team(['member', 'viewer']);
    expect((await call('GET', `/v1/tenants/${tenantId}`, member!)).statusCode).toBe(200);

    const byViewer = await call('DELETE', `/v1/tenants/${tenantId}/members/${member!.userId}`, viewer!);
    expect(byViewer.statusCode).toBe(403);
    expect(code(byViewer)).toBe('permission_denied');

    const removed = await call('DELETE', `/v1/tenants/${tenantId}/members/${member!.userId}`, owner);
    expect(removed.statusCode).toBe(204);
    for (const response of [
      await call('GET', `/v1/tenants/${tenantId}`, member!),
      await call('GET', `/v1/tenants/${tenantId}/members`, member!),
      await call('GET', '/v1/me/permissions', member!, { tenant: tenantId }),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(code(response)).toBe('not_found');
    }
    expect((await myTenants(member!)).map((x) => x.id)).toEqual([member!.tenantId]);

    const again = await call('DELETE', `/v1/tenants/${tenantId}/members/${member!.userId}`, owner);
    expect(again.statusCode).toBe(404);
    expect(code(again)).toBe('not_found');
  });

  it('lets a member leave', async () => {
    const {
      owner,
      tenantId,
      members: [viewer],
    } = await team(['viewer']);
    const left = await call('DELETE', `/v1/tenants/${tenantId}/members/${viewer!.userId}`, viewer!);
    expect(left.statusCode).toBe(204);
    expect((await call('GET', `/v1/tenants/${tenantId}`, viewer!)).statusCode).toBe(404);
    expect((await members(owner, tenantId)).map((m) => m.user_id)).toEqual([owner.userId]);
    // Once out, "leaving" again is a tenant they are not in.
    const again = await call('DELETE', `/v1/tenants/${tenantId}/members/${viewer!.userId}`, viewer!);
    expect(again.statusCode).toBe(404);
  });

  it('never leaves a tenant without an owner', async () => {
    const {
      owner,
      tenantId,
      members: [tenantAdmin],
    } = await team(['admin']);
    const demoteSelf = await call('PATCH', `/v1/tenants/${tenantId}/members/${owner.userId}`, owner, {
      payload: { role: 'admin' },
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(code(demoteSelf)).toBe('last_owner');
    const leave = await call('DELETE', `/v1/tenants/${tenantId}/members/${owner.userId}`, owner);
    expect(leave.statusCode).toBe(409);
    expect(code(leave)).toBe('last_owner');

    // An admin may not touch an owner at all.
    const adminDemotes = await call(
      'PATCH',
      `/v1/tenants/${tenantId}/members/${owner.userId}`,
      tenantAdmin!,
      {
        payload: { role: 'viewer' },
      },
    );
    expect(adminDemotes.statusCode).toBe(403);
    expect(code(adminDemotes)).toBe('permission_denied');
    const adminRemoves = await call(
      'DELETE',
      `/v1/tenants/${tenantId}/members/${owner.userId}`,
      tenantAdmin!,
    );
    expect(adminRemoves.statusCode).toBe(403);
    expect(code(adminRemoves)).toBe('permission_denied');
    const adminPromotesSelf = await call(
      'PATCH',
      `/v1/tenants/${tenantId}/members/${tenantAdmin!.userId}`,
      tenantAdmin!,
      { payload: { role: 'owner' } },
    );
    expect(adminPromotesSelf.statusCode).toBe(403);
    expect(await roleIn(owner, tenantId, owner.userId)).toBe('owner');
    expect(await roleIn(owner, tenantId, tenantAdmin!.userId)).toBe('admin');

    // With a second owner, the first may step down; then the second is the last one.
    expect(
      (
        await call('PATCH', `/v1/tenants/${tenantId}/members/${tenantAdmin!.userId}`, owner, {
          payload: { role: 'owner' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await call('DELETE', `/v1/tenants/${tenantId}/members/${owner.userId}`, owner)).statusCode).toBe(
      204,
    );
    const lastLeaves = await call(
      'DELETE',
      `/v1/tenants/${tenantId}/members/${tenantAdmin!.userId}`,
      tenantAdmin!,
    );
    expect(code(lastLeaves)).toBe('last_owner');
    const lastDemotes = await call(
      'PATCH',
      `/v1/tenants/${tenantId}/members/${tenantAdmin!.userId}`,
      tenantAdmin!,
      {
        payload: { role: 'member' },
      },
    );
    expect(code(lastDemotes)).toBe('last_owner');
    expect((await members(tenantAdmin!, tenantId)).map((m) => [m.user_id, m.role])).toEqual([
      [tenantAdmin!.userId, 'owner'],
    ]);
  });

  it.each([
    ['no role', {}],
    ['empty role', { role: '' }],
    ['bad characters', { role: 'Owner!' }],
    ['too long', { role: `a${'b'.repeat(64)}` }],
    ['unknown field', { role: 'member', admin: true }],
  ])('refuses a role change with a bad body (%s): 400 validation_failed', async (_label, payload) => {
    const {
      owner,
      tenantId,
      members: [user],
    } = await team(['viewer']);
    const response = await call('PATCH', `/v1/tenants/${tenantId}/members/${user!.userId}`, owner, {
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(code(response)).toBe('validation_failed');
    expect(await roleIn(owner, tenantId, user!.userId)).toBe('viewer');
  });
});

describe('platform administration', () => {
  it('the configured admin is a platform admin with a tenant of their own', async () => {
    const me = (await call('GET', '/v1/me', admin)).json();
    expect(me.user).toMatchObject({ email: ADMIN_EMAIL, is_platform_admin: true, status: 'active' });
    expect((await myTenants(admin)).map((x) => x.role)).toEqual(['owner']);
    // Bootstrapping again (a restart) changes nothing.
    expect(await t.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, ADMIN_PASSWORD)).toEqual({
      created: false,
      email: ADMIN_EMAIL,
    });
  });

  const adminRoutes: [Method, string, object?][] = [
    ['GET', '/v1/admin/tenants'],
    ['POST', '/v1/admin/tenants', { name: 'Hijack' }],
    ['POST', '/v1/admin/tenants/{tenant}/disable'],
    ['POST', '/v1/admin/tenants/{tenant}/enable'],
    ['GET', '/v1/admin/users'],
    ['POST', '/v1/admin/users/{user}/disable'],
    ['POST', '/v1/admin/users/{user}/enable'],
    ['GET', '/v1/admin/audit-events'],
  ];

  it.each(adminRoutes)(
    'refuses a non-admin on %s %s with 403 permission_denied',
    async (method, path, payload) => {
      const owner = await registerUser(t.app, uniqueEmail('nonadmin'));
      const victim = await registerUser(t.app, uniqueEmail('victim'));
      const url = path.replace('{tenant}', victim.tenantId).replace('{user}', victim.userId);
      const response = await call(method, url, owner, payload ? { payload } : {});
      expect(response.statusCode).toBe(403);
      expect(code(response)).toBe('permission_denied');
      const anonymous = await call(method, url, null, payload ? { payload } : {});
      expect(anonymous.statusCode).toBe(401);
      // Nothing changed.
      expect((await call('GET', `/v1/tenants/${victim.tenantId}`, victim)).json().status).toBe('active');
      expect((await call('GET', '/v1/me', victim)).statusCode).toBe(200);
      expect((await myTenants(owner)).length).toBe(1);
    },
  );

  it('walks all tenants with cursor pagination, without duplicates or gaps', async () => {
    for (let i = 0; i < 7; i++) await createTenant(admin, `Paged ${i}`);
    const all = (await call('GET', '/v1/admin/tenants?limit=200', admin)).json();
    expect(all.next_cursor).toBeNull();
    const count = await t.container.database.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(all.data).toHaveLength(Number(count.n));
    expect(all.data.length).toBeGreaterThan(7);

    const { items, sizes } = await walk(async (cursor) => {
      const response = await call(
        'GET',
        `/v1/admin/tenants?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        admin,
      );
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    });
    const ids = items.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(all.data.map((x: { id: string }) => x.id));
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
    expect(sizes.at(-1)).toBeGreaterThan(0);
  });

  it('walks users with cursor pagination and filters them by email', async () => {
    const label = `walker${Date.now().toString(36)}`;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await registerUser(t.app, uniqueEmail(label))).userId);

    const { items, sizes } = await walk(async (cursor) => {
      const response = await call(
        'GET',
        `/v1/admin/users?limit=2&email=${label.toUpperCase()}${cursor ? `&cursor=${cursor}` : ''}`,
        admin,
      );
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    });
    expect(sizes).toEqual([2, 2, 1]);
    expect(items.map((u) => u.id)).toEqual([...created].reverse());
    for (const user of items as unknown as { email: string; status: string; is_platform_admin: boolean }[]) {
      expect(user.email).toContain(label);
      expect(user).toMatchObject({ status: 'active', is_platform_admin: false });
      expect(user).not.toHaveProperty('password_hash');
    }

    const everyone = (await call('GET', '/v1/admin/users?limit=200', admin)).json().data as {
      id: string;
      email: string;
      is_platform_admin: boolean;
    }[];
    expect(everyone.find((u) => u.email === ADMIN_EMAIL)?.is_platform_admin).toBe(true);
    expect(everyone.map((u) => u.id)).toEqual(expect.arrayContaining(created));
    const fullWalk = await walk(async (cursor) =>
      (await call('GET', `/v1/admin/users?limit=7${cursor ? `&cursor=${cursor}` : ''}`, admin)).json(),
    );
    expect(fullWalk.items.map((u) => u.id)).toEqual(everyone.map((u) => u.id));

    // LIKE wildcards in the filter are literal characters, not "match anything".
    for (const wildcard of ['%', '_', '%25']) {
      const response = await call('GET', `/v1/admin/users?email=${encodeURIComponent(wildcard)}`, admin);
      expect(response.statusCode).toBe(200);
      expect(response.json().data).toEqual([]);
    }
  });

  it.each([
    ['limit 0', 'limit=0', 'validation_failed'],
    ['limit too big', 'limit=201', 'validation_failed'],
    ['limit not a number', 'limit=ten', 'validation_failed'],
    ['unknown parameter', 'sort=name', 'unknown_parameter'],
    ['cursor too long', `cursor=${'x'.repeat(65)}`, 'validation_failed'],
  ])('refuses bad admin list parameters (%s)', async (_label, query, expected) => {
    for (const path of ['/v1/admin/tenants', '/v1/admin/users']) {
      const response = await call('GET', `${path}?${query}`, admin);
      expect(response.statusCode, path).toBe(400);
      expect(code(response), path).toBe(expected);
    }
  });

  it('creates tenants owned by the admin or by another user', async () => {
    const mine = await call('POST', '/v1/admin/tenants', admin, { payload: { name: 'Admin Made' } });
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ name: 'Admin Made', status: 'active' });
    expect((await myTenants(admin)).find((x) => x.id === mine.json().id)?.role).toBe('owner');

    const customer = await registerUser(t.app, uniqueEmail('customer'));
    const theirs = await call('POST', '/v1/admin/tenants', admin, {
      payload: { name: 'Customer Co', owner_user_id: customer.userId },
    });
    expect(theirs.statusCode).toBe(201);
    const id = theirs.json().id;
    expect((await myTenants(customer)).find((x) => x.id === id)?.role).toBe('owner');
    expect((await myTenants(admin)).some((x) => x.id === id)).toBe(false);
    expect((await members(customer, id)).map((m) => m.user_id)).toEqual([customer.userId]);
  });

  it('refuses to create a tenant for a user who does not exist, and creates nothing', async () => {
    const before = (await call('GET', '/v1/admin/tenants?limit=1', admin)).json().data[0].id;
    const response = await call('POST', '/v1/admin/tenants', admin, {
      payload: { name: 'Orphan', owner_user_id: 'usr_01jd8x3k5q9v7w2m4n6p8r0s1t' },
    });
    expect(response.statusCode).toBe(404);
    expect(code(response)).toBe('not_found');
    expect((await call('GET', '/v1/admin/tenants?limit=1', admin)).json().data[0].id).toBe(before);
  });

  it.each([
    ['no name', {}],
    ['blank name', { name: ' ' }],
    ['bad owner id', { name: 'x', owner_user_id: 'ten_01jd8x3k5q9v7w2m4n6p8r0s1t' }],
    ['unknown field', { name: 'x', status: 'disabled' }],
  ])('refuses an admin tenant with a bad body (%s): 400 validation_failed', async (_label, payload) => {
    const response = await call('POST', '/v1/admin/tenants', admin, { payload });
    expect(response.statusCode).toBe(400);
    expect(code(response)).toBe('validation_failed');
  });

  it('disabling a tenant locks its members out with 404; enabling restores it', async () => {
    const {
      owner,
      tenantId,
      members: [member],
    } = await team(['member']);
    const pendingInvite = await invite(owner, tenantId, 'viewer');
    const disabled = await call('POST', `/v1/admin/tenants/${tenantId}/disable`, admin);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id: tenantId, status: 'disabled' });

    for (const who of [owner, member!]) {
      for (const response of [
        await call('GET', `/v1/tenants/${tenantId}`, who),
        await call('PATCH', `/v1/tenants/${tenantId}`, who, { payload: { name: 'Still here?' } }),
        await call('GET', `/v1/tenants/${tenantId}/members`, who),
        await call('GET', '/v1/me/permissions', who, { tenant: tenantId }),
        await call('GET', '/v1/audit-events', who, { tenant: tenantId }),
      ]) {
        expect(response.statusCode, response.body).toBe(404);
        expect(code(response)).toBe('not_found');
      }
      // Their other tenants are untouched, and the list says why this one is gone.
      expect((await call('GET', `/v1/tenants/${who.tenantId}`, who)).statusCode).toBe(200);
      expect((await myTenants(who)).find((x) => x.id === tenantId)?.status).toBe('disabled');
    }
    expect(
      (await call('POST', `/v1/tenants/${tenantId}/invites`, owner, { payload: { role: 'viewer' } }))
        .statusCode,
    ).toBe(404);
    // Nobody joins a disabled tenant through an old invite either.
    const latecomer = await registerUser(t.app, uniqueEmail('latecomer'));
    const join = await accept(latecomer, pendingInvite.token);
    expect(join.statusCode).toBe(404);
    expect(code(join)).toBe('invalid_invite');

    const enabled = await call('POST', `/v1/admin/tenants/${tenantId}/enable`, admin);
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json().status).toBe('active');
    expect((await call('GET', `/v1/tenants/${tenantId}`, member!)).statusCode).toBe(200);
    expect(
      (await call('PATCH', `/v1/tenants/${tenantId}`, owner, { payload: { name: 'Back' } })).statusCode,
    ).toBe(200);
    expect((await accept(latecomer, pendingInvite.token)).statusCode).toBe(200);
  });

  it('answers 404 / 400 for unknown or malformed ids on admin actions', async () => {
    for (const url of [
      '/v1/admin/tenants/ten_01jd8x3k5q9v7w2m4n6p8r0s1t/disable',
      '/v1/admin/users/usr_01jd8x3k5q9v7w2m4n6p8r0s1t/disable',
    ]) {
      const response = await call('POST', url, admin);
      expect(response.statusCode).toBe(404);
      expect(code(response)).toBe('not_found');
    }
    for (const url of [
      '/v1/admin/tenants/usr_01jd8x3k5q9v7w2m4n6p8r0s1t/enable',
      '/v1/admin/users/nope/enable',
    ]) {
      const response = await call('POST', url, admin);
      expect(response.statusCode).toBe(400);
      expect(code(response)).toBe('invalid_id');
    }
  });

  it('disabling a user stops their login and every session at once; enabling restores login', async () => {
    const email = uniqueEmail('disabled');
    const first = await registerUser(t.app, email);
    const second = toSession((await login(t.app, email)).json());
    const me = (s: Session) => call('GET', '/v1/me', s);
    const refresh = (token: string) =>
      call('POST', '/v1/auth/refresh', null, { payload: { refresh_token: token } });
    expect((await me(second)).statusCode).toBe(200);

    const disabled = await call('POST', `/v1/admin/users/${first.userId}/disable`, admin);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id: first.userId, email, status: 'disabled' });

    for (const s of [first, second]) {
      const response = await me(s);
      expect(response.statusCode).toBe(401);
      expect(code(response)).toBe('session_revoked');
      const refreshed = await refresh(s.refresh);
      expect(refreshed.statusCode).toBe(401);
      expect(code(refreshed)).toBe('session_revoked');
    }
    // The right password is told the account is disabled; a wrong one learns nothing more than usual.
    const rightPassword = await login(t.app, email);
    expect(rightPassword.statusCode).toBe(403);
    expect(code(rightPassword)).toBe('account_disabled');
    expect(rightPassword.json()).not.toHaveProperty('access_token');
    const wrongPassword = await login(t.app, email, 'not the password at all');
    expect(wrongPassword.statusCode).toBe(401);
    expect(code(wrongPassword)).toBe('invalid_credentials');
    const listed = (await call('GET', `/v1/admin/users?email=${encodeURIComponent(email)}`, admin)).json()
      .data;
    expect(listed).toEqual([expect.objectContaining({ id: first.userId, status: 'disabled' })]);

    const enabled = await call('POST', `/v1/admin/users/${first.userId}/enable`, admin);
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json().status).toBe('active');
    const back = await login(t.app, email, PASSWORD);
    expect(back.statusCode).toBe(200);
    expect((await me(toSession(back.json()))).statusCode).toBe(200);
    // The old sessions stay dead.
    expect((await me(first)).statusCode).toBe(401);
    expect(code(await refresh(second.refresh))).toBe('session_revoked');
  });

  it('disabling a user stops their API keys too', async () => {
    const { owner, tenantId } = await team();
    const created = await call('POST', '/v1/api-keys', owner, {
      tenant: tenantId,
      payload: { name: 'ci', scopes: ['tenant:read'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const key = { 'x-api-key': created.json().secret as string };
    expect((await call('GET', `/v1/tenants/${tenantId}`, null, { headers: key })).statusCode).toBe(200);

    expect((await call('POST', `/v1/admin/users/${owner.userId}/disable`, admin)).statusCode).toBe(200);
    const refused = await call('GET', `/v1/tenants/${tenantId}`, null, { headers: key });
    expect(refused.statusCode).toBe(401);
    expect(code(refused)).toBe('invalid_api_key');

    expect((await call('POST', `/v1/admin/users/${owner.userId}/enable`, admin)).statusCode).toBe(200);
    expect((await call('GET', `/v1/tenants/${tenantId}`, null, { headers: key })).statusCode).toBe(200);
  });
});

describe('audit log', () => {
  const db = () => t.container.database.db;

  it('records logins, success and failure, with actor, ip, user agent and request id', async () => {
    const email = uniqueEmail('auditlogin');
    const user = await registerUser(t.app, email);
    const ok = await login(t.app, email, PASSWORD, { 'user-agent': UA, 'x-request-id': 'login-ok-1' });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      remoteAddress: IP,
      headers: { 'user-agent': UA },
      payload: { email, password: 'definitely wrong password' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-request-id']).toBe('login-ok-1');
    expect(bad.statusCode).toBe(401);

    const events = (
      await auditPage(admin, `action=auth.login&actor_id=${user.userId}`, undefined, '/v1/admin/audit-events')
    ).data;
    expect(events).toHaveLength(2);
    const [failure, success] = events;
    expect(success).toMatchObject({
      actor_type: 'user',
      actor_id: user.userId,
      action: 'auth.login',
      result: 'success',
      tenant_id: null,
      target_type: 'session',
      target_id: ok.json().session_id,
      user_agent: UA,
      request_id: 'login-ok-1',
    });
    expect(success!.ip).toEqual(expect.any(String));
    expect(failure).toMatchObject({
      actor_id: user.userId,
      result: 'failure',
      ip: IP,
      user_agent: UA,
      request_id: bad.headers['x-request-id'],
      details: { reason: 'invalid_credentials', email_known: true },
    });
    // The password is never in the log.
    expect(JSON.stringify(events)).not.toContain('definitely wrong password');
    // Login events are platform-level: not in the user's tenant log.
    expect((await auditPage(user, 'action=auth.login')).data).toEqual([]);
  });

  it('records membership, role and invite changes in the tenant log, each with its request', async () => {
    const {
      owner,
      tenantId,
      members: [member],
    } = await team(['member']);
    const newcomer = await registerUser(t.app, uniqueEmail('newcomer'));
    const steps: {
      response: { headers: Record<string, unknown>; statusCode: number };
      expect: Partial<EventView>;
    }[] = [];

    const inv = await call('POST', `/v1/tenants/${tenantId}/invites`, owner, { payload: { role: 'viewer' } });
    steps.push({
      response: inv,
      expect: {
        action: 'member.invite',
        actor_id: owner.userId,
        target_type: 'invite',
        target_id: inv.json().id,
        details: { role: 'viewer' },
      },
    });
    const acc = await accept(newcomer, inv.json().token);
    steps.push({
      response: acc,
      expect: {
        action: 'member.invite_accept',
        actor_id: newcomer.userId,
        target_type: 'invite',
        target_id: inv.json().id,
      },
    });
    const inv2 = await call('POST', `/v1/tenants/${tenantId}/invites`, owner, {
      payload: { role: 'member' },
    });
    const rev = await call('DELETE', `/v1/tenants/${tenantId}/invites/${inv2.json().id}`, owner);
    steps.push({
      response: rev,
      expect: {
        action: 'member.invite_revoke',
        actor_id: owner.userId,
        target_type: 'invite',
        target_id: inv2.json().id,
      },
    });
    const role = await call('PATCH', `/v1/tenants/${tenantId}/members/${member!.userId}`, owner, {
      payload: { role: 'admin' },
    });
    steps.push({
      response: role,
      expect: {
        action: 'member.role_change',
        actor_id: owner.userId,
        target_type: 'user',
        target_id: member!.userId,
        details: { from: 'member', to: 'admin' },
      },
    });
    const removed = await call('DELETE', `/v1/tenants/${tenantId}/members/${newcomer.userId}`, member!);
    steps.push({
      response: removed,
      expect: {
        action: 'member.remove',
        actor_id: member!.userId,
        target_type: 'user',
        target_id: newcomer.userId,
      },
    });
    const renamed = await call('PATCH', `/v1/tenants/${tenantId}`, owner, { payload: { name: 'Audited' } });
    steps.push({
      response: renamed,
      expect: {
        action: 'tenant.update',
        actor_id: owner.userId,
        target_type: 'tenant',
        target_id: tenantId,
        details: { name: 'Audited' },
      },
    });

    const log = (await auditPage(owner, 'limit=200', tenantId)).data;
    for (const step of steps) {
      expect(step.response.statusCode).toBeLessThan(300);
      const requestId = step.response.headers['x-request-id'];
      expect(requestId).toEqual(expect.any(String));
      const matching = log.filter((e) => e.request_id === requestId);
      expect(matching, step.expect.action).toEqual([
        expect.objectContaining({
          ...step.expect,
          tenant_id: tenantId,
          actor_type: 'user',
          result: 'success',
          ip: IP,
          user_agent: UA,
        }),
      ]);
    }
    // Newest first, ids strictly decreasing.
    const ids = log.map((e) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('records a refused invite as a failure', async () => {
    const user = await registerUser(t.app, uniqueEmail('badinvite'));
    const response = await accept(user, 'nxi_not-a-real-token');
    expect(response.statusCode).toBe(404);
    const events = (
      await auditPage(admin, `actor_id=${user.userId}&result=failure`, undefined, '/v1/admin/audit-events')
    ).data;
    expect(events).toEqual([
      expect.objectContaining({
        action: 'member.invite_accept',
        result: 'failure',
        request_id: response.headers['x-request-id'],
        details: { reason: 'invalid_invite' },
      }),
    ]);
  });

  it('records admin actions', async () => {
    const email = uniqueEmail('adminaudit');
    const user = await registerUser(t.app, email);
    const created = await call('POST', '/v1/admin/tenants', admin, {
      payload: { name: 'Audited Co', owner_user_id: user.userId },
    });
    const tenantId = created.json().id;
    const disable = await call('POST', `/v1/admin/tenants/${tenantId}/disable`, admin);
    const enable = await call('POST', `/v1/admin/tenants/${tenantId}/enable`, admin);
    const userOff = await call('POST', `/v1/admin/users/${user.userId}/disable`, admin);
    const userOn = await call('POST', `/v1/admin/users/${user.userId}/enable`, admin);
    const relogged = toSession((await login(t.app, email)).json());

    const log = (
      await auditPage(admin, `actor_id=${admin.userId}&limit=200`, undefined, '/v1/admin/audit-events')
    ).data;
    const byRequest = (r: { headers: Record<string, unknown> }) =>
      log
        .filter((e) => e.request_id === r.headers['x-request-id'])
        .map((e) => ({
          action: e.action,
          tenant_id: e.tenant_id,
          target: `${e.target_type}:${e.target_id}`,
          result: e.result,
          details: e.details,
        }));
    expect(byRequest(created)).toEqual([
      {
        action: 'admin.tenant_create',
        tenant_id: tenantId,
        target: `tenant:${tenantId}`,
        result: 'success',
        details: {},
      },
    ]);
    expect(byRequest(disable)).toEqual([
      {
        action: 'admin.tenant_disable',
        tenant_id: tenantId,
        target: `tenant:${tenantId}`,
        result: 'success',
        details: {},
      },
    ]);
    expect(byRequest(enable)).toEqual([
      {
        action: 'admin.tenant_enable',
        tenant_id: tenantId,
        target: `tenant:${tenantId}`,
        result: 'success',
        details: {},
      },
    ]);
    expect(byRequest(userOff)).toEqual(
      expect.arrayContaining([
        {
          action: 'admin.user_disable',
          tenant_id: null,
          target: `user:${user.userId}`,
          result: 'success',
          details: {},
        },
        {
          action: 'auth.session_revoke',
          tenant_id: null,
          target: `user:${user.userId}`,
          result: 'success',
          details: { reason: 'account_disabled', sessions: [user.sessionId] },
        },
      ]),
    );
    expect(byRequest(userOn)).toEqual([
      {
        action: 'admin.user_enable',
        tenant_id: null,
        target: `user:${user.userId}`,
        result: 'success',
        details: {},
      },
    ]);
    // The tenant's owner sees the admin's actions on their tenant, but not the platform-level ones.
    const ownerView = (await auditPage(relogged, 'limit=200', tenantId)).data;
    expect(ownerView.map((e) => e.action)).toEqual([
      'admin.tenant_enable',
      'admin.tenant_disable',
      'admin.tenant_create',
    ]);
  });

  it('filters by action, actor, result and time window', async () => {
    const {
      owner,
      tenantId,
      members: [other],
    } = await team(['admin']);
    for (let i = 0; i < 3; i++)
      await call('PATCH', `/v1/tenants/${tenantId}`, owner, { payload: { name: `Name ${i}` } });
    await call('PATCH', `/v1/tenants/${tenantId}`, other!, { payload: { name: 'By the admin' } });

    const renames = (await auditPage(owner, 'action=tenant.update', tenantId)).data;
    expect(renames.map((e) => e.details.name)).toEqual(['By the admin', 'Name 2', 'Name 1', 'Name 0']);
    const byOwner = (await auditPage(owner, `action=tenant.update&actor_id=${owner.userId}`, tenantId)).data;
    expect(byOwner.map((e) => e.details.name)).toEqual(['Name 2', 'Name 1', 'Name 0']);
    const byOther = (await auditPage(owner, `actor_id=${other!.userId}`, tenantId)).data;
    expect(byOther.map((e) => e.action).sort()).toEqual(['member.invite_accept', 'tenant.update']);
    expect((await auditPage(owner, 'result=success&limit=200', tenantId)).data.length).toBeGreaterThan(0);
    expect((await auditPage(owner, 'result=failure', tenantId)).data).toEqual([]);
    expect((await auditPage(owner, 'action=no.such.action', tenantId)).data).toEqual([]);

    // since is inclusive, until exclusive, both taken from the events' own timestamps.
    const all = (await auditPage(owner, 'limit=200', tenantId)).data;
    const pivot = renames[1]!.created_at;
    const since = (await auditPage(owner, `limit=200&since=${encodeURIComponent(pivot)}`, tenantId)).data;
    const until = (await auditPage(owner, `limit=200&until=${encodeURIComponent(pivot)}`, tenantId)).data;
    expect(since.map((e) => e.id)).toEqual(all.filter((e) => e.created_at >= pivot).map((e) => e.id));
    expect(until.map((e) => e.id)).toEqual(all.filter((e) => e.created_at < pivot).map((e) => e.id));
    expect(since.map((e) => e.id)).toContain(renames[1]!.id);
    expect(until.length + since.length).toBe(all.length);
    const offset = pivot.replace('Z', '+00:00');
    expect((await auditPage(owner, `limit=200&since=${encodeURIComponent(offset)}`, tenantId)).data).toEqual(
      since,
    );
    const empty = await auditPage(
      owner,
      `since=${encodeURIComponent(pivot)}&until=${encodeURIComponent(pivot)}`,
      tenantId,
    );
    expect(empty.data).toEqual([]);
  });

  it('walks a tenant log with cursor pagination', async () => {
    const { owner, tenantId } = await team(['member', 'viewer']);
    for (let i = 0; i < 5; i++)
      await call('PATCH', `/v1/tenants/${tenantId}`, owner, { payload: { name: `Walk ${i}` } });
    const all = await auditPage(owner, 'limit=200', tenantId);
    expect(all.next_cursor).toBeNull();
    expect(all.data.length).toBeGreaterThanOrEqual(10);
    const { items, sizes } = await walk((cursor) =>
      auditPage(owner, `limit=3${cursor ? `&cursor=${cursor}` : ''}`, tenantId),
    );
    expect(items).toEqual(all.data);
    expect(sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
    // Filters and the cursor combine.
    const renames = await walk((cursor) =>
      auditPage(owner, `action=tenant.update&limit=2${cursor ? `&cursor=${cursor}` : ''}`, tenantId),
    );
    expect(renames.items.map((e) => e.details.name)).toEqual([
      'Walk 4',
      'Walk 3',
      'Walk 2',
      'Walk 1',
      'Walk 0',
    ]);
    expect(renames.sizes).toEqual([2, 2, 1]);
  });

  it.each(['member', 'viewer'])('refuses a %s without audit:read with 403', async (role) => {
    const {
      owner,
      tenantId,
      members: [user],
    } = await team([role, 'admin']);
    const response = await call('GET', '/v1/audit-events', user!, { tenant: tenantId });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({
      code: 'permission_denied',
      details: { permission: 'audit:read' },
    });
    expect((await auditPage(owner, '', tenantId)).data.length).toBeGreaterThan(0);
  });

  it("never shows one tenant's events in another's log", async () => {
    const a = await team(['member']);
    const b = await team(['member']);
    await call('PATCH', `/v1/tenants/${b.tenantId}`, b.owner, { payload: { name: 'B secret' } });
    const aLog = (await auditPage(a.owner, 'limit=200', a.tenantId)).data;
    const bLog = (await auditPage(b.owner, 'limit=200', b.tenantId)).data;
    expect(aLog.length).toBeGreaterThan(0);
    expect(aLog.every((e) => e.tenant_id === a.tenantId)).toBe(true);
    expect(bLog.every((e) => e.tenant_id === b.tenantId)).toBe(true);
    const bIds = new Set(bLog.map((e) => e.id));
    expect(aLog.some((e) => bIds.has(e.id))).toBe(false);
    expect(JSON.stringify(aLog)).not.toContain('B secret');
    // Filtering by B's actor from A's log finds nothing of B's.
    expect((await auditPage(a.owner, `actor_id=${b.owner.userId}`, a.tenantId)).data).toEqual([]);
    // Naming B's tenant from A answers 404; a cursor taken from B's log leaks nothing either.
    const cross = await call('GET', '/v1/audit-events', a.owner, { tenant: b.tenantId });
    expect(cross.statusCode).toBe(404);
    const fromCursor = (await auditPage(a.owner, `cursor=${bLog[0]!.id}&limit=200`, a.tenantId)).data;
    expect(fromCursor.every((e) => e.tenant_id === a.tenantId)).toBe(true);

    // The platform admin sees both, and platform-level events.
    const everything = (await auditPage(admin, 'limit=200', undefined, '/v1/admin/audit-events')).data;
    const tenants = new Set(everything.map((e) => e.tenant_id));
    expect(tenants.has(null)).toBe(true);
  });

  it('admin audit log includes every tenant, with pagination', async () => {
    const a = await team();
    const b = await team();
    const pages = await walk((cursor) =>
      auditPage(
        admin,
        `action=tenant.create&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        '/v1/admin/audit-events',
      ),
    );
    const targets = pages.items.map((e) => e.target_id);
    expect(targets).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
    expect(new Set(targets).size).toBe(targets.length);
    const rows = await db()
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'tenant.create')
      .orderBy('id', 'desc')
      .execute();
    expect(pages.items.map((e) => e.id)).toEqual(rows.map((r) => r.id));
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const user = await registerUser(t.app, uniqueEmail('appendonly'));
    const before = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_id', '=', user.userId)
      .execute();
    expect(before.length).toBeGreaterThan(0);
    const id = before[0]!.id;

    await expect(
      sql`update audit_events set action = 'tampered' where id = ${id}`.execute(db()),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_events where id = ${id}`.execute(db())).rejects.toThrow(/append-only/);
    await expect(
      db()
        .updateTable('audit_events')
        .set({ result: 'failure' })
        .where('actor_id', '=', user.userId)
        .execute(),
    ).rejects.toThrow(/append-only/);
    await expect(
      db().deleteFrom('audit_events').where('actor_id', '=', user.userId).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_events`.execute(db())).rejects.toThrow(/append-only/);

    const after = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_id', '=', user.userId)
      .execute();
    expect(after).toEqual(before);
    // Appending still works.
    await call('PATCH', `/v1/tenants/${user.tenantId}`, user, { payload: { name: 'Appended' } });
    expect(
      (await db().selectFrom('audit_events').select('id').where('actor_id', '=', user.userId).execute())
        .length,
    ).toBe(before.length + 1);
  });

  it.each([
    ['cursor not an event id', 'cursor=evt_bad', 'validation_failed'],
    ['cursor of another kind', 'cursor=usr_01jd8x3k5q9v7w2m4n6p8r0s1t', 'validation_failed'],
    ['since not a datetime', 'since=yesterday', 'validation_failed'],
    ['since without an offset', 'since=2024-01-01T00:00:00', 'validation_failed'],
    ['until a date only', 'until=2024-01-01', 'validation_failed'],
    ['result unknown', 'result=maybe', 'validation_failed'],
    ['limit 0', 'limit=0', 'validation_failed'],
    ['limit too big', 'limit=201', 'validation_failed'],
    ['limit negative', 'limit=-1', 'validation_failed'],
    ['limit fractional', 'limit=1.5', 'validation_failed'],
    ['action too long', `action=${'a'.repeat(101)}`, 'validation_failed'],
    ['unknown parameter', 'tenant_id=ten_01jd8x3k5q9v7w2m4n6p8r0s1t', 'unknown_parameter'],
    ['unknown parameter next to a good one', 'limit=5&order=asc', 'unknown_parameter'],
  ])('refuses bad query parameters (%s) with 400', async (_label, query, expected) => {
    const owner = await registerUser(t.app, uniqueEmail('badquery'));
    for (const [who, path] of [
      [owner, '/v1/audit-events'],
      [admin, '/v1/admin/audit-events'],
    ] as const) {
      const response = await call('GET', `${path}?${query}`, who);
      expect(response.statusCode, path).toBe(400);
      const error = response.json().error;
      expect(error.code, path).toBe(expected);
      expect(error.details[0]).toMatchObject({ location: 'querystring' });
    }
  });
});

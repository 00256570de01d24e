import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/ids.js';
import { BUILT_IN_ROLES, type BuiltInRole, PERMISSIONS } from '../../src/modules/access/permissions.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session, uniqueEmail } from '../support/identity.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Headers = Record<string, string>;

interface Team {
  tenantId: string;
  owner: Session;
  admin: Session;
  member: Session;
  viewer: Session;
}

const ROLES = ['owner', 'admin', 'member', 'viewer'] as const satisfies readonly BuiltInRole[];
const builtIn = (role: BuiltInRole) => PERMISSIONS.filter((p) => BUILT_IN_ROLES[role].has(p));

let t: TestApp;
let seq = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${seq++}`;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function call(method: Method, url: string, headers: Headers, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A user's credentials, acting in `tenantId` (X-Nexus-Tenant). */
const as = (s: Session, tenantId: string): Headers => ({ ...s.auth, 'x-nexus-tenant': tenantId });
const bearer = (secret: string): Headers => ({ authorization: `Bearer ${secret}` });

function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json().error.code).toBe(code);
}

/** Registers a new user who joins `tenantId` with `role` through a real invite. */
async function join(inviter: Session, tenantId: string, role: string): Promise<Session> {
  const s = await registerUser(t.app, uniqueEmail(role));
  const invite = await call('POST', `/v1/tenants/${tenantId}/invites`, inviter.auth, { role });
  expect(invite.statusCode, invite.body).toBe(201);
  const accepted = await call('POST', '/v1/invites/accept', s.auth, { token: invite.json().token });
  expect(accepted.statusCode, accepted.body).toBe(200);
  expect(accepted.json()).toMatchObject({ tenant: { id: tenantId }, role });
  return s;
}

/** A tenant (the owner's personal one) with one member of each built-in role. */
async function team(): Promise<Team> {
  const owner = await registerUser(t.app, uniqueEmail('owner'));
  const tenantId = owner.tenantId;
  const admin = await join(owner, tenantId, 'admin');
  const member = await join(owner, tenantId, 'member');
  const viewer = await join(owner, tenantId, 'viewer');
  return { tenantId, owner, admin, member, viewer };
}

async function setRole(actor: Headers, tenantId: string, userId: string, role: string) {
  return call('PATCH', `/v1/tenants/${tenantId}/members/${userId}`, actor, { role });
}

async function myPermissions(headers: Headers) {
  const response = await call('GET', '/v1/me/permissions', headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { tenant_id: string; role: string | null; permissions: string[] };
}

async function createKey(
  s: Session,
  tenantId: string,
  scopes: string[],
  extra: Record<string, unknown> = {},
) {
  const response = await call('POST', '/v1/api-keys', as(s, tenantId), {
    name: unique('key'),
    scopes,
    ...extra,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; secret: string; prefix: string; scopes: string[] };
}

async function auditEvents(headers: Headers, action: string) {
  const response = await call('GET', `/v1/audit-events?action=${action}`, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as Array<Record<string, unknown>>;
}

describe('GET /v1/me/permissions', () => {
  let team1: Team;
  beforeAll(async () => {
    team1 = await team();
  });

  it.each(ROLES)('shows the built-in %s set in the tenant picked with X-Nexus-Tenant', async (role) => {
    const body = await myPermissions(as(team1[role], team1.tenantId));
    expect(body).toEqual({ tenant_id: team1.tenantId, role, permissions: builtIn(role) });
  });

  it('matches the documented sets, not just the constants', async () => {
    const [owner, admin, member, viewer] = await Promise.all(
      ROLES.map(async (role) => (await myPermissions(as(team1[role], team1.tenantId))).permissions),
    );
    expect(owner).toEqual([...PERMISSIONS]);
    expect(admin).toEqual([...PERMISSIONS]);
    expect(member).toContain('api_keys:write');
    expect(member).not.toContain('audit:read');
    expect(member).not.toContain('roles:write');
    expect(member).not.toContain('members:invite');
    expect(viewer!.every((p) => p.endsWith(':read'))).toBe(true);
    expect(viewer).not.toContain('audit:read');
    expect(viewer).not.toContain('api_keys:read');
    expect(viewer).toContain('tenant:read');
  });

  it('uses the personal tenant without a header, and ?tenant_id= like the header', async () => {
    expect(await myPermissions(team1.viewer.auth)).toMatchObject({
      tenant_id: team1.viewer.tenantId,
      role: 'owner',
    });
    const response = await call('GET', `/v1/me/permissions?tenant_id=${team1.tenantId}`, team1.viewer.auth);
    expect(response.json()).toEqual({
      tenant_id: team1.tenantId,
      role: 'viewer',
      permissions: builtIn('viewer'),
    });
  });

  it("answers 404 for a tenant the caller is not in, exactly like one that doesn't exist", async () => {
    const outsider = await registerUser(t.app, uniqueEmail('outsider'));
    const foreign = await call('GET', '/v1/me/permissions', as(outsider, team1.tenantId));
    expectError(foreign, 404, 'not_found');
    const missing = await call('GET', '/v1/me/permissions', as(outsider, newId('ten')));
    expectError(missing, 404, 'not_found');
    const strip = (r: LightMyRequestResponse) => ({ ...r.json().error, request_id: undefined });
    expect(strip(foreign)).toEqual(strip(missing));
  });

  it('refuses a malformed X-Nexus-Tenant with 400 invalid_id', async () => {
    expectError(await call('GET', '/v1/me/permissions', as(team1.owner, 'usr_nope')), 400, 'invalid_id');
  });
});

describe('permission matrix', () => {
  let team1: Team;
  let target: Session;
  beforeAll(async () => {
    team1 = await team();
    target = await join(team1.owner, team1.tenantId, 'viewer');
  });

  type Route = { method: Method; url: () => string; payload?: () => unknown; ok: number };
  const routes: Record<string, { permission: string; route: Route; allowed: BuiltInRole[] }> = {
    'POST /v1/roles': {
      permission: 'roles:write',
      route: {
        method: 'POST',
        url: () => '/v1/roles',
        payload: () => ({ name: unique('r'), permissions: ['chat:read'] }),
        ok: 201,
      },
      allowed: ['owner', 'admin'],
    },
    'GET /v1/roles': {
      permission: 'roles:read',
      route: { method: 'GET', url: () => '/v1/roles', ok: 200 },
      allowed: ['owner', 'admin', 'member', 'viewer'],
    },
    'GET /v1/audit-events': {
      permission: 'audit:read',
      route: { method: 'GET', url: () => '/v1/audit-events', ok: 200 },
      allowed: ['owner', 'admin'],
    },
    'POST /v1/tenants/:id/invites': {
      permission: 'members:invite',
      route: {
        method: 'POST',
        url: () => `/v1/tenants/${team1.tenantId}/invites`,
        payload: () => ({ role: 'viewer' }),
        ok: 201,
      },
      allowed: ['owner', 'admin'],
    },
    'PATCH /v1/tenants/:id/members/:user_id': {
      permission: 'members:update',
      route: {
        method: 'PATCH',
        url: () => `/v1/tenants/${team1.tenantId}/members/${target.userId}`,
        payload: () => ({ role: 'viewer' }),
        ok: 204,
      },
      allowed: ['owner', 'admin'],
    },
    'PATCH /v1/tenants/:id': {
      permission: 'tenant:update',
      route: {
        method: 'PATCH',
        url: () => `/v1/tenants/${team1.tenantId}`,
        payload: () => ({ name: 'Renamed' }),
        ok: 200,
      },
      allowed: ['owner', 'admin'],
    },
    'GET /v1/tenants/:id/members': {
      permission: 'members:read',
      route: { method: 'GET', url: () => `/v1/tenants/${team1.tenantId}/members`, ok: 200 },
      allowed: ['owner', 'admin', 'member', 'viewer'],
    },
    'POST /v1/api-keys': {
      permission: 'api_keys:write',
      route: {
        method: 'POST',
        url: () => '/v1/api-keys',
        payload: () => ({ name: 'k', scopes: ['tenant:read'] }),
        ok: 201,
      },
      allowed: ['owner', 'admin', 'member'],
    },
    'GET /v1/api-keys': {
      permission: 'api_keys:read',
      route: { method: 'GET', url: () => '/v1/api-keys', ok: 200 },
      allowed: ['owner', 'admin', 'member'],
    },
  };
  const rows = Object.entries(routes).flatMap(([label, { permission, allowed }]) =>
    ROLES.map((role) => [label, role, allowed.includes(role) ? 'allowed' : `403 (${permission})`] as const),
  );

  it.each(rows)('%s as %s → %s', async (label, role, expected) => {
    const { permission, route } = routes[label]!;
    const response = await call(
      route.method,
      route.url(),
      as(team1[role], team1.tenantId),
      route.payload?.(),
    );
    if (expected === 'allowed') {
      expect(response.statusCode, response.body).toBe(route.ok);
    } else {
      expectError(response, 403, 'permission_denied');
      expect(response.json().error.details).toEqual({ permission });
    }
  });
});

describe('custom roles', () => {
  let team1: Team;
  let other: Session;
  beforeAll(async () => {
    team1 = await team();
    other = await registerUser(t.app, uniqueEmail('other-tenant'));
  });
  const asOwner = () => as(team1.owner, team1.tenantId);

  it('creates a role, assigns it, and permissions follow every change on the next request', async () => {
    const created = await call('POST', '/v1/roles', asOwner(), {
      name: 'auditor',
      description: 'Reads the audit log',
      permissions: ['audit:read', 'members:read', 'audit:read'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const role = created.json();
    expect(role).toEqual({
      id: expect.stringMatching(/^role_/),
      name: 'auditor',
      description: 'Reads the audit log',
      permissions: ['audit:read', 'members:read'],
      built_in: false,
    });
    const listed = (await call('GET', '/v1/roles', asOwner())).json().data;
    expect(listed.map((r: { name: string }) => r.name)).toEqual([
      'owner',
      'admin',
      'member',
      'viewer',
      'auditor',
    ]);

    const someone = await join(team1.owner, team1.tenantId, 'viewer');
    const headers = as(someone, team1.tenantId);
    expectError(await call('GET', '/v1/audit-events', headers), 403, 'permission_denied');

    expect((await setRole(asOwner(), team1.tenantId, someone.userId, 'auditor')).statusCode).toBe(204);
    expect(await myPermissions(headers)).toEqual({
      tenant_id: team1.tenantId,
      role: 'auditor',
      permissions: ['members:read', 'audit:read'],
    });
    expect((await call('GET', '/v1/audit-events', headers)).statusCode).toBe(200);
    // tenant:read is not in the role (viewer had it): the role replaces, not adds.
    expectError(await call('GET', `/v1/tenants/${team1.tenantId}`, headers), 403, 'permission_denied');

    const narrowed = await call('PATCH', `/v1/roles/${role.id}`, asOwner(), {
      permissions: ['members:read'],
    });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    expect(narrowed.json().permissions).toEqual(['members:read']);
    expectError(await call('GET', '/v1/audit-events', headers), 403, 'permission_denied');
    expect((await myPermissions(headers)).permissions).toEqual(['members:read']);

    const widened = await call('PATCH', `/v1/roles/${role.id}`, asOwner(), {
      permissions: ['members:read', 'tenant:read'],
    });
    expect(widened.statusCode).toBe(200);
    expect((await call('GET', `/v1/tenants/${team1.tenantId}`, headers)).statusCode).toBe(200);

    const described = await call('PATCH', `/v1/roles/${role.id}`, asOwner(), { description: 'changed' });
    expect(described.json()).toMatchObject({
      description: 'changed',
      permissions: ['members:read', 'tenant:read'],
    });

    // Deleting a role someone holds is refused; once nobody holds it, it goes.
    expectError(await call('DELETE', `/v1/roles/${role.id}`, asOwner()), 409, 'conflict');
    expect((await myPermissions(headers)).role).toBe('auditor');
    expect((await setRole(asOwner(), team1.tenantId, someone.userId, 'viewer')).statusCode).toBe(204);
    expect((await call('DELETE', `/v1/roles/${role.id}`, asOwner())).statusCode).toBe(204);
    const after = (await call('GET', '/v1/roles', asOwner())).json().data;
    expect(after.map((r: { name: string }) => r.name)).not.toContain('auditor');
    expectError(await call('DELETE', `/v1/roles/${role.id}`, asOwner()), 404, 'not_found');
    expectError(
      await call('PATCH', `/v1/roles/${role.id}`, asOwner(), { description: 'x' }),
      404,
      'not_found',
    );
    expectError(
      await setRole(asOwner(), team1.tenantId, someone.userId, 'auditor'),
      400,
      'validation_failed',
    );
  });

  it('refuses to delete a role a pending invite gives, until the invite is revoked', async () => {
    const role = (
      await call('POST', '/v1/roles', asOwner(), { name: unique('invitee'), permissions: ['chat:read'] })
    ).json();
    const invite = await call('POST', `/v1/tenants/${team1.tenantId}/invites`, asOwner(), {
      role: role.name,
    });
    expect(invite.statusCode, invite.body).toBe(201);
    const refused = await call('DELETE', `/v1/roles/${role.id}`, asOwner());
    expectError(refused, 409, 'conflict');
    expect(refused.json().error.details).toEqual({ members: 0, pending_invites: 1 });
    const revoked = await call(
      'DELETE',
      `/v1/tenants/${team1.tenantId}/invites/${invite.json().id}`,
      asOwner(),
    );
    expect(revoked.statusCode, revoked.body).toBe(204);
    expect((await call('DELETE', `/v1/roles/${role.id}`, asOwner())).statusCode).toBe(204);
  });

  it('refuses a duplicate name with 409 conflict', async () => {
    const name = unique('dup');
    expect((await call('POST', '/v1/roles', asOwner(), { name, permissions: [] })).statusCode).toBe(201);
    expectError(
      await call('POST', '/v1/roles', asOwner(), { name, permissions: ['chat:read'] }),
      409,
      'conflict',
    );
  });

  it.each(ROLES)('refuses the built-in name %s with 409 conflict', async (name) => {
    expectError(
      await call('POST', '/v1/roles', asOwner(), { name, permissions: ['chat:read'] }),
      409,
      'conflict',
    );
  });

  it.each([
    ['an unknown permission', { name: 'r1', permissions: ['audit:write'] }],
    ['a wildcard permission', { name: 'r2', permissions: ['*'] }],
    ['a permission in the wrong case', { name: 'r3', permissions: ['Audit:Read'] }],
    ['permissions not an array', { name: 'r4', permissions: 'audit:read' }],
    ['no permissions field', { name: 'r5' }],
    ['too many permissions', { name: 'r6', permissions: Array(101).fill('chat:read') }],
    ['an upper-case name', { name: 'Auditors', permissions: [] }],
    ['a name starting with a digit', { name: '1st', permissions: [] }],
    ['a name with a space', { name: 'two words', permissions: [] }],
    ['a name with a colon', { name: 'a:b', permissions: [] }],
    ['an empty name', { name: '', permissions: [] }],
    ['a 65-character name', { name: `a${'b'.repeat(64)}`, permissions: [] }],
    ['a too long description', { name: 'r7', description: 'x'.repeat(501), permissions: [] }],
    ['an unknown field', { name: 'r8', permissions: [], built_in: true }],
  ])('refuses %s with 400 validation_failed and creates nothing', async (_label, payload) => {
    expectError(await call('POST', '/v1/roles', asOwner(), payload), 400, 'validation_failed');
    const names = (await call('GET', '/v1/roles', asOwner()))
      .json()
      .data.map((r: { name: string }) => r.name);
    expect(names).not.toContain((payload as { name?: string }).name);
  });

  it.each([
    ['an unknown permission', { permissions: ['tenant:delete'] }],
    ['too many permissions', { permissions: Array(101).fill('chat:read') }],
    ['a name (names are fixed)', { name: 'renamed' }],
  ])('refuses an update with %s with 400 validation_failed', async (_label, payload) => {
    const role = (
      await call('POST', '/v1/roles', asOwner(), { name: unique('upd'), permissions: ['chat:read'] })
    ).json();
    expectError(await call('PATCH', `/v1/roles/${role.id}`, asOwner(), payload), 400, 'validation_failed');
    const stored = (await call('GET', '/v1/roles', asOwner()))
      .json()
      .data.find((r: { id: string }) => r.id === role.id);
    expect(stored).toMatchObject({ name: role.name, permissions: ['chat:read'] });
  });

  it('keeps a role inside its tenant: invisible, unchangeable and unassignable from another', async () => {
    const role = (
      await call('POST', '/v1/roles', asOwner(), { name: 'tenant-a-only', permissions: ['chat:read'] })
    ).json();
    // The same person, owner of a second tenant, acting there.
    const second = await call('POST', '/v1/tenants', team1.owner.auth, { name: 'Second' });
    expect(second.statusCode).toBe(201);
    const inB = as(team1.owner, second.json().id);
    const listedB = (await call('GET', '/v1/roles', inB)).json().data.map((r: { name: string }) => r.name);
    expect(listedB).toEqual(['owner', 'admin', 'member', 'viewer']);
    expectError(await call('PATCH', `/v1/roles/${role.id}`, inB, { permissions: [] }), 404, 'not_found');
    expectError(await call('DELETE', `/v1/roles/${role.id}`, inB), 404, 'not_found');
    const invite = await call('POST', `/v1/tenants/${second.json().id}/invites`, team1.owner.auth, {
      role: 'tenant-a-only',
    });
    expectError(invite, 400, 'validation_failed');
    // Another tenant's owner, with no link to tenant A at all.
    const asOther = as(other, other.tenantId);
    expectError(await call('PATCH', `/v1/roles/${role.id}`, asOther, { permissions: [] }), 404, 'not_found');
    expectError(await call('DELETE', `/v1/roles/${role.id}`, asOther), 404, 'not_found');
    expectError(await call('GET', '/v1/roles', as(other, team1.tenantId)), 404, 'not_found');
    // Untouched in tenant A.
    const stored = (await call('GET', '/v1/roles', asOwner()))
      .json()
      .data.find((r: { id: string }) => r.id === role.id);
    expect(stored).toMatchObject({ name: 'tenant-a-only', permissions: ['chat:read'] });
  });
});

describe('role escalation', () => {
  let team1: Team;
  beforeAll(async () => {
    team1 = await team();
  });
  const asOwner = () => as(team1.owner, team1.tenantId);
  const asAdmin = () => as(team1.admin, team1.tenantId);

  it('lets an admin grant admin, but never owner, nor take owner away', async () => {
    const someone = await join(team1.owner, team1.tenantId, 'viewer');
    expect((await setRole(asAdmin(), team1.tenantId, someone.userId, 'admin')).statusCode).toBe(204);
    expectError(await setRole(asAdmin(), team1.tenantId, someone.userId, 'owner'), 403, 'permission_denied');
    expectError(
      await setRole(asAdmin(), team1.tenantId, team1.admin.userId, 'owner'),
      403,
      'permission_denied',
    );
    expectError(
      await call('POST', `/v1/tenants/${team1.tenantId}/invites`, asAdmin(), { role: 'owner' }),
      403,
      'permission_denied',
    );
    expectError(
      await setRole(asAdmin(), team1.tenantId, team1.owner.userId, 'viewer'),
      403,
      'permission_denied',
    );
    expectError(
      await call('DELETE', `/v1/tenants/${team1.tenantId}/members/${team1.owner.userId}`, asAdmin()),
      403,
      'permission_denied',
    );
    expect((await myPermissions(asOwner())).role).toBe('owner');
    expect((await myPermissions(as(someone, team1.tenantId))).role).toBe('admin');
  });

  it('does not let a member change anyone’s role, their own included', async () => {
    const asMember = as(team1.member, team1.tenantId);
    for (const [userId, role] of [
      [team1.member.userId, 'admin'],
      [team1.member.userId, 'owner'],
      [team1.viewer.userId, 'member'],
    ] as const) {
      const response = await setRole(asMember, team1.tenantId, userId, role);
      expectError(response, 403, 'permission_denied');
      expect(response.json().error.details).toEqual({ permission: 'members:update' });
    }
    expect((await myPermissions(asMember)).role).toBe('member');
  });

  it('does not let a custom role hand out a role ranked above it or holding more than it does', async () => {
    const role = (
      await call('POST', '/v1/roles', asOwner(), {
        name: 'recruiter',
        permissions: ['members:read', 'members:invite', 'members:update'],
      })
    ).json();
    const recruiter = await join(team1.owner, team1.tenantId, 'recruiter');
    const headers = as(recruiter, team1.tenantId);
    const invite = (r: string) => call('POST', `/v1/tenants/${team1.tenantId}/invites`, headers, { role: r });

    for (const target of ['owner', 'admin', 'member', 'viewer']) {
      expectError(await invite(target), 403, 'permission_denied');
      expectError(await setRole(headers, team1.tenantId, recruiter.userId, target), 403, 'permission_denied');
    }
    const refused = await setRole(headers, team1.tenantId, team1.viewer.userId, 'member');
    expect(refused.json().error.details).toMatchObject({
      role: 'member',
      permissions_not_held: expect.arrayContaining(['chat:write']),
    });
    expect(role.permissions).toEqual(['members:read', 'members:invite', 'members:update']);
    expect(await myPermissions(headers)).toMatchObject({ role: 'recruiter', permissions: role.permissions });
    // Handing out its own role (or less) is fine.
    expect((await invite('recruiter')).statusCode).toBe(201);
  });

  it('does not let roles:write put permissions the caller lacks into a role, its own included', async () => {
    const editorRole = (
      await call('POST', '/v1/roles', asOwner(), {
        name: 'role-editor',
        permissions: ['roles:read', 'roles:write', 'chat:read'],
      })
    ).json();
    const editor = await join(team1.owner, team1.tenantId, 'role-editor');
    const headers = as(editor, team1.tenantId);
    const escalate = await call('PATCH', `/v1/roles/${editorRole.id}`, headers, {
      permissions: [...PERMISSIONS],
    });
    expectError(escalate, 403, 'permission_denied');
    expect(escalate.json().error.details.permissions_not_held).toContain('audit:read');
    expectError(
      await call('POST', '/v1/roles', headers, { name: unique('sneaky'), permissions: ['audit:read'] }),
      403,
      'permission_denied',
    );
    expect((await myPermissions(headers)).permissions).toEqual(['roles:read', 'roles:write', 'chat:read']);
    const within = await call('POST', '/v1/roles', headers, {
      name: unique('reader'),
      permissions: ['chat:read'],
    });
    expect(within.statusCode, within.body).toBe(201);
  });

  it('does not let a custom role change or remove someone ranked above it or holding more than it does', async () => {
    await call('POST', '/v1/roles', asOwner(), {
      name: 'people-ops',
      permissions: ['members:read', 'members:update', 'members:remove', 'chat:read'],
    });
    const ops = await join(team1.owner, team1.tenantId, 'people-ops');
    const headers = as(ops, team1.tenantId);
    const victimAdmin = await join(team1.owner, team1.tenantId, 'admin');
    const victimMember = await join(team1.owner, team1.tenantId, 'member');
    const cases: [string, Promise<LightMyRequestResponse>][] = [
      ['demote an admin', setRole(headers, team1.tenantId, victimAdmin.userId, 'viewer')],
      [
        'remove an admin',
        call('DELETE', `/v1/tenants/${team1.tenantId}/members/${victimAdmin.userId}`, headers),
      ],
      // A member holds chat:write, which people-ops lacks.
      [
        'remove a member',
        call('DELETE', `/v1/tenants/${team1.tenantId}/members/${victimMember.userId}`, headers),
      ],
    ];
    for (const [label, pending] of cases) {
      const response = await pending;
      expect(response.statusCode, `${label}: ${response.body}`).toBe(403);
      expect(response.json().error.code).toBe('permission_denied');
    }
    expect((await myPermissions(as(victimAdmin, team1.tenantId))).role).toBe('admin');
    expect((await myPermissions(as(victimMember, team1.tenantId))).role).toBe('member');
    // Someone it outranks on every count it may manage.
    const peer = await join(team1.owner, team1.tenantId, 'people-ops');
    expect(
      (await call('DELETE', `/v1/tenants/${team1.tenantId}/members/${peer.userId}`, headers)).statusCode,
    ).toBe(204);
  });

  it('keeps the last owner: no demotion, no leaving, until there is another owner', async () => {
    const solo = await registerUser(t.app, uniqueEmail('solo'));
    const tenantId = solo.tenantId;
    const asSolo = as(solo, tenantId);
    expectError(await setRole(asSolo, tenantId, solo.userId, 'admin'), 409, 'last_owner');
    expectError(
      await call('DELETE', `/v1/tenants/${tenantId}/members/${solo.userId}`, asSolo),
      409,
      'last_owner',
    );
    expect((await myPermissions(asSolo)).role).toBe('owner');

    const heir = await join(solo, tenantId, 'admin');
    expect((await setRole(asSolo, tenantId, heir.userId, 'owner')).statusCode).toBe(204);
    expect((await setRole(asSolo, tenantId, solo.userId, 'admin')).statusCode).toBe(204);
    expect((await myPermissions(asSolo)).role).toBe('admin');
    // Now heir is the last owner.
    const asHeir = as(heir, tenantId);
    expectError(
      await call('DELETE', `/v1/tenants/${tenantId}/members/${heir.userId}`, asHeir),
      409,
      'last_owner',
    );
    expectError(await setRole(asHeir, tenantId, heir.userId, 'viewer'), 409, 'last_owner');
  });
});

describe('API keys', () => {
  let team1: Team;
  beforeAll(async () => {
    team1 = await team();
  });
  const listKeys = async (s: Session) => {
    const response = await call('GET', '/v1/api-keys', as(s, team1.tenantId));
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data as Array<Record<string, unknown>>;
  };

  it('shows the nx- secret once; the list shows prefix, scopes, creator and last use, never the secret', async () => {
    const response = await call('POST', '/v1/api-keys', as(team1.member, team1.tenantId), {
      name: 'ci',
      scopes: ['tenant:read', 'members:read', 'tenant:read'],
    });
    expect(response.statusCode, response.body).toBe(201);
    const key = response.json();
    expect(key).toEqual({
      id: expect.stringMatching(/^key_/),
      name: 'ci',
      prefix: key.secret.slice(0, 10),
      scopes: ['tenant:read', 'members:read'],
      created_by: team1.member.userId,
      created_at: expect.any(String),
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
      secret: expect.stringMatching(/^nx-[A-Za-z0-9_-]{20,}$/),
    });

    const listResponse = await call('GET', '/v1/api-keys', as(team1.owner, team1.tenantId));
    expect(listResponse.body).not.toContain(key.secret);
    expect(listResponse.body).not.toContain('secret');
    const listed = listResponse.json().data.find((k: { id: string }) => k.id === key.id);
    expect(listed).toEqual({
      id: key.id,
      name: 'ci',
      prefix: key.prefix,
      scopes: ['tenant:read', 'members:read'],
      created_by: team1.member.userId,
      created_at: key.created_at,
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    });

    // Works as a Bearer token and as x-api-key.
    const byBearer = await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret));
    expect(byBearer.statusCode, byBearer.body).toBe(200);
    expect(byBearer.json().id).toBe(team1.tenantId);
    const byHeader = await call('GET', `/v1/tenants/${team1.tenantId}/members`, { 'x-api-key': key.secret });
    expect(byHeader.statusCode, byHeader.body).toBe(200);
    // Without a header the key acts in its own tenant.
    expect(await myPermissions(bearer(key.secret))).toEqual({
      tenant_id: team1.tenantId,
      role: null,
      permissions: ['tenant:read', 'members:read'],
    });

    // last_used_at is written off the request path, at most once a minute.
    await expect
      .poll(async () => (await listKeys(team1.member)).find((k) => k.id === key.id)?.last_used_at, {
        timeout: 10_000,
      })
      .toEqual(expect.any(String));
    const firstUse = (await listKeys(team1.member)).find((k) => k.id === key.id)!.last_used_at;
    expect(Date.parse(firstUse as string)).toBeGreaterThanOrEqual(Date.parse(key.created_at));
    expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret))).statusCode).toBe(200);
    expect((await listKeys(team1.member)).find((k) => k.id === key.id)!.last_used_at).toBe(firstUse);
  });

  it('answers 403 insufficient_scope outside its scopes', async () => {
    const key = await createKey(team1.owner, team1.tenantId, ['tenant:read']);
    const response = await call('GET', `/v1/tenants/${team1.tenantId}/members`, bearer(key.secret));
    expectError(response, 403, 'insufficient_scope');
    expect(response.json().error.details).toEqual({ permission: 'members:read' });
    expectError(
      await call('GET', '/v1/audit-events', { 'x-api-key': key.secret }),
      403,
      'insufficient_scope',
    );
  });

  it.each([
    ['a scope the creator lacks', ['tenant:read', 'audit:read'], 'validation_failed'],
    ['an unknown scope', ['audit:write'], 'validation_failed'],
    ['no scopes', [], 'validation_failed'],
  ])('refuses a member a key with %s (400)', async (_label, scopes, code) => {
    const before = (await listKeys(team1.owner)).length;
    const response = await call('POST', '/v1/api-keys', as(team1.member, team1.tenantId), {
      name: 'x',
      scopes,
    });
    expectError(response, 400, code);
    expect((await listKeys(team1.owner)).length).toBe(before);
  });

  it('names the scopes the creator lacks', async () => {
    const response = await call('POST', '/v1/api-keys', as(team1.member, team1.tenantId), {
      name: 'x',
      scopes: ['tenant:read', 'audit:read', 'roles:write'],
    });
    expectError(response, 400, 'validation_failed');
    expect(response.json().error.details).toEqual({ scopes_not_held: ['audit:read', 'roles:write'] });
  });

  it('refuses an expires_at in the past or malformed (400)', async () => {
    for (const expires_at of [new Date(Date.now() - 1000).toISOString(), 'tomorrow', '2030-01-01']) {
      const response = await call('POST', '/v1/api-keys', as(team1.owner, team1.tenantId), {
        name: 'x',
        scopes: ['tenant:read'],
        expires_at,
      });
      expectError(response, 400, 'validation_failed');
    }
  });

  it("follows its creator's current role: scopes ∩ permissions, evaluated on every request", async () => {
    const creator = await join(team1.owner, team1.tenantId, 'member');
    const key = await createKey(creator, team1.tenantId, ['tenant:read', 'api_keys:read']);
    const use = () => call('GET', '/v1/api-keys', bearer(key.secret));
    expect((await use()).statusCode).toBe(200);

    expect(
      (await setRole(as(team1.owner, team1.tenantId), team1.tenantId, creator.userId, 'viewer')).statusCode,
    ).toBe(204);
    const denied = await use();
    expectError(denied, 403, 'permission_denied');
    expect(denied.json().error.details).toEqual({ permission: 'api_keys:read' });
    expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret))).statusCode).toBe(200);
    expect((await myPermissions(bearer(key.secret))).permissions).toEqual(['tenant:read']);

    // Promoting the creator back does not give the key more than its scopes.
    expect(
      (await setRole(as(team1.owner, team1.tenantId), team1.tenantId, creator.userId, 'admin')).statusCode,
    ).toBe(204);
    expect((await use()).statusCode).toBe(200);
    expect((await myPermissions(bearer(key.secret))).permissions).toEqual(['tenant:read', 'api_keys:read']);
    expectError(await call('GET', '/v1/audit-events', bearer(key.secret)), 403, 'insufficient_scope');
  });

  it('stops working when its creator leaves or is removed from the tenant (404, like any foreign tenant)', async () => {
    const leaver = await join(team1.owner, team1.tenantId, 'member');
    const removed = await join(team1.owner, team1.tenantId, 'member');
    const leaverKey = await createKey(leaver, team1.tenantId, ['tenant:read']);
    const removedKey = await createKey(removed, team1.tenantId, ['tenant:read']);
    for (const key of [leaverKey, removedKey])
      expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret))).statusCode).toBe(200);

    const leave = await call('DELETE', `/v1/tenants/${team1.tenantId}/members/${leaver.userId}`, leaver.auth);
    expect(leave.statusCode, leave.body).toBe(204);
    const kick = await call(
      'DELETE',
      `/v1/tenants/${team1.tenantId}/members/${removed.userId}`,
      as(team1.owner, team1.tenantId),
    );
    expect(kick.statusCode, kick.body).toBe(204);
    for (const key of [leaverKey, removedKey]) {
      expectError(await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret)), 404, 'not_found');
      expectError(await call('GET', '/v1/me/permissions', bearer(key.secret)), 404, 'not_found');
    }
  });

  it('stops working at once when its creator is disabled, and again works when re-enabled', async () => {
    const adminEmail = uniqueEmail('platform-admin');
    await t.container.services.adminBootstrap.ensureAdmin(adminEmail, PASSWORD);
    const adminLogin = await login(t.app, adminEmail);
    expect(adminLogin.statusCode, adminLogin.body).toBe(200);
    const platformAdmin = { authorization: `Bearer ${adminLogin.json().access_token}` };

    const creator = await join(team1.owner, team1.tenantId, 'member');
    const key = await createKey(creator, team1.tenantId, ['tenant:read']);
    const use = () => call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret));
    expect((await use()).statusCode).toBe(200); // now in the lookup cache

    const disabled = await call('POST', `/v1/admin/users/${creator.userId}/disable`, platformAdmin);
    expect(disabled.statusCode, disabled.body).toBe(200);
    expectError(await use(), 401, 'invalid_api_key');
    expectError(await call('GET', '/v1/me/permissions', { 'x-api-key': key.secret }), 401, 'invalid_api_key');

    expect((await call('POST', `/v1/admin/users/${creator.userId}/enable`, platformAdmin)).statusCode).toBe(
      200,
    );
    expect((await use()).statusCode).toBe(200);
  });

  it('is refused with 401 invalid_api_key right after it is revoked, on both headers', async () => {
    const key = await createKey(team1.member, team1.tenantId, ['tenant:read']);
    const other = await createKey(team1.member, team1.tenantId, ['tenant:read']);
    expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret))).statusCode).toBe(200);

    const revoked = await call('DELETE', `/v1/api-keys/${key.id}`, as(team1.member, team1.tenantId));
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toMatchObject({ id: key.id, revoked_at: expect.any(String) });
    expect(revoked.body).not.toContain(key.secret);
    expectError(
      await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret)),
      401,
      'invalid_api_key',
    );
    expectError(
      await call('GET', `/v1/tenants/${team1.tenantId}`, { 'x-api-key': key.secret }),
      401,
      'invalid_api_key',
    );
    // Other keys are untouched; revoking again answers the same revoked key.
    expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(other.secret))).statusCode).toBe(200);
    const again = await call('DELETE', `/v1/api-keys/${key.id}`, as(team1.owner, team1.tenantId));
    expect(again.statusCode).toBe(200);
    expect(again.json().revoked_at).toBe(revoked.json().revoked_at);
    expect((await listKeys(team1.owner)).find((k) => k.id === key.id)?.revoked_at).toBe(
      revoked.json().revoked_at,
    );
    // A viewer may not revoke; another tenant's owner gets 404.
    expectError(
      await call('DELETE', `/v1/api-keys/${other.id}`, as(team1.viewer, team1.tenantId)),
      403,
      'permission_denied',
    );
    const outsider = await registerUser(t.app, uniqueEmail('outsider'));
    expectError(await call('DELETE', `/v1/api-keys/${other.id}`, outsider.auth), 404, 'not_found');
    expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(other.secret))).statusCode).toBe(200);
  });

  it('is refused with 401 invalid_api_key once expires_at has passed', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const key = await createKey(team1.owner, team1.tenantId, ['tenant:read'], {
      expires_at: expiresAt.toISOString(),
    });
    expect(key).toMatchObject({ expires_at: expiresAt.toISOString() });
    const use = () => call('GET', `/v1/tenants/${team1.tenantId}`, bearer(key.secret));
    expect((await use()).statusCode).toBe(200);
    // Move the clock past the expiry instead of sleeping (only Date is faked; I/O and timers stay real).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(expiresAt.getTime() + 1000);
      expectError(await use(), 401, 'invalid_api_key');
    } finally {
      vi.useRealTimers();
    }
  });

  describe('malformed or unknown secrets', () => {
    let real: string;
    beforeAll(async () => {
      real = (await createKey(team1.owner, team1.tenantId, ['tenant:read'])).secret;
    });
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');

    it.each([
      ['bare prefix', 'invalid_api_key', () => bearer('nx-')],
      ['unknown secret', 'invalid_api_key', () => bearer('nx-thisisnotarealkeyatall0123456789')],
      ['last character changed', 'invalid_api_key', () => bearer(flip(real))],
      ['truncated', 'invalid_api_key', () => bearer(real.slice(0, -1))],
      ['extended', 'invalid_api_key', () => bearer(`${real}x`)],
      ['the shown prefix only', 'invalid_api_key', () => bearer(real.slice(0, 10))],
      ['overlong', 'invalid_api_key', () => bearer(`nx-${'a'.repeat(300)}`)],
      ['x-api-key without nx-', 'invalid_api_key', () => ({ 'x-api-key': real.slice(3) })],
      ['x-api-key changed', 'invalid_api_key', () => ({ 'x-api-key': flip(real) })],
      ['x-api-key unknown', 'invalid_api_key', () => ({ 'x-api-key': 'nx-unknown' })],
      ['upper-case NX- (taken for a JWT)', 'invalid_token', () => bearer(`NX-${real.slice(3)}`)],
      ['no Bearer scheme', 'authentication_required', () => ({ authorization: real })],
      ['a space inside', 'authentication_required', () => ({ authorization: `Bearer nx-abc def` })],
    ])('%s → 401 %s', async (_label, code, headers) => {
      expectError(await call('GET', `/v1/tenants/${team1.tenantId}`, headers()), 401, code);
    });

    it('still accepts the real key (the table did not pass by accident)', async () => {
      expect((await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(real))).statusCode).toBe(200);
    });
  });

  it('may not create keys at all, and manages keys and roles only within its scopes and its creator', async () => {
    const manager = await createKey(team1.admin, team1.tenantId, [
      'api_keys:read',
      'api_keys:write',
      'roles:read',
      'roles:write',
      'chat:read',
    ]);
    const asKey = bearer(manager.secret);
    // No key minting by keys, whatever the scopes.
    const mint = await call('POST', '/v1/api-keys', asKey, { name: 'child', scopes: ['chat:read'] });
    expectError(mint, 403, 'permission_denied');
    // Reading and revoking keys is what api_keys:read|write allow.
    expect((await call('GET', '/v1/api-keys', asKey)).statusCode).toBe(200);
    const victim = await createKey(team1.member, team1.tenantId, ['tenant:read']);
    expect((await call('DELETE', `/v1/api-keys/${victim.id}`, asKey)).statusCode).toBe(200);
    expectError(
      await call('GET', `/v1/tenants/${team1.tenantId}`, bearer(victim.secret)),
      401,
      'invalid_api_key',
    );
    // Roles: only with permissions the key itself has.
    const ok = await call('POST', '/v1/roles', asKey, { name: unique('by-key'), permissions: ['chat:read'] });
    expect(ok.statusCode, ok.body).toBe(201);
    expectError(
      await call('POST', '/v1/roles', asKey, { name: unique('by-key'), permissions: ['audit:read'] }),
      403,
      'permission_denied',
    );
    expectError(
      await call('PATCH', `/v1/roles/${ok.json().id}`, asKey, { permissions: [...PERMISSIONS] }),
      403,
      'permission_denied',
    );
    // Keys never touch the owner role or invites (user-only), nor members without the scope.
    expectError(
      await call('POST', `/v1/tenants/${team1.tenantId}/invites`, asKey, { role: 'viewer' }),
      403,
      'permission_denied',
    );
    expectError(
      await setRole(asKey, team1.tenantId, team1.viewer.userId, 'member'),
      403,
      'insufficient_scope',
    );
    // A key without roles:write may not write roles even if its creator may.
    const reader = await createKey(team1.admin, team1.tenantId, ['roles:read']);
    expectError(
      await call('POST', '/v1/roles', bearer(reader.secret), { name: unique('nope'), permissions: [] }),
      403,
      'insufficient_scope',
    );
  });

  it('is bound to its tenant: naming another tenant answers 404', async () => {
    const second = await call('POST', '/v1/tenants', team1.owner.auth, { name: 'Elsewhere' });
    const secondId = second.json().id as string;
    const key = await createKey(team1.owner, team1.tenantId, [...PERMISSIONS]);
    const asKey = bearer(key.secret);
    expect((await call('GET', '/v1/roles', { ...asKey, 'x-nexus-tenant': team1.tenantId })).statusCode).toBe(
      200,
    );
    // The creator owns the other tenant, but the key is not for it.
    expectError(await call('GET', '/v1/roles', { ...asKey, 'x-nexus-tenant': secondId }), 404, 'not_found');
    expectError(
      await call('GET', '/v1/api-keys', { ...asKey, 'x-nexus-tenant': secondId }),
      404,
      'not_found',
    );
    expectError(await call('GET', `/v1/tenants/${secondId}`, asKey), 404, 'not_found');
    expectError(await call('GET', `/v1/tenants/${secondId}/members`, asKey), 404, 'not_found');
    expectError(await call('GET', `/v1/me/permissions?tenant_id=${secondId}`, asKey), 404, 'not_found');
    expectError(
      await call('PATCH', `/v1/tenants/${secondId}`, { 'x-api-key': key.secret }, { name: 'hijacked' }),
      404,
      'not_found',
    );
    const secondNow = await call('GET', `/v1/tenants/${secondId}`, team1.owner.auth);
    expect(secondNow.json().name).toBe('Elsewhere');
  });
});

describe('audit events for keys and roles', () => {
  let team1: Team;
  beforeAll(async () => {
    team1 = await team();
  });
  const asOwner = () => as(team1.owner, team1.tenantId);

  it('records key creation and revocation, by users and by keys', async () => {
    const key = await createKey(team1.member, team1.tenantId, ['tenant:read', 'members:read']);
    const revoker = await createKey(team1.admin, team1.tenantId, ['api_keys:write']);
    expect((await call('DELETE', `/v1/api-keys/${key.id}`, bearer(revoker.secret))).statusCode).toBe(200);

    const created = await auditEvents(asOwner(), 'api_key.create');
    expect(created.find((e) => e.target_id === key.id)).toMatchObject({
      tenant_id: team1.tenantId,
      actor_type: 'user',
      actor_id: team1.member.userId,
      action: 'api_key.create',
      target_type: 'api_key',
      result: 'success',
      details: { scopes: ['tenant:read', 'members:read'] },
    });
    expect(JSON.stringify(created)).not.toContain(key.secret);
    const revoked = await auditEvents(asOwner(), 'api_key.revoke');
    expect(revoked.filter((e) => e.target_id === key.id)).toEqual([
      expect.objectContaining({ actor_type: 'api_key', actor_id: revoker.id, result: 'success' }),
    ]);
    // Only the asked-for action comes back.
    expect(new Set(revoked.map((e) => e.action))).toEqual(new Set(['api_key.revoke']));
  });

  it('records role creation, change, deletion and role assignment', async () => {
    const role = (
      await call('POST', '/v1/roles', asOwner(), { name: 'support', permissions: ['chat:read'] })
    ).json();
    await call('PATCH', `/v1/roles/${role.id}`, asOwner(), { permissions: ['chat:read', 'chat:write'] });
    expect((await setRole(asOwner(), team1.tenantId, team1.viewer.userId, 'support')).statusCode).toBe(204);
    expect((await setRole(asOwner(), team1.tenantId, team1.viewer.userId, 'viewer')).statusCode).toBe(204);
    expect((await call('DELETE', `/v1/roles/${role.id}`, asOwner())).statusCode).toBe(204);

    const byAction = async (action: string) =>
      (await auditEvents(asOwner(), action)).filter((e) => e.target_id === role.id);
    expect(await byAction('role.create')).toEqual([
      expect.objectContaining({ actor_id: team1.owner.userId, details: { permissions: ['chat:read'] } }),
    ]);
    expect(await byAction('role.update')).toEqual([
      expect.objectContaining({ details: { permissions: ['chat:read', 'chat:write'] } }),
    ]);
    expect(await byAction('role.delete')).toEqual([expect.objectContaining({ target_type: 'role' })]);
    const changes = (await auditEvents(asOwner(), 'member.role_change')).filter(
      (e) => e.target_id === team1.viewer.userId,
    );
    expect(changes.map((e) => e.details)).toEqual([
      { from: 'support', to: 'viewer' },
      { from: 'viewer', to: 'support' },
    ]);
  });

  it('does not show one tenant’s events in another, nor to those without audit:read', async () => {
    const outsider = await registerUser(t.app, uniqueEmail('outsider'));
    const theirKey = await createKey(outsider, outsider.tenantId, ['tenant:read']);
    const theirs = await auditEvents(outsider.auth, 'api_key.create');
    expect(theirs.map((e) => [e.tenant_id, e.target_id])).toEqual([[outsider.tenantId, theirKey.id]]);
    expectError(await call('GET', '/v1/audit-events', as(outsider, team1.tenantId)), 404, 'not_found');
    expectError(
      await call('GET', '/v1/audit-events', as(team1.member, team1.tenantId)),
      403,
      'permission_denied',
    );
  });
});

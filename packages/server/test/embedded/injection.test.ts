import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session, uniqueEmail } from '../support/identity.js';

/**
 * Injection strings in every text field of the identity API. Free text (names, descriptions, device
 * names) is data: it is stored and returned byte for byte and touches nothing else. Structured fields
 * (emails, role names, permissions, tokens, ids, filters) refuse it with a clear 4xx and a stable code.
 * A NUL character, which PostgreSQL cannot store, is refused everywhere rather than failing as a 500.
 */

const INJECTIONS = [
  ["' OR '1'='1"],
  ["'; DROP TABLE users; --"],
  ['" OR ""="'],
  ['1); DELETE FROM tenants WHERE (1=1'],
  ["admin'--"],
  ['{"$ne": null}'],
  ['{"is_platform_admin": true}'],
  ['</script><script>alert(1)</script>'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell-style payload, meant literally
  ['${jndi:ldap://127.0.0.1/a}'],
  ['../../../../etc/passwd'],
  ['%00%27%22'],
  ['\\u0000'],
  ['名字; 删除 表'],
] as const;

const NUL = 'before\u0000after';

const TABLES = [
  'users',
  'tenants',
  'memberships',
  'roles',
  'api_keys',
  'invites',
  'sessions',
  'password_resets',
] as const;

describe('injection strings in every text field', () => {
  let t: TestApp;
  let s: Session;

  async function counts(): Promise<Record<(typeof TABLES)[number], number>> {
    const out = {} as Record<(typeof TABLES)[number], number>;
    for (const table of TABLES) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
        t.container.database.db,
      );
      out[table] = rows[0]!.n;
    }
    return out;
  }

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOGIN_MAX_FAILURES_PER_IP: '1000', LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' },
    });
    s = await registerUser(t.app);
  });
  afterAll(() => t.close());

  describe('free text is stored verbatim and changes nothing else', () => {
    const fields: [string, (value: string) => Promise<string>][] = [
      [
        'register display_name',
        async (value) => {
          const r = await t.app.inject({
            method: 'POST',
            url: '/v1/auth/register',
            payload: { email: uniqueEmail('inj'), password: 'a long enough passphrase', display_name: value },
          });
          expect(r.statusCode, r.body).toBe(201);
          const me = await t.app.inject({
            method: 'GET',
            url: '/v1/me',
            headers: { authorization: `Bearer ${r.json().access_token}` },
          });
          return me.json().user.display_name;
        },
      ],
      [
        'tenant name',
        async (value) => {
          const r = await t.app.inject({
            method: 'POST',
            url: '/v1/tenants',
            headers: s.auth,
            payload: { name: value },
          });
          expect(r.statusCode, r.body).toBe(201);
          const renamed = await t.app.inject({
            method: 'PATCH',
            url: `/v1/tenants/${r.json().id}`,
            headers: s.auth,
            payload: { name: `${value}!` },
          });
          expect(renamed.json().name).toBe(`${value}!`);
          return r.json().name;
        },
      ],
      [
        'role description',
        async (value) => {
          const name = `r${Math.random().toString(36).slice(2, 10)}`;
          const r = await t.app.inject({
            method: 'POST',
            url: '/v1/roles',
            headers: s.auth,
            payload: { name, description: value, permissions: ['chat:read'] },
          });
          expect(r.statusCode, r.body).toBe(201);
          return r.json().description;
        },
      ],
      [
        'API key name',
        async (value) => {
          const r = await t.app.inject({
            method: 'POST',
            url: '/v1/api-keys',
            headers: s.auth,
            payload: { name: value, scopes: ['chat:read'] },
          });
          expect(r.statusCode, r.body).toBe(201);
          const list = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: s.auth });
          return list.json().data.find((k: { id: string }) => k.id === r.json().id).name;
        },
      ],
      [
        'login device_name',
        async (value) => {
          const email = uniqueEmail('dev');
          await registerUser(t.app, email);
          const r = await t.app.inject({
            method: 'POST',
            url: '/v1/auth/login',
            payload: { email, password: 'correct horse battery staple', device_name: value },
          });
          expect(r.statusCode, r.body).toBe(200);
          const sessions = await t.app.inject({
            method: 'GET',
            url: '/v1/me/sessions',
            headers: { authorization: `Bearer ${r.json().access_token}` },
          });
          return sessions.json().data.find((x: { current: boolean }) => x.current).device_name;
        },
      ],
    ];

    const cases = fields.flatMap(([field, roundTrip]) =>
      INJECTIONS.map(([value]) => [field, value, roundTrip] as const),
    );

    it.each(cases)('%s = %s', async (_field, value, roundTrip) => {
      const usersBefore = (await counts()).users;
      expect(await roundTrip(value)).toBe(value);
      // Every table is still there and the user count moved by at most the one registration.
      const after = await counts();
      expect(after.users - usersBefore).toBeLessThanOrEqual(2);
    });
  });

  describe('structured fields refuse it with a stable code and store nothing', () => {
    type Call = {
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
      url: string;
      payload?: object;
      auth?: boolean;
    };
    const structured: [string, (value: string) => Call, number, string][] = [
      [
        'register email',
        (v) => ({
          method: 'POST',
          url: '/v1/auth/register',
          payload: { email: v, password: 'long enough pass' },
        }),
        400,
        'validation_failed',
      ],
      [
        'login email',
        (v) => ({ method: 'POST', url: '/v1/auth/login', payload: { email: v, password: 'x' } }),
        400,
        'validation_failed',
      ],
      [
        'password reset email',
        (v) => ({ method: 'POST', url: '/v1/auth/password-reset/request', payload: { email: v } }),
        400,
        'validation_failed',
      ],
      [
        'refresh token',
        (v) => ({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: v } }),
        401,
        'invalid_refresh_token',
      ],
      [
        'password reset token',
        (v) => ({
          method: 'POST',
          url: '/v1/auth/password-reset/confirm',
          payload: { token: v, new_password: 'a brand new passphrase' },
        }),
        401,
        'invalid_reset_token',
      ],
      [
        'invite token',
        (v) => ({ method: 'POST', url: '/v1/invites/accept', payload: { token: v }, auth: true }),
        404,
        'invalid_invite',
      ],
      [
        'invite email',
        (v) => ({
          method: 'POST',
          url: '/v1/tenants/{tenant}/invites',
          payload: { role: 'member', email: v },
          auth: true,
        }),
        400,
        'validation_failed',
      ],
      [
        'invite role',
        (v) => ({ method: 'POST', url: '/v1/tenants/{tenant}/invites', payload: { role: v }, auth: true }),
        400,
        'validation_failed',
      ],
      [
        'role name',
        (v) => ({ method: 'POST', url: '/v1/roles', payload: { name: v, permissions: [] }, auth: true }),
        400,
        'validation_failed',
      ],
      [
        'role permission',
        (v) => ({
          method: 'POST',
          url: '/v1/roles',
          payload: { name: 'valid-name', permissions: [v] },
          auth: true,
        }),
        400,
        'validation_failed',
      ],
      [
        'API key scope',
        (v) => ({ method: 'POST', url: '/v1/api-keys', payload: { name: 'k', scopes: [v] }, auth: true }),
        400,
        'validation_failed',
      ],
      [
        'API key expires_at',
        (v) => ({
          method: 'POST',
          url: '/v1/api-keys',
          payload: { name: 'k', scopes: ['chat:read'], expires_at: v },
          auth: true,
        }),
        400,
        'validation_failed',
      ],
      [
        'member role',
        (v) => ({
          method: 'PATCH',
          url: '/v1/tenants/{tenant}/members/{user}',
          payload: { role: v },
          auth: true,
        }),
        400,
        'validation_failed',
      ],
      [
        'tenant id in the path',
        (v) => ({ method: 'GET', url: `/v1/tenants/${encodeURIComponent(v)}`, auth: true }),
        400,
        'invalid_id',
      ],
      [
        'session id in the path',
        (v) => ({ method: 'DELETE', url: `/v1/me/sessions/${encodeURIComponent(v)}`, auth: true }),
        400,
        'invalid_id',
      ],
      [
        'audit cursor',
        (v) => ({ method: 'GET', url: `/v1/audit-events?cursor=${encodeURIComponent(v)}`, auth: true }),
        400,
        'validation_failed',
      ],
      [
        'audit since',
        (v) => ({ method: 'GET', url: `/v1/audit-events?since=${encodeURIComponent(v)}`, auth: true }),
        400,
        'validation_failed',
      ],
    ];

    const cases = structured.flatMap(([field, call, status, code]) => [
      ...INJECTIONS.map(([v]) => [field, v, call, status, code] as const),
      // A NUL is refused at the edge before the field's own checks.
      [field, NUL, call, 400, 'validation_failed'] as const,
    ]);

    it.each(cases)('%s = %j', async (_field, value, call, status, code) => {
      const before = await counts();
      const c = call(value);
      const response = await t.app.inject({
        method: c.method,
        url: c.url.replace('{tenant}', s.tenantId).replace('{user}', s.userId),
        ...(c.payload ? { payload: c.payload } : {}),
        ...(c.auth ? { headers: s.auth } : {}),
      });
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json().error.code).toBe(code);
      expect(await counts()).toEqual(before);
    });
  });

  describe('a NUL character in free text is a 400, never a 500', () => {
    it.each([
      [
        'register display_name',
        '/v1/auth/register',
        () => ({ email: uniqueEmail('nul'), password: 'long enough pass', display_name: NUL }),
      ],
      [
        'register password',
        '/v1/auth/register',
        () => ({ email: uniqueEmail('nul'), password: `long enough ${NUL}` }),
      ],
      ['tenant name', '/v1/tenants', () => ({ name: NUL })],
      ['role description', '/v1/roles', () => ({ name: 'nul-role', description: NUL, permissions: [] })],
      ['API key name', '/v1/api-keys', () => ({ name: NUL, scopes: ['chat:read'] })],
      ['wechat code', '/v1/auth/wechat', () => ({ code: NUL })],
    ])('%s', async (_field, url, payload) => {
      const before = await counts();
      const response = await t.app.inject({ method: 'POST', url, headers: s.auth, payload: payload() });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'validation_failed',
        details: [{ location: 'body', issue: 'nul_character' }],
      });
      expect(await counts()).toEqual(before);
    });
  });

  describe('JSON-shaped injection', () => {
    it.each([
      ['an operator object for the email', { email: { $ne: null }, password: 'x' }],
      ['an operator object for the password', { email: 'a@example.com', password: { $gt: '' } }],
      ['an array for the email', { email: ['a@example.com'], password: 'x' }],
      ['a number for the password', { email: 'a@example.com', password: 12345678 }],
      ['an extra privileged field', { email: 'a@example.com', password: 'x', is_platform_admin: true }],
    ])('login with %s → 400 validation_failed', async (_label, payload) => {
      const response = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    });

    it.each([
      [
        '__proto__',
        '{"email":"p@example.com","password":"long enough pass","__proto__":{"is_platform_admin":true}}',
      ],
      [
        'constructor.prototype',
        '{"email":"p@example.com","password":"long enough pass","constructor":{"prototype":{"is_platform_admin":true}}}',
      ],
    ])('a %s key in the body is refused and nobody becomes an admin', async (_label, body) => {
      const before = await counts();
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(['invalid_json', 'validation_failed']).toContain(response.json().error.code);
      expect(await counts()).toEqual(before);
      expect(({} as Record<string, unknown>).is_platform_admin).toBeUndefined();
    });

    it.each([
      ['/v1/audit-events?action=login%00', 'querystring'],
      ['/v1/audit-events?actor_id=%00', 'querystring'],
      ['/v1/admin/users?email=a%00@example.com', 'querystring'],
      ['/v1/me/sessions/ses_%00', 'params'],
    ])('a NUL in the URL (%s) → 400 validation_failed', async (url, location) => {
      const response = await t.app.inject({ method: 'GET', url, headers: s.auth });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'validation_failed',
        details: [{ location, issue: 'nul_character' }],
      });
    });

    it.each([["' OR 1=1 --"], ['ten_abc; drop'], ['ten_']])(
      'X-Nexus-Tenant = %j → 400 invalid_id',
      async (value) => {
        const response = await t.app.inject({
          method: 'GET',
          url: '/v1/me/permissions',
          headers: { ...s.auth, 'x-nexus-tenant': value },
        });
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json().error.code).toBe('invalid_id');
      },
    );
  });
});

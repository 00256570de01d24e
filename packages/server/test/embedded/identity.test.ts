import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKeys } from '../../src/modules/identity/signing-keys.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { CapturingMailer, login, PASSWORD, registerUser, uniqueEmail } from '../support/identity.js';

describe('registration and login', () => {
  let t: TestApp;
  const mailer = new CapturingMailer();
  beforeAll(async () => {
    t = await createTestApp({ mailer, env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' } });
  });
  afterAll(() => t.close());

  it('registers, creates a personal tenant owned by the user, and logs in', async () => {
    const email = uniqueEmail('ada');
    const s = await registerUser(t.app, email);
    const me = (await t.app.inject({ method: 'GET', url: '/v1/me', headers: s.auth })).json();
    expect(me.user).toMatchObject({ id: s.userId, email, is_platform_admin: false, status: 'active' });
    expect(me.tenants).toEqual([expect.objectContaining({ id: s.tenantId, role: 'owner' })]);
    const again = await login(t.app, email.toUpperCase());
    expect(again.statusCode).toBe(200);
    expect(again.json().session_id).not.toBe(s.sessionId);
  });

  it('refuses a duplicate email, in any case, with 409 email_taken', async () => {
    const email = uniqueEmail('dup');
    await registerUser(t.app, email);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('email_taken');
  });

  it.each([
    ['too short', 'short'],
    ['only spaces', '            '],
    ['the email itself', '{email}'],
    ['contains the email name', 'xx{local}xx-long-enough'],
    ['too long', 'x'.repeat(300)],
  ])('refuses a weak password (%s) and stores nothing', async (_label, template) => {
    const email = uniqueEmail('weak');
    const password = template.replace('{email}', email).replace('{local}', email.split('@')[0]!);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.details[0]).toMatchObject({ path: 'password', issue: 'weak_password' });
    expect((await login(t.app, email, password)).statusCode).toBe(401);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const email = uniqueEmail('same');
    await registerUser(t.app, email);
    const wrong = await login(t.app, email, 'not the password at all', { 'x-forwarded-for': '1.1.1.1' });
    const unknown = await login(t.app, uniqueEmail('nobody'), 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (b: { error: Record<string, unknown> }) => ({ ...b.error, request_id: undefined });
    expect(strip(wrong.json())).toEqual(strip(unknown.json()));
    expect(wrong.json().error.code).toBe('invalid_credentials');
  });

  it('throttles an account after repeated failures, saying when to retry', async () => {
    const email = uniqueEmail('throttle');
    await registerUser(t.app, email);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(t.app, email, 'wrong password!!')).statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const locked = await login(t.app, email);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('login_throttled');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('audits failed logins', async () => {
    const email = uniqueEmail('audit');
    const s = await registerUser(t.app, email);
    await login(t.app, email, 'wrong password!!');
    const rows = await t.container.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_id', '=', s.userId)
      .execute();
    expect(rows.map((r) => `${r.action}:${r.result}`)).toEqual(
      expect.arrayContaining(['auth.register:success', 'auth.login:failure']),
    );
  });
});

describe('tokens and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const refresh = (token: string) =>
    t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
  const me = (authorization: string) =>
    t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } });

  it('rotates the refresh token on every refresh', async () => {
    const s = await registerUser(t.app);
    const first = await refresh(s.refresh);
    expect(first.statusCode).toBe(200);
    const next = first.json();
    expect(next.refresh_token).not.toBe(s.refresh);
    expect(next.session_id).toBe(s.sessionId);
    expect((await refresh(next.refresh_token)).statusCode).toBe(200);
  });

  it('revokes the whole family when a used refresh token comes back, and audits it', async () => {
    const s = await registerUser(t.app);
    const rotated = (await refresh(s.refresh)).json();
    const replay = await refresh(s.refresh);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('refresh_token_reused');
    // The legitimate holder's newer tokens die with the family.
    expect((await refresh(rotated.refresh_token)).json().error.code).toBe('session_revoked');
    expect((await me(`Bearer ${rotated.access_token}`)).json().error.code).toBe('session_revoked');
    const events = await t.container.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'auth.refresh_token_reuse')
      .execute();
    expect(events.some((e) => e.actor_id === s.userId)).toBe(true);
  });

  it('lists device sessions and revokes one immediately', async () => {
    const email = uniqueEmail('sessions');
    const a = await registerUser(t.app, email);
    const b = (await login(t.app, email)).json();
    const list = (await t.app.inject({ method: 'GET', url: '/v1/me/sessions', headers: a.auth })).json();
    expect(list.data.map((s: { id: string }) => s.id).sort()).toEqual([a.sessionId, b.session_id].sort());
    expect(list.data.find((s: { id: string }) => s.id === a.sessionId).current).toBe(true);
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v1/me/sessions/${b.session_id}`,
      headers: a.auth,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await me(`Bearer ${b.access_token}`)).statusCode).toBe(401);
    expect((await me(a.auth.authorization)).statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/me/sessions/${b.session_id}`, headers: a.auth }))
        .statusCode,
    ).toBe(404);
  });

  it('logout revokes only the current session', async () => {
    const email = uniqueEmail('logout');
    const a = await registerUser(t.app, email);
    const b = (await login(t.app, email)).json();
    const response = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: a.auth });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await me(a.auth.authorization)).json().error.code).toBe('session_revoked');
    expect((await refresh(a.refresh)).json().error.code).toBe('session_revoked');
    expect((await me(`Bearer ${b.access_token}`)).statusCode).toBe(200);
  });

  it('logout-all revokes every session', async () => {
    const email = uniqueEmail('all');
    const a = await registerUser(t.app, email);
    const b = (await login(t.app, email)).json();
    const response = await t.app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: a.auth });
    expect(response.json()).toEqual({ revoked: 2 });
    expect((await me(a.auth.authorization)).statusCode).toBe(401);
    expect((await me(`Bearer ${b.access_token}`)).statusCode).toBe(401);
    expect((await refresh(b.refresh_token)).statusCode).toBe(401);
  });

  it('changing the password revokes the other sessions and keeps this one', async () => {
    const email = uniqueEmail('change');
    const a = await registerUser(t.app, email);
    const b = (await login(t.app, email)).json();
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/me/password',
      headers: a.auth,
      payload: { current_password: 'nope', new_password: 'another long password' },
    });
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/me/password',
      headers: a.auth,
      payload: { current_password: PASSWORD, new_password: 'another long password' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await me(a.auth.authorization)).statusCode).toBe(200);
    expect((await me(`Bearer ${b.access_token}`)).statusCode).toBe(401);
    expect((await login(t.app, email, 'another long password')).statusCode).toBe(200);
  });

  describe('access token attacks', () => {
    let valid: string;
    let keys: Awaited<ReturnType<typeof loadOrCreateSigningKeys>>;
    beforeAll(async () => {
      valid = (await registerUser(t.app)).access;
      keys = await loadOrCreateSigningKeys(t.container.database.db);
    });

    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    /** A token like ours, with one thing changed. */
    const forge = (
      changes: {
        alg?: string;
        kid?: string;
        secret?: Uint8Array;
        audience?: string;
        expired?: boolean;
        adm?: boolean;
      } = {},
    ) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sid: 'ses_x', adm: changes.adm ?? false })
        .setProtectedHeader({ alg: changes.alg ?? 'HS256', kid: changes.kid ?? keys[0]!.kid })
        .setSubject('usr_x')
        .setJti('j')
        .setIssuer('nexus')
        .setAudience(changes.audience ?? 'nexus-api')
        .setIssuedAt(changes.expired ? now - 3600 : now)
        .setExpirationTime(changes.expired ? now - 60 : now + 300)
        .sign(changes.secret ?? keys[0]!.secret);
    };
    const cases: [string, () => Promise<string> | string, string][] = [
      ['garbage', () => 'not-a-jwt', 'invalid_token'],
      ['two segments', () => 'aaa.bbb', 'invalid_token'],
      ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${valid.split('.')[1]}.`, 'invalid_token'],
      [
        'tampered payload (admin claim)',
        () => {
          const [h, p, s] = valid.split('.');
          const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
          return `${h}.${b64({ ...claims, adm: true })}.${s}`;
        },
        'invalid_token',
      ],
      [
        'signed with another secret',
        () => forge({ secret: new TextEncoder().encode('x'.repeat(40)), adm: true }),
        'invalid_token',
      ],
      ['unknown kid', () => forge({ kid: 'nope' }), 'invalid_token'],
      ['algorithm confusion (HS512 with our key)', () => forge({ alg: 'HS512' }), 'invalid_token'],
      [
        'RS256 header over an HMAC signature',
        () => `${b64({ alg: 'RS256', kid: keys[0]!.kid })}.${valid.split('.')[1]}.${valid.split('.')[2]}`,
        'invalid_token',
      ],
      ['wrong audience', () => forge({ audience: 'other' }), 'invalid_token'],
      ['expired', () => forge({ expired: true }), 'token_expired'],
    ];

    it.each(cases)('%s → 401 %s', async (_label, make, code) => {
      const response = await me(`Bearer ${await make()}`);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe(code);
    });

    it.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Token abc']])(
      'a malformed Authorization header %j → 401',
      async (header) => {
        const response = await me(header);
        expect(response.statusCode).toBe(401);
        expect(response.json().error.code).toBe('authentication_required');
      },
    );

    it('no credentials → 401 authentication_required', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/v1/me' });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('authentication_required');
    });
  });
});

import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { CapturingMailer, login, PASSWORD, registerUser, uniqueEmail } from '../support/identity.js';
import { type LocalSmtpServer, startSmtpServer } from '../support/smtp.js';

const NEW_PASSWORD = 'a brand new passphrase';
const REQUEST = '/v1/auth/password-reset/request';
const CONFIRM = '/v1/auth/password-reset/confirm';
const TOKEN_PATTERN = /nxp_[A-Za-z0-9_-]+/;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const requestReset = (app: FastifyInstance, payload: unknown) =>
  app.inject({ method: 'POST', url: REQUEST, payload: payload as object });
const confirmReset = (app: FastifyInstance, payload: unknown) =>
  app.inject({ method: 'POST', url: CONFIRM, payload: payload as object });
const me = (app: FastifyInstance, accessToken: string) =>
  app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
const refresh = (app: FastifyInstance, refreshToken: string) =>
  app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: refreshToken } });

/** Replaces `{token}` / `{email}` placeholders anywhere in a table row's body. */
function fill(template: unknown, values: Record<string, string>): unknown {
  if (typeof template === 'string') return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
  if (Array.isArray(template)) return template.map((v) => fill(v, values));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, values)]));
  return template;
}

describe('password reset (bare token in the mail)', () => {
  let t: TestApp;
  const mailer = new CapturingMailer();
  beforeAll(async () => {
    t = await createTestApp({
      mailer,
      env: { PASSWORD_RESET_TTL_S: '600', LOGIN_MAX_FAILURES_PER_IP: '1000' },
    });
  });
  afterAll(() => t.close());

  const db = () => t.container.database.db;
  const resetRows = (userId: string) =>
    db().selectFrom('password_resets').selectAll().where('user_id', '=', userId).execute();
  const resetRow = (token: string) =>
    db().selectFrom('password_resets').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();

  /** Requests a reset for `email` and returns the token of the one mail it sent. */
  async function issueToken(email: string): Promise<string> {
    const before = mailer.sent.length;
    const response = await requestReset(t.app, { email });
    expect(response.statusCode, response.body).toBe(202);
    const mails = mailer.sent.slice(before);
    expect(mails).toHaveLength(1);
    const token = TOKEN_PATTERN.exec(mails[0]!.text)?.[0];
    expect(token).toBeDefined();
    return token!;
  }

  describe('request', () => {
    it('answers 202 and mails a single token to a registered address', async () => {
      const email = uniqueEmail('reset');
      await registerUser(t.app, email);
      const before = mailer.sent.length;
      const response = await requestReset(t.app, { email });
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ status: 'accepted' });
      const mails = mailer.sent.slice(before);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ to: email, subject: 'Reset your Nexus password' });
      // No PASSWORD_RESET_URL: the bare token, and the TTL in minutes.
      expect(mails[0]!.text).toMatch(new RegExp(`Your reset token: ${TOKEN_PATTERN.source}`));
      expect(mails[0]!.text).toContain('valid for 10 minutes');
      expect(mails[0]!.text).not.toContain('http');
    });

    it('finds the account whatever the case of the email, and mails the stored address', async () => {
      const email = uniqueEmail('CaseReset');
      await registerUser(t.app, email);
      const before = mailer.sent.length;
      expect((await requestReset(t.app, { email: email.toUpperCase() })).statusCode).toBe(202);
      expect(mailer.sent.slice(before).map((m) => m.to)).toEqual([email]);
    });

    it('answers an unknown email exactly like a known one, and sends nothing', async () => {
      const email = uniqueEmail('known');
      await registerUser(t.app, email);
      const known = await requestReset(t.app, { email });
      const before = mailer.sent.length;
      const unknown = await requestReset(t.app, { email: uniqueEmail('nobody') });
      expect(mailer.sent.length).toBe(before);
      expect(unknown.statusCode).toBe(known.statusCode);
      expect(unknown.body).toBe(known.body);
      expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
    });

    it('answers a disabled account exactly like an unknown email, and sends nothing', async () => {
      const email = uniqueEmail('disabled');
      const s = await registerUser(t.app, email);
      const unknown = await requestReset(t.app, { email: uniqueEmail('nobody') });
      await db().updateTable('users').set({ status: 'disabled' }).where('id', '=', s.userId).execute();
      const before = mailer.sent.length;
      const disabled = await requestReset(t.app, { email });
      expect(mailer.sent.length).toBe(before);
      expect(disabled.statusCode).toBe(202);
      expect(disabled.statusCode).toBe(unknown.statusCode);
      expect(disabled.body).toBe(unknown.body);
      expect(await resetRows(s.userId)).toHaveLength(0);
    });

    it('stores only the SHA-256 of the token, expiring after PASSWORD_RESET_TTL_S', async () => {
      const email = uniqueEmail('hash');
      const s = await registerUser(t.app, email);
      const before = Date.now();
      const token = await issueToken(email);
      const after = Date.now();
      const rows = await resetRows(s.userId);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row.token_hash).toBe(sha256(token));
      expect(row.used_at).toBeNull();
      for (const value of Object.values(row)) expect(String(value)).not.toContain(token);
      // The raw token is nowhere in the table, under any user.
      const all = await db().selectFrom('password_resets').selectAll().execute();
      expect(JSON.stringify(all)).not.toContain(token);
      const expiresAt = new Date(row.expires_at).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000);
      expect(expiresAt).toBeLessThanOrEqual(after + 600_000);
    });

    it('audits the request against the user', async () => {
      const email = uniqueEmail('audit-req');
      const s = await registerUser(t.app, email);
      await issueToken(email);
      // The mail (and its audit record) goes out after the answer.
      await t.container.services.auth.mailSettled();
      const events = await db()
        .selectFrom('audit_events')
        .selectAll()
        .where('actor_id', '=', s.userId)
        .where('action', '=', 'auth.password_reset_request')
        .execute();
      expect(events.map((e) => e.result)).toEqual(['success']);
    });

    it.each<[string, unknown]>([
      ['no body fields', {}],
      ['email null', { email: null }],
      ['email a number', { email: 42 }],
      ['email an array', { email: ['{email}'] }],
      ['email an object', { email: { address: '{email}' } }],
      ['email not an email', { email: 'not-an-email' }],
      ['email without domain', { email: 'ada@' }],
      ['email empty', { email: '' }],
      ['email over 320 characters', { email: `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(200)}.com` }],
      ['an extra property', { email: '{email}', redirect: 'https://evil.example' }],
      ['the field misnamed', { mail: '{email}' }],
    ])('refuses %s with 400 validation_failed and sends nothing', async (_label, template) => {
      const email = uniqueEmail('badreq');
      await registerUser(t.app, email);
      const before = mailer.sent.length;
      const response = await requestReset(t.app, fill(template, { email }));
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(mailer.sent.length).toBe(before);
    });
  });

  describe('confirm', () => {
    it('sets the new password and revokes every session', async () => {
      const email = uniqueEmail('confirm');
      const a = await registerUser(t.app, email);
      const b = (await login(t.app, email)).json();
      const token = await issueToken(email);
      const response = await confirmReset(t.app, { token, new_password: NEW_PASSWORD });
      expect(response.statusCode, response.body).toBe(204);
      expect(response.body).toBe('');

      expect((await login(t.app, email, PASSWORD)).statusCode).toBe(401);
      expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
      for (const session of [
        { access: a.access, refresh: a.refresh },
        { access: b.access_token, refresh: b.refresh_token },
      ]) {
        const meResponse = await me(t.app, session.access);
        expect(meResponse.statusCode).toBe(401);
        expect(meResponse.json().error.code).toBe('session_revoked');
        const refreshed = await refresh(t.app, session.refresh);
        expect(refreshed.statusCode).toBe(401);
        expect(refreshed.json().error.code).toBe('session_revoked');
      }
      expect((await resetRow(token))?.used_at).not.toBeNull();
    });

    it('audits the reset and the revocation', async () => {
      const email = uniqueEmail('audit-reset');
      const s = await registerUser(t.app, email);
      const token = await issueToken(email);
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      const events = await db()
        .selectFrom('audit_events')
        .selectAll()
        .where((eb) => eb.or([eb('actor_id', '=', s.userId), eb('target_id', '=', s.userId)]))
        .execute();
      expect(events.map((e) => `${e.action}:${e.result}`)).toEqual(
        expect.arrayContaining([
          'auth.password_reset_request:success',
          'auth.password_reset:success',
          'auth.session_revoke:success',
        ]),
      );
      const revoke = events.find((e) => e.action === 'auth.session_revoke')!;
      expect(revoke.details).toMatchObject({ reason: 'password_reset', sessions: [s.sessionId] });
      expect(JSON.stringify(events)).not.toContain(token);
    });

    it('works once: a second use is refused with 401 invalid_reset_token', async () => {
      const email = uniqueEmail('once');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      const again = await confirmReset(t.app, { token, new_password: 'yet another long passphrase' });
      expect(again.statusCode).toBe(401);
      expect(again.json().error.code).toBe('invalid_reset_token');
      expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('works once even when two confirmations race', async () => {
      const email = uniqueEmail('race');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      const results = await Promise.all([
        confirmReset(t.app, { token, new_password: 'first racing passphrase' }),
        confirmReset(t.app, { token, new_password: 'second racing passphrase' }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([204, 401]);
      const winner = results[0]!.statusCode === 204 ? 'first' : 'second';
      expect((await login(t.app, email, `${winner} racing passphrase`)).statusCode).toBe(200);
    });

    it('refuses an expired token and leaves the password unchanged', async () => {
      const email = uniqueEmail('expired');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      await db()
        .updateTable('password_resets')
        .set({ expires_at: new Date(Date.now() - 1_000) })
        .where('token_hash', '=', sha256(token))
        .execute();
      const response = await confirmReset(t.app, { token, new_password: NEW_PASSWORD });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('invalid_reset_token');
      expect((await login(t.app, email, PASSWORD)).statusCode).toBe(200);
      expect((await resetRow(token))?.used_at).toBeNull();
    });

    it.each<[string, (token: string) => string]>([
      ['a tampered token (last character changed)', (tk) => tk.slice(0, -1) + (tk.endsWith('A') ? 'B' : 'A')],
      ['a truncated token', (tk) => tk.slice(0, -1)],
      ['the token with a suffix', (tk) => `${tk}x`],
      ['the token in upper case', (tk) => tk.toUpperCase()],
      ['the stored hash of the token', (tk) => sha256(tk)],
      ['an unknown token', () => 'nxp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ])('refuses %s with 401 invalid_reset_token, and the real one still works', async (_label, mutate) => {
      const email = uniqueEmail('tamper');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      const response = await confirmReset(t.app, { token: mutate(token), new_password: NEW_PASSWORD });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('invalid_reset_token');
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
    });

    it('answers a used, an expired and an unknown token identically', async () => {
      const email = uniqueEmail('same');
      await registerUser(t.app, email);
      const used = await issueToken(email);
      await confirmReset(t.app, { token: used, new_password: NEW_PASSWORD });
      const expired = await issueToken(email);
      await db()
        .updateTable('password_resets')
        .set({ expires_at: new Date(Date.now() - 1_000) })
        .where('token_hash', '=', sha256(expired))
        .execute();
      const bodies = await Promise.all(
        [used, expired, 'nxp_unknown'].map(async (token) => {
          const r = await confirmReset(t.app, { token, new_password: 'whatever long passphrase' });
          return { status: r.statusCode, error: { ...r.json().error, request_id: undefined } };
        }),
      );
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('keeps an older token valid after a newer request, but a completed reset voids every other token', async () => {
      const email = uniqueEmail('older');
      const s = await registerUser(t.app, email);
      const older = await issueToken(email);
      const newer = await issueToken(email);
      expect(older).not.toBe(newer);
      expect(await resetRows(s.userId)).toHaveLength(2);
      // Requesting again does not void the first mail (the user may open either).
      expect((await confirmReset(t.app, { token: older, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      // Once the password was reset, a leftover token (e.g. from a mailbox someone else read) is useless.
      const leftover = await confirmReset(t.app, {
        token: newer,
        new_password: 'attacker chosen passphrase',
      });
      expect(leftover.statusCode).toBe(401);
      expect(leftover.json().error.code).toBe('invalid_reset_token');
      expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('refuses a token mailed before the account was disabled', async () => {
      const email = uniqueEmail('disabled-later');
      const s = await registerUser(t.app, email);
      const token = await issueToken(email);
      await db().updateTable('users').set({ status: 'disabled' }).where('id', '=', s.userId).execute();
      const response = await confirmReset(t.app, { token, new_password: NEW_PASSWORD });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('invalid_reset_token');
      await db().updateTable('users').set({ status: 'active' }).where('id', '=', s.userId).execute();
      expect((await login(t.app, email, PASSWORD)).statusCode).toBe(200);
    });

    it('does not let one user’s token reset another user', async () => {
      const alice = uniqueEmail('alice');
      const bob = uniqueEmail('bob');
      await registerUser(t.app, alice);
      await registerUser(t.app, bob);
      const token = await issueToken(alice);
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      expect((await login(t.app, bob, PASSWORD)).statusCode).toBe(200);
      expect((await login(t.app, alice, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it.each<[string, string]>([
      ['too short', 'short'],
      ['only spaces', '            '],
      ['the email itself', '{email}'],
      ['containing the email name', 'xx{local}xx-long-enough'],
      ['over 256 characters', 'x'.repeat(300)],
    ])('refuses a weak new password (%s) with weak_password and keeps the token usable', async (_l, tpl) => {
      const email = uniqueEmail('weakreset');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      const weak = tpl.replace('{email}', email).replace('{local}', email.split('@')[0]!);
      const response = await confirmReset(t.app, { token, new_password: weak });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(response.json().error.details).toEqual([
        expect.objectContaining({ path: 'new_password', issue: 'weak_password' }),
      ]);
      expect((await resetRow(token))?.used_at).toBeNull();
      expect((await login(t.app, email, PASSWORD)).statusCode).toBe(200);
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it.each<[string, unknown]>([
      ['no body fields', {}],
      ['no new_password', { token: '{token}' }],
      ['no token', { new_password: NEW_PASSWORD }],
      ['token null', { token: null, new_password: NEW_PASSWORD }],
      ['token a number', { token: 42, new_password: NEW_PASSWORD }],
      ['token an array', { token: ['{token}'], new_password: NEW_PASSWORD }],
      ['token empty', { token: '', new_password: NEW_PASSWORD }],
      ['token over 512 characters', { token: `{token}${'x'.repeat(512)}`, new_password: NEW_PASSWORD }],
      ['new_password a number', { token: '{token}', new_password: 12345678901234 }],
      ['new_password an object', { token: '{token}', new_password: { value: NEW_PASSWORD } }],
      ['new_password empty', { token: '{token}', new_password: '' }],
      ['new_password over 1024 characters', { token: '{token}', new_password: 'p'.repeat(1025) }],
      ['camelCase newPassword', { token: '{token}', newPassword: NEW_PASSWORD }],
      ['an extra property', { token: '{token}', new_password: NEW_PASSWORD, email: 'x@example.com' }],
    ])('refuses %s with 400 validation_failed and uses nothing up', async (_label, template) => {
      const email = uniqueEmail('badconfirm');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      const response = await confirmReset(t.app, fill(template, { token }));
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(response.body).not.toContain(token);
      expect((await resetRow(token))?.used_at).toBeNull();
    });

    it('never writes the token to the log, whatever happens to it', async () => {
      const email = uniqueEmail('logs');
      await registerUser(t.app, email);
      const token = await issueToken(email);
      const linesBefore = t.logs.lines.length;
      await confirmReset(t.app, { token, new_password: 'short' });
      await confirmReset(t.app, { token, new_password: NEW_PASSWORD, extra: token });
      await confirmReset(t.app, { token: `${token}${'x'.repeat(600)}`, new_password: NEW_PASSWORD });
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(401);
      // The assertion below is not vacuous: each of those requests left lines in the capture.
      const written = t.logs.lines.slice(linesBefore);
      expect(written.filter((l) => l.url === CONFIRM)).toHaveLength(5);
      expect(t.logs.text).not.toContain(token);
    });
  });

  describe('change password (POST /v1/me/password)', () => {
    // Revoking the other sessions, keeping this one and refusing a wrong current password (code) are
    // covered in identity.test.ts; this covers what it does not.
    const change = (auth: { authorization: string } | undefined, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/me/password',
        ...(auth ? { headers: auth } : {}),
        payload: payload as object,
      });

    it('needs a session', async () => {
      const response = await change(undefined, { current_password: PASSWORD, new_password: NEW_PASSWORD });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('authentication_required');
    });

    it('refuses a wrong current password with 401 invalid_credentials, changes nothing, audits it', async () => {
      const email = uniqueEmail('change-wrong');
      const s = await registerUser(t.app, email);
      const response = await change(s.auth, {
        current_password: 'not my password',
        new_password: NEW_PASSWORD,
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('invalid_credentials');
      expect((await me(t.app, s.access)).statusCode).toBe(200);
      expect((await login(t.app, email, PASSWORD)).statusCode).toBe(200);
      const events = await db()
        .selectFrom('audit_events')
        .selectAll()
        .where('actor_id', '=', s.userId)
        .where('action', '=', 'auth.password_change')
        .execute();
      expect(events.map((e) => e.result)).toEqual(['failure']);
    });

    it('refuses a weak new password with weak_password and keeps the old one', async () => {
      const email = uniqueEmail('change-weak');
      const s = await registerUser(t.app, email);
      const response = await change(s.auth, { current_password: PASSWORD, new_password: 'short' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.details).toEqual([
        expect.objectContaining({ path: 'new_password', issue: 'weak_password' }),
      ]);
      expect((await login(t.app, email, PASSWORD)).statusCode).toBe(200);
    });

    it('voids reset tokens mailed before the change, so an old mail cannot undo it', async () => {
      const email = uniqueEmail('change-voids');
      const s = await registerUser(t.app, email);
      const token = await issueToken(email);
      expect(
        (await change(s.auth, { current_password: PASSWORD, new_password: NEW_PASSWORD })).statusCode,
      ).toBe(204);
      const late = await confirmReset(t.app, { token, new_password: 'an attacker chose this one' });
      expect(late.statusCode).toBe(401);
      expect(late.json().error.code).toBe('invalid_reset_token');
      expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('throttles guessing the current password like login, saying when to retry', async () => {
      const throttled = await createTestApp({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' } });
      try {
        const s = await registerUser(throttled.app, uniqueEmail('change-guess'));
        const guess = (current_password: string) =>
          throttled.app.inject({
            method: 'POST',
            url: '/v1/me/password',
            headers: s.auth,
            payload: { current_password, new_password: NEW_PASSWORD },
          });
        expect((await guess('guess one')).statusCode).toBe(401);
        expect((await guess('guess two')).statusCode).toBe(401);
        const blocked = await guess(PASSWORD);
        expect(blocked.statusCode, blocked.body).toBe(429);
        expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await throttled.close();
      }
    });

    it('audits a successful change', async () => {
      const email = uniqueEmail('change-ok');
      const s = await registerUser(t.app, email);
      expect(
        (await change(s.auth, { current_password: PASSWORD, new_password: NEW_PASSWORD })).statusCode,
      ).toBe(204);
      const events = await db()
        .selectFrom('audit_events')
        .selectAll()
        .where('target_id', '=', s.userId)
        .where('action', '=', 'auth.password_change')
        .execute();
      expect(events.map((e) => `${e.result}:${e.actor_id}`)).toEqual([`success:${s.userId}`]);
    });
  });
});

describe('password reset with PASSWORD_RESET_URL and the default log mailer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { PASSWORD_RESET_URL: 'https://app.example.com/reset?lang=en' } });
  });
  afterAll(() => t.close());

  const mailLines = () => t.logs.lines.filter((l) => l.msg === 'mail (log mailer; set SMTP_URL to send)');

  it('logs the mail with a link to the reset page (intended for development), and the link works', async () => {
    expect(t.container.mailer.kind).toBe('log');
    const email = uniqueEmail('link');
    await registerUser(t.app, email);
    const before = mailLines().length;
    expect((await requestReset(t.app, { email })).statusCode).toBe(202);
    const lines = mailLines().slice(before);
    expect(lines).toHaveLength(1);
    const mail = lines[0]!.mail as { to: string; subject: string; body: string };
    // The recipient is masked like every email in the logs (docs/pii.md).
    expect(mail).toMatchObject({ to: '[EMAIL]', subject: 'Reset your Nexus password' });
    // The URL already has a query: the token is appended with `&`.
    const link = /https:\/\/app\.example\.com\/reset\?lang=en&token=(nxp_[A-Za-z0-9_-]+)/.exec(mail.body);
    expect(link).not.toBeNull();
    expect(mail.body).toContain('valid for 30 minutes');
    const token = new URL(link![0]).searchParams.get('token')!;
    expect(token).toBe(link![1]);
    expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
    expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('logs no mail for an unknown email', async () => {
    const before = mailLines().length;
    expect((await requestReset(t.app, { email: uniqueEmail('ghost') })).statusCode).toBe(202);
    expect(mailLines().length).toBe(before);
  });
});

describe('password reset over SMTP (SMTP_URL, MAIL_FROM)', () => {
  let t: TestApp;
  let smtp: LocalSmtpServer;
  const SMTP_PASSWORD = 'smtp-pass-d41d8cd9';
  beforeAll(async () => {
    smtp = await startSmtpServer({ user: 'nexus', pass: SMTP_PASSWORD });
    t = await createTestApp({
      env: {
        SMTP_URL: `smtp://nexus:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Nexus Accounts <accounts@nexus.test>',
        PASSWORD_RESET_URL: 'https://app.example.com/reset',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('sends the mail through the SMTP server, and the link in it resets the password', async () => {
    expect(t.container.mailer.kind).toBe('smtp');
    const email = uniqueEmail('smtp');
    await registerUser(t.app, email);
    const before = smtp.received.length;
    expect((await requestReset(t.app, { email })).statusCode).toBe(202);
    // The mail goes out after the answer, off the request path.
    await t.container.services.auth.mailSettled();
    const mails = smtp.received.slice(before);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.user).toBe('nexus');
    expect(mail.envelope.mailFrom).toMatchObject({ address: 'accounts@nexus.test' });
    expect(mail.envelope.rcptTo.map((r) => r.address)).toEqual([email]);
    expect(mail.headers.from).toBe('Nexus Accounts <accounts@nexus.test>');
    expect(mail.headers.subject).toBe('Reset your Nexus password');
    const token = /https:\/\/app\.example\.com\/reset\?token=(nxp_[A-Za-z0-9_-]+)/.exec(mail.body)?.[1];
    expect(token).toBeDefined();
    expect((await confirmReset(t.app, { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
    expect((await login(t.app, email, NEW_PASSWORD)).statusCode).toBe(200);
    expect(t.logs.text).not.toContain(token!);
  });

  it('answers 202 as usual when the SMTP server refuses the mail, and logs and audits the failure', async () => {
    const email = uniqueEmail('smtpfail');
    const s = await registerUser(t.app, email);
    const unknown = await requestReset(t.app, { email: uniqueEmail('nobody') });
    const linesBefore = t.logs.lines.length;
    smtp.refuseWith = 'Mail queue is full';
    let response: Awaited<ReturnType<typeof requestReset>>;
    try {
      response = await requestReset(t.app, { email });
      await t.container.services.auth.mailSettled();
    } finally {
      smtp.refuseWith = undefined;
    }
    // Nothing tells the caller that this address has an account, or that mail failed.
    expect(response.statusCode).toBe(unknown.statusCode);
    expect(response.body).toBe(unknown.body);
    const written = t.logs.lines.slice(linesBefore);
    const failure = written.find((l) => l.msg === 'could not send the password reset mail');
    expect(failure, JSON.stringify(written)).toBeDefined();
    expect(failure).toMatchObject({ level: 'error', user_id: s.userId });
    expect(JSON.stringify(failure)).toContain('Mail queue is full');
    // Neither the SMTP credentials nor any reset token reach the log.
    expect(t.logs.text).not.toContain(SMTP_PASSWORD);
    expect(t.logs.text).not.toMatch(TOKEN_PATTERN);
    const events = await t.container.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_id', '=', s.userId)
      .where('action', '=', 'auth.password_reset_request')
      .execute();
    expect(events).toEqual([
      expect.objectContaining({ result: 'failure', details: { reason: 'mail_not_sent' } }),
    ]);
  });
});

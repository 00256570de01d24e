import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { FakeWechat, WECHAT_ERRORS, type WechatOutcome } from '../support/fake-wechat.js';

const APP_ID = 'wx5f1c0ffee0ddba11';
const APP_SECRET = 'wechat-app-secret-8d2f7a91c4e6b035';
const OTHER_APP_ID = 'wx0123456789abcdef';
const OTHER_APP_SECRET = 'wechat-other-secret-1b9e44d07f3c52aa';

let counter = 0;
/** A code or open id no other test uses (WeChat codes are single-use, open ids identify one user). */
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${counter++}`;

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function wechatEnv(baseUrl: string, appId = APP_ID, secret = APP_SECRET): Record<string, string> {
  // A short timeout so the test of a WeChat that never answers does not wait out the 5 s default.
  return {
    WECHAT_API_BASE_URL: baseUrl,
    WECHAT_APP_ID: appId,
    WECHAT_APP_SECRET: secret,
    WECHAT_TIMEOUT_MS: '500',
  };
}

/** Everything the app answered, so the last test can check none of it carries the app secret. */
const responses: LightMyRequestResponse[] = [];

async function wechatLogin(t: TestApp, payload: unknown): Promise<LightMyRequestResponse> {
  const response = await t.app.inject({ method: 'POST', url: '/v1/auth/wechat', payload: payload as object });
  responses.push(response);
  return response;
}

async function rowCounts(t: TestApp) {
  const db = t.container.database.db;
  const count = async (table: 'users' | 'wechat_identities' | 'tenants' | 'sessions') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    users: await count('users'),
    wechat_identities: await count('wechat_identities'),
    tenants: await count('tenants'),
    sessions: await count('sessions'),
  };
}

async function identityOf(t: TestApp, appId: string, openId: string) {
  return t.container.database.db
    .selectFrom('wechat_identities')
    .selectAll()
    .where('app_id', '=', appId)
    .where('open_id', '=', openId)
    .executeTakeFirst();
}

describe('WeChat mini-program login', () => {
  let fake: FakeWechat;
  let t: TestApp;
  beforeAll(async () => {
    fake = await FakeWechat.start({ [APP_ID]: APP_SECRET, [OTHER_APP_ID]: OTHER_APP_SECRET });
    t = await createTestApp({ env: wechatEnv(fake.url) });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const get = async (url: string, token: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
    });
    responses.push(response);
    return response;
  };

  /** Logs in as `openid` with a fresh code and expects success. */
  async function loginAs(openid: string, unionid?: string) {
    const code = fake.on(unique('code'), unionid === undefined ? { openid } : { openid, unionid });
    const response = await wechatLogin(t, { code });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  it('creates a user with a personal tenant on the first login and returns working tokens', async () => {
    const before = await rowCounts(t);
    const openid = unique('openid');
    const code = fake.on(unique('code'), { openid });

    const response = await wechatLogin(t, { code });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', created: true });
    expect(body.user_id).toMatch(/^usr_/);
    expect(body.session_id).toMatch(/^ses_/);
    expect(body.expires_in).toBeGreaterThan(0);

    // WeChat was asked exactly once, with our app's credentials and the client's code.
    expect(fake.requestsFor(code)).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/sns/jscode2session',
        query: { appid: APP_ID, secret: APP_SECRET, js_code: code, grant_type: 'authorization_code' },
      }),
    ]);

    const me = await get('/v1/me', body.access_token);
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().user).toMatchObject({
      id: body.user_id,
      email: null,
      is_platform_admin: false,
      status: 'active',
    });
    // Like email registration: exactly one tenant, owned by the new user.
    expect(me.json().tenants).toEqual([expect.objectContaining({ role: 'owner', status: 'active' })]);

    expect(await identityOf(t, APP_ID, openid)).toMatchObject({ user_id: body.user_id, union_id: null });
    expect(await rowCounts(t)).toEqual({
      users: before.users + 1,
      wechat_identities: before.wechat_identities + 1,
      tenants: before.tenants + 1,
      sessions: before.sessions + 1,
    });

    // The refresh token is a real one too.
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: body.refresh_token },
    });
    responses.push(refreshed);
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json()).toMatchObject({ user_id: body.user_id, session_id: body.session_id });
  });

  it('finds the same user on a later login with a new code, opening a new session', async () => {
    const openid = unique('openid');
    const first = await loginAs(openid);
    const before = await rowCounts(t);

    const second = await loginAs(openid);
    expect(second).toMatchObject({ user_id: first.user_id, created: false });
    expect(second.session_id).not.toBe(first.session_id);
    expect(await rowCounts(t)).toEqual({ ...before, sessions: before.sessions + 1 });

    const me = await get('/v1/me', second.access_token);
    expect(me.json().user.id).toBe(first.user_id);
    expect(me.json().tenants).toHaveLength(1);
    // Both sessions are the user's, named for the mini-program.
    const sessions = (await get('/v1/me/sessions', second.access_token)).json().data;
    expect(sessions.map((s: { id: string }) => s.id).sort()).toEqual(
      [first.session_id, second.session_id].sort(),
    );
    expect(sessions.map((s: { device_name: string }) => s.device_name)).toEqual([
      'WeChat mini-program',
      'WeChat mini-program',
    ]);
  });

  it('gives different open ids different users, each with their own tenant', async () => {
    const a = await loginAs(unique('openid-a'));
    const b = await loginAs(unique('openid-b'));
    expect(a.user_id).not.toBe(b.user_id);
    const tenantsA = (await get('/v1/me', a.access_token)).json().tenants;
    const tenantsB = (await get('/v1/me', b.access_token)).json().tenants;
    expect(tenantsA).toHaveLength(1);
    expect(tenantsB).toHaveLength(1);
    expect(tenantsA[0].id).not.toBe(tenantsB[0].id);
  });

  it('stores the union id when WeChat sends it', async () => {
    const openid = unique('openid');
    const unionid = unique('union');
    const body = await loginAs(openid, unionid);
    expect(body.created).toBe(true);
    expect(await identityOf(t, APP_ID, openid)).toMatchObject({ user_id: body.user_id, union_id: unionid });
  });

  it('adds the union id on a later login, and keeps it when a later answer lacks it', async () => {
    const openid = unique('openid');
    const unionid = unique('union');
    const first = await loginAs(openid);
    expect((await identityOf(t, APP_ID, openid))?.union_id).toBeNull();

    expect((await loginAs(openid, unionid)).user_id).toBe(first.user_id);
    expect((await identityOf(t, APP_ID, openid))?.union_id).toBe(unionid);

    expect((await loginAs(openid)).user_id).toBe(first.user_id);
    expect((await identityOf(t, APP_ID, openid))?.union_id).toBe(unionid);
  });

  it('uses the device name the client gives', async () => {
    const code = fake.on(unique('code'), { openid: unique('openid') });
    const response = await wechatLogin(t, { code, device_name: 'iPhone 15 mini-program' });
    expect(response.statusCode, response.body).toBe(200);
    const sessions = (await get('/v1/me/sessions', response.json().access_token)).json().data;
    expect(sessions).toEqual([
      expect.objectContaining({ device_name: 'iPhone 15 mini-program', current: true }),
    ]);
  });

  it('sends WeChat the code without surrounding whitespace', async () => {
    const code = fake.on(unique('code'), { openid: unique('openid') });
    const response = await wechatLogin(t, { code: `  ${code}\n` });
    expect(response.statusCode, response.body).toBe(200);
    expect(fake.requestsFor(code)).toHaveLength(1);
  });

  it('refuses a code that was already used (WeChat 40163), without touching the user', async () => {
    const openid = unique('openid');
    const code = fake.on(unique('code'), { openid });
    const first = await wechatLogin(t, { code });
    expect(first.statusCode, first.body).toBe(200);
    const before = await rowCounts(t);

    const again = await wechatLogin(t, { code });
    expect(again.statusCode, again.body).toBe(401);
    expect(again.json().error).toMatchObject({
      code: 'wechat_code_invalid',
      details: { provider: 'wechat', errcode: 40163 },
    });
    // It was WeChat that said no: the code reached it twice.
    expect(fake.requestsFor(code)).toHaveLength(2);
    expect(await rowCounts(t)).toEqual(before);
  });

  it.each<[string, number, string, WechatOutcome | undefined, number | undefined]>([
    ['a code WeChat never issued (40029)', 401, 'wechat_code_invalid', undefined, 40029],
    ['40029 invalid code', 401, 'wechat_code_invalid', WECHAT_ERRORS.invalidCode, 40029],
    ['40163 code been used', 401, 'wechat_code_invalid', WECHAT_ERRORS.codeUsed, 40163],
    ['40226 high-risk user', 401, 'wechat_code_invalid', WECHAT_ERRORS.highRisk, 40226],
    ['45011 minute quota', 429, 'wechat_rate_limited', WECHAT_ERRORS.rateLimited, 45011],
    ['-1 system busy', 502, 'provider_unavailable', WECHAT_ERRORS.systemBusy, -1],
    [
      'an errcode it does not know',
      502,
      'provider_unavailable',
      { errcode: 40999, errmsg: 'something new' },
      40999,
    ],
    ['errcode 0 without an openid', 502, 'provider_unavailable', { errcode: 0, errmsg: 'ok' }, 0],
    ['HTTP 500', 502, 'provider_unavailable', { httpStatus: 500 }, undefined],
    ['HTTP 503', 502, 'provider_unavailable', { httpStatus: 503 }, undefined],
  ])('answers WeChat %s with %i %s and creates nothing', async (_label, status, code, outcome, errcode) => {
    const before = await rowCounts(t);
    const jsCode = unique('code');
    if (outcome) fake.on(jsCode, outcome);

    const response = await wechatLogin(t, { code: jsCode });
    expect(response.statusCode, response.body).toBe(status);
    const error = response.json().error;
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject({ provider: 'wechat' });
    if (errcode !== undefined) expect(error.details.errcode).toBe(errcode);
    expect(response.headers['retry-after']).toBe(status === 429 ? '60' : undefined);
    expect(fake.requestsFor(jsCode)).toHaveLength(1);
    expect(await rowCounts(t)).toEqual(before);
  });

  it.each([
    ['the app id WeChat does not know (40013)', () => fake.apps.delete(APP_ID), 40013],
    ['a secret WeChat no longer accepts (40125)', () => fake.apps.set(APP_ID, 'rotated-at-wechat'), 40125],
  ])('answers 502 provider_unavailable for %s and creates nothing', async (_label, breakIt, errcode) => {
    const before = await rowCounts(t);
    const jsCode = fake.on(unique('code'), { openid: unique('openid') });
    breakIt();
    try {
      const response = await wechatLogin(t, { code: jsCode });
      expect(response.statusCode, response.body).toBe(502);
      const error = response.json().error;
      expect(error).toMatchObject({ code: 'provider_unavailable', details: { provider: 'wechat', errcode } });
      // WeChat's message about our app id or secret is for the operator's log, not the caller.
      expect(error.details.errmsg).toBeUndefined();
      expect(t.logs.text).toContain(`errcode ${errcode}`);
    } finally {
      fake.apps.set(APP_ID, APP_SECRET);
    }
    expect(await rowCounts(t)).toEqual(before);
  });

  it.each<[string, unknown]>([
    ['no code', {}],
    ['an empty code', { code: '' }],
    ['a code of only spaces', { code: '    ' }],
    ['a code longer than 256 characters', { code: 'c'.repeat(257) }],
    ['a numeric code', { code: 12345 }],
    ['a null code', { code: null }],
    ['an array code', { code: ['abc'] }],
    ['an object code', { code: { value: 'abc' } }],
    ['an unknown property', { code: 'abc', openid: 'chosen-by-the-client' }],
    ['an empty device name', { code: 'abc', device_name: '' }],
    ['a device name over 200 characters', { code: 'abc', device_name: 'd'.repeat(201) }],
  ])('refuses %s with 400 validation_failed, never asking WeChat', async (_label, payload) => {
    const before = await rowCounts(t);
    const asked = fake.requests.length;
    const response = await wechatLogin(t, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(fake.requests).toHaveLength(asked);
    expect(await rowCounts(t)).toEqual(before);
  });

  it('accepts a code of exactly 256 characters (and lets WeChat judge it)', async () => {
    const code = 'c'.repeat(256);
    const response = await wechatLogin(t, { code });
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.code).toBe('wechat_code_invalid');
    expect(fake.requestsFor(code)).toHaveLength(1);
  });

  it('keys identities by app id: the same open id under another app is another user', async () => {
    const openid = unique('openid');
    const mine = await loginAs(openid);
    const other = await createTestApp({
      database: t.container.database,
      env: wechatEnv(fake.url, OTHER_APP_ID, OTHER_APP_SECRET),
    });
    try {
      const code = fake.on(unique('code'), { openid });
      const response = await wechatLogin(other, { code });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().created).toBe(true);
      expect(response.json().user_id).not.toBe(mine.user_id);
      expect(fake.requestsFor(code)[0]?.query).toMatchObject({
        appid: OTHER_APP_ID,
        secret: OTHER_APP_SECRET,
      });
      expect(await identityOf(t, OTHER_APP_ID, openid)).toMatchObject({ user_id: response.json().user_id });
      expect(await identityOf(t, APP_ID, openid)).toMatchObject({ user_id: mine.user_id });
      expect(other.logs.text).not.toContain(OTHER_APP_SECRET);
    } finally {
      await other.close();
    }
  });

  it('refuses a disabled user with 403 account_disabled, creating nothing', async () => {
    const adminEmail = 'wechat-admin@example.com';
    const adminPassword = 'a long admin password for tests';
    await t.container.services.adminBootstrap.ensureAdmin(adminEmail, adminPassword);
    const adminLogin = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: adminEmail, password: adminPassword },
    });
    expect(adminLogin.statusCode, adminLogin.body).toBe(200);
    const admin = adminLogin.json().access_token;

    const openid = unique('openid');
    const user = await loginAs(openid);
    const disabled = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/users/${user.user_id}/disable`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().status).toBe('disabled');

    const before = await rowCounts(t);
    const code = fake.on(unique('code'), { openid });
    const response = await wechatLogin(t, { code });
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error.code).toBe('account_disabled');
    expect(await rowCounts(t)).toEqual(before);
    expect((await get('/v1/me', user.access_token)).statusCode).toBe(401);
  });

  it('gives up on a WeChat that never answers with 502 provider_unavailable (WECHAT_TIMEOUT_MS)', async () => {
    const before = await rowCounts(t);
    const code = fake.on(unique('code'), { hang: true });
    const response = await wechatLogin(t, { code });
    expect(response.statusCode, response.body).toBe(502);
    expect(response.json().error).toMatchObject({
      code: 'provider_unavailable',
      details: { provider: 'wechat' },
    });
    expect(fake.requestsFor(code)).toHaveLength(1);
    expect(await rowCounts(t)).toEqual(before);
  });

  // Runs last in this block: it looks at everything the tests above made the app answer and log.
  it('sends the app secret to WeChat only: never in a response body, header or log line', () => {
    expect(fake.requests.some((r) => r.query.secret === APP_SECRET)).toBe(true);
    expect(responses.length).toBeGreaterThan(20);
    // The logs did record the failures (so the check below looked at real error lines).
    expect(t.logs.text).toContain('provider_unavailable');
    expect(t.logs.text).toContain('wechat_code_invalid');
    for (const response of responses) {
      expect(response.body).not.toContain(APP_SECRET);
      expect(JSON.stringify(response.headers)).not.toContain(APP_SECRET);
    }
    expect(t.logs.text).not.toContain(APP_SECRET);
  });
});

describe('WeChat login when WeChat cannot be used', () => {
  let fake: FakeWechat;
  let base: TestApp;
  beforeAll(async () => {
    fake = await FakeWechat.start({ [APP_ID]: APP_SECRET });
    // One database for every app in this block (the first app migrates it).
    base = await createTestApp({ env: wechatEnv(fake.url) });
  });
  afterAll(async () => {
    await base?.close();
    await fake?.close();
  });

  it.each<[string, Record<string, string>]>([
    ['neither app id nor secret is set', {}],
    ['only the app id is set', { WECHAT_APP_ID: APP_ID }],
    ['only the secret is set', { WECHAT_APP_SECRET: APP_SECRET }],
  ])('answers 501 wechat_not_configured when %s, without calling WeChat', async (_label, env) => {
    const t = await createTestApp({
      database: base.container.database,
      env: { WECHAT_API_BASE_URL: fake.url, ...env },
    });
    try {
      const before = await rowCounts(t);
      const code = fake.on(unique('code'), { openid: unique('openid') });
      const response = await wechatLogin(t, { code });
      expect(response.statusCode, response.body).toBe(501);
      expect(response.json().error.code).toBe('wechat_not_configured');
      expect(fake.requestsFor(code)).toHaveLength(0);
      expect(await rowCounts(t)).toEqual(before);
      expect(response.body).not.toContain(APP_SECRET);
      expect(t.logs.text).not.toContain(APP_SECRET);
    } finally {
      await t.close();
    }
  });

  it('answers 502 provider_unavailable when WeChat cannot be reached (nothing listens there)', async () => {
    const port = await closedPort();
    const t = await createTestApp({
      database: base.container.database,
      env: wechatEnv(`http://127.0.0.1:${port}`),
    });
    try {
      const before = await rowCounts(t);
      const response = await wechatLogin(t, { code: unique('code') });
      expect(response.statusCode, response.body).toBe(502);
      expect(response.json().error).toMatchObject({
        code: 'provider_unavailable',
        details: { provider: 'wechat' },
      });
      expect(response.body).not.toContain(APP_SECRET);
      expect(await rowCounts(t)).toEqual(before);
      expect(t.logs.text).toContain('provider_unavailable');
      expect(t.logs.text).not.toContain(APP_SECRET);
    } finally {
      await t.close();
    }
  });
});

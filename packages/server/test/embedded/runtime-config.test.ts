import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bucketOf } from '../../src/modules/release/targeting.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session } from '../support/identity.js';

/**
 * Versioned runtime config and feature flags through the real app (embedded PGlite, in-process cache):
 * versions with diffs, activation and rollback, canary start/promote/rollback, GET /v1/me/features, the
 * sections' effects (model aliases, the default system prompt, retrieval top_k), audit and bad input.
 */
const ADMIN_EMAIL = 'release-admin@example.com';
let t: TestApp;
let fake: FakeOpenAI;
let admin: { authorization: string };
let user: Session;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  fake.on('upstream-chat', { text: 'from upstream' });
  t = await createTestApp({
    env: { LOCAL_MODEL_WORDS_PER_S: '0', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test' },
  });
  await t.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, PASSWORD);
  const session = await login(t.app, ADMIN_EMAIL);
  expect(session.statusCode, session.body).toBe(200);
  admin = { authorization: `Bearer ${session.json().access_token}` };
  user = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const inject = (
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = admin,
): Promise<Response> =>
  t.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

async function createVersion(document: unknown, message = 'change'): Promise<number> {
  const response = await inject('POST', '/v1/admin/config/versions', { document, message });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().version as number;
}

async function features(session: Session) {
  const response = await inject('GET', '/v1/me/features', undefined, session.auth);
  expect(response.statusCode, response.body).toBe(200);
  return { body: response.json(), header: response.headers['x-nexus-config-version'] };
}

async function versionCount(): Promise<number> {
  return (await inject('GET', '/v1/admin/config/versions?limit=200')).json().data.length;
}

async function auditActions(): Promise<string[]> {
  const response = await inject('GET', '/v1/admin/audit-events?limit=200');
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data.map((e: { action: string }) => e.action);
}

describe('before any version', () => {
  it('serves the default document and no flags', async () => {
    const active = await inject('GET', '/v1/admin/config/active');
    expect(active.statusCode, active.body).toBe(200);
    expect(active.json()).toMatchObject({
      state: { active_version: null, canary: null },
      version: null,
      document: {
        flags: {},
        prompts: { default_system: null },
        rag: { top_k: null },
        models: { aliases: {} },
      },
    });
    const { body, header } = await features(user);
    expect(body).toEqual({ data: {}, config_version: null, config_source: 'default', evaluations: [] });
    expect(header).toBe('default');
  });
});

describe('authorisation', () => {
  it.each([
    ['GET', '/v1/admin/config/versions'],
    ['GET', '/v1/admin/config/active'],
    ['POST', '/v1/admin/config/versions'],
    ['POST', '/v1/admin/config/versions/1/activate'],
    ['POST', '/v1/admin/config/canary/promote'],
  ] as const)('%s %s is for platform admins only', async (method, url) => {
    const body = method === 'POST' && url.endsWith('versions') ? { document: {}, message: 'x' } : undefined;
    const asUser = await inject(method, url, body, user.auth);
    expect(asUser.statusCode, asUser.body).toBe(403);
    const anonymous = await inject(method, url, body, {});
    expect(anonymous.statusCode).toBe(401);
  });

  it('GET /v1/me/features needs credentials', async () => {
    expect((await inject('GET', '/v1/me/features', undefined, {})).statusCode).toBe(401);
  });
});

describe('bad input stores nothing', () => {
  it.each([
    ['no document', { message: 'x' }, 'document'],
    ['no message', { document: {} }, 'message'],
    ['an empty message', { document: {}, message: '  ' }, 'message'],
    ['an unknown field', { document: {}, message: 'x', extra: 1 }, 'extra'],
    ['an unknown section', { document: { nope: {} }, message: 'x' }, 'document.nope'],
    [
      'a bad flag key',
      { document: { flags: { 'No Caps': { enabled: true } } }, message: 'x' },
      'document.flags.No Caps',
    ],
    [
      'a percent over 100',
      {
        document: { flags: { f: { enabled: true, rules: [{ type: 'percentage', percent: 150 }] } } },
        message: 'x',
      },
      'document.flags.f.rules.0.percent',
    ],
    [
      'a bad CIDR',
      {
        document: { flags: { f: { enabled: true, rules: [{ type: 'ip', cidrs: ['300.1.1.1/8'] }] } } },
        message: 'x',
      },
      'document.flags.f.rules.0.cidrs.0',
    ],
    ['top_k over 100', { document: { rag: { top_k: 1000 } }, message: 'x' }, 'document.rag.top_k'],
    [
      'an alias to itself',
      { document: { models: { aliases: { a: 'a' } } }, message: 'x' },
      'document.models.aliases.a',
    ],
  ])('%s → 400 naming the path', async (_name, payload, path) => {
    const before = await versionCount();
    const response = await inject('POST', '/v1/admin/config/versions', payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await versionCount()).toBe(before);
  });

  it('an alias to a model the catalog lacks → 400 (without a passthrough upstream)', async () => {
    const plain = await createTestApp({ env: { LOCAL_MODEL_WORDS_PER_S: '0' } });
    try {
      await plain.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, PASSWORD);
      const token = (await login(plain.app, ADMIN_EMAIL)).json().access_token;
      const response = await plain.app.inject({
        method: 'POST',
        url: '/v1/admin/config/versions',
        headers: { authorization: `Bearer ${token}` },
        payload: { document: { models: { aliases: { fast: 'no-such-model' } } }, message: 'x' },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.details).toEqual([
        expect.objectContaining({
          path: 'document.models.aliases.fast',
          message: '"no-such-model" is not a model in the catalog or in models.entries',
        }),
      ]);
    } finally {
      await plain.close();
    }
  });

  it.each([
    ['GET', '/v1/admin/config/versions/999', undefined, 404, 'config_version_not_found'],
    ['POST', '/v1/admin/config/versions/999/activate', undefined, 404, 'config_version_not_found'],
    ['POST', '/v1/admin/config/versions/999/canary', { percent: 10 }, 404, 'config_version_not_found'],
    ['GET', '/v1/admin/config/versions/0', undefined, 400, 'invalid_id'],
    ['GET', '/v1/admin/config/versions/abc', undefined, 400, 'invalid_id'],
    ['POST', '/v1/admin/config/canary/promote', undefined, 409, 'config_canary_not_running'],
    ['POST', '/v1/admin/config/canary/rollback', undefined, 409, 'config_canary_not_running'],
  ] as const)('%s %s → %s %s', async (method, url, payload, status, code) => {
    const before = (await inject('GET', '/v1/admin/config/active')).json().state.revision;
    const response = await inject(method, url, payload);
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
    expect((await inject('GET', '/v1/admin/config/active')).json().state.revision).toBe(before);
  });
});

describe('versions, activation and rollback', () => {
  let v1: number;
  let v2: number;

  it('stores versions with author, message and a diff against the previous one', async () => {
    v1 = await createVersion(
      {
        flags: {
          'new-composer': { enabled: true, rules: [{ type: 'tenants', tenant_ids: [user.tenantId] }] },
        },
        rag: { top_k: 3 },
      },
      'first',
    );
    v2 = await createVersion(
      {
        flags: { 'new-composer': { enabled: false }, 'beta-voice': { enabled: true } },
        rag: { top_k: 5 },
        prompts: { default_system: 'Answer in one sentence.' },
      },
      'second',
    );
    expect(v2).toBe(v1 + 1);
    const first = (await inject('GET', `/v1/admin/config/versions/${v1}`)).json();
    expect(first).toMatchObject({
      version: v1,
      message: 'first',
      status: 'inactive',
      author: { email: ADMIN_EMAIL },
    });
    expect(first.diff).toContainEqual({ op: 'replace', path: '/rag/top_k', from: null, value: 3 });
    const second = (await inject('GET', `/v1/admin/config/versions/${v2}`)).json();
    expect(second.diff).toEqual(
      expect.arrayContaining([
        { op: 'add', path: '/flags/beta-voice', value: { enabled: true, rules: [] } },
        { op: 'replace', path: '/flags/new-composer/enabled', from: true, value: false },
        {
          op: 'remove',
          path: '/flags/new-composer/rules/0',
          from: { type: 'tenants', tenant_ids: [user.tenantId] },
        },
        { op: 'replace', path: '/prompts/default_system', from: null, value: 'Answer in one sentence.' },
        { op: 'replace', path: '/rag/top_k', from: 3, value: 5 },
      ]),
    );
    expect(second.diff).toHaveLength(5);
    // Creating does not activate.
    expect((await features(user)).body.config_version).toBeNull();
  });

  it('activates a version (flags evaluated per caller), refuses the active one again, rolls back', async () => {
    const activated = await inject('POST', `/v1/admin/config/versions/${v1}/activate`);
    expect(activated.statusCode, activated.body).toBe(200);
    expect(activated.json()).toMatchObject({ active_version: v1, canary: null });
    let seen = await features(user);
    expect(seen.header).toBe(String(v1));
    expect(seen.body).toMatchObject({
      data: { 'new-composer': true },
      config_version: v1,
      config_source: 'active',
    });
    expect(seen.body.evaluations[0]).toMatchObject({
      reason: 'rule_match',
      rule_index: 0,
      rule_type: 'tenants',
    });
    const other = await registerUser(t.app);
    expect((await features(other)).body.data).toEqual({ 'new-composer': false });

    const again = await inject('POST', `/v1/admin/config/versions/${v1}/activate`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('config_version_already_active');

    expect((await inject('POST', `/v1/admin/config/versions/${v2}/activate`)).statusCode).toBe(200);
    seen = await features(user);
    expect(seen.body.data).toEqual({ 'beta-voice': true, 'new-composer': false });
    expect(seen.body.evaluations.find((e: { key: string }) => e.key === 'new-composer').reason).toBe(
      'flag_off',
    );

    // Rollback: activate the earlier version.
    expect((await inject('POST', `/v1/admin/config/versions/${v1}/activate`)).statusCode).toBe(200);
    seen = await features(user);
    expect(seen.body).toMatchObject({ data: { 'new-composer': true }, config_version: v1 });
    const active = (await inject('GET', '/v1/admin/config/active')).json();
    expect(active.version).toMatchObject({ version: v1, status: 'active' });
    expect(active.served_revision).toBe(active.state.revision);

    const actions = await auditActions();
    expect(actions.filter((a) => a === 'config.version.create').length).toBeGreaterThanOrEqual(2);
    expect(actions).toContain('config.version.activate');
    expect(actions).toContain('config.version.rollback');
  });

  it('lists versions newest first with cursor pagination', async () => {
    const page = (await inject('GET', '/v1/admin/config/versions?limit=1')).json();
    expect(page.data.map((v: { version: number }) => v.version)).toEqual([v2]);
    expect(page.next_cursor).toBe(String(v2));
    const next = (await inject('GET', `/v1/admin/config/versions?limit=1&cursor=${page.next_cursor}`)).json();
    expect(next.data.map((v: { version: number }) => v.version)).toEqual([v1]);
    expect(page.state.active_version).toBe(v1);
  });

  it('concurrent creates get distinct, consecutive version numbers', async () => {
    const before = await versionCount();
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        inject('POST', '/v1/admin/config/versions', {
          document: { rag: { top_k: i + 1 } },
          message: `c${i}`,
        }),
      ),
    );
    const versions = responses.map((r) => {
      expect(r.statusCode, r.body).toBe(201);
      return r.json().version as number;
    });
    const sorted = [...versions].sort((x, y) => x - y);
    expect(new Set(versions).size).toBe(5);
    expect(sorted.at(-1)! - sorted[0]!).toBe(4);
    expect(await versionCount()).toBe(before + 5);
  });

  it('versions are immutable in the database', async () => {
    await expect(
      t.container.database.db.updateTable('runtime_config_versions').set({ message: 'rewritten' }).execute(),
    ).rejects.toThrow(/immutable/);
  });
});

describe('canary', () => {
  it('serves the canary version to the users in its share, then promotes or rolls back', async () => {
    const base = await createVersion({ flags: { canary: { enabled: false } } }, 'base');
    expect((await inject('POST', `/v1/admin/config/versions/${base}/activate`)).statusCode).toBe(200);
    const candidate = await createVersion({ flags: { canary: { enabled: true } } }, 'candidate');

    for (const percent of [0, 100.5, -3, 'ten'])
      expect(
        (await inject('POST', `/v1/admin/config/versions/${candidate}/canary`, { percent })).statusCode,
      ).toBe(400);
    const onActive = await inject('POST', `/v1/admin/config/versions/${base}/canary`, { percent: 10 });
    expect(onActive.statusCode).toBe(409);
    expect(onActive.json().error.code).toBe('config_version_already_active');

    const started = await inject('POST', `/v1/admin/config/versions/${candidate}/canary`, { percent: 50 });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json()).toMatchObject({
      active_version: base,
      canary: { version: candidate, percent: 50 },
    });

    const users = [user];
    for (let i = 0; i < 11; i++) users.push(await registerUser(t.app));
    for (const u of users) {
      const inCanary = bucketOf(`canary:${candidate}`, u.userId) < 5_000;
      const { body, header } = await features(u);
      expect(body.config_version).toBe(inCanary ? candidate : base);
      expect(body.config_source).toBe(inCanary ? 'canary' : 'active');
      expect(body.data.canary).toBe(inCanary);
      expect(header).toBe(String(inCanary ? candidate : base));
    }

    const rolledBack = await inject('POST', '/v1/admin/config/canary/rollback');
    expect(rolledBack.json()).toMatchObject({ active_version: base, canary: null });
    for (const u of users) expect((await features(u)).body.config_version).toBe(base);

    expect(
      (await inject('POST', `/v1/admin/config/versions/${candidate}/canary`, { percent: 100 })).statusCode,
    ).toBe(200);
    for (const u of users) expect((await features(u)).body.config_source).toBe('canary');
    const promoted = await inject('POST', '/v1/admin/config/canary/promote');
    expect(promoted.json()).toMatchObject({ active_version: candidate, canary: null });
    for (const u of users)
      expect((await features(u)).body).toMatchObject({ config_version: candidate, config_source: 'active' });

    const actions = await auditActions();
    for (const action of ['config.canary.start', 'config.canary.rollback', 'config.canary.promote'])
      expect(actions).toContain(action);
  });

  it('activating a version ends a running canary', async () => {
    const a = await createVersion({ rag: { top_k: 7 } }, 'a');
    const b = await createVersion({ rag: { top_k: 9 } }, 'b');
    expect((await inject('POST', `/v1/admin/config/versions/${a}/canary`, { percent: 30 })).statusCode).toBe(
      200,
    );
    const activated = await inject('POST', `/v1/admin/config/versions/${b}/activate`);
    expect(activated.json()).toMatchObject({ active_version: b, canary: null });
  });
});

describe('what the sections govern', () => {
  it('models.aliases routes a model name to a catalog model', async () => {
    const chat = (model: string) =>
      inject(
        'POST',
        '/v1/chat/completions',
        { model, messages: [{ role: 'user', content: 'hi' }] },
        user.auth,
      );
    const version = await createVersion(
      { models: { aliases: { 'team-default': 'upstream-chat' } } },
      'alias',
    );
    expect((await inject('POST', `/v1/admin/config/versions/${version}/activate`)).statusCode).toBe(200);
    const before = fake.requestsFor('upstream-chat').length;
    const response = await chat('team-default');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().choices[0].message.content).toBe('from upstream');
    expect(fake.requestsFor('upstream-chat').length).toBe(before + 1);
    expect(fake.requestsFor('team-default')).toHaveLength(0);
  });

  it("retargeting an alias never serves the old target's cached answers", async () => {
    const chat = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { ...user.auth, 'x-nexus-cache': 'exact' },
        payload: { model: 'team-cached', messages: [{ role: 'user', content: 'cache me' }] },
      });
    const upstream = await createVersion({ models: { aliases: { 'team-cached': 'upstream-chat' } } }, 'up');
    const local = await createVersion({ models: { aliases: { 'team-cached': 'local' } } }, 'local');
    expect((await inject('POST', `/v1/admin/config/versions/${upstream}/activate`)).statusCode).toBe(200);
    const first = await chat();
    expect(first.headers['x-nexus-cache']).toBe('miss');
    const second = await chat();
    expect(second.headers['x-nexus-cache']).toBe('hit');
    expect(second.json().choices[0].message.content).toBe('from upstream');
    expect((await inject('POST', `/v1/admin/config/versions/${local}/activate`)).statusCode).toBe(200);
    const retargeted = await chat();
    expect(retargeted.headers['x-nexus-cache']).toBe('miss');
    expect(retargeted.json().choices[0].message.content).not.toBe('from upstream');
  });

  it('prompts.default_system reaches the model for conversations without their own; rag.top_k reaches retrieval', async () => {
    const version = await createVersion(
      { prompts: { default_system: 'You are the release test.' }, rag: { top_k: 2 } },
      'prompt and rag',
    );
    expect((await inject('POST', `/v1/admin/config/versions/${version}/activate`)).statusCode).toBe(200);
    const kb = await inject('POST', '/v1/knowledge-bases', { name: 'kb' }, user.auth);
    expect(kb.statusCode, kb.body).toBe(201);
    const conversation = await inject(
      'POST',
      '/v1/conversations',
      { model: 'upstream-chat', knowledge_base_ids: [kb.json().id] },
      user.auth,
    );
    expect(conversation.statusCode, conversation.body).toBe(201);
    const retrieve = vi.spyOn(t.container.services.knowledge, 'retrieve');
    try {
      const sent = await inject(
        'POST',
        `/v1/conversations/${conversation.json().id}/messages`,
        { content: 'hello there' },
        user.auth,
      );
      expect(sent.statusCode, sent.body).toBeLessThan(300);
      expect(retrieve).toHaveBeenCalledWith(expect.any(String), [kb.json().id], 'hello there', { topK: 2 });
    } finally {
      retrieve.mockRestore();
    }
    const last = fake.requestsFor('upstream-chat').at(-1);
    const messages = last?.body?.messages as { role: string; content: string }[];
    expect(messages[0]).toEqual({ role: 'system', content: 'You are the release test.' });
  });

  it('features.isEnabled answers for a request context', async () => {
    const version = await createVersion(
      { flags: { 'ip-flag': { enabled: true, rules: [{ type: 'ip', cidrs: ['127.0.0.0/8'] }] } } },
      'ip',
    );
    expect((await inject('POST', `/v1/admin/config/versions/${version}/activate`)).statusCode).toBe(200);
    const ctx = (ip: string) => ({
      principal: {
        kind: 'user' as const,
        userId: user.userId,
        sessionId: user.sessionId,
        isPlatformAdmin: false,
      },
      ip,
      userAgent: null,
      requestId: 'test',
    });
    const featuresService = t.container.services.features;
    expect(await featuresService.isEnabled(ctx('127.0.0.1'), 'ip-flag')).toBe(true);
    expect(await featuresService.isEnabled(ctx('192.0.2.1'), 'ip-flag')).toBe(false);
    expect(await featuresService.isEnabled(ctx('127.0.0.1'), 'no-such-flag')).toBe(false);
  });
});

describe('models.entries', () => {
  // No OPENAI_BASE_URL passthrough here: a name no catalog and no version defines is a 404.
  let plain: TestApp;
  let plainAdmin: { authorization: string };
  let member: Session;
  const entry = (overrides: Record<string, unknown> = {}) => ({
    context_window: 4096,
    deployments: [
      {
        id: 'canary-upstream',
        provider: 'openai-compatible',
        model: 'upstream-chat',
        // The bad-input table is built before the fake starts (it never calls it).
        base_url: fake?.url ?? 'http://upstream.test',
      },
    ],
    ...overrides,
  });
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown, headers = plainAdmin) =>
    plain.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const chat = (model: string, session: Session = member) =>
    call(
      'POST',
      '/v1/chat/completions',
      { model, messages: [{ role: 'user', content: 'hi' }] },
      session.auth,
    );
  const create = async (document: unknown): Promise<number> => {
    const response = await call('POST', '/v1/admin/config/versions', { document, message: 'models' });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().version as number;
  };
  const activate = async (version: number) =>
    expect((await call('POST', `/v1/admin/config/versions/${version}/activate`)).statusCode).toBe(200);
  const versions = async () => (await call('GET', '/v1/admin/config/versions?limit=200')).json().data.length;

  beforeAll(async () => {
    plain = await createTestApp({ env: { LOCAL_MODEL_WORDS_PER_S: '0' } });
    await plain.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, PASSWORD);
    plainAdmin = { authorization: `Bearer ${(await login(plain.app, ADMIN_EMAIL)).json().access_token}` };
    member = await registerUser(plain.app);
  });

  afterAll(async () => {
    await plain?.close();
  });

  it('an entry routes its name to its deployments while its version is active; rollback makes it unknown', async () => {
    const without = await create({});
    const withEntry = await create({
      models: { entries: { 'canary-model': entry() }, aliases: { 'team-canary': 'canary-model' } },
    });
    expect((await chat('canary-model')).json().error.code).toBe('model_not_found');

    await activate(withEntry);
    const before = fake.requestsFor('upstream-chat').length;
    const response = await chat('canary-model');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().choices[0].message.content).toBe('from upstream');
    const aliased = await chat('team-canary');
    expect(aliased.statusCode, aliased.body).toBe(200);
    expect(fake.requestsFor('upstream-chat').length).toBe(before + 2);
    expect(fake.requestsFor('canary-model')).toHaveLength(0);
    const listed = await call('GET', '/v1/models', undefined, member.auth);
    expect(listed.json().data.map((m: { id: string }) => m.id)).toContain('canary-model');
    // The stored document carries the entry as validated (defaults filled in).
    const stored = await call('GET', `/v1/admin/config/versions/${withEntry}`);
    expect(stored.json().document.models.entries['canary-model']).toMatchObject({
      kind: 'chat',
      context_window: 4096,
      deployments: [{ id: 'canary-upstream', model: 'upstream-chat', weight: 1 }],
    });

    await activate(without);
    const gone = await chat('canary-model');
    expect(gone.statusCode, gone.body).toBe(404);
    expect(gone.json().error.code).toBe('model_not_found');
    expect(
      (await call('GET', '/v1/models', undefined, member.auth)).json().data.map((m: { id: string }) => m.id),
    ).not.toContain('canary-model');
    expect(fake.requestsFor('upstream-chat').length).toBe(before + 2);
  });

  it('an entry overrides the catalog model of its name; rolling back serves the catalog model again', async () => {
    const override = await create({ models: { entries: { local: entry() } } });
    const plainVersion = await create({ rag: { top_k: 3 } });
    await activate(override);
    const overridden = await chat('local');
    expect(overridden.statusCode, overridden.body).toBe(200);
    expect(overridden.json().choices[0].message.content).toBe('from upstream');
    await activate(plainVersion);
    const builtIn = await chat('local');
    expect(builtIn.statusCode, builtIn.body).toBe(200);
    expect(builtIn.json().choices[0].message.content).not.toBe('from upstream');
  });

  it("the response cache never serves a catalog model's answers for an entry of the same name", async () => {
    const cached = () =>
      plain.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { ...member.auth, 'x-nexus-cache': 'exact' },
        payload: { model: 'local', messages: [{ role: 'user', content: 'cache me, entries' }] },
      });
    const override = await create({ models: { entries: { local: entry() } } });
    const none = await create({ rag: { top_k: 5 } });
    await activate(none);
    expect((await cached()).headers['x-nexus-cache']).toBe('miss');
    const hit = await cached();
    expect(hit.headers['x-nexus-cache']).toBe('hit');
    expect(hit.json().choices[0].message.content).not.toBe('from upstream');
    await activate(override);
    const overridden = await cached();
    expect(overridden.headers['x-nexus-cache']).toBe('miss');
    expect(overridden.json().choices[0].message.content).toBe('from upstream');
  });

  it('a canary version’s entries serve only the users in its share', async () => {
    const base = await create({ rag: { top_k: 4 } });
    const candidate = await create({ models: { entries: { 'canary-only': entry() } } });
    await activate(base);
    const started = await call('POST', `/v1/admin/config/versions/${candidate}/canary`, { percent: 50 });
    expect(started.statusCode, started.body).toBe(200);
    const users = [member];
    for (let i = 0; i < 7; i++) users.push(await registerUser(plain.app));
    const inCanary = (u: Session) => bucketOf(`canary:${candidate}`, u.userId) < 5_000;
    // Users in both halves (8 users at 50% miss one half with probability 1/128: add until both are seen).
    while (!users.some(inCanary) || users.every(inCanary)) users.push(await registerUser(plain.app));
    for (const u of users) {
      const response = await chat('canary-only', u);
      expect(response.statusCode, `${u.userId}: ${response.body}`).toBe(inCanary(u) ? 200 : 404);
    }
    // Conversations resolve the model (and its context window) for their owner too.
    const inside = users.find(inCanary)!;
    const outside = users.find((u) => !inCanary(u))!;
    const refused = await call('POST', '/v1/conversations', { model: 'canary-only' }, outside.auth);
    expect(refused.statusCode, refused.body).toBe(400);
    const conversation = await call('POST', '/v1/conversations', { model: 'canary-only' }, inside.auth);
    expect(conversation.statusCode, conversation.body).toBe(201);
    const sent = await call(
      'POST',
      `/v1/conversations/${conversation.json().id}/messages`,
      { content: 'hello canary' },
      inside.auth,
    );
    expect(sent.statusCode, sent.body).toBeLessThan(300);

    expect((await call('POST', '/v1/admin/config/canary/rollback')).statusCode).toBe(200);
    for (const u of users.filter(inCanary)) expect((await chat('canary-only', u)).statusCode).toBe(404);
  });

  it.each([
    [
      'a literal api_key',
      {
        x: entry({
          deployments: [
            { provider: 'openai-compatible', model: 'm', base_url: 'http://u.test', api_key: 'sk-1' },
          ],
        }),
      },
      'document.models.entries.x.deployments.0.api_key',
    ],
    ['no deployments', { x: entry({ deployments: [] }) }, 'document.models.entries.x.deployments'],
    [
      'a bad provider',
      { x: entry({ deployments: [{ provider: 'nope', model: 'm' }] }) },
      'document.models.entries.x.deployments.0.provider',
    ],
    ['a bad name', { 'bad name!': entry() }, 'document.models.entries.bad name!'],
    [
      'no base_url for openai-compatible',
      { x: entry({ deployments: [{ provider: 'openai-compatible', model: 'm' }] }) },
      'document.models.entries.x.deployments',
    ],
    [
      'an unset credential variable',
      {
        x: entry({
          deployments: [
            {
              provider: 'openai-compatible',
              model: 'm',
              base_url: 'http://u.test',
              api_key_env: 'NEXUS_TEST_UNSET_KEY',
            },
          ],
        }),
      },
      'document.models.entries.x.deployments',
    ],
    [
      'an unknown fallback',
      { x: entry({ fallbacks: ['no-such-model'] }) },
      'document.models.entries.x.fallbacks.0',
    ],
    [
      'two entries sharing a deployment id',
      { x: entry(), y: entry() },
      'document.models.entries.y.deployments.0.id',
    ],
  ])('%s → 400 naming the path, nothing stored', async (_name, entries, path) => {
    const before = await versions();
    const response = await call('POST', '/v1/admin/config/versions', {
      document: { models: { entries } },
      message: 'bad',
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await versions()).toBe(before);
  });

  it('an entry may fall back to another entry of its version; an alias may not share an entry’s name', async () => {
    const ok = await call('POST', '/v1/admin/config/versions', {
      document: {
        models: {
          entries: {
            a: entry({ fallbacks: ['b'] }),
            b: entry({
              deployments: [
                { id: 'b-up', provider: 'openai-compatible', model: 'upstream-chat', base_url: fake.url },
              ],
            }),
          },
        },
      },
      message: 'fallbacks',
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const clash = await call('POST', '/v1/admin/config/versions', {
      document: { models: { entries: { a: entry() }, aliases: { a: 'local' } } },
      message: 'clash',
    });
    expect(clash.statusCode, clash.body).toBe(400);
    expect(clash.json().error.details.map((d: { path: string }) => d.path)).toContain(
      'document.models.aliases.a',
    );
  });
});

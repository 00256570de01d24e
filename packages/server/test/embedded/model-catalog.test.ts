import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session } from '../support/identity.js';

/**
 * The model catalog's API: global entries (platform admins), tenant entries (visible and usable only in
 * their tenant, overriding global names there), validation, audit, and GET /v1/models with the
 * OPENAI_BASE_URL upstream's own list. The upstream is the fake over real HTTP.
 *
 * Three apps share one database: `t` passes through to the fake; `down` points OPENAI_BASE_URL at a port
 * nothing listens on (its model list fails); `plain` has no passthrough, so a name it does not know is
 * unknown (with a passthrough every well-formed name resolves, fallbacks included). Each app has its own
 * in-process cache, so each test changes the catalog through the app it then uses.
 */

const ADMIN_EMAIL = 'catalog-admin@example.com';
let fake: FakeOpenAI;
let database: Database;
let t: TestApp;
let down: TestApp;
let plain: TestApp;
let admin: { authorization: string };
let user: Session;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  fake.on('upstream-listed', {});
  // The upstream also lists a name the catalog has: GET /v1/models shows it once.
  fake.on('local', {});
  database = await openMemoryDatabase();
  const env = {
    LOCAL_MODEL_WORDS_PER_S: '0',
    OPENAI_API_KEY: 'sk-test',
    // A second credential an operator could reference from the catalog.
    TEAM_KEY: 'sk-team',
  };
  t = await createTestApp({ database, env: { ...env, OPENAI_BASE_URL: fake.url } });
  down = await createTestApp({ database, env: { ...env, OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' } });
  plain = await createTestApp({ database, env: { LOCAL_MODEL_WORDS_PER_S: '0' } });
  await t.container.services.adminBootstrap.ensureAdmin(ADMIN_EMAIL, PASSWORD);
  const session = await login(t.app, ADMIN_EMAIL);
  expect(session.statusCode, session.body).toBe(200);
  admin = { authorization: `Bearer ${session.json().access_token}` };
  user = await registerUser(t.app);
});

afterAll(async () => {
  await Promise.all([t?.close(), down?.close(), plain?.close()]);
  await database?.close();
  await fake?.close();
});

const localSpec = (extra: Record<string, unknown> = {}) => ({
  deployments: [{ provider: 'local', model: 'local' }],
  ...extra,
});

function put(url: string, payload: unknown, headers: Record<string, string> = admin, app = t) {
  return app.app.inject({ method: 'PUT', url, headers, payload: payload as object });
}

function chat(
  model: string,
  headers: Record<string, string>,
  { content = 'Say hello', app = t }: { content?: string; app?: TestApp } = {},
) {
  return app.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers,
    payload: { model, messages: [{ role: 'user', content }] },
  });
}

async function modelIds(headers: Record<string, string>, app = t): Promise<string[]> {
  const response = await app.app.inject({ method: 'GET', url: '/v1/models', headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data.map((m: { id: string }) => m.id);
}

async function adminEntries(app = t): Promise<{
  version: number;
  data: { name: string; source: string; active: boolean; id: string | null; spec: object }[];
}> {
  const response = await app.app.inject({ method: 'GET', url: '/v1/admin/models', headers: admin });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function auditActions(name: string): Promise<{ action: string; tenant_id: string | null }[]> {
  const response = await t.app.inject({
    method: 'GET',
    url: '/v1/admin/audit-events?limit=200',
    headers: admin,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response
    .json()
    .data.filter((e: { action: string; details: { name?: string } }) =>
      e.action.startsWith('model.') ? e.details.name === name : false,
    )
    .reverse();
}

describe('global entries (platform admin)', () => {
  it('lists the built-in models with their source, and the passthrough upstream', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/admin/models', headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.passthrough).toMatchObject({ base_url: fake.url, api_key_env: 'OPENAI_API_KEY' });
    expect(body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'local', source: 'built-in', active: true, id: null }),
        expect.objectContaining({ name: 'local-embedding', source: 'built-in', active: true }),
      ]),
    );
  });

  it('creates, replaces, serves and deletes an entry; each change is audited and bumps the version', async () => {
    // On `plain` (no passthrough), so a deleted name is unknown again rather than sent upstream.
    const before = (await adminEntries(plain)).version;
    const created = await put(
      '/v1/admin/models/team-chat',
      localSpec({ context_window: 4096 }),
      admin,
      plain,
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      id: expect.stringMatching(/^mdl_/),
      name: 'team-chat',
      tenant_id: null,
      source: 'database',
      spec: { kind: 'chat', context_window: 4096, deployments: [{ provider: 'local', weight: 1 }] },
    });
    const afterCreate = await adminEntries(plain);
    expect(afterCreate.version).toBeGreaterThan(before);
    expect(afterCreate.data).toContainEqual(
      expect.objectContaining({ name: 'team-chat', source: 'database' }),
    );

    const served = await chat('team-chat', user.auth, { app: plain });
    expect(served.statusCode, served.body).toBe(200);
    expect(served.json().model).toBe('team-chat');
    expect(await modelIds(user.auth, plain)).toContain('team-chat');

    // Replacing keeps the id and applies at once: the smaller window now refuses this prompt.
    const replaced = await put('/v1/admin/models/team-chat', localSpec({ context_window: 5 }), admin, plain);
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json().id).toBe(created.json().id);
    const tooLong = await chat('team-chat', user.auth, {
      app: plain,
      content: 'one two three four five six seven eight nine ten',
    });
    expect(tooLong.statusCode, tooLong.body).toBe(400);
    expect(tooLong.json().error.code).toBe('context_length_exceeded');
    expect((await adminEntries(plain)).version).toBeGreaterThan(afterCreate.version);

    const deleted = await plain.app.inject({
      method: 'DELETE',
      url: '/v1/admin/models/team-chat',
      headers: admin,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await chat('team-chat', user.auth, { app: plain });
    expect(gone.statusCode, gone.body).toBe(404);
    expect(gone.json().error.code).toBe('model_not_found');
    const again = await plain.app.inject({
      method: 'DELETE',
      url: '/v1/admin/models/team-chat',
      headers: admin,
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not_found');

    expect(await auditActions('team-chat')).toEqual([
      expect.objectContaining({ action: 'model.upsert', tenant_id: null }),
      expect.objectContaining({ action: 'model.upsert', tenant_id: null }),
      expect.objectContaining({ action: 'model.delete', tenant_id: null }),
    ]);
  });

  it('overrides a built-in model by name, which the listing marks as inactive until deleted', async () => {
    const created = await put('/v1/admin/models/local-embedding', {
      kind: 'embedding',
      context_window: 3,
      deployments: [{ id: 'emb-override', provider: 'local', model: 'local-embedding' }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const entries = (await adminEntries()).data.filter((e) => e.name === 'local-embedding');
    expect(entries.map((e) => [e.source, e.active]).sort()).toEqual([
      ['built-in', false],
      ['database', true],
    ]);
    const embed = (input: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/embeddings',
        headers: user.auth,
        payload: { model: 'local-embedding', input },
      });
    expect((await embed('one two three four five six')).json().error.code).toBe('context_length_exceeded');
    await t.app.inject({ method: 'DELETE', url: '/v1/admin/models/local-embedding', headers: admin });
    expect((await embed('one two three four five six')).statusCode).toBe(200);
    // The built-in entry itself cannot be deleted through the API.
    const builtIn = await t.app.inject({
      method: 'DELETE',
      url: '/v1/admin/models/local-embedding',
      headers: admin,
    });
    expect(builtIn.statusCode).toBe(404);
    expect(builtIn.json().error.message).toContain('built in');
  });

  it('takes names with a slash when it is encoded in the path', async () => {
    const created = await put('/v1/admin/models/org%2Fmodel-1', localSpec());
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().name).toBe('org/model-1');
    expect((await chat('org/model-1', user.auth)).statusCode).toBe(200);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/v1/admin/models/org%2Fmodel-1',
      headers: admin,
    });
    expect(deleted.statusCode).toBe(204);
  });

  it.each([
    ['GET', '/v1/admin/models'],
    ['PUT', '/v1/admin/models/x'],
    ['DELETE', '/v1/admin/models/local'],
  ] as const)('%s %s is for platform admins only', async (method, url) => {
    const response = await t.app.inject({
      method,
      url,
      headers: user.auth,
      ...(method === 'PUT' ? { payload: localSpec() } : {}),
    });
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error.code).toBe('permission_denied');
  });

  const upstream = (extra: Record<string, unknown>) => ({
    deployments: [{ provider: 'openai-compatible', model: 'm', base_url: 'https://up.example/v1', ...extra }],
  });
  it.each([
    ['no deployments', {}, 'deployments', 'expected array'],
    ['an empty deployment list', { deployments: [] }, 'deployments', ''],
    [
      'an unknown provider',
      { deployments: [{ provider: 'mystery', model: 'm' }] },
      'deployments.0.provider',
      '',
    ],
    [
      'a negative weight',
      localSpec({ deployments: [{ provider: 'local', model: 'local', weight: -1 }] }),
      'deployments.0.weight',
      '',
    ],
    ['an unknown field', localSpec({ temperature: 1 }), 'temperature', ''],
    ['a bad kind', localSpec({ kind: 'video' }), 'kind', ''],
    [
      'a literal api_key on a deployment',
      upstream({ api_key: 'sk-live-123' }),
      'deployments.0.api_key',
      'api_key_env',
    ],
    ['a literal api_key on the model', { ...upstream({}), api_key: 'sk-live-123' }, 'api_key', 'api_key_env'],
    [
      'an api_key_env that is not set',
      upstream({ api_key_env: 'NOT_SET_ANYWHERE' }),
      'deployments',
      'NOT_SET_ANYWHERE, which is not set',
    ],
    [
      'an api_key_env naming a Nexus setting',
      upstream({ api_key_env: 'LOG_LEVEL' }),
      'deployments.0.api_key_env',
      'Nexus setting',
    ],
    [
      'a lower-case api_key_env (a key pasted in)',
      upstream({ api_key_env: 'sk-live-123' }),
      'deployments.0.api_key_env',
      '',
    ],
    [
      'credentials in base_url',
      upstream({ base_url: 'https://user:secret@up.example/v1' }),
      'deployments.0.base_url',
      'credentials',
    ],
    [
      'a base_url that is not http(s)',
      upstream({ base_url: 'ftp://up.example/v1' }),
      'deployments.0.base_url',
      'http',
    ],
    [
      'an openai-compatible deployment without base_url',
      { deployments: [{ provider: 'openai-compatible', model: 'm' }] },
      'deployments',
      'needs base_url',
    ],
    ['a fallback to itself', localSpec({ fallbacks: ['bad-entry'] }), 'fallbacks.0', 'itself'],
    [
      'a deployment id another model uses',
      { deployments: [{ id: 'local', provider: 'local', model: 'local' }] },
      'deployments',
      '"local" is used by another model',
    ],
  ])('refuses %s (400 validation_failed naming %s)', async (_what, payload, path, message) => {
    const response = await put('/v1/admin/models/bad-entry', payload);
    expect(response.statusCode, response.body).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('validation_failed');
    const issue = (error.details as { path: string; message: string }[]).find((d) => d.path === path);
    expect(issue, JSON.stringify(error.details)).toBeDefined();
    expect(issue!.message).toContain(message);
    expect((await adminEntries()).data.map((e) => e.name)).not.toContain('bad-entry');
  });

  it('refuses a fallback that does not resolve (the passthrough resolves any well-formed name)', async () => {
    const unknown = await put(
      '/v1/admin/models/bad-fallback',
      localSpec({ fallbacks: ['nowhere'] }),
      admin,
      plain,
    );
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(unknown.json().error.details).toContainEqual(
      expect.objectContaining({ path: 'fallbacks.0', message: '"nowhere" is not a model in the catalog' }),
    );
    const viaPassthrough = await put('/v1/admin/models/with-fallback', localSpec({ fallbacks: ['nowhere'] }));
    expect(viaPassthrough.statusCode, viaPassthrough.body).toBe(201);
    await t.app.inject({ method: 'DELETE', url: '/v1/admin/models/with-fallback', headers: admin });
  });

  it('refuses a bad name in the path', async () => {
    const response = await put('/v1/admin/models/bad%20name', localSpec());
    expect(response.statusCode).toBe(400);
  });

  it('accepts an upstream deployment whose credential is set, and stores only the variable name', async () => {
    const created = await put('/v1/admin/models/team-upstream', {
      deployments: [
        { provider: 'openai-compatible', model: 'm', base_url: fake.url, api_key_env: 'TEAM_KEY' },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const row = await database.db
      .selectFrom('model_catalog_entries')
      .select('spec')
      .where('name', '=', 'team-upstream')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.spec)).toContain('TEAM_KEY');
    expect(JSON.stringify(row.spec)).not.toContain('sk-team');
    await t.app.inject({ method: 'DELETE', url: '/v1/admin/models/team-upstream', headers: admin });
  });
});

describe('tenant entries', () => {
  let a: Session;
  let b: Session;
  beforeAll(async () => {
    a = await registerUser(t.app);
    b = await registerUser(t.app);
  });

  it('are visible and usable only in their tenant', async () => {
    const created = await put(`/v1/tenants/${a.tenantId}/models/a-private`, localSpec(), a.auth, plain);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ tenant_id: a.tenantId, source: 'database', name: 'a-private' });

    expect((await chat('a-private', a.auth, { app: plain })).statusCode).toBe(200);
    const other = await chat('a-private', b.auth, { app: plain });
    expect(other.statusCode, other.body).toBe(404);
    expect(other.json().error.code).toBe('model_not_found');

    expect(await modelIds(a.auth, plain)).toContain('a-private');
    expect(await modelIds(b.auth, plain)).not.toContain('a-private');
    // Not a global entry either.
    expect((await adminEntries(plain)).data.map((e) => e.name)).not.toContain('a-private');

    const own = await plain.app.inject({
      method: 'GET',
      url: `/v1/tenants/${a.tenantId}/models`,
      headers: a.auth,
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().data.map((e: { name: string }) => e.name)).toEqual(['a-private']);
    const theirs = await plain.app.inject({
      method: 'GET',
      url: `/v1/tenants/${b.tenantId}/models`,
      headers: b.auth,
    });
    expect(theirs.json().data).toEqual([]);
  });

  it.each(['GET', 'PUT', 'DELETE'] as const)("%s on another tenant's models answers 404", async (method) => {
    const response = await t.app.inject({
      method,
      url:
        method === 'GET' ? `/v1/tenants/${a.tenantId}/models` : `/v1/tenants/${a.tenantId}/models/a-private`,
      headers: b.auth,
      ...(method === 'PUT' ? { payload: localSpec() } : {}),
    });
    expect(response.statusCode, response.body).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });

  it('override a global entry of the same name in their tenant only', async () => {
    // Globally `shared` is the offline model; tenant A routes it to its own upstream (the fake).
    expect((await put('/v1/admin/models/shared', localSpec())).statusCode).toBe(201);
    const spec = {
      deployments: [{ provider: 'openai-compatible', model: 'tenant-a-upstream', base_url: fake.url }],
    };
    // A tenant member may not choose the URL the server will call (SSRF); the platform admin may.
    const byMember = await put(`/v1/tenants/${a.tenantId}/models/shared`, spec, a.auth);
    expect(byMember.statusCode, byMember.body).toBe(400);
    expect(byMember.json().error.details).toContainEqual(
      expect.objectContaining({ path: 'deployments.0.base_url' }),
    );
    const override = await put(`/v1/tenants/${a.tenantId}/models/shared`, spec);
    expect(override.statusCode, override.body).toBe(201);

    const fromA = await chat('shared', a.auth);
    expect(fromA.statusCode, fromA.body).toBe(200);
    expect(fromA.json().choices[0].message.content).toContain('fake upstream');
    expect(fake.requestsFor('tenant-a-upstream')).toHaveLength(1);
    const fromB = await chat('shared', b.auth);
    expect(fromB.statusCode, fromB.body).toBe(200);
    expect(fromB.json().choices[0].message.content).toContain('[Nexus offline model]');
    expect(fake.requestsFor('tenant-a-upstream')).toHaveLength(1);

    // Deleting the override brings the global entry back for A.
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/tenants/${a.tenantId}/models/shared`,
      headers: a.auth,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await chat('shared', a.auth)).json().choices[0].message.content).toContain(
      '[Nexus offline model]',
    );
    expect(await auditActions('shared')).toEqual([
      expect.objectContaining({ action: 'model.upsert', tenant_id: null }),
      expect.objectContaining({ action: 'model.upsert', tenant_id: a.tenantId }),
      expect.objectContaining({ action: 'model.delete', tenant_id: a.tenantId }),
    ]);
  });

  it("get credentials only from a platform admin, who may manage any tenant's entries", async () => {
    const upstreamWith = (api_key_env: string, base_url = fake.url) => ({
      deployments: [{ provider: 'openai-compatible', model: 'a-dedicated-upstream', base_url, api_key_env }],
    });
    // A tenant owner could otherwise send the platform's key to a server of its choosing, or wrap the
    // operator's upstream without the global entry's price and limits.
    for (const payload of [
      upstreamWith('OPENAI_API_KEY', 'https://attacker.example/v1'),
      upstreamWith('TEAM_KEY'),
    ]) {
      const refused = await put(`/v1/tenants/${a.tenantId}/models/a-dedicated`, payload, a.auth);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.details).toContainEqual(
        expect.objectContaining({ path: 'deployments.0.api_key_env' }),
      );
    }

    // The platform admin is no member of A's tenant, yet gives it a model on the operator's credential.
    const given = await put(`/v1/tenants/${a.tenantId}/models/a-dedicated`, upstreamWith('TEAM_KEY'));
    expect(given.statusCode, given.body).toBe(201);
    expect(given.json().tenant_id).toBe(a.tenantId);
    const own = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants/${a.tenantId}/models`,
      headers: a.auth,
    });
    expect(own.json().data.map((e: { name: string }) => e.name)).toContain('a-dedicated');

    expect((await chat('a-dedicated', a.auth)).statusCode).toBe(200);
    expect(fake.requestsFor('a-dedicated-upstream').map((r) => r.headers.authorization)).toEqual([
      'Bearer sk-team',
    ]);
    // For B the name is not A's model (here it goes to the passthrough, under its own name).
    await chat('a-dedicated', b.auth);
    expect(fake.requestsFor('a-dedicated-upstream')).toHaveLength(1);

    const noTenant = await put('/v1/tenants/ten_01jd8x3k5q9v7w2m4n6p8r0s1t/models/x', localSpec());
    expect(noTenant.statusCode).toBe(404);
    expect(noTenant.json().error.code).toBe('not_found');
  });

  it('need tenant:update to change and chat:read to list', async () => {
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: a.auth,
      payload: { name: 'reader', scopes: ['chat:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const headers = { 'x-api-key': key.json().secret };
    const list = await t.app.inject({ method: 'GET', url: `/v1/tenants/${a.tenantId}/models`, headers });
    expect(list.statusCode, list.body).toBe(200);
    const change = await put(`/v1/tenants/${a.tenantId}/models/by-key`, localSpec(), headers);
    expect(change.statusCode).toBe(403);
    expect(change.json().error.code).toBe('insufficient_scope');
  });

  it("resolve fallbacks in their own tenant: A's model is a fallback for A, unknown to B", async () => {
    const base = await put(`/v1/tenants/${a.tenantId}/models/a-base`, localSpec(), a.auth, plain);
    expect(base.statusCode, base.body).toBe(201);
    const chain = { fallbacks: ['a-base', 'local'] };
    const forA = await put(`/v1/tenants/${a.tenantId}/models/a-chain`, localSpec(chain), a.auth, plain);
    expect(forA.statusCode, forA.body).toBe(201);
    const forB = await put(`/v1/tenants/${b.tenantId}/models/b-chain`, localSpec(chain), b.auth, plain);
    expect(forB.statusCode, forB.body).toBe(400);
    expect(forB.json().error.details).toContainEqual(expect.objectContaining({ path: 'fallbacks.0' }));
  });
});

describe('GET /v1/models', () => {
  it("adds the passthrough upstream's own models, asking it at most once a minute", async () => {
    const modelsCalls = () => fake.requests.filter((r) => r.path === '/v1/models').length;
    const before = modelsCalls();
    const ids = await modelIds(user.auth);
    expect(ids).toEqual(
      expect.arrayContaining(['local', 'local-embedding', 'fake-model', 'upstream-listed']),
    );
    expect(new Set(ids).size).toBe(ids.length);
    await modelIds(user.auth);
    expect(modelsCalls() - before).toBeLessThanOrEqual(1);
    // The upstream's models are served with OPENAI_BASE_URL + OPENAI_API_KEY alone.
    const served = await chat('upstream-listed', user.auth);
    expect(served.statusCode, served.body).toBe(200);
    expect(fake.requestsFor('upstream-listed').at(-1)?.headers.authorization).toBe('Bearer sk-test');
  });

  it('still lists the catalog when the upstream cannot be asked, and logs why', async () => {
    const someone = await registerUser(down.app);
    const ids = await modelIds(someone.auth, down);
    expect(ids).toEqual(expect.arrayContaining(['local', 'local-embedding']));
    expect(ids).not.toContain('fake-model');
    expect(down.logs.text).toContain('could not list the OPENAI_BASE_URL upstream models');
  });
});

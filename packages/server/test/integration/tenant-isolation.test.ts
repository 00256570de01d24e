import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/modules/access/permissions.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { upload } from '../support/multipart.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Tenant isolation, proven on PostgreSQL and Redis: tenant A owns one of every resource; tenant B's owner,
 * by token and by API key, with and without naming tenant A, tries every route that reads, lists,
 * updates or deletes it. Every such route answers 404 `not_found`, no list shows A's ids, and nothing
 * in tenant A changes.
 *
 * Adding a resource (later issues): add a probe to PROBES. `seed` creates it in tenant A as A's owner and
 * returns the values its routes' `{placeholders}` need; `routes` are the routes naming it; `lists` are
 * the routes listing that kind of resource; `control` is a route A's owner can read it by (proves the
 * routes are real, so a 404 is isolation, not a typo). New tables with a `tenant_id` column join the
 * "nothing changed" snapshot automatically.
 */

/** The parts of a response body the seeds read. */
type Body = { id: string; data: { id: string }[] };

interface SeedContext {
  app: FastifyInstance;
  /** The owner of tenant A. */
  a: Session;
  /** The database, for seeds that must wait for background writes (metering) before the snapshot. */
  db: TestApp['container']['database']['db'];
  /** Calls the API as A's owner in tenant A and returns the parsed body (fails the test on a 4xx/5xx). */
  asA(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Body>;
}

interface Probe {
  resource: string;
  seed(ctx: SeedContext): Promise<Record<string, string>>;
  /** `userOnly`: API keys may never call it (403 `permission_denied` whatever it names). */
  routes: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    payload?: unknown;
    userOnly?: boolean;
  }[];
  lists: { url: string; id: string; userOnly?: boolean }[];
  control: string;
}

const PROBES: Probe[] = [
  {
    resource: 'tenant',
    seed: async ({ a }) => ({ tenant: a.tenantId, user: a.userId }),
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}' },
      { method: 'PATCH', url: '/v1/tenants/{tenant}', payload: { name: 'taken over' } },
    ],
    lists: [{ url: '/v1/tenants', id: 'tenant', userOnly: true }],
    control: '/v1/tenants/{tenant}',
  },
  {
    resource: 'member',
    seed: async ({ a }) => ({ tenant: a.tenantId, user: a.userId }),
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}/members' },
      { method: 'PATCH', url: '/v1/tenants/{tenant}/members/{user}', payload: { role: 'viewer' } },
      { method: 'DELETE', url: '/v1/tenants/{tenant}/members/{user}', userOnly: true },
    ],
    lists: [],
    control: '/v1/tenants/{tenant}/members',
  },
  {
    resource: 'invite',
    seed: async ({ a, asA }) => {
      const invite = await asA('POST', `/v1/tenants/${a.tenantId}/invites`, { role: 'member' });
      return { tenant: a.tenantId, invite: invite.id };
    },
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}/invites' },
      { method: 'POST', url: '/v1/tenants/{tenant}/invites', payload: { role: 'owner' }, userOnly: true },
      { method: 'DELETE', url: '/v1/tenants/{tenant}/invites/{invite}' },
    ],
    lists: [],
    control: '/v1/tenants/{tenant}/invites',
  },
  {
    resource: 'custom role',
    seed: async ({ asA }) => {
      const role = await asA('POST', '/v1/roles', { name: 'auditor', permissions: ['audit:read'] });
      return { role: role.id };
    },
    routes: [
      { method: 'PATCH', url: '/v1/roles/{role}', payload: { permissions: [...PERMISSIONS] } },
      { method: 'DELETE', url: '/v1/roles/{role}' },
    ],
    lists: [{ url: '/v1/roles', id: 'role' }],
    control: '/v1/roles',
  },
  {
    resource: 'API key',
    seed: async ({ asA }) => {
      const key = await asA('POST', '/v1/api-keys', { name: 'a-key', scopes: ['chat:write'] });
      return { key: key.id };
    },
    routes: [{ method: 'DELETE', url: '/v1/api-keys/{key}' }],
    lists: [{ url: '/v1/api-keys', id: 'key' }],
    control: '/v1/api-keys',
  },
  {
    resource: 'device session',
    seed: async ({ a }) => ({ session: a.sessionId }),
    routes: [{ method: 'DELETE', url: '/v1/me/sessions/{session}', userOnly: true }],
    lists: [{ url: '/v1/me/sessions', id: 'session', userOnly: true }],
    control: '/v1/me/sessions',
  },
  {
    resource: 'audit event',
    seed: async ({ asA }) => {
      const events = await asA('GET', '/v1/audit-events?limit=1');
      expect(events.data.length).toBe(1);
      return { event: events.data[0]!.id };
    },
    routes: [],
    lists: [{ url: '/v1/audit-events?limit=100', id: 'event' }],
    control: '/v1/audit-events',
  },
  {
    resource: 'tenant model entry',
    seed: async ({ a, asA }) => {
      const spec = { deployments: [{ provider: 'local', model: 'local' }] };
      await asA('PUT', `/v1/tenants/${a.tenantId}/models/tenant-a-only-model`, spec);
      return { tenant: a.tenantId, model: 'tenant-a-only-model' };
    },
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}/models' },
      {
        method: 'PUT',
        url: '/v1/tenants/{tenant}/models/{model}',
        payload: { deployments: [{ provider: 'local', model: 'local' }], context_window: 1 },
      },
      { method: 'DELETE', url: '/v1/tenants/{tenant}/models/{model}' },
    ],
    lists: [{ url: '/v1/models', id: 'model' }],
    control: '/v1/tenants/{tenant}/models',
  },
  {
    resource: 'gateway settings',
    seed: async ({ a, asA }) => {
      await asA('PUT', `/v1/tenants/${a.tenantId}/gateway-settings`, {
        response_cache: 'semantic',
        cache_ttl_s: 600,
      });
      return { tenant: a.tenantId };
    },
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}/gateway-settings' },
      { method: 'PUT', url: '/v1/tenants/{tenant}/gateway-settings', payload: { response_cache: 'off' } },
    ],
    lists: [],
    control: '/v1/tenants/{tenant}/gateway-settings',
  },
  {
    resource: 'ip allowlist',
    seed: async ({ a, asA }) => {
      // Tests call from 127.0.0.1: A's owner stays allowed in.
      await asA('PUT', `/v1/tenants/${a.tenantId}/ip-allowlist`, { entries: ['127.0.0.0/8', '::1'] });
      return { tenant: a.tenantId };
    },
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}/ip-allowlist' },
      { method: 'PUT', url: '/v1/tenants/{tenant}/ip-allowlist', payload: { entries: [] } },
    ],
    lists: [],
    control: '/v1/tenants/{tenant}/ip-allowlist',
  },
  {
    resource: 'conversation',
    seed: async ({ asA }) => {
      // Imported, so it has a tree: a user message, an assistant reply and a regenerated sibling.
      const conversation = await asA('POST', '/v1/conversations/import', {
        format: 'nexus.conversation',
        version: 1,
        conversation: { title: 'Isolation kyoto', model: 'local', active_leaf_id: 'a2' },
        messages: [
          { id: 'u', parent_id: null, role: 'user', content: 'kyoto temples' },
          { id: 'a1', parent_id: 'u', role: 'assistant', content: 'first answer' },
          { id: 'a2', parent_id: 'u', role: 'assistant', content: 'second answer' },
        ],
      });
      const messages = await asA('GET', `/v1/conversations/${conversation.id}/messages`);
      const [user, reply] = messages.data;
      return { conversation: conversation.id, user: user!.id, reply: reply!.id };
    },
    routes: [
      { method: 'GET', url: '/v1/conversations/{conversation}' },
      { method: 'PATCH', url: '/v1/conversations/{conversation}', payload: { title: 'taken over' } },
      { method: 'DELETE', url: '/v1/conversations/{conversation}' },
      { method: 'GET', url: '/v1/conversations/{conversation}/messages' },
      { method: 'GET', url: '/v1/conversations/{conversation}/messages/{reply}' },
      { method: 'POST', url: '/v1/conversations/{conversation}/messages/{user}/activate' },
      { method: 'DELETE', url: '/v1/conversations/{conversation}/messages/{reply}' },
      {
        method: 'PUT',
        url: '/v1/conversations/{conversation}/messages/{reply}/feedback',
        payload: { rating: 'down' },
      },
      { method: 'GET', url: '/v1/conversations/{conversation}/export?format=json' },
      { method: 'GET', url: '/v1/conversations/{conversation}/export?format=markdown' },
    ],
    lists: [
      { url: '/v1/conversations', id: 'conversation' },
      { url: '/v1/conversations/search?q=kyoto', id: 'conversation' },
      // The archive stores file names uncompressed, so a leaked conversation's id would show in the body.
      { url: '/v1/conversations/export', id: 'conversation' },
    ],
    control: '/v1/conversations/{conversation}',
  },
  {
    resource: 'conversation reply',
    // Imported, not generated: generation meters a call and titles the conversation after the snapshot.
    seed: async ({ asA }) => {
      const conversation = await asA('POST', '/v1/conversations/import', {
        format: 'nexus.conversation',
        version: 1,
        conversation: { title: 'A', model: 'local', active_leaf_id: 'a1' },
        messages: [
          { id: 'u1', parent_id: null, role: 'user', content: 'Hello' },
          { id: 'a1', parent_id: 'u1', role: 'assistant', content: 'Hi', model: 'local' },
        ],
      });
      const branch = await asA('GET', `/v1/conversations/${conversation.id}/messages`);
      return { conv: conversation.id, user: branch.data[0]!.id, reply: branch.data[1]!.id };
    },
    routes: [
      { method: 'POST', url: '/v1/conversations/{conv}/messages', payload: { content: 'taken over' } },
      {
        method: 'PATCH',
        url: '/v1/conversations/{conv}/messages/{user}',
        payload: { content: 'taken over' },
      },
      { method: 'POST', url: '/v1/conversations/{conv}/messages/{reply}/regenerate', payload: {} },
      { method: 'POST', url: '/v1/conversations/{conv}/messages/{reply}/cancel' },
      { method: 'GET', url: '/v1/conversations/{conv}/messages/{reply}/stream' },
    ],
    lists: [],
    control: '/v1/conversations/{conv}/messages/{reply}',
  },
  {
    resource: 'file',
    seed: async ({ app, a, asA }) => {
      const { payload, headers } = upload('document', 'isolation.txt', 'tenant A only');
      const response = await app.inject({
        method: 'POST',
        url: '/v1/files',
        payload,
        headers: { ...headers, ...a.auth },
      });
      expect(response.statusCode, response.body).toBe(201);
      await asA('PUT', `/v1/tenants/${a.tenantId}/file-settings`, { max_file_bytes: 1_000_000 });
      return { file: response.json().id, tenant: a.tenantId };
    },
    routes: [
      { method: 'GET', url: '/v1/files/{file}' },
      { method: 'GET', url: '/v1/files/{file}/content' },
      { method: 'POST', url: '/v1/files/{file}/download-url', payload: { expires_in: 60 } },
      { method: 'DELETE', url: '/v1/files/{file}' },
      { method: 'GET', url: '/v1/tenants/{tenant}/file-settings' },
      { method: 'PUT', url: '/v1/tenants/{tenant}/file-settings', payload: { max_file_bytes: 1 } },
    ],
    lists: [
      { url: '/v1/files', id: 'file' },
      { url: '/v1/files?purpose=document', id: 'file' },
    ],
    control: '/v1/files/{file}',
  },
  {
    resource: 'knowledge base',
    // Seeded with one document ingested to the end, so the snapshot holds its chunks and nothing moves.
    seed: async ({ a, asA, db }) => {
      const kb = await asA('POST', '/v1/knowledge-bases', { name: 'Tenant A handbook' });
      const doc = await asA('POST', `/v1/knowledge-bases/${kb.id}/documents`, {
        text: 'The tenant A handbook says the vault code is secret.',
        title: 'Handbook',
      });
      for (let i = 0; i < 400; i++) {
        const state = (await asA('GET', `/v1/knowledge-bases/${kb.id}/documents/${doc.id}`)) as unknown as {
          status: string;
        };
        if (state.status === 'ready') break;
        expect(state.status).not.toBe('failed');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // Two embedding calls (the model check, the document) are metered off the request path: wait for
      // their rows, or they would land after the snapshot.
      for (let i = 0; i < 400; i++) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from llm_calls where tenant_id = ${a.tenantId} and endpoint = 'embeddings'`.execute(
          db,
        );
        if (rows[0]!.n >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return { kb: kb.id, doc: doc.id };
    },
    routes: [
      { method: 'GET', url: '/v1/knowledge-bases/{kb}' },
      { method: 'PATCH', url: '/v1/knowledge-bases/{kb}', payload: { settings: { chunk_tokens: 64 } } },
      { method: 'DELETE', url: '/v1/knowledge-bases/{kb}' },
      { method: 'GET', url: '/v1/knowledge-bases/{kb}/documents' },
      { method: 'POST', url: '/v1/knowledge-bases/{kb}/documents', payload: { text: 'planted' } },
      { method: 'GET', url: '/v1/knowledge-bases/{kb}/documents/{doc}' },
      { method: 'DELETE', url: '/v1/knowledge-bases/{kb}/documents/{doc}' },
      { method: 'POST', url: '/v1/knowledge-bases/{kb}/documents/{doc}/reindex' },
      { method: 'POST', url: '/v1/knowledge-bases/{kb}/search', payload: { query: 'vault code' } },
    ],
    lists: [{ url: '/v1/knowledge-bases', id: 'kb' }],
    control: '/v1/knowledge-bases/{kb}/documents/{doc}',
  },
  {
    resource: 'task and session',
    // A finished task (its metering row waited for, so nothing moves after the snapshot) and a session.
    seed: async ({ a, asA, db }) => {
      const task = await asA('POST', '/v1/invoke', {
        task_type: 'text_generation',
        input: { prompt: 'tenant A only' },
      });
      const session = await asA('POST', '/v1/sessions', { title: 'Tenant A session' });
      for (let i = 0; i < 400; i++) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from llm_calls where tenant_id = ${a.tenantId} and endpoint = 'chat'`.execute(
          db,
        );
        if (rows[0]!.n >= 1) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return { task: task.id, session: session.id };
    },
    routes: [
      { method: 'GET', url: '/v1/tasks/{task}' },
      { method: 'POST', url: '/v1/tasks/{task}/cancel' },
      { method: 'GET', url: '/v1/sessions/{session}' },
      { method: 'GET', url: '/v1/sessions/{session}/export' },
      { method: 'DELETE', url: '/v1/sessions/{session}' },
    ],
    lists: [{ url: '/v1/tasks', id: 'task' }],
    control: '/v1/tasks/{task}',
  },
  {
    resource: 'quotas and usage',
    // A's usage is the metering of the seeds above (the task's chat call); quotas are per tenant and user.
    seed: async ({ a }) => ({ tenant: a.tenantId, user: a.userId }),
    routes: [
      { method: 'GET', url: '/v1/tenants/{tenant}/quotas' },
      { method: 'GET', url: '/v1/tenants/{tenant}/quotas?user_id={user}' },
      { method: 'PUT', url: '/v1/tenants/{tenant}/members/{user}/plan', payload: { plan: 'vip' } },
    ],
    lists: [
      { url: '/v1/quotas', id: 'tenant' },
      { url: '/v1/usage?group_by=user,api_key', id: 'user' },
      { url: '/v1/usage/analytics', id: 'user' },
    ],
    control: '/v1/tenants/{tenant}/quotas?user_id={user}',
  },
];

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no seeded value for {${name}} in ${template}`);
    return value;
  });

describe('tenant isolation on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  const prefix = `${uniqueName('isolation')}:`;
  let a: Session;
  let b: Session;
  let bKey: string;
  const seeded: Record<string, Record<string, string>> = {};
  let before: unknown;

  /** Every row of tenant A: each table with a tenant_id column, the tenant itself, A's user and sessions. */
  async function snapshotOfTenantA(): Promise<Record<string, unknown[]>> {
    const db = t.container.database.db;
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.columns
      where column_name = 'tenant_id' and table_schema = current_schema() and table_name <> 'audit_events'
      order by table_name`.execute(db);
    const snapshot: Record<string, unknown[]> = {};
    for (const { table_name } of tables.rows) {
      snapshot[table_name] = (
        await sql`select * from ${sql.table(table_name)} where tenant_id = ${a.tenantId} order by 1`.execute(
          db,
        )
      ).rows;
    }
    snapshot.tenant = (await sql`select * from tenants where id = ${a.tenantId}`.execute(db)).rows;
    snapshot.user = (await sql`select * from users where id = ${a.userId}`.execute(db)).rows;
    snapshot.sessions = (
      await sql`select id, revoked_at, revoked_reason from sessions where user_id = ${a.userId} order by id`.execute(
        db,
      )
    ).rows;
    return snapshot;
  }

  beforeAll(async () => {
    database = await createTestDatabase('isolation');
    t = await createTestApp({ env: { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix } });
    a = await registerUser(t.app);
    b = await registerUser(t.app);
    const asA: SeedContext['asA'] = async (method, url, payload) => {
      const response = await t.app.inject({ method, url, headers: a.auth, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(400);
      return response.json();
    };
    for (const probe of PROBES)
      seeded[probe.resource] = await probe.seed({ app: t.app, db: t.container.database.db, a, asA });
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: b.auth,
      payload: { name: 'b-everything', scopes: [...PERMISSIONS] },
    });
    expect(key.statusCode, key.body).toBe(201);
    bKey = key.json().secret;
    before = await snapshotOfTenantA();
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  const attackers: { who: string; isKey: boolean; headers: () => Record<string, string> }[] = [
    { who: "B's owner", isKey: false, headers: () => b.auth },
    {
      who: "B's owner naming tenant A",
      isKey: false,
      headers: () => ({ ...b.auth, 'x-nexus-tenant': a.tenantId }),
    },
    { who: "B's API key", isKey: true, headers: () => ({ 'x-api-key': bKey }) },
    {
      who: "B's API key naming tenant A",
      isKey: true,
      headers: () => ({ authorization: `Bearer ${bKey}`, 'x-nexus-tenant': a.tenantId }),
    },
  ];

  /** What the attacker must get: 404, or for a user-only route called with a key the 403 any key gets. */
  const expected = (userOnly: boolean | undefined, isKey: boolean) =>
    userOnly && isKey ? { status: 403, code: 'permission_denied' } : { status: 404, code: 'not_found' };

  const attacks = PROBES.flatMap((probe) =>
    probe.routes.flatMap((route) =>
      attackers.map(({ who, isKey, headers }) => ({
        probe,
        route,
        who,
        headers,
        expect: expected(route.userOnly, isKey),
      })),
    ),
  );

  it('has something of every resource in tenant A to attack', () => {
    const snapshot = before as Record<string, unknown[]>;
    for (const table of [
      'memberships',
      'invites',
      'roles',
      'api_keys',
      'tenant',
      'user',
      'sessions',
      'tenant_gateway_settings',
      'tenant_ip_allowlists',
      'conversations',
      'messages',
      'files',
      'file_objects',
      'tenant_file_settings',
      'knowledge_bases',
      'kb_documents',
      'kb_chunks',
    ])
      expect(snapshot[table]?.length, table).toBeGreaterThan(0);
  });

  it.each(PROBES.map((p) => [p.resource, p] as const))(
    "A's owner reaches the %s through its control route (the routes are real)",
    async (_resource, probe) => {
      const response = await t.app.inject({
        method: 'GET',
        url: fill(probe.control, seeded[probe.resource]!),
        headers: a.auth,
      });
      expect(response.statusCode, response.body).toBe(200);
    },
  );

  it.each(attacks.map((x) => [x.route.method, x.route.url, x.who, x.expect.status, x] as const))(
    '%s %s as %s → %d',
    async (_method, _url, _who, _status, { probe, route, headers, expect: want }) => {
      const response = await t.app.inject({
        method: route.method,
        url: fill(route.url, seeded[probe.resource]!),
        headers: headers(),
        ...(route.payload ? { payload: route.payload } : {}),
      });
      expect(response.statusCode, response.body).toBe(want.status);
      expect(response.json().error.code).toBe(want.code);
    },
  );

  const listChecks = PROBES.flatMap((probe) =>
    probe.lists.flatMap((list) =>
      attackers
        .filter(({ isKey }) => !(list.userOnly && isKey))
        .map(({ who, headers }) => ({ probe, list, who, headers })),
    ),
  );

  it.each(listChecks.map((x) => [x.list.url, x.who, x] as const))(
    "GET %s as %s never shows tenant A's item",
    async (_url, _who, { probe, list, headers }) => {
      const response = await t.app.inject({ method: 'GET', url: list.url, headers: headers() });
      // Naming a tenant you are not in is a 404; otherwise the list is B's own, without A's id.
      if (response.statusCode === 404) {
        expect(response.json().error.code).toBe('not_found');
        return;
      }
      expect(response.statusCode, response.body).toBe(200);
      const id = seeded[probe.resource]![list.id]!;
      expect(response.body).not.toContain(id);
    },
  );

  it.each(attackers.map((x) => [x.who, x] as const))(
    "GET /v1/realtime as %s: A's conversation and reply are not_found",
    async (_who, { headers }) => {
      const { conv, reply } = seeded['conversation reply']!;
      const socket = await t.app.injectWS('/v1/realtime', { headers: headers() });
      const received: { type: string; error?: { code: string; event_id?: string } }[] = [];
      const waiters: (() => void)[] = [];
      socket.on('message', (data) => {
        received.push(JSON.parse(String(data)));
        for (const wake of waiters.splice(0)) wake();
      });
      const nth = async (n: number) => {
        while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
        return received[n - 1]!;
      };
      expect((await nth(1)).type).toBe('session.created');
      socket.send(
        JSON.stringify({ type: 'session.update', event_id: 'bind', session: { conversation_id: conv } }),
      );
      socket.send(
        JSON.stringify({
          type: 'response.resume',
          event_id: 'resume',
          message_id: reply,
          conversation_id: conv,
        }),
      );
      expect(await nth(2)).toMatchObject({ type: 'error', error: { code: 'not_found', event_id: 'bind' } });
      expect(await nth(3)).toMatchObject({ type: 'error', error: { code: 'not_found', event_id: 'resume' } });
      socket.terminate();
    },
  );

  it('changed nothing in tenant A', async () => {
    expect(await snapshotOfTenantA()).toEqual(before);
    const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: a.auth });
    expect(me.statusCode).toBe(200);
    expect(me.json().tenants).toEqual([expect.objectContaining({ id: a.tenantId, role: 'owner' })]);
  });
});

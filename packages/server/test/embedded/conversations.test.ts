import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { MessagesRepository } from '../../src/modules/conversations/messages.repository.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';

/**
 * Conversations through the real app (embedded PGlite, in-process cache): CRUD and listing, message trees
 * (seeded through import, the public way to write a whole tree), branch switching, deletion, feedback,
 * search in Chinese and English, export and import, the archive, and the purge job. Generation
 * (POST …/messages) has its own tests.
 */

let t: TestApp;
let alice: Session;
let bob: Session;
let aliceKey: { authorization: string };

const IMPORT_MAX_BYTES = 64 * 1024;
const IMPORT_MAX_MESSAGES = 40;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      LOCAL_MODEL_WORDS_PER_S: '0',
      CONVERSATION_IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES),
      CONVERSATION_IMPORT_MAX_MESSAGES: String(IMPORT_MAX_MESSAGES),
    },
  });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  const key = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: alice.auth,
    payload: { name: 'chat', scopes: ['chat:read', 'chat:write'] },
  });
  expect(key.statusCode, key.body).toBe(201);
  aliceKey = { authorization: `Bearer ${key.json().secret}` };
});

afterAll(async () => {
  await t?.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
function call(method: Method, url: string, headers: Record<string, string> = alice.auth, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function ok(method: Method, url: string, payload?: unknown, headers = alice.auth, status = 200) {
  const response = await call(method, url, headers, payload);
  expect(response.statusCode, response.body).toBe(status);
  return response.statusCode === 204 ? null : response.json();
}

async function create(payload: Record<string, unknown> = {}, headers = alice.auth) {
  return ok('POST', '/v1/conversations', { model: 'local', ...payload }, headers, 201);
}

/** POSTs `payload` to `url`: a 400 with `code` naming `path` (an issue path or `details.param`), nothing written. */
async function expectRefused(url: string, payload: unknown, code: string, path: string) {
  const before = await countConversations();
  const response = await call('POST', url, alice.auth, payload);
  expect(response.statusCode, response.body).toBe(400);
  const error = response.json().error;
  expect(error.code).toBe(code);
  if (code === 'validation_failed')
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
  else expect(error.details).toMatchObject({ param: path });
  expect(await countConversations()).toBe(before);
}

async function countConversations(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from conversations`.execute(
    t.container.database.db,
  );
  return Number(rows[0]!.n);
}

/**
 * A tree with edits and regenerations (created_at increases down the list):
 *   u1 → a1 → u2 → a2a
 *                └→ a2b            (a regeneration: a2a's sibling)
 *             └→ u2e → a3          (an edit of u2: u2's sibling)
 * The active branch ends at `leaf`.
 */
function treeDocument(leaf = 'a2b', extra: Record<string, unknown> = {}) {
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, n)).toISOString();
  return {
    format: 'nexus.conversation',
    version: 1,
    conversation: {
      title: 'Branches',
      model: 'local',
      system_prompt: 'Be brief.',
      params: { temperature: 0.3 },
      active_leaf_id: leaf,
      ...extra,
    },
    messages: [
      { id: 'u1', parent_id: null, role: 'user', content: 'Hello there', created_at: at(1) },
      {
        id: 'a1',
        parent_id: 'u1',
        role: 'assistant',
        content: 'Hi! How can I help?',
        model: 'local',
        created_at: at(2),
      },
      { id: 'u2', parent_id: 'a1', role: 'user', content: 'Tell me about Kyoto', created_at: at(3) },
      { id: 'a2a', parent_id: 'u2', role: 'assistant', content: 'Kyoto has temples.', created_at: at(4) },
      { id: 'a2b', parent_id: 'u2', role: 'assistant', content: 'Kyoto was the capital.', created_at: at(5) },
      { id: 'u2e', parent_id: 'a1', role: 'user', content: 'Tell me about Osaka', created_at: at(6) },
      { id: 'a3', parent_id: 'u2e', role: 'assistant', content: 'Osaka has street food.', created_at: at(7) },
    ],
  };
}

/** Imports the tree; returns the conversation and a map from the document's ids to the new ones. */
async function importTree(leaf = 'a2b', headers = alice.auth) {
  const conversation = await ok('POST', '/v1/conversations/import', treeDocument(leaf), headers, 201);
  const doc = await ok('GET', `/v1/conversations/${conversation.id}/export?format=json`, undefined, headers);
  const byContent = new Map<string, string>(
    doc.messages.map((m: { id: string; content: string }) => [m.content, m.id]),
  );
  const ids: Record<string, string> = {};
  for (const m of treeDocument().messages) ids[m.id] = byContent.get(m.content)!;
  return { conversation, ids };
}

async function branchContents(id: string, headers = alice.auth): Promise<string[]> {
  const page = await ok('GET', `/v1/conversations/${id}/messages?limit=200`, undefined, headers);
  return page.data.map((m: { content: string }) => m.content);
}

describe('create, get, update, delete', () => {
  it('creates a conversation with defaults, and with every field', async () => {
    const plain = await create();
    expect(plain).toMatchObject({
      title: '',
      title_source: 'default',
      model: 'local',
      system_prompt: null,
      params: {},
      knowledge_base_ids: [],
      pinned: false,
      archived: false,
      archived_at: null,
      active_leaf_id: null,
    });
    expect(plain.id).toMatch(/^conv_[0-9a-z]{26}$/);

    const kbResponse = await call('POST', '/v1/knowledge-bases', alice.auth, { name: 'Trips' });
    expect(kbResponse.statusCode, kbResponse.body).toBe(201);
    const kb: string = kbResponse.json().id;
    const full = await create({
      title: '  Trip planning ',
      system_prompt: 'You are a travel agent.',
      params: { temperature: 0.7, top_p: 0.9, max_tokens: 500, stop: ['END'] },
      knowledge_base_ids: [kb, kb],
    });
    expect(full).toMatchObject({
      title: 'Trip planning',
      title_source: 'user',
      system_prompt: 'You are a travel agent.',
      params: { temperature: 0.7, top_p: 0.9, max_tokens: 500, stop: ['END'] },
      knowledge_base_ids: [kb],
    });
    expect(await ok('GET', `/v1/conversations/${full.id}`)).toEqual(full);
  });

  it.each([
    ['an unknown model', { model: 'no-such-model' }, 'invalid_model', 'model'],
    ['an embedding model', { model: 'local-embedding' }, 'invalid_model', 'model'],
    ['no model', { model: undefined }, 'validation_failed', 'model'],
    ['an oversized title', { title: 'x'.repeat(201) }, 'validation_failed', 'title'],
    ['temperature above 2', { params: { temperature: 2.5 } }, 'validation_failed', 'params.temperature'],
    ['top_p of 0', { params: { top_p: 0 } }, 'validation_failed', 'params.top_p'],
    ['fractional max_tokens', { params: { max_tokens: 1.5 } }, 'validation_failed', 'params.max_tokens'],
    [
      'five stop sequences',
      { params: { stop: ['a', 'b', 'c', 'd', 'e'] } },
      'validation_failed',
      'params.stop',
    ],
    ['an unknown parameter', { params: { temprature: 1 } }, 'validation_failed', 'params.temprature'],
    [
      'a knowledge base id of the wrong kind',
      { knowledge_base_ids: [newId('doc')] },
      'validation_failed',
      'knowledge_base_ids.0',
    ],
    ['an unknown field', { colour: 'blue' }, 'validation_failed', 'colour'],
    ['a system prompt that is not a string', { system_prompt: 42 }, 'validation_failed', 'system_prompt'],
  ])('refuses %s', async (_case, payload, code, path) => {
    await expectRefused('/v1/conversations', { model: 'local', ...payload }, code, path);
  });

  it.each([
    ['not an id', '/v1/conversations/abc', 400, 'invalid_id'],
    ['an id of another kind', `/v1/conversations/${newId('msg')}`, 400, 'invalid_id'],
    ['an unknown conversation', `/v1/conversations/${newId('conv')}`, 404, 'not_found'],
    ['an upper-case id', `/v1/conversations/${newId('conv').toUpperCase()}`, 400, 'invalid_id'],
  ])('GET with %s (%s) answers %i %s', async (_case, url, status, code) => {
    const response = await call('GET', url);
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
  });

  it('renames, pins, archives, unarchives, and changes model, prompt and parameters', async () => {
    const conv = await create();
    const renamed = await ok('PATCH', `/v1/conversations/${conv.id}`, { title: 'Renamed' });
    expect(renamed).toMatchObject({ title: 'Renamed', title_source: 'user' });
    expect(Date.parse(renamed.updated_at)).toBeGreaterThanOrEqual(Date.parse(conv.updated_at));
    const pinned = await ok('PATCH', `/v1/conversations/${conv.id}`, { pinned: true, archived: true });
    expect(pinned).toMatchObject({ pinned: true, archived: true });
    expect(pinned.archived_at).not.toBeNull();
    const unarchived = await ok('PATCH', `/v1/conversations/${conv.id}`, { archived: false });
    expect(unarchived).toMatchObject({ archived: false, archived_at: null, pinned: true });
    const changed = await ok('PATCH', `/v1/conversations/${conv.id}`, {
      system_prompt: 'Answer in French.',
      params: { temperature: 0 },
      model: 'local',
    });
    expect(changed).toMatchObject({ system_prompt: 'Answer in French.', params: { temperature: 0 } });
    const cleared = await ok('PATCH', `/v1/conversations/${conv.id}`, { title: '', system_prompt: null });
    expect(cleared).toMatchObject({ title: '', title_source: 'default', system_prompt: null });
    // The cached context follows every change.
    expect(await ok('GET', `/v1/conversations/${conv.id}`)).toEqual(cleared);
  });

  it.each([
    ['an empty body', {}, 'validation_failed'],
    ['an oversized title', { title: '字'.repeat(201) }, 'validation_failed'],
    ['an unknown model', { model: 'gpt-nope' }, 'invalid_model'],
    ['archived as a string', { archived: 'yes' }, 'validation_failed'],
    ['a negative temperature', { params: { temperature: -1 } }, 'validation_failed'],
  ])('PATCH refuses %s', async (_case, payload, code) => {
    const conv = await create({ title: 'Stays' });
    const response = await call('PATCH', `/v1/conversations/${conv.id}`, alice.auth, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe(code);
    expect((await ok('GET', `/v1/conversations/${conv.id}`)).title).toBe('Stays');
  });

  it("answers 404 for another user's conversation, on every route", async () => {
    const { conversation, ids } = await importTree();
    const id = conversation.id;
    const routes: [Method, string, unknown?][] = [
      ['GET', `/v1/conversations/${id}`],
      ['PATCH', `/v1/conversations/${id}`, { title: 'mine now' }],
      ['DELETE', `/v1/conversations/${id}`],
      ['GET', `/v1/conversations/${id}/messages`],
      ['GET', `/v1/conversations/${id}/messages/${ids.a1}`],
      ['POST', `/v1/conversations/${id}/messages/${ids.u2e}/activate`],
      ['DELETE', `/v1/conversations/${id}/messages/${ids.u2}`],
      ['PUT', `/v1/conversations/${id}/messages/${ids.a1}/feedback`, { rating: 'down' }],
      ['GET', `/v1/conversations/${id}/export`],
      ['GET', `/v1/conversations/${id}/export?format=markdown`],
    ];
    for (const [method, url, payload] of routes) {
      const response = await call(method, url, bob.auth, payload);
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    const list = await ok('GET', '/v1/conversations?limit=200', undefined, bob.auth);
    expect(list.data.map((c: { id: string }) => c.id)).not.toContain(id);
    expect(await branchContents(id)).toEqual([
      'Hello there',
      'Hi! How can I help?',
      'Tell me about Kyoto',
      'Kyoto was the capital.',
    ]);
    expect((await ok('GET', `/v1/conversations/${id}`)).title).toBe('Branches');
  });

  it('another member of the same tenant gets 404 too; each member lists only their own', async () => {
    const conv = await create({ title: 'private to alice' });
    const invite = await ok(
      'POST',
      `/v1/tenants/${alice.tenantId}/invites`,
      { role: 'admin' },
      alice.auth,
      201,
    );
    const carol = await registerUser(t.app);
    await ok('POST', '/v1/invites/accept', { token: invite.token }, carol.auth);
    const inAlicesTenant = { ...carol.auth, 'x-nexus-tenant': alice.tenantId };
    for (const [method, url] of [
      ['GET', `/v1/conversations/${conv.id}`],
      ['PATCH', `/v1/conversations/${conv.id}`],
      ['DELETE', `/v1/conversations/${conv.id}`],
    ] as const) {
      const response = await call(
        method,
        url,
        inAlicesTenant,
        method === 'PATCH' ? { pinned: true } : undefined,
      );
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const mine = await create({ title: 'carol in alice tenant' }, inAlicesTenant);
    const list = await ok('GET', '/v1/conversations?limit=200', undefined, inAlicesTenant);
    expect(list.data.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    expect((await ok('GET', `/v1/conversations/${conv.id}`)).pinned).toBe(false);
  });

  it("an API key acts as its creator: it sees and changes the creator's conversations", async () => {
    const byUser = await create({ title: 'made by a login' });
    const byKey = await create({ title: 'made by a key' }, aliceKey);
    expect(await ok('GET', `/v1/conversations/${byUser.id}`, undefined, aliceKey)).toMatchObject({
      id: byUser.id,
    });
    expect(await ok('GET', `/v1/conversations/${byKey.id}`)).toMatchObject({ title: 'made by a key' });
    await ok('PATCH', `/v1/conversations/${byUser.id}`, { pinned: true }, aliceKey);
    const bobsView = await call('GET', `/v1/conversations/${byKey.id}`, bob.auth);
    expect(bobsView.statusCode).toBe(404);
  });

  it('soft-deletes: 204, then gone from get, list, search and export; the purge removes it later', async () => {
    const conv = await ok(
      'POST',
      '/v1/conversations/import',
      treeDocument('a2b', { title: 'Doomed zanzibar' }),
      alice.auth,
      201,
    );
    expect((await ok('GET', '/v1/conversations/search?q=zanzibar')).data).toHaveLength(1);
    expect(await ok('DELETE', `/v1/conversations/${conv.id}`, undefined, alice.auth, 204)).toBeNull();
    for (const url of [`/v1/conversations/${conv.id}`, `/v1/conversations/${conv.id}/messages`]) {
      expect((await call('GET', url)).statusCode).toBe(404);
    }
    expect((await call('DELETE', `/v1/conversations/${conv.id}`)).statusCode).toBe(404);
    const list = await ok('GET', '/v1/conversations?limit=200');
    expect(list.data.map((c: { id: string }) => c.id)).not.toContain(conv.id);
    expect((await ok('GET', '/v1/conversations/search?q=zanzibar')).data).toHaveLength(0);

    const db = t.container.database.db;
    const purger = t.container.services.conversationPurger;
    // Deleted just now: younger than CONVERSATION_PURGE_AFTER_S (7 days), so it stays for now.
    await purger.runOnce();
    const kept = await db.selectFrom('conversations').select('id').where('id', '=', conv.id).execute();
    expect(kept).toHaveLength(1);
    // Eight days on, it and its messages are gone; live conversations are not touched.
    const live = await create({ title: 'stays alive' });
    expect(await purger.runOnce(new Date(Date.now() + 8 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(
      await db.selectFrom('conversations').select('id').where('id', '=', conv.id).execute(),
    ).toHaveLength(0);
    expect(
      await db.selectFrom('messages').select('id').where('conversation_id', '=', conv.id).execute(),
    ).toHaveLength(0);
    expect(await ok('GET', `/v1/conversations/${live.id}`)).toMatchObject({ title: 'stays alive' });
  });

  it('the purge skips a pass while another holder has its lock', async () => {
    const conv = await create();
    await ok('DELETE', `/v1/conversations/${conv.id}`, undefined, alice.auth, 204);
    const lock = await t.container.cache.acquireLock('conv:purge:lock', 60_000);
    expect(lock).not.toBeNull();
    const later = new Date(Date.now() + 8 * 86_400_000);
    expect(await t.container.services.conversationPurger.runOnce(later)).toBe(0);
    await lock!.release();
    expect(await t.container.services.conversationPurger.runOnce(later)).toBe(1);
  });
});

describe('list', () => {
  let user: Session;
  beforeAll(async () => {
    user = await registerUser(t.app);
  });

  it('pages through every conversation, most recently active first, with no gaps or repeats', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await create({ title: `c${i}` }, user.auth)).id);
    // Touching one moves it to the top.
    await ok('PATCH', `/v1/conversations/${made[2]}`, { title: 'touched' }, user.auth);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/conversations?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await ok('GET', url, undefined, user.auth);
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([made[2], ...made.filter((_, i) => i !== 2).reverse()]);
  });

  it('filters by archived, pinned and updated_since', async () => {
    const u = await registerUser(t.app);
    const plain = await create({}, u.auth);
    const pinned = await create({}, u.auth);
    const archived = await create({}, u.auth);
    await ok('PATCH', `/v1/conversations/${pinned.id}`, { pinned: true }, u.auth);
    const arch = await ok('PATCH', `/v1/conversations/${archived.id}`, { archived: true }, u.auth);
    const ids = async (query: string) =>
      (await ok('GET', `/v1/conversations?${query}`, undefined, u.auth)).data.map(
        (c: { id: string }) => c.id,
      );
    expect(await ids('archived=true')).toEqual([archived.id]);
    expect((await ids('archived=false')).sort()).toEqual([plain.id, pinned.id].sort());
    expect(await ids('pinned=true')).toEqual([pinned.id]);
    expect(await ids('pinned=false&archived=false')).toEqual([plain.id]);
    expect(await ids(`updated_since=${encodeURIComponent(arch.updated_at)}`)).toEqual([archived.id]);
    expect(await ids('updated_since=2100-01-01T00:00:00Z')).toEqual([]);
  });

  it.each([
    ['a cursor that is not base64 JSON', 'cursor=garbage', 'invalid_cursor'],
    [
      'a cursor with the wrong shape',
      `cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
      'invalid_cursor',
    ],
    [
      'a cursor with a millisecond time',
      `cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', newId('conv')])).toString('base64url')}`,
      'invalid_cursor',
    ],
    ['limit 0', 'limit=0', 'validation_failed'],
    ['limit 201', 'limit=201', 'validation_failed'],
    ['archived=maybe', 'archived=maybe', 'validation_failed'],
    ['a malformed updated_since', 'updated_since=yesterday', 'validation_failed'],
    ['an unknown parameter', 'colour=red', 'unknown_parameter'],
  ])('refuses %s', async (_case, query, code) => {
    const response = await call('GET', `/v1/conversations?${query}`);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe(code);
  });
});

describe('messages and branches', () => {
  it('lists the active branch oldest first, with each message’s siblings', async () => {
    const { conversation, ids } = await importTree('a2b');
    expect(conversation.active_leaf_id).toBe(ids.a2b);
    const page = await ok('GET', `/v1/conversations/${conversation.id}/messages`);
    expect(page.next_cursor).toBeNull();
    expect(page.data.map((m: { id: string }) => m.id)).toEqual([ids.u1, ids.a1, ids.u2, ids.a2b]);
    const [u1, a1, u2, a2b] = page.data;
    expect(u1).toMatchObject({
      role: 'user',
      parent_id: null,
      status: 'completed',
      siblings: { index: 0, count: 1 },
    });
    expect(a1).toMatchObject({ role: 'assistant', model: 'local', parent_id: ids.u1, feedback: null });
    expect(u2.siblings).toEqual({ index: 0, count: 2, ids: [ids.u2, ids.u2e] });
    expect(a2b.siblings).toEqual({ index: 1, count: 2, ids: [ids.a2a, ids.a2b] });
    expect(Object.keys(a2b).sort()).toEqual(
      [
        'citations',
        'content',
        'context',
        'conversation_id',
        'created_at',
        'error',
        'feedback',
        'id',
        'model',
        'parent_id',
        'role',
        'siblings',
        'status',
        'updated_at',
        'usage',
      ].sort(),
    );
  });

  it('pages the branch with a cursor', async () => {
    const { conversation, ids } = await importTree('a2b');
    const first = await ok('GET', `/v1/conversations/${conversation.id}/messages?limit=3`);
    expect(first.data.map((m: { id: string }) => m.id)).toEqual([ids.u1, ids.a1, ids.u2]);
    expect(first.next_cursor).toBe(ids.u2);
    const second = await ok(
      'GET',
      `/v1/conversations/${conversation.id}/messages?limit=3&cursor=${first.next_cursor}`,
    );
    expect(second.data.map((m: { id: string }) => m.id)).toEqual([ids.a2b]);
    expect(second.next_cursor).toBeNull();
  });

  it('pages the branch newest first with order=desc', async () => {
    const { conversation, ids } = await importTree('a2b');
    const first = await ok('GET', `/v1/conversations/${conversation.id}/messages?limit=3&order=desc`);
    expect(first.data.map((m: { id: string }) => m.id)).toEqual([ids.a2b, ids.u2, ids.a1]);
    expect(first.next_cursor).toBe(ids.a1);
    const second = await ok(
      'GET',
      `/v1/conversations/${conversation.id}/messages?limit=3&order=desc&cursor=${ids.a1}`,
    );
    expect(second).toMatchObject({ data: [{ id: ids.u1 }], next_cursor: null });
  });

  it.each([
    ['order=random', () => 'order=random', 'validation_failed'],
    ['a message of another branch', (ids: Record<string, string>) => `cursor=${ids.a3}`, 'invalid_cursor'],
    ['an unknown message id', () => `cursor=${newId('msg')}`, 'invalid_cursor'],
    ['a malformed cursor', () => 'cursor=abc', 'validation_failed'],
    ['limit=-1', () => 'limit=-1', 'validation_failed'],
  ])('refuses %s as the cursor', async (_case, query, code) => {
    const { conversation, ids } = await importTree('a2b');
    const response = await call('GET', `/v1/conversations/${conversation.id}/messages?${query(ids)}`);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe(code);
  });

  it('an empty conversation has an empty branch', async () => {
    const conv = await create();
    expect(await ok('GET', `/v1/conversations/${conv.id}/messages`)).toEqual({ data: [], next_cursor: null });
  });

  it('switches branches: the newest continuation below the chosen message becomes the leaf', async () => {
    const { conversation, ids } = await importTree('a2b');
    const id = conversation.id;
    const switched = await ok('POST', `/v1/conversations/${id}/messages/${ids.u2e}/activate`);
    expect(switched.active_leaf_id).toBe(ids.a3);
    expect(switched.messages.map((m: { id: string }) => m.id)).toEqual([ids.u1, ids.a1, ids.u2e, ids.a3]);
    expect(await branchContents(id)).toEqual([
      'Hello there',
      'Hi! How can I help?',
      'Tell me about Osaka',
      'Osaka has street food.',
    ]);
    // Back to the older regeneration.
    await ok('POST', `/v1/conversations/${id}/messages/${ids.a2a}/activate`);
    expect((await branchContents(id)).at(-1)).toBe('Kyoto has temples.');
    // From the root, the latest children all the way down: u2e (newer than u2), then a3.
    const fromRoot = await ok('POST', `/v1/conversations/${id}/messages/${ids.u1}/activate`);
    expect(fromRoot.active_leaf_id).toBe(ids.a3);
    // A message of another conversation is not found here.
    const other = await importTree('a3');
    const response = await call('POST', `/v1/conversations/${id}/messages/${other.ids.a1}/activate`);
    expect(response.statusCode).toBe(404);
    expect((await call('POST', `/v1/conversations/${id}/messages/${newId('msg')}/activate`)).statusCode).toBe(
      404,
    );
  });

  it('gets one message on any branch', async () => {
    const { conversation, ids } = await importTree('a2b');
    const message = await ok('GET', `/v1/conversations/${conversation.id}/messages/${ids.a3}`);
    expect(message).toMatchObject({
      id: ids.a3,
      content: 'Osaka has street food.',
      siblings: { index: 0, count: 1 },
    });
  });

  it('deletes a message with its subtree and moves the active leaf somewhere sensible', async () => {
    const { conversation, ids } = await importTree('a2b');
    const id = conversation.id;
    // Deleting the active leaf: the previous sibling's branch takes over.
    const afterLeaf = await ok('DELETE', `/v1/conversations/${id}/messages/${ids.a2b}`);
    expect(afterLeaf.active_leaf_id).toBe(ids.a2a);
    expect((await branchContents(id)).at(-1)).toBe('Kyoto has temples.');
    // Deleting a message off the active branch leaves the leaf alone.
    const offBranch = await ok('DELETE', `/v1/conversations/${id}/messages/${ids.u2e}`);
    expect(offBranch.active_leaf_id).toBe(ids.a2a);
    const gone = await call('GET', `/v1/conversations/${id}/messages/${ids.a3}`);
    expect(gone.statusCode).toBe(404);
    // Deleting the only child on the branch: the parent becomes the leaf.
    const afterOnly = await ok('DELETE', `/v1/conversations/${id}/messages/${ids.u2}`);
    expect(afterOnly.active_leaf_id).toBe(ids.a1);
    expect(await branchContents(id)).toEqual(['Hello there', 'Hi! How can I help?']);
    // Deleting the root: nothing left.
    expect((await ok('DELETE', `/v1/conversations/${id}/messages/${ids.u1}`)).active_leaf_id).toBeNull();
    expect(await branchContents(id)).toEqual([]);
    const rows = await t.container.database.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('deleting the first of two siblings moves to the next one', async () => {
    const { conversation, ids } = await importTree('a2a');
    const after = await ok('DELETE', `/v1/conversations/${conversation.id}/messages/${ids.u2}`);
    expect(after.active_leaf_id).toBe(ids.a3);
  });

  it('refuses to delete while a reply below is streaming (409 message_streaming), and changes nothing', async () => {
    const { conversation, ids } = await importTree('a2b');
    const repo = new MessagesRepository();
    const streaming = await repo.insert(t.container.database.db, alice.tenantId, {
      id: newId('msg'),
      conversationId: conversation.id,
      parentId: ids.a2b!,
      role: 'assistant',
      content: 'still typ',
      status: 'streaming',
    });
    for (const target of [ids.u2, ids.a2b, streaming.id]) {
      const response = await call('DELETE', `/v1/conversations/${conversation.id}/messages/${target}`);
      expect(response.statusCode, response.body).toBe(409);
      expect(response.json().error).toMatchObject({
        code: 'message_streaming',
        details: { message_ids: [streaming.id] },
      });
    }
    // Another branch can still go.
    await ok('DELETE', `/v1/conversations/${conversation.id}/messages/${ids.u2e}`);
    expect((await ok('GET', `/v1/conversations/${conversation.id}/messages/${ids.a2b}`)).id).toBe(ids.a2b);
  });

  it('records thumbs up/down with a comment on assistant messages, and clears it', async () => {
    const { conversation, ids } = await importTree('a2b');
    const url = `/v1/conversations/${conversation.id}/messages/${ids.a2b}/feedback`;
    const up = await ok('PUT', url, { rating: 'up', comment: 'Exactly right' });
    expect(up.feedback).toMatchObject({ rating: 'up', comment: 'Exactly right' });
    expect(Date.parse(up.feedback.at)).not.toBeNaN();
    const down = await ok('PUT', url, { rating: 'down' });
    expect(down.feedback).toMatchObject({ rating: 'down', comment: null });
    const listed = await ok('GET', `/v1/conversations/${conversation.id}/messages`);
    expect(listed.data.at(-1).feedback).toMatchObject({ rating: 'down' });
    const cleared = await ok('PUT', url, { rating: null });
    expect(cleared.feedback).toBeNull();
  });

  it.each([
    ['a user message', 'u2', { rating: 'up' }, 400, 'feedback_not_allowed'],
    ['a bad rating', 'a1', { rating: 'meh' }, 400, 'validation_failed'],
    ['no rating', 'a1', { comment: 'hm' }, 400, 'validation_failed'],
    ['an oversized comment', 'a1', { rating: 'up', comment: 'x'.repeat(2001) }, 400, 'validation_failed'],
  ])('feedback refuses %s', async (_case, target, payload, status, code) => {
    const { conversation, ids } = await importTree('a2b');
    const response = await call(
      'PUT',
      `/v1/conversations/${conversation.id}/messages/${ids[target]}/feedback`,
      alice.auth,
      payload,
    );
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
  });

  it.each([
    [
      'a malformed message id',
      (c: string) => `/v1/conversations/${c}/messages/abc/feedback`,
      400,
      'invalid_id',
    ],
    [
      'a conversation id as the message id',
      (c: string) => `/v1/conversations/${c}/messages/${c}/activate`,
      400,
      'invalid_id',
    ],
    [
      'an unknown message',
      (c: string) => `/v1/conversations/${c}/messages/${newId('msg')}`,
      404,
      'not_found',
    ],
  ])('message routes refuse %s', async (_case, url, status, code) => {
    const conv = await create();
    const method = url(conv.id).endsWith('feedback')
      ? 'PUT'
      : url(conv.id).endsWith('activate')
        ? 'POST'
        : 'GET';
    const response = await call(
      method,
      url(conv.id),
      alice.auth,
      method === 'PUT' ? { rating: 'up' } : undefined,
    );
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
  });
});

describe('search', () => {
  let user: Session;
  const convs: Record<string, string> = {};

  beforeAll(async () => {
    user = await registerUser(t.app);
    const make = async (name: string, title: string, texts: string[]) => {
      const doc = {
        format: 'nexus.conversation',
        version: 1,
        conversation: { title, model: 'local', active_leaf_id: `m${texts.length - 1}` },
        messages: texts.map((content, i) => ({
          id: `m${i}`,
          parent_id: i === 0 ? null : `m${i - 1}`,
          role: i % 2 === 0 ? 'user' : 'assistant',
          content,
        })),
      };
      convs[name] = (await ok('POST', '/v1/conversations/import', doc, user.auth, 201)).id;
    };
    await make('zh', '学习计划', ['我喜欢机器学习', '机器学习是人工智能的一个分支。']);
    await make('en', 'Weekend plans', [
      'What is machine learning?',
      'Machine Learning is a field of AI, about models that learn from data.',
    ]);
    await make('robot', '玩具', ['我想买一个机器人']);
    await make('kyoto', 'Trip to Kyoto', ['Where should I stay?']);
  });

  const search = async (q: string, headers = user.auth) => {
    const page = await ok('GET', `/v1/conversations/search?q=${encodeURIComponent(q)}`, undefined, headers);
    return page.data as {
      conversation: { id: string; title: string };
      message_id: string | null;
      snippet: string;
      rank: number;
    }[];
  };
  const found = async (q: string) =>
    (await search(q)).map((h) => Object.entries(convs).find(([, id]) => id === h.conversation.id)?.[0]);

  // ICU segments 我喜欢机器学习 as 我 / 喜欢 / 机器 / 学习 and 机器人 as 机器 / 人 (see conversation-search.test.ts).
  it.each([
    ['机器学习', ['zh']],
    ['学习', ['zh']],
    ['喜欢', ['zh']],
    ['机器', ['zh', 'robot']],
    ['机器人', ['robot']],
    ['我想', ['robot']],
    ['想', []],
    ['人工智能', ['zh']],
    ['machine learning', ['en']],
    ['MACHINE', ['en']],
    ['Learning!', ['en']],
    ['kyoto', ['kyoto']],
    ['learn', ['en']],
    ['learned', []],
    ['深度学习', []],
    ['zebra', []],
  ])('%s finds %j', async (q, expected) => {
    expect((await found(q)).sort()).toEqual([...expected].sort());
  });

  it('answers the matching message and a snippet around the match; a title match has no message', async () => {
    const [hit] = await search('机器学习');
    expect(hit!.message_id).toMatch(/^msg_/);
    expect(hit!.snippet).toContain('机器学习');
    expect(hit!.rank).toBeGreaterThan(0);
    const message = await ok(
      'GET',
      `/v1/conversations/${convs.zh}/messages/${hit!.message_id}`,
      undefined,
      user.auth,
    );
    expect(message.content).toContain('机器学习');
    const [title] = await search('trip kyoto');
    expect(title).toMatchObject({
      message_id: null,
      snippet: 'Trip to Kyoto',
      conversation: { id: convs.kyoto },
    });
  });

  it('finds only the caller’s conversations', async () => {
    expect(await search('机器学习', alice.auth)).toEqual([]);
  });

  it('follows a rename', async () => {
    await ok('PATCH', `/v1/conversations/${convs.robot}`, { title: 'Shopping list' }, user.auth);
    expect(await found('shopping')).toEqual(['robot']);
    expect(await found('玩具')).toEqual([]);
  });

  it('pages with a cursor', async () => {
    const first = await ok(
      'GET',
      `/v1/conversations/search?q=${encodeURIComponent('机器')}&limit=1`,
      undefined,
      user.auth,
    );
    expect(first.data).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = await ok(
      'GET',
      `/v1/conversations/search?q=${encodeURIComponent('机器')}&limit=1&cursor=${first.next_cursor}`,
      undefined,
      user.auth,
    );
    expect(second.data).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    expect(second.data[0].conversation.id).not.toBe(first.data[0].conversation.id);
  });

  it.each([
    ['no q', '', 'validation_failed'],
    ['an empty q', 'q=', 'validation_failed'],
    ['punctuation only', `q=${encodeURIComponent('!!! ？。')}`, 'validation_failed'],
    ['an oversized q', `q=${'a'.repeat(501)}`, 'validation_failed'],
    ['a bad cursor', 'q=kyoto&cursor=zzz', 'invalid_cursor'],
    ['limit 101', 'q=kyoto&limit=101', 'validation_failed'],
  ])('refuses %s', async (_case, query, code) => {
    const response = await call('GET', `/v1/conversations/search?${query}`, user.auth);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe(code);
  });
});

describe('export and import', () => {
  it('exports the whole tree as JSON and re-imports it with new ids, the same shape and active branch', async () => {
    const { conversation } = await importTree('a3');
    await ok(
      'PUT',
      `/v1/conversations/${conversation.id}/messages/${(await ok('GET', `/v1/conversations/${conversation.id}/messages`)).data.at(-1).id}/feedback`,
      { rating: 'up', comment: 'nice' },
    );
    const response = await call('GET', `/v1/conversations/${conversation.id}/export`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="${conversation.id}.json"`);
    const doc = response.json();
    expect(doc).toMatchObject({
      format: 'nexus.conversation',
      version: 1,
      conversation: {
        id: conversation.id,
        title: 'Branches',
        model: 'local',
        system_prompt: 'Be brief.',
        params: { temperature: 0.3 },
      },
    });
    expect(doc.messages).toHaveLength(7);

    const copy = await ok('POST', '/v1/conversations/import', doc, alice.auth, 201);
    expect(copy.id).not.toBe(conversation.id);
    expect(copy).toMatchObject({
      title: 'Branches',
      system_prompt: 'Be brief.',
      params: { temperature: 0.3 },
    });
    const again = await ok('GET', `/v1/conversations/${copy.id}/export`);
    const shape = (d: typeof doc) => {
      const byId = new Map<string, { content: string }>(
        d.messages.map((m: { id: string; content: string }) => [m.id, m]),
      );
      return {
        edges: d.messages.map(
          (m: { parent_id: string | null; content: string; role: string; feedback: unknown }) => [
            m.parent_id ? byId.get(m.parent_id)!.content : null,
            m.content,
            m.role,
            m.feedback && { ...(m.feedback as object), at: 'x' },
          ],
        ),
        leaf: byId.get(d.conversation.active_leaf_id)!.content,
      };
    };
    expect(shape(again)).toEqual(shape(doc));
    const newIds = again.messages.map((m: { id: string }) => m.id);
    for (const old of doc.messages.map((m: { id: string }) => m.id)) expect(newIds).not.toContain(old);
    expect(await branchContents(copy.id)).toEqual(await branchContents(conversation.id));
  });

  it('exports the active branch as readable Markdown', async () => {
    const { conversation } = await importTree('a2b');
    const response = await call('GET', `/v1/conversations/${conversation.id}/export?format=markdown`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/markdown; charset=utf-8');
    const md = response.body;
    expect(md.startsWith('# Branches\n')).toBe(true);
    expect(md).toContain('## System prompt\n\nBe brief.');
    expect(md).toContain('## User\n\nTell me about Kyoto');
    expect(md).toContain('## Assistant (`local`)\n\nHi! How can I help?');
    expect(md).toContain('Kyoto was the capital.');
    // Other branches are not in it.
    expect(md).not.toContain('Kyoto has temples.');
    expect(md).not.toContain('Osaka');
    expect(md.indexOf('Hello there')).toBeLessThan(md.indexOf('Kyoto was the capital.'));
  });

  it('refuses an unknown export format', async () => {
    const conv = await create();
    const response = await call('GET', `/v1/conversations/${conv.id}/export?format=pdf`);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
  });

  const doc = treeDocument;
  const withMessages = (change: (messages: Record<string, unknown>[]) => void) => {
    const d = doc() as unknown as { messages: Record<string, unknown>[] };
    change(d.messages);
    return d;
  };
  it.each([
    ['an array', [], 'validation_failed', ''],
    ['the wrong format tag', { ...doc(), format: 'chatgpt' }, 'validation_failed', 'format'],
    ['a future version', { ...doc(), version: 2 }, 'validation_failed', 'version'],
    ['no conversation', { ...doc(), conversation: undefined }, 'validation_failed', 'conversation'],
    [
      'no model',
      { ...doc(), conversation: { ...doc().conversation, model: undefined } },
      'validation_failed',
      'conversation.model',
    ],
    [
      'an unknown model',
      { ...doc(), conversation: { ...doc().conversation, model: 'gone-model' } },
      'invalid_model',
      'conversation.model',
    ],
    [
      'bad params',
      { ...doc(), conversation: { ...doc().conversation, params: { temperature: 9 } } },
      'validation_failed',
      'conversation.params.temperature',
    ],
    [
      'an oversized title',
      { ...doc(), conversation: { ...doc().conversation, title: 't'.repeat(201) } },
      'validation_failed',
      'conversation.title',
    ],
    [
      'a message without content',
      withMessages((m) => delete m[2]!.content),
      'validation_failed',
      'messages.2.content',
    ],
    ['an unknown role', withMessages((m) => (m[1]!.role = 'wizard')), 'validation_failed', 'messages.1.role'],
    [
      'a malformed created_at',
      withMessages((m) => (m[0]!.created_at = 'yesterday')),
      'validation_failed',
      'messages.0.created_at',
    ],
    [
      'a parent that does not exist',
      withMessages((m) => (m[3]!.parent_id = 'nope')),
      'validation_failed',
      'messages.3.parent_id',
    ],
    ['duplicate ids', withMessages((m) => (m[4]!.id = 'a2a')), 'validation_failed', 'messages.4.id'],
    ['a cycle', withMessages((m) => (m[0]!.parent_id = 'a3')), 'validation_failed', 'messages.0.parent_id'],
    [
      'an active leaf that is not a message',
      { ...doc(), conversation: { ...doc().conversation, active_leaf_id: 'zz' } },
      'validation_failed',
      'conversation.active_leaf_id',
    ],
    [
      'too many messages',
      withMessages((m) => {
        for (let i = 0; i < IMPORT_MAX_MESSAGES; i++)
          m.push({ id: `x${i}`, parent_id: 'u1', role: 'user', content: 'x' });
      }),
      'validation_failed',
      'messages',
    ],
    [
      'a bad feedback rating',
      withMessages((m) => (m[1]!.feedback = { rating: 'great' })),
      'validation_failed',
      'messages.1.feedback.rating',
    ],
  ])('import refuses %s, naming the path, and writes nothing', async (_case, payload, code, path) => {
    await expectRefused('/v1/conversations/import', payload, code, path);
  });

  it('import refuses a body over CONVERSATION_IMPORT_MAX_BYTES with 400 import_too_large', async () => {
    const before = await countConversations();
    const big = withMessages((m) => (m[0]!.content = 'x'.repeat(IMPORT_MAX_BYTES)));
    const response = await call('POST', '/v1/conversations/import', alice.auth, big);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'import_too_large',
      details: { limit_bytes: IMPORT_MAX_BYTES },
    });
    expect(await countConversations()).toBe(before);
  });

  it('an import fails as a whole: a database failure part-way through leaves nothing behind', async () => {
    const db = t.container.database.db;
    const before = await countConversations();
    const messagesBefore = (await db.selectFrom('messages').select('id').execute()).length;
    // A trigger makes the database itself refuse one message row, after the conversation row went in.
    await sql`create function refuse_explode() returns trigger language plpgsql as $$
      begin raise exception 'refused by test trigger'; end $$`.execute(db);
    await sql`create trigger refuse_explode before insert on messages for each row
      when (new.content = 'explode') execute function refuse_explode()`.execute(db);
    try {
      const response = await call(
        'POST',
        '/v1/conversations/import',
        alice.auth,
        withMessages((m) => (m[6]!.content = 'explode')),
      );
      expect(response.statusCode).toBe(500);
    } finally {
      await sql`drop trigger refuse_explode on messages`.execute(db);
      await sql`drop function refuse_explode()`.execute(db);
    }
    expect(await countConversations()).toBe(before);
    expect(await db.selectFrom('messages').select('id').execute()).toHaveLength(messagesBefore);
  });

  it('imports a message exported mid-stream as cancelled', async () => {
    const d = withMessages((m) => (m[6]!.status = 'streaming')) as unknown as ReturnType<typeof treeDocument>;
    const copy = await ok(
      'POST',
      '/v1/conversations/import',
      { ...d, conversation: { ...d.conversation, active_leaf_id: 'a3' } },
      alice.auth,
      201,
    );
    const messages = await ok('GET', `/v1/conversations/${copy.id}/messages`);
    expect(messages.data.at(-1)).toMatchObject({ content: 'Osaka has street food.', status: 'cancelled' });
  });

  it('exports every conversation of the caller as one zip with a JSON and a Markdown file each', async () => {
    const u = await registerUser(t.app);
    const a = await ok('POST', '/v1/conversations/import', treeDocument('a3'), u.auth, 201);
    const b = await create({ title: '空的对话' }, u.auth);
    const deleted = await create({ title: 'deleted' }, u.auth);
    await ok('DELETE', `/v1/conversations/${deleted.id}`, undefined, u.auth, 204);
    const response = await call('GET', '/v1/conversations/export', u.auth);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/zip');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="nexus-conversations-\d{4}-\d\d-\d\d\.zip"$/,
    );
    const files = unzipSync(new Uint8Array(response.rawPayload));
    expect(Object.keys(files).sort()).toEqual(
      [
        `conversations/${a.id}.json`,
        `conversations/${a.id}.md`,
        `conversations/${b.id}.json`,
        `conversations/${b.id}.md`,
      ].sort(),
    );
    const json = JSON.parse(strFromU8(files[`conversations/${a.id}.json`]!));
    expect(json).toMatchObject({ format: 'nexus.conversation', version: 1, conversation: { id: a.id } });
    expect(json.messages).toHaveLength(7);
    expect(strFromU8(files[`conversations/${a.id}.md`]!)).toContain('Osaka has street food.');
    expect(strFromU8(files[`conversations/${b.id}.md`]!)).toMatch(/^# 空的对话\n/);
    // Each file re-imports.
    await ok('POST', '/v1/conversations/import', json, u.auth, 201);
  });

  it('the archive of a user with no conversations is an empty zip', async () => {
    const u = await registerUser(t.app);
    const response = await call('GET', '/v1/conversations/export', u.auth);
    expect(response.statusCode).toBe(200);
    expect(Object.keys(unzipSync(new Uint8Array(response.rawPayload)))).toEqual([]);
  });
});

describe('OpenAPI', () => {
  it('documents every conversation route', async () => {
    const doc = await ok('GET', '/openapi.json');
    for (const path of [
      '/v1/conversations',
      '/v1/conversations/search',
      '/v1/conversations/export',
      '/v1/conversations/import',
      '/v1/conversations/{id}',
      '/v1/conversations/{id}/export',
      '/v1/conversations/{id}/messages',
      '/v1/conversations/{id}/messages/{msgId}',
      '/v1/conversations/{id}/messages/{msgId}/activate',
      '/v1/conversations/{id}/messages/{msgId}/feedback',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/v1/conversations'].post.tags).toEqual(['conversations']);
  });
});

describe('permissions', () => {
  it('reads need chat:read and changes chat:write; no credentials is 401', async () => {
    const conv = await create();
    const readOnly = await ok('POST', '/v1/api-keys', { name: 'ro', scopes: ['chat:read'] }, alice.auth, 201);
    const ro = { authorization: `Bearer ${readOnly.secret}` };
    expect((await ok('GET', `/v1/conversations/${conv.id}`, undefined, ro)).id).toBe(conv.id);
    const write = await call('PATCH', `/v1/conversations/${conv.id}`, ro, { title: 'x' });
    expect(write.statusCode).toBe(403);
    expect(write.json().error).toMatchObject({
      code: 'insufficient_scope',
      details: { permission: 'chat:write' },
    });
    const anonymous = await t.app.inject({ method: 'GET', url: '/v1/conversations' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('a key with only chat:write creates, imports and changes the model of conversations (no chat:read)', async () => {
    const writeOnly = await ok(
      'POST',
      '/v1/api-keys',
      { name: 'wo', scopes: ['chat:write'] },
      alice.auth,
      201,
    );
    const wo = { authorization: `Bearer ${writeOnly.secret}` };
    const created = await create({ title: 'write only' }, wo);
    expect(created).toMatchObject({ model: 'local', title: 'write only' });
    const imported = await ok('POST', '/v1/conversations/import', treeDocument('a3'), wo, 201);
    expect(imported.model).toBe('local');
    const patched = await ok('PATCH', `/v1/conversations/${created.id}`, { model: 'local' }, wo);
    expect(patched.model).toBe('local');
    // The model is still checked: an unknown one is a 400 with this key too, and reads stay closed.
    const unknown = await call('POST', '/v1/conversations', wo, { model: 'no-such-model' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({
      code: 'invalid_model',
      details: { model: 'no-such-model' },
    });
    const read = await call('GET', `/v1/conversations/${created.id}`, wo);
    expect(read.statusCode).toBe(403);
    // Without chat:write, creating is refused on the permission, not on the model check.
    const readOnly = await ok(
      'POST',
      '/v1/api-keys',
      { name: 'ro2', scopes: ['chat:read'] },
      alice.auth,
      201,
    );
    const denied = await call(
      'POST',
      '/v1/conversations',
      { authorization: `Bearer ${readOnly.secret}` },
      {
        model: 'local',
      },
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({
      code: 'insufficient_scope',
      details: { permission: 'chat:write' },
    });
  });
});

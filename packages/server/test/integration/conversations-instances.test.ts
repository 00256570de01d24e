import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Conversations across two instances sharing PostgreSQL and Redis: the hot context cached in Redis by one
 * instance is invalidated by a change made on the other (no stale reads after any kind of change), search
 * works the same on real PostgreSQL (CJK words through the `simple` parser), and the purge job runs on
 * one instance at a time through the Redis lock.
 */
describe('conversations across instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let one: TestApp;
  let two: TestApp;
  let user: Session;
  const prefix = `${uniqueName('conversations')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('conversations');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      LOCAL_MODEL_WORDS_PER_S: '0',
    };
    one = await createTestApp({ env });
    two = await createTestApp({ env });
    user = await registerUser(one.app);
  });

  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  async function ok(
    t: TestApp,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ) {
    const response = await t.app.inject({
      method,
      url,
      headers: user.auth,
      ...(payload ? { payload: payload as object } : {}),
    });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.statusCode === 204 ? null : response.json();
  }

  const tree = {
    format: 'nexus.conversation',
    version: 1,
    conversation: { title: '学习计划', model: 'local', active_leaf_id: 'a2' },
    messages: [
      { id: 'u', parent_id: null, role: 'user', content: '我喜欢机器学习' },
      { id: 'a1', parent_id: 'u', role: 'assistant', content: '第一个回答' },
      { id: 'a2', parent_id: 'u', role: 'assistant', content: '第二个回答' },
    ],
  };

  it('a change on one instance is seen at once on the other, whose context was cached in Redis', async () => {
    const conv = await ok(one, 'POST', '/v1/conversations/import', tree);
    const branch = async (t: TestApp) =>
      (await ok(t, 'GET', `/v1/conversations/${conv.id}/messages`)).data.map(
        (m: { content: string }) => m.content,
      );
    // Both instances read (and the first caches) the context.
    expect(await branch(one)).toEqual(['我喜欢机器学习', '第二个回答']);
    expect(await branch(two)).toEqual(['我喜欢机器学习', '第二个回答']);
    // The context lives in Redis, where the other instance sees it (generation 0: never invalidated yet).
    expect(await two.container.cache.get(`conv:ctx:${user.tenantId}:${conv.id}:0`)).not.toBeNull();

    // Branch switch on two → one sees it.
    const first = (await ok(one, 'GET', `/v1/conversations/${conv.id}/messages`)).data[1];
    const sibling = first.siblings.ids[0];
    await ok(two, 'POST', `/v1/conversations/${conv.id}/messages/${sibling}/activate`);
    expect(await branch(one)).toEqual(['我喜欢机器学习', '第一个回答']);
    // Feedback on one → two sees it.
    await ok(one, 'PUT', `/v1/conversations/${conv.id}/messages/${sibling}/feedback`, { rating: 'up' });
    expect((await ok(two, 'GET', `/v1/conversations/${conv.id}/messages`)).data[1].feedback.rating).toBe(
      'up',
    );
    // Rename on two → one sees it.
    await ok(two, 'PATCH', `/v1/conversations/${conv.id}`, { title: 'Renamed' });
    expect((await ok(one, 'GET', `/v1/conversations/${conv.id}`)).title).toBe('Renamed');
    // Message delete on one → two sees it.
    await ok(one, 'DELETE', `/v1/conversations/${conv.id}/messages/${sibling}`);
    expect(await branch(two)).toEqual(['我喜欢机器学习', '第二个回答']);
    // Conversation delete on two → one answers 404.
    await ok(two, 'DELETE', `/v1/conversations/${conv.id}`);
    const gone = await one.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conv.id}`,
      headers: user.auth,
    });
    expect(gone.statusCode).toBe(404);
  });

  it.each([
    ['机器学习', true],
    ['学习', true],
    ['学习计划', true],
    ['深度学习', false],
  ])('PostgreSQL search: %s found = %s', async (q, expected) => {
    const conv = await ok(one, 'POST', '/v1/conversations/import', tree);
    const page = await ok(two, 'GET', `/v1/conversations/search?q=${encodeURIComponent(q)}&limit=100`);
    expect(page.data.some((h: { conversation: { id: string } }) => h.conversation.id === conv.id)).toBe(
      expected,
    );
  });

  it('two instances purging at once remove each deleted conversation once, and only old ones', async () => {
    const db = one.container.database.db;
    const doomed = [];
    for (let i = 0; i < 3; i++) {
      const conv = await ok(one, 'POST', '/v1/conversations/import', tree);
      await ok(one, 'DELETE', `/v1/conversations/${conv.id}`);
      doomed.push(conv.id);
    }
    const fresh = await ok(one, 'POST', '/v1/conversations', { model: 'local' });
    await ok(one, 'DELETE', `/v1/conversations/${fresh.id}`);
    // The doomed ones were deleted ten days ago.
    await sql`update conversations set deleted_at = now() - interval '10 days' where id in (${sql.join(doomed)})`.execute(
      db,
    );
    const counts = await Promise.all([
      one.container.services.conversationPurger.runOnce(),
      two.container.services.conversationPurger.runOnce(),
    ]);
    // The lock lets one instance at a time work: the other either skipped or found nothing left.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    const left = await db
      .selectFrom('conversations')
      .select('id')
      .where('id', 'in', [...doomed, fresh.id])
      .execute();
    expect(left.map((r) => r.id)).toEqual([fresh.id]);
    const messages = await db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', 'in', doomed)
      .execute();
    expect(messages).toEqual([]);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../ids.js';
import { type Database, openDatabase } from '../../platform/db/database.js';
import { migrateUp } from '../../platform/db/migrator.js';
import { searchQueryOf } from './conversation-search.js';
import { ConversationsRepository } from './conversations.repository.js';
import { MessagesRepository } from './messages.repository.js';
import { RepliesRepository } from './replies.repository.js';

let database: Database;
const conversations = new ConversationsRepository();
const messages = new MessagesRepository();
const replies = new RepliesRepository();

/** A tenant with a user and one conversation; returns their ids. */
async function seedTenant(): Promise<{ tenantId: string; userId: string; conversationId: string }> {
  const db = database.db;
  const tenantId = newId('ten');
  const userId = newId('usr');
  await db.insertInto('tenants').values({ id: tenantId, name: 't', slug: tenantId }).execute();
  await db
    .insertInto('users')
    .values({ id: userId, email: `${userId}@example.com`, password_hash: null })
    .execute();
  const conversationId = newId('conv');
  await conversations.create(db, tenantId, { id: conversationId, userId, model: 'local' });
  return { tenantId, userId, conversationId };
}

async function reply(
  tenantId: string,
  conversationId: string,
  status: 'streaming' | 'completed',
  content = '',
) {
  const user = await messages.insert(database.db, tenantId, {
    id: newId('msg'),
    conversationId,
    parentId: null,
    role: 'user',
    content: 'q',
  });
  return messages.insert(database.db, tenantId, {
    id: newId('msg'),
    conversationId,
    parentId: user.id,
    role: 'assistant',
    status,
    content,
  });
}

beforeAll(async () => {
  database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  await migrateUp(database.db);
});

afterAll(async () => {
  await database?.close();
});

describe('RepliesRepository', () => {
  it('writes the text of many streaming replies of several tenants in one call, never over a final state', async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const streamingA = await reply(a.tenantId, a.conversationId, 'streaming');
    const streamingB = await reply(b.tenantId, b.conversationId, 'streaming');
    const finished = await reply(a.tenantId, a.conversationId, 'completed', 'final text');
    await replies.saveProgress(database.db, [
      { tenantId: a.tenantId, conversationId: a.conversationId, messageId: streamingA.id, content: 'Hel' },
      { tenantId: b.tenantId, conversationId: b.conversationId, messageId: streamingB.id, content: '你好' },
      { tenantId: a.tenantId, conversationId: a.conversationId, messageId: finished.id, content: 'late' },
      // A row naming the wrong tenant changes nothing.
      { tenantId: b.tenantId, conversationId: a.conversationId, messageId: streamingA.id, content: 'hijack' },
    ]);
    const get = (tenantId: string, conversationId: string, id: string) =>
      messages.get(database.db, tenantId, conversationId, id);
    expect((await get(a.tenantId, a.conversationId, streamingA.id))?.content).toBe('Hel');
    expect((await get(b.tenantId, b.conversationId, streamingB.id))?.content).toBe('你好');
    expect((await get(a.tenantId, a.conversationId, finished.id))?.content).toBe('final text');
    await replies.saveProgress(database.db, []);
  });

  it('finds stale streaming replies, fails them per conversation, and cancels one', async () => {
    const { tenantId, conversationId } = await seedTenant();
    const old = await reply(tenantId, conversationId, 'streaming', 'half');
    const fresh = await reply(tenantId, conversationId, 'streaming');
    await sql`update messages set updated_at = now() - interval '1 hour' where id = ${old.id}`.execute(
      database.db,
    );

    const stale = await replies.findStreamingBefore(database.db, new Date(Date.now() - 60_000), 100);
    expect(stale).toContainEqual({ tenantId, conversationId, messageId: old.id });
    expect(stale.map((s) => s.messageId)).not.toContain(fresh.id);
    expect(await replies.streamingIn(database.db, tenantId, conversationId)).toBe(fresh.id);

    expect(await replies.cancelStreaming(database.db, tenantId, conversationId, fresh.id)).toBe(fresh.id);
    expect(await replies.cancelStreaming(database.db, tenantId, conversationId, fresh.id)).toBeUndefined();
    const error = { code: 'interrupted', message: 'gone' };
    expect(await replies.failStreaming(database.db, tenantId, conversationId, error)).toEqual([old.id]);
    expect(await replies.failStreaming(database.db, tenantId, conversationId, error)).toEqual([]);
    const saved = await messages.get(database.db, tenantId, conversationId, old.id);
    expect(saved).toMatchObject({ status: 'failed', error, content: 'half' });
    expect((await messages.get(database.db, tenantId, conversationId, fresh.id))?.status).toBe('cancelled');
    expect(await replies.streamingIn(database.db, tenantId, conversationId)).toBeUndefined();
  });

  it('fills search_terms of the text flushed so far when a reply is interrupted or cancelled', async () => {
    const { tenantId, userId, conversationId } = await seedTenant();
    const interrupted = await reply(tenantId, conversationId, 'streaming');
    const cancelled = await reply(tenantId, conversationId, 'streaming');
    // Flushes write the text but leave search_terms empty (they are filled by the final write).
    await replies.saveProgress(database.db, [
      { tenantId, conversationId, messageId: interrupted.id, content: '我喜欢机器学习 quasar' },
      { tenantId, conversationId, messageId: cancelled.id, content: 'nebula drift' },
    ]);
    const hits = async (query: string) =>
      (
        await conversations.search(database.db, tenantId, userId, searchQueryOf(query), {
          offset: 0,
          limit: 10,
        })
      ).map((h) => h.messageId);
    expect(await hits('quasar')).toEqual([]);

    await replies.cancelStreaming(database.db, tenantId, conversationId, cancelled.id);
    await replies.failStreaming(database.db, tenantId, conversationId, {
      code: 'interrupted',
      message: 'gone',
    });

    expect(await hits('quasar')).toEqual([interrupted.id]);
    expect(await hits('机器学习')).toEqual([interrupted.id]);
    expect(await hits('nebula')).toEqual([cancelled.id]);
  });
});

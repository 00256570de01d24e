import { sql } from 'kysely';
import type { Executor } from '../../platform/db/transaction.js';
import { searchTermsOf } from './conversation-search.js';

/** A streaming reply whose generation may have died with its instance. */
export interface StreamingReply {
  tenantId: string;
  conversationId: string;
  messageId: string;
}

/**
 * The SQL the reply runner needs beyond {@link MessagesRepository}: batched progress writes for every
 * reply running on an instance, and the sweeper's queries. Each row carries its own `tenantId` and every
 * statement filters by it; `findStreamingBefore` is a background job's query over every tenant and says so.
 */
export class RepliesRepository {
  /**
   * Writes the text of many streaming replies in one statement (each row scoped by its own tenant and
   * conversation). Replies that are no longer `streaming` are left alone: a final state is never undone by
   * a late progress write. `search_terms` are filled with the final write, not on every flush.
   * @example await replies.saveProgress(db, [{ tenantId, conversationId, messageId, content: 'Hel' }]);
   */
  async saveProgress(
    db: Executor,
    rows: readonly { tenantId: string; conversationId: string; messageId: string; content: string }[],
  ): Promise<void> {
    // 4 parameters a row: chunks stay far below PostgreSQL's 65,535.
    for (let i = 0; i < rows.length; i += 1000) {
      const values = rows
        .slice(i, i + 1000)
        .map((r) => sql`(${r.tenantId}, ${r.conversationId}, ${r.messageId}, ${r.content})`);
      await sql`
        update messages as m set content = v.content, updated_at = now()
        from (values ${sql.join(values)}) as v(tenant_id, conversation_id, id, content)
        where m.tenant_id = v.tenant_id and m.conversation_id = v.conversation_id and m.id = v.id
          and m.status = 'streaming'`.execute(db);
    }
  }

  /**
   * Sweeper (background job, every tenant): replies still `streaming` that have not been written since
   * `before` — candidates whose generation may no longer run anywhere. The caller checks the lock.
   */
  async findStreamingBefore(db: Executor, before: Date, limit: number): Promise<StreamingReply[]> {
    const rows = await db
      .selectFrom('messages')
      .select(['tenant_id', 'conversation_id', 'id'])
      .where('status', '=', 'streaming')
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, conversationId: r.conversation_id, messageId: r.id }));
  }

  /**
   * Marks every reply of the conversation that is still `streaming` as `failed` with `error` (the caller
   * holds the conversation's lock, so none of them is running), with `search_terms` of the text they have.
   * Returns the ids marked.
   */
  async failStreaming(
    db: Executor,
    tenantId: string,
    conversationId: string,
    error: { code: string; message: string },
  ): Promise<string[]> {
    return this.settleStreaming(db, tenantId, conversationId, { status: 'failed', error });
  }

  /**
   * Marks one `streaming` reply `cancelled` (no generation runs for it: the caller holds the lock), with
   * `search_terms` of the text it has. Undefined when it was not streaming any more.
   */
  async cancelStreaming(
    db: Executor,
    tenantId: string,
    conversationId: string,
    messageId: string,
  ): Promise<string | undefined> {
    const ids = await this.settleStreaming(db, tenantId, conversationId, { status: 'cancelled', messageId });
    return ids[0];
  }

  /**
   * Gives `streaming` replies (all of the conversation's, or `messageId`) a final status. Their text was
   * saved by flushes that leave `search_terms` alone (see MessagePatch.searchTerms), so they are filled
   * here, as every final write does: a reply's text is searchable whatever way it ended.
   */
  private async settleStreaming(
    db: Executor,
    tenantId: string,
    conversationId: string,
    settle: {
      status: 'failed' | 'cancelled';
      error?: { code: string; message: string };
      messageId?: string;
    },
  ): Promise<string[]> {
    let query = db
      .updateTable('messages')
      .set({
        status: settle.status,
        ...(settle.error ? { error: JSON.stringify(settle.error) } : {}),
        updated_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'streaming');
    if (settle.messageId !== undefined) query = query.where('id', '=', settle.messageId);
    const rows = await query.returning(['id', 'content']).execute();
    for (const row of rows) {
      if (row.content === '') continue;
      await db
        .updateTable('messages')
        .set({ search_terms: searchTermsOf(row.content) })
        .where('tenant_id', '=', tenantId)
        .where('conversation_id', '=', conversationId)
        .where('id', '=', row.id)
        .execute();
    }
    return rows.map((r) => r.id);
  }

  /** The reply of the conversation being generated, if any (for the 409's details). */
  async streamingIn(db: Executor, tenantId: string, conversationId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('messages')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'streaming')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }
}

import { type Selectable, sql } from 'kysely';
import type { MessageRole, MessageStatus, MessagesTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';
import { searchTermsOf } from './conversation-search.js';

export type MessageRow = Selectable<MessagesTable>;

/** What a reply records about itself besides its text; absent fields: the default, or as they are. */
interface MessageState {
  status?: MessageStatus;
  error?: { code: string; message: string } | null;
  model?: string | null;
  usage?: { input_tokens: number; output_tokens: number } | null;
  context?: Record<string, unknown> | null;
  citations?: unknown[] | null;
}

export interface NewMessage extends MessageState {
  id: string;
  conversationId: string;
  /** The message this one answers or follows; null for the first message of a tree. */
  parentId: string | null;
  role: MessageRole;
  content?: string;
  feedback?: { rating: -1 | 1 | null; comment: string | null; at: Date | null } | null;
  /** Imports keep the original time; absent: now. */
  createdAt?: Date;
}

/** The fields a running or finished reply changes; absent fields stay as they are. */
export interface MessagePatch extends MessageState {
  /** Replaces the content; `search_terms` follow it unless `searchTerms` is false. */
  content?: string;
  /**
   * False: leave `search_terms` as they are. Segmenting costs about 1 ms per 1,000 characters, so the
   * periodic flushes of a streaming reply pass false and the final update (status `completed`,
   * `cancelled` or `failed`) leaves it out. Default true.
   */
  searchTerms?: boolean;
}

/** A message's place among its siblings (same parent), oldest first. */
export interface Siblings {
  ids: string[];
  index: number;
  count: number;
}

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/**
 * Messages: the nodes of each conversation's tree (`parent_id`). Every method takes `tenantId` first and
 * the conversation id, and reads only rows of both ({@link scoped}); the service checks that the caller
 * owns the conversation before it gets here.
 */
export class MessagesRepository {
  /**
   * Inserts one message and fills its `search_terms` from the content.
   * @example await messages.insert(trx, tenantId, { id: newId('msg'), conversationId, parentId: leafId, role: 'user', content: 'Hi' });
   */
  async insert(db: Executor, tenantId: string, m: NewMessage): Promise<MessageRow> {
    return db
      .insertInto('messages')
      .values(this.values(tenantId, m))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Inserts many messages at once (imports); parents must come before their children. */
  async insertMany(db: Executor, tenantId: string, messages: readonly NewMessage[]): Promise<void> {
    // Chunks keep each statement well under PostgreSQL's 65,535 bind parameters.
    for (let i = 0; i < messages.length; i += 500) {
      const chunk = messages.slice(i, i + 500).map((m) => this.values(tenantId, m));
      await db.insertInto('messages').values(chunk).execute();
    }
  }

  /**
   * Changes a message (a streaming reply's content and status, its usage, context, citations).
   * `search_terms` follow `content` (see {@link MessagePatch.searchTerms}). Undefined when there is no such
   * message.
   * @example
   * await messages.update(db, tenantId, conversationId, replyId, { content, searchTerms: false }); // a flush
   * await messages.update(db, tenantId, conversationId, replyId, { content, status: 'completed', usage });
   */
  async update(
    db: Executor,
    tenantId: string,
    conversationId: string,
    id: string,
    patch: MessagePatch,
  ): Promise<MessageRow | undefined> {
    return db
      .updateTable('messages')
      .set({
        updated_at: sql`now()`,
        ...(patch.content !== undefined ? { content: patch.content } : {}),
        ...(patch.content !== undefined && patch.searchTerms !== false
          ? { search_terms: searchTermsOf(patch.content) }
          : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.error !== undefined ? { error: json(patch.error) } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
        ...(patch.usage !== undefined ? { usage: json(patch.usage) } : {}),
        ...(patch.context !== undefined ? { context: json(patch.context) } : {}),
        ...(patch.citations !== undefined ? { citations: json(patch.citations) } : {}),
      })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * One message of the conversation (any branch), or undefined.
   * @example const row = await messages.get(db, tenantId, conversationId, 'msg_01j...');
   */
  async get(
    db: Executor,
    tenantId: string,
    conversationId: string,
    id: string,
  ): Promise<MessageRow | undefined> {
    return this.scoped(db, tenantId, conversationId).selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The branch ending at `leafId`, root first: the leaf and its ancestors, followed up `parent_id` with a
   * recursive query. Empty when `leafId` is null or not in this conversation.
   * @example const history = await messages.branch(db, tenantId, conv.id, conv.active_leaf_id);
   */
  async branch(
    db: Executor,
    tenantId: string,
    conversationId: string,
    leafId: string | null,
  ): Promise<MessageRow[]> {
    if (leafId === null) return [];
    const { rows } = await sql<MessageRow & { depth: number }>`
      with recursive path as (
        select m.*, 0 as depth from messages m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${leafId}
        union all
        select p.*, path.depth + 1 from messages p
        join path on p.id = path.parent_id
        where p.tenant_id = ${tenantId} and p.conversation_id = ${conversationId}
      )
      select * from path order by depth desc`.execute(db);
    return rows.map(({ depth: _depth, ...row }) => row as MessageRow);
  }

  /** Every message of the conversation (the whole tree), oldest first: parents before children. */
  async listAll(db: Executor, tenantId: string, conversationId: string): Promise<MessageRow[]> {
    return this.scoped(db, tenantId, conversationId)
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /**
   * For each of `messages`: its siblings (the messages with the same parent), oldest first.
   * @example (await messages.siblingsOf(db, tenantId, conversationId, [row])).get(row.id) // { ids, index, count }
   */
  async siblingsOf(
    db: Executor,
    tenantId: string,
    conversationId: string,
    messages: readonly Pick<MessageRow, 'id' | 'parent_id'>[],
  ): Promise<Map<string, Siblings>> {
    const result = new Map<string, Siblings>();
    if (messages.length === 0) return result;
    const parents = [...new Set(messages.map((m) => m.parent_id).filter((p): p is string => p !== null))];
    const roots = messages.some((m) => m.parent_id === null);
    const rows = await this.scoped(db, tenantId, conversationId)
      .select(['id', 'parent_id'])
      .where((eb) => {
        const ors = [];
        if (parents.length > 0) ors.push(eb('parent_id', 'in', parents));
        if (roots) ors.push(eb('parent_id', 'is', null));
        return eb.or(ors);
      })
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const byParent = new Map<string | null, string[]>();
    for (const row of rows) {
      const list = byParent.get(row.parent_id) ?? [];
      list.push(row.id);
      byParent.set(row.parent_id, list);
    }
    for (const m of messages) {
      const ids = byParent.get(m.parent_id) ?? [m.id];
      result.set(m.id, { ids, index: Math.max(0, ids.indexOf(m.id)), count: ids.length });
    }
    return result;
  }

  /**
   * The newest leaf under `id`: from `id`, follow the latest child (created_at, id) down to a message with
   * no children. `id` itself when it has none. Undefined when `id` is not in this conversation.
   * @example const leaf = await messages.latestLeafUnder(db, tenantId, conversationId, editedUserMessageId);
   */
  async latestLeafUnder(
    db: Executor,
    tenantId: string,
    conversationId: string,
    id: string,
  ): Promise<string | undefined> {
    const { rows } = await sql<{ id: string }>`
      with recursive down as (
        select m.id, 0 as depth from messages m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${id}
        union all
        select c.id, down.depth + 1 from down
        cross join lateral (
          select k.id from messages k
          where k.tenant_id = ${tenantId} and k.conversation_id = ${conversationId} and k.parent_id = down.id
          order by k.created_at desc, k.id desc limit 1
        ) c
      )
      select id from down order by depth desc limit 1`.execute(db);
    return rows[0]?.id;
  }

  /** The ids and statuses of `id` and everything below it. */
  async subtree(
    db: Executor,
    tenantId: string,
    conversationId: string,
    id: string,
  ): Promise<{ id: string; status: MessageStatus }[]> {
    const { rows } = await sql<{ id: string; status: MessageStatus }>`
      with recursive sub as (
        select m.id, m.status from messages m
        where m.tenant_id = ${tenantId} and m.conversation_id = ${conversationId} and m.id = ${id}
        union all
        select k.id, k.status from messages k join sub on k.parent_id = sub.id
        where k.tenant_id = ${tenantId} and k.conversation_id = ${conversationId}
      )
      select id, status from sub`.execute(db);
    return rows;
  }

  /** Deletes `id` and, through the `parent_id` cascade, everything below it. True when it existed. */
  async deleteSubtree(db: Executor, tenantId: string, conversationId: string, id: string): Promise<boolean> {
    const result = await db
      .deleteFrom('messages')
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Sets or clears (`rating` null) the feedback on a message. */
  async setFeedback(
    db: Executor,
    tenantId: string,
    conversationId: string,
    id: string,
    feedback: { rating: -1 | 1 | null; comment: string | null },
  ): Promise<MessageRow | undefined> {
    const clear = feedback.rating === null && feedback.comment === null;
    return db
      .updateTable('messages')
      .set({
        feedback_rating: feedback.rating,
        feedback_comment: feedback.comment,
        feedback_at: clear ? null : sql<Date>`now()`,
        updated_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Whether any message of the conversation is still streaming (a reply in progress). */
  async hasStreaming(db: Executor, tenantId: string, conversationId: string): Promise<boolean> {
    const row = await this.scoped(db, tenantId, conversationId)
      .select('id')
      .where('status', '=', 'streaming')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  private values(tenantId: string, m: NewMessage) {
    const content = m.content ?? '';
    return {
      id: m.id,
      tenant_id: tenantId,
      conversation_id: m.conversationId,
      parent_id: m.parentId,
      role: m.role,
      content,
      status: m.status ?? 'completed',
      error: json(m.error),
      model: m.model ?? null,
      usage: json(m.usage),
      context: json(m.context),
      citations: json(m.citations),
      feedback_rating: m.feedback?.rating ?? null,
      feedback_comment: m.feedback?.comment ?? null,
      feedback_at: m.feedback?.at ?? null,
      search_terms: searchTermsOf(content),
      ...(m.createdAt ? { created_at: m.createdAt } : {}),
    };
  }

  /** The one scoping helper: one tenant's messages of one conversation. */
  private scoped(db: Executor, tenantId: string, conversationId: string) {
    return db
      .selectFrom('messages')
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId);
  }
}

import { type Selectable, sql } from 'kysely';
import type { ConversationsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';
import { searchTermsOf } from './conversation-search.js';

export type ConversationRow = Selectable<ConversationsTable>;

export interface NewConversation {
  id: string;
  userId: string;
  model: string;
  title?: string;
  titleSource?: 'default' | 'auto' | 'user';
  systemPrompt?: string | null;
  params?: Record<string, unknown>;
  knowledgeBaseIds?: string[];
  pinned?: boolean;
  archivedAt?: Date | null;
  /** Imports keep the original times; absent: now. */
  createdAt?: Date;
  updatedAt?: Date;
}

/** The fields PATCH may change; absent fields stay as they are. */
export interface ConversationPatch {
  title?: string;
  titleSource?: 'default' | 'auto' | 'user';
  model?: string;
  systemPrompt?: string | null;
  params?: Record<string, unknown>;
  knowledgeBaseIds?: string[];
  pinned?: boolean;
  archivedAt?: Date | null;
}

export interface ConversationListFilter {
  archived?: boolean;
  pinned?: boolean;
  updatedSince?: Date;
  /** Keyset: rows strictly after this (updated_at desc, id desc) position. */
  after?: { updatedAt: string; id: string };
  limit: number;
}

/** A listed row with its exact (microsecond) `updated_at`, which the next page's cursor needs. */
export type ListedConversation = ConversationRow & { updated_at_exact: string };

export interface SearchHit {
  conversation: ConversationRow;
  /** The best-matching message; null when the title matched best. */
  messageId: string | null;
  /** The text that matched: the message's content or the title. */
  text: string;
  rank: number;
}

/** `updated_at` rendered with microseconds, so a keyset cursor never skips or repeats a row. */
const exactUpdatedAt = sql<string>`to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Conversations. Every query goes through {@link owned} (tenant, user, not soft-deleted), so a conversation
 * is reached only by its owner; the purge methods are the one exception and say so.
 */
export class ConversationsRepository {
  /**
   * The conversation `id` if `userId` owns it in `tenantId` and it is not deleted; otherwise undefined.
   * @example const conv = await conversations.getOwned(db, tenantId, userId, 'conv_01j...');
   */
  async getOwned(
    db: Executor,
    tenantId: string,
    userId: string,
    id: string,
  ): Promise<ConversationRow | undefined> {
    return this.owned(db, tenantId, userId).selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The conversation `id` in `tenantId` (any owner), not deleted; for callers that already checked the
   * owner, such as a background job continuing a reply.
   */
  async get(db: Executor, tenantId: string, id: string): Promise<ConversationRow | undefined> {
    return db
      .selectFrom('conversations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  async create(db: Executor, tenantId: string, c: NewConversation): Promise<ConversationRow> {
    const title = c.title ?? '';
    return db
      .insertInto('conversations')
      .values({
        id: c.id,
        tenant_id: tenantId,
        user_id: c.userId,
        model: c.model,
        title,
        title_source: c.titleSource ?? 'default',
        system_prompt: c.systemPrompt ?? null,
        params: JSON.stringify(c.params ?? {}),
        knowledge_base_ids: JSON.stringify(c.knowledgeBaseIds ?? []),
        pinned: c.pinned ?? false,
        archived_at: c.archivedAt ?? null,
        search_terms: searchTermsOf(title),
        ...(c.createdAt ? { created_at: c.createdAt } : {}),
        ...(c.updatedAt ? { updated_at: c.updatedAt } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The owner's conversations, newest activity first (updated_at desc, id desc). */
  async list(
    db: Executor,
    tenantId: string,
    userId: string,
    filter: ConversationListFilter,
  ): Promise<ListedConversation[]> {
    let query = this.owned(db, tenantId, userId).selectAll().select(exactUpdatedAt.as('updated_at_exact'));
    if (filter.archived !== undefined)
      query = query.where('archived_at', filter.archived ? 'is not' : 'is', null);
    if (filter.pinned !== undefined) query = query.where('pinned', '=', filter.pinned);
    if (filter.updatedSince) query = query.where('updated_at', '>=', filter.updatedSince);
    if (filter.after) {
      const { updatedAt, id } = filter.after;
      query = query.where(sql<boolean>`(updated_at, id) < (${updatedAt}::timestamptz, ${id})`);
    }
    return query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Applies `patch` (and bumps `updated_at`); undefined when the owner has no such conversation. */
  async update(
    db: Executor,
    tenantId: string,
    userId: string,
    id: string,
    patch: ConversationPatch,
  ): Promise<ConversationRow | undefined> {
    return db
      .updateTable('conversations')
      .set({
        updated_at: sql`now()`,
        ...(patch.title !== undefined
          ? { title: patch.title, search_terms: searchTermsOf(patch.title) }
          : {}),
        ...(patch.titleSource !== undefined ? { title_source: patch.titleSource } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
        ...(patch.systemPrompt !== undefined ? { system_prompt: patch.systemPrompt } : {}),
        ...(patch.params !== undefined ? { params: JSON.stringify(patch.params) } : {}),
        ...(patch.knowledgeBaseIds !== undefined
          ? { knowledge_base_ids: JSON.stringify(patch.knowledgeBaseIds) }
          : {}),
        ...(patch.pinned !== undefined ? { pinned: patch.pinned } : {}),
        ...(patch.archivedAt !== undefined ? { archived_at: patch.archivedAt } : {}),
      })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Sets the automatic title unless the user has named the conversation (`title_source` 'user') — the
   * background titler never overwrites a rename. True when the title was written.
   * @example if (await conversations.setAutoTitle(db, tenantId, id, 'Trip to Kyoto')) await service.invalidateContext(tenantId, id);
   */
  async setAutoTitle(db: Executor, tenantId: string, id: string, title: string): Promise<boolean> {
    const result = await db
      .updateTable('conversations')
      .set({ title, title_source: 'auto', search_terms: searchTermsOf(title), updated_at: sql`now()` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('title_source', '!=', 'user')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Points the conversation at the branch ending in `leafId` (null: no messages) and bumps `updated_at`.
   * The caller makes sure `leafId` is one of this conversation's messages.
   * @example await conversations.setActiveLeaf(trx, tenantId, conversationId, reply.id);
   */
  async setActiveLeaf(db: Executor, tenantId: string, id: string, leafId: string | null): Promise<void> {
    await db
      .updateTable('conversations')
      .set({ active_leaf_id: leafId, updated_at: sql`now()` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Bumps `updated_at` (the list's order: the conversation moves to the top).
   * @example await conversations.touch(db, tenantId, conversationId);
   */
  async touch(db: Executor, tenantId: string, id: string): Promise<void> {
    await db
      .updateTable('conversations')
      .set({ updated_at: sql`now()` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** Marks the conversation deleted; it disappears from every read at once. False when there was none. */
  async softDelete(db: Executor, tenantId: string, userId: string, id: string): Promise<boolean> {
    const result = await db
      .updateTable('conversations')
      .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Full-text search over the owner's titles and messages: the best hit per conversation, best first.
   * `terms` is the segmented query ({@link searchQueryOf}); every word must occur in one title or message.
   */
  async search(
    db: Executor,
    tenantId: string,
    userId: string,
    terms: string,
    page: { offset: number; limit: number },
  ): Promise<SearchHit[]> {
    const { rows } = await sql<{
      conversation_id: string;
      message_id: string | null;
      text: string;
      rank: number;
    }>`
      with q as (select plainto_tsquery('simple', ${terms}) as query),
      hits as (
        select c.id as conversation_id, null::text as message_id, c.title as text,
               ts_rank(to_tsvector('simple', c.search_terms), q.query) * 2 as rank
        from conversations c, q
        where c.tenant_id = ${tenantId} and c.user_id = ${userId} and c.deleted_at is null
          and to_tsvector('simple', c.search_terms) @@ q.query
        union all
        select m.conversation_id, m.id, m.content,
               ts_rank(to_tsvector('simple', m.search_terms), q.query)
        from messages m
        join conversations c on c.id = m.conversation_id and c.tenant_id = m.tenant_id
        cross join q
        where m.tenant_id = ${tenantId} and c.user_id = ${userId} and c.deleted_at is null
          and to_tsvector('simple', m.search_terms) @@ q.query
      ),
      best as (
        select distinct on (conversation_id) conversation_id, message_id, text, rank
        from hits order by conversation_id, rank desc, message_id desc nulls first
      )
      select best.* from best join conversations c on c.id = best.conversation_id
      order by best.rank desc, c.updated_at desc, c.id desc
      offset ${page.offset} limit ${page.limit}`.execute(db);
    if (rows.length === 0) return [];
    const conversations = await this.owned(db, tenantId, userId)
      .selectAll()
      .where(
        'id',
        'in',
        rows.map((r) => r.conversation_id),
      )
      .execute();
    const byId = new Map(conversations.map((c) => [c.id, c]));
    return rows.flatMap((r) => {
      const conversation = byId.get(r.conversation_id);
      return conversation
        ? [{ conversation, messageId: r.message_id, text: r.text, rank: Number(r.rank) }]
        : [];
    });
  }

  /**
   * Purge (background job, every tenant — the one unscoped method): hard-deletes up to `limit`
   * conversations soft-deleted before `before`, messages included (foreign-key cascade). Returns how many.
   */
  async purgeDeleted(db: Executor, before: Date, limit: number): Promise<number> {
    const result = await db
      .deleteFrom('conversations')
      .where(
        'id',
        'in',
        db
          .selectFrom('conversations')
          .select('id')
          .where('deleted_at', 'is not', null)
          .where('deleted_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The one scoping helper: the owner's live conversations. */
  private owned(db: Executor, tenantId: string, userId: string) {
    return db
      .selectFrom('conversations')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null);
  }
}

import { BadRequestError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Cache } from '../../platform/cache/cache.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import type { AccessService } from '../access/access.service.js';
import { requirePrincipal } from '../access/access.service.js';
import type { Permission } from '../access/permissions.js';
import type { RequestContext } from '../access/principal.js';
import { describeModelKind, type GatewayService } from '../gateway/gateway.service.js';
import {
  type ExportDocument,
  type ImportDocument,
  planImport,
  toExportDocument,
  toMarkdown,
} from './conversation-export.js';
import { searchQueryOf, snippetOf, wordsOf } from './conversation-search.js';
import type {
  ConversationRow,
  ConversationsRepository,
  ListedConversation,
} from './conversations.repository.js';
import type { MessageRow, MessagesRepository, Siblings } from './messages.repository.js';

export class ConversationNotFoundError extends NotFoundError {
  constructor() {
    super('No such conversation');
  }
}

export class MessageNotFoundError extends NotFoundError {
  constructor() {
    super('No such message in this conversation');
  }
}

/** A conversation names a knowledge base its tenant does not have. */
export class KnowledgeBaseNotFoundError extends NotFoundError {
  override readonly code = 'knowledge_base_not_found';
}

/** The conversation names a model this tenant cannot use for chat. */
export class ConversationModelError extends BadRequestError {
  override readonly code = 'invalid_model';
}

export class InvalidCursorError extends BadRequestError {
  override readonly code = 'invalid_cursor';
}

/** A reply in the part of the tree being changed is still being generated. */
export class MessageStreamingError extends ConflictError {
  override readonly code = 'message_streaming';
}

export class FeedbackNotAllowedError extends BadRequestError {
  override readonly code = 'feedback_not_allowed';
}

/** Who owns the conversations a request touches: the user, or for an API key the key's user. */
export interface Owner {
  tenantId: string;
  userId: string;
}

/**
 * What generation needs to answer in a conversation: the conversation and its active branch, root first.
 * `siblings` maps each branch message to its siblings (same parent, oldest first) — what the message list
 * shows as "2 / 3".
 */
export interface ConversationContext {
  conversation: ConversationRow;
  messages: MessageRow[];
  siblings: Record<string, string[]>;
}

export interface ConversationInput {
  model: string;
  title?: string | undefined;
  systemPrompt?: string | null | undefined;
  params?: Record<string, unknown> | undefined;
  knowledgeBaseIds?: string[] | undefined;
}

export interface ConversationUpdate {
  title?: string | undefined;
  model?: string | undefined;
  systemPrompt?: string | null | undefined;
  params?: Record<string, unknown> | undefined;
  knowledgeBaseIds?: string[] | undefined;
  pinned?: boolean | undefined;
  archived?: boolean | undefined;
}

export interface ListQuery {
  archived?: boolean | undefined;
  pinned?: boolean | undefined;
  updatedSince?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface SearchResult {
  conversation: ConversationRow;
  messageId: string | null;
  snippet: string;
  rank: number;
}

/** A message with its place among its siblings. */
export type MessageView = MessageRow & { siblings: Siblings };

export interface ConversationsSettings {
  /** How long a conversation's context stays cached; 0 turns the cache off. */
  contextTtlMs: number;
  /** The most messages an import may have. */
  importMaxMessages: number;
}

const CONTEXT_PREFIX = 'conv:ctx:';
/** A context larger than this (serialised) is not cached: the database serves such rare giants directly. */
const MAX_CACHED_CONTEXT_CHARS = 2_000_000;
/** A generation outlives every cached context by far (see {@link ConversationsService.invalidateContext}). */
const GENERATION_TTL_MS = 24 * 3600_000;

const DATE_FIELDS = ['created_at', 'updated_at', 'archived_at', 'deleted_at', 'feedback_at'] as const;
function reviveDates<T extends object>(row: T): T {
  const r = row as Record<string, unknown>;
  for (const field of DATE_FIELDS) if (typeof r[field] === 'string') r[field] = new Date(r[field] as string);
  return row;
}

/** `{updated_at, id}` of the last row of a page, opaque to clients. */
export function encodeListCursor(row: Pick<ListedConversation, 'updated_at_exact' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.updated_at_exact, row.id])).toString('base64url');
}

function decodeListCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(value[0]) &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^conv_[0-9a-z]{26}$/.test(value[1])
    )
      return { updatedAt: value[0], id: value[1] };
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError('The cursor is not one this list returned', { details: { param: 'cursor' } });
}

function decodeSearchCursor(cursor: string): number {
  const match = /^o(\d{1,7})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new InvalidCursorError('The cursor is not one this search returned', {
      details: { param: 'cursor' },
    });
  return Number(match[1]);
}

/**
 * Conversations and their message trees, except generation (replies.*): CRUD, listing, branches,
 * feedback, search, export and import. A conversation belongs to one user in one tenant; API keys act as
 * the user who created them. Anyone else's conversation answers 404.
 *
 * Hot context: {@link loadContext} caches a conversation with its active branch in the cache port (Redis
 * in production). Every change to a conversation or its messages calls {@link invalidateContext}.
 */
export class ConversationsService {
  constructor(
    private readonly deps: {
      db: Executor;
      conversations: ConversationsRepository;
      messages: MessagesRepository;
      access: AccessService;
      cache: Cache;
      models: Pick<GatewayService, 'modelKind'>;
      /** Which of these knowledge bases the tenant has; without it knowledge-base ids are not checked. */
      knowledgeBases?:
        | ((tenantId: string, ids: readonly string[]) => Promise<ReadonlySet<string>>)
        | undefined;
      settings: ConversationsSettings;
    },
  ) {}

  /**
   * The tenant and user a request acts for, after checking `permission` there.
   * @example const { tenantId, userId } = await conversations.owner(ctx, 'chat:write');
   */
  async owner(ctx: RequestContext, permission: Permission): Promise<Owner> {
    const principal = requirePrincipal(ctx);
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    return { tenantId, userId: principal.userId };
  }

  /**
   * The conversation and its active branch (root first), for the caller who owns it; 404 otherwise.
   * Served from the cache when it is there; `permission` is checked either way (`chat:write` when
   * generating).
   * @example const { conversation, messages } = await conversations.loadContext(ctx, 'conv_01j...', 'chat:write');
   */
  async loadContext(
    ctx: RequestContext,
    conversationId: string,
    permission: Permission = 'chat:read',
  ): Promise<ConversationContext> {
    const owner = await this.owner(ctx, permission);
    return this.contextFor(owner, conversationId);
  }

  /**
   * Forgets the cached context of a conversation, on every instance. Every change to the conversation or
   * its messages calls it after the change is committed (a new message, a streamed reply's progress, an
   * edit, a branch switch, a rename, a delete).
   *
   * The cache key carries a generation that this call replaces, so a reader that loaded the old state just
   * before the change and stores it just after stores it under a key nobody reads any more.
   * @example await conversations.invalidateContext(tenantId, conversationId);
   */
  async invalidateContext(tenantId: string, conversationId: string): Promise<void> {
    if (this.deps.settings.contextTtlMs <= 0) return;
    await this.deps.cache.set(
      `${CONTEXT_PREFIX}${tenantId}:${conversationId}:gen`,
      newId('evt').slice(4),
      GENERATION_TTL_MS,
    );
  }

  /**
   * The owner's conversation with its context (cached); 404 when the owner has none by that id. For callers
   * that already resolved the owner with {@link owner} (and so checked the permission).
   * @example const owner = await conversations.owner(ctx, 'chat:write');
   * const { conversation, messages } = await conversations.contextFor(owner, conversationId);
   */
  async contextFor(owner: Owner, conversationId: string): Promise<ConversationContext> {
    const ttl = this.deps.settings.contextTtlMs;
    const base = `${CONTEXT_PREFIX}${owner.tenantId}:${conversationId}`;
    let key: string | undefined;
    if (ttl > 0) {
      const generation = (await this.deps.cache.get(`${base}:gen`)) ?? '0';
      key = `${base}:${generation}`;
      const cached = await this.deps.cache.get(key);
      if (cached !== null) {
        const context = JSON.parse(cached) as ConversationContext;
        if (context.conversation.user_id !== owner.userId) throw new ConversationNotFoundError();
        reviveDates(context.conversation);
        for (const m of context.messages) reviveDates(m);
        return context;
      }
    }
    const db = this.deps.db;
    const conversation = await this.deps.conversations.getOwned(
      db,
      owner.tenantId,
      owner.userId,
      conversationId,
    );
    if (!conversation) throw new ConversationNotFoundError();
    const messages = await this.deps.messages.branch(
      db,
      owner.tenantId,
      conversationId,
      conversation.active_leaf_id,
    );
    const siblings: Record<string, string[]> = {};
    for (const [id, s] of await this.deps.messages.siblingsOf(db, owner.tenantId, conversationId, messages))
      siblings[id] = s.ids;
    const context = { conversation, messages, siblings };
    if (key) {
      const serialised = JSON.stringify(context);
      if (serialised.length <= MAX_CACHED_CONTEXT_CHARS) await this.deps.cache.set(key, serialised, ttl);
    }
    return context;
  }

  async create(ctx: RequestContext, input: ConversationInput): Promise<ConversationRow> {
    const owner = await this.owner(ctx, 'chat:write');
    await this.checkModel(ctx, input.model);
    const knowledgeBaseIds = await this.checkKnowledgeBases(owner.tenantId, input.knowledgeBaseIds ?? []);
    const title = input.title?.trim() ?? '';
    return this.deps.conversations.create(this.deps.db, owner.tenantId, {
      id: newId('conv'),
      userId: owner.userId,
      model: input.model,
      title,
      titleSource: title ? 'user' : 'default',
      systemPrompt: input.systemPrompt ?? null,
      params: input.params ?? {},
      knowledgeBaseIds,
    });
  }

  async list(
    ctx: RequestContext,
    query: ListQuery,
  ): Promise<{ data: ConversationRow[]; nextCursor: string | null }> {
    const owner = await this.owner(ctx, 'chat:read');
    const rows = await this.deps.conversations.list(this.deps.db, owner.tenantId, owner.userId, {
      limit: query.limit + 1,
      ...(query.archived !== undefined ? { archived: query.archived } : {}),
      ...(query.pinned !== undefined ? { pinned: query.pinned } : {}),
      ...(query.updatedSince ? { updatedSince: query.updatedSince } : {}),
      ...(query.cursor ? { after: decodeListCursor(query.cursor) } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(({ updated_at_exact: _exact, ...row }) => row),
      nextCursor: rows.length > query.limit && last ? encodeListCursor(last) : null,
    };
  }

  async get(ctx: RequestContext, conversationId: string): Promise<ConversationRow> {
    return (await this.loadContext(ctx, conversationId)).conversation;
  }

  async update(
    ctx: RequestContext,
    conversationId: string,
    patch: ConversationUpdate,
  ): Promise<ConversationRow> {
    const owner = await this.owner(ctx, 'chat:write');
    if (patch.model !== undefined) {
      await this.mustOwn(owner, conversationId);
      await this.checkModel(ctx, patch.model);
    }
    const knowledgeBaseIds =
      patch.knowledgeBaseIds === undefined
        ? undefined
        : await this.checkKnowledgeBases(owner.tenantId, patch.knowledgeBaseIds);
    const title = patch.title?.trim();
    const row = await this.deps.conversations.update(
      this.deps.db,
      owner.tenantId,
      owner.userId,
      conversationId,
      {
        ...(title !== undefined ? { title, titleSource: title ? 'user' : 'default' } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
        ...(patch.systemPrompt !== undefined ? { systemPrompt: patch.systemPrompt } : {}),
        ...(patch.params !== undefined ? { params: patch.params } : {}),
        ...(knowledgeBaseIds !== undefined ? { knowledgeBaseIds } : {}),
        ...(patch.pinned !== undefined ? { pinned: patch.pinned } : {}),
        ...(patch.archived !== undefined ? { archivedAt: patch.archived ? new Date() : null } : {}),
      },
    );
    if (!row) throw new ConversationNotFoundError();
    await this.invalidateContext(owner.tenantId, conversationId);
    return row;
  }

  /** Soft delete: gone from every read at once, purged with its messages later. */
  async delete(ctx: RequestContext, conversationId: string): Promise<void> {
    const owner = await this.owner(ctx, 'chat:write');
    const deleted = await this.deps.conversations.softDelete(
      this.deps.db,
      owner.tenantId,
      owner.userId,
      conversationId,
    );
    if (!deleted) throw new ConversationNotFoundError();
    await this.invalidateContext(owner.tenantId, conversationId);
  }

  /** Titles and message text matching every word of `q` (segmented, so Chinese works), best first. */
  async search(
    ctx: RequestContext,
    q: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ data: SearchResult[]; nextCursor: string | null }> {
    const owner = await this.owner(ctx, 'chat:read');
    const terms = searchQueryOf(q);
    if (!terms)
      throw new ValidationError('The query has no words to search for', {
        details: [{ location: 'querystring', path: 'q', message: 'has no words', issue: 'too_small' }],
      });
    const offset = page.cursor ? decodeSearchCursor(page.cursor) : 0;
    const hits = await this.deps.conversations.search(this.deps.db, owner.tenantId, owner.userId, terms, {
      offset,
      limit: page.limit + 1,
    });
    const words = wordsOf(q);
    return {
      data: hits.slice(0, page.limit).map((h) => ({
        conversation: h.conversation,
        messageId: h.messageId,
        snippet: snippetOf(h.text, words),
        rank: h.rank,
      })),
      nextCursor:
        hits.length > page.limit ? Buffer.from(`o${offset + page.limit}`).toString('base64url') : null,
    };
  }

  /**
   * The active branch a page at a time, oldest first (`order` 'asc') or newest first ('desc': what a chat
   * window loads first, older pages as the user scrolls up); the cursor is the last message id of a page.
   */
  async listMessages(
    ctx: RequestContext,
    conversationId: string,
    page: { cursor?: string | undefined; limit: number; order?: 'asc' | 'desc' | undefined },
  ): Promise<{ data: MessageView[]; nextCursor: string | null }> {
    const context = await this.loadContext(ctx, conversationId);
    const siblings = context.siblings;
    const messages = page.order === 'desc' ? [...context.messages].reverse() : context.messages;
    let start = 0;
    if (page.cursor) {
      const at = messages.findIndex((m) => m.id === page.cursor);
      if (at < 0)
        throw new InvalidCursorError('The cursor is not a message of the active branch (did it change?)', {
          details: { param: 'cursor' },
        });
      start = at + 1;
    }
    const slice = messages.slice(start, start + page.limit);
    const data = slice.map((m) => {
      const ids = siblings[m.id] ?? [m.id];
      return { ...m, siblings: { ids, index: Math.max(0, ids.indexOf(m.id)), count: ids.length } };
    });
    const more = start + page.limit < messages.length;
    return { data, nextCursor: more ? (slice.at(-1)?.id ?? null) : null };
  }

  /** One message of the conversation (any branch) with its siblings. */
  async getMessage(ctx: RequestContext, conversationId: string, messageId: string): Promise<MessageView> {
    const owner = await this.owner(ctx, 'chat:read');
    await this.mustOwn(owner, conversationId);
    return this.messageView(owner, conversationId, messageId);
  }

  /**
   * Switches to the branch containing `messageId`: the newest message below it, following the latest
   * reply at each step, becomes the active leaf. Returns the new active branch's context.
   */
  async activate(
    ctx: RequestContext,
    conversationId: string,
    messageId: string,
  ): Promise<ConversationContext> {
    const owner = await this.owner(ctx, 'chat:write');
    await this.mustOwn(owner, conversationId);
    const leaf = await this.deps.messages.latestLeafUnder(
      this.deps.db,
      owner.tenantId,
      conversationId,
      messageId,
    );
    if (!leaf) throw new MessageNotFoundError();
    await this.deps.conversations.setActiveLeaf(this.deps.db, owner.tenantId, conversationId, leaf);
    await this.invalidateContext(owner.tenantId, conversationId);
    return this.contextFor(owner, conversationId);
  }

  /**
   * Deletes a message and everything below it; 409 `message_streaming` while a reply there is being
   * generated. When the active branch ran through it, the active leaf moves to the newest branch of the
   * previous sibling (else the next sibling), else to the parent.
   */
  async deleteMessage(
    ctx: RequestContext,
    conversationId: string,
    messageId: string,
  ): Promise<ConversationRow> {
    const owner = await this.owner(ctx, 'chat:write');
    const { tenantId } = owner;
    const conversation = await withTransaction(this.deps.db, async (trx) => {
      const conv = await this.deps.conversations.getOwned(trx, tenantId, owner.userId, conversationId);
      if (!conv) throw new ConversationNotFoundError();
      const target = await this.deps.messages.get(trx, tenantId, conversationId, messageId);
      if (!target) throw new MessageNotFoundError();
      const subtree = await this.deps.messages.subtree(trx, tenantId, conversationId, messageId);
      const streaming = subtree.filter((m) => m.status === 'streaming').map((m) => m.id);
      if (streaming.length > 0)
        throw new MessageStreamingError(
          'A reply below this message is still being generated; cancel it first',
          {
            details: { message_ids: streaming },
          },
        );
      let leaf = conv.active_leaf_id;
      if (leaf !== null && subtree.some((m) => m.id === leaf)) {
        const siblings = (await this.deps.messages.siblingsOf(trx, tenantId, conversationId, [target])).get(
          target.id,
        );
        const ids = siblings?.ids ?? [];
        const at = ids.indexOf(target.id);
        const next = ids[at - 1] ?? ids[at + 1];
        leaf = next
          ? ((await this.deps.messages.latestLeafUnder(trx, tenantId, conversationId, next)) ?? null)
          : target.parent_id;
      }
      await this.deps.messages.deleteSubtree(trx, tenantId, conversationId, messageId);
      await this.deps.conversations.setActiveLeaf(trx, tenantId, conversationId, leaf);
      return { ...conv, active_leaf_id: leaf };
    });
    await this.invalidateContext(tenantId, conversationId);
    return conversation;
  }

  /** Thumbs up/down (or clear, `rating` null) with an optional comment, on an assistant message. */
  async setFeedback(
    ctx: RequestContext,
    conversationId: string,
    messageId: string,
    feedback: { rating: 'up' | 'down' | null; comment: string | null },
  ): Promise<MessageView> {
    const owner = await this.owner(ctx, 'chat:write');
    await this.mustOwn(owner, conversationId);
    const message = await this.deps.messages.get(this.deps.db, owner.tenantId, conversationId, messageId);
    if (!message) throw new MessageNotFoundError();
    if (message.role !== 'assistant')
      throw new FeedbackNotAllowedError('Feedback is for assistant messages only', {
        details: { role: message.role },
      });
    await this.deps.messages.setFeedback(this.deps.db, owner.tenantId, conversationId, messageId, {
      rating: feedback.rating === null ? null : feedback.rating === 'up' ? 1 : -1,
      comment: feedback.comment,
    });
    await this.invalidateContext(owner.tenantId, conversationId);
    return this.messageView(owner, conversationId, messageId);
  }

  /** The whole conversation (every branch) as a re-importable document. */
  async exportJson(ctx: RequestContext, conversationId: string): Promise<ExportDocument> {
    const owner = await this.owner(ctx, 'chat:read');
    const conversation = await this.mustOwn(owner, conversationId);
    const messages = await this.deps.messages.listAll(this.deps.db, owner.tenantId, conversationId);
    return toExportDocument(conversation, messages);
  }

  /** The active branch as Markdown. */
  async exportMarkdown(
    ctx: RequestContext,
    conversationId: string,
  ): Promise<{ title: string; markdown: string }> {
    const { conversation, messages } = await this.loadContext(ctx, conversationId);
    return { title: conversation.title, markdown: toMarkdown(conversation, messages) };
  }

  /**
   * Every conversation of the caller (archived ones too), one at a time, as its JSON document and its
   * Markdown; read in pages so memory stays flat however many there are.
   */
  async *exportAll(ctx: RequestContext): AsyncGenerator<{ document: ExportDocument; markdown: string }> {
    const owner = await this.owner(ctx, 'chat:read');
    let after: { updatedAt: string; id: string } | undefined;
    for (;;) {
      const page = await this.deps.conversations.list(this.deps.db, owner.tenantId, owner.userId, {
        limit: 50,
        ...(after ? { after } : {}),
      });
      for (const conversation of page) {
        const { updated_at_exact: _exact, ...row } = conversation;
        const messages = await this.deps.messages.listAll(this.deps.db, owner.tenantId, row.id);
        const byId = new Map(messages.map((m) => [m.id, m]));
        const branch: MessageRow[] = [];
        for (let m = row.active_leaf_id ? byId.get(row.active_leaf_id) : undefined; m; ) {
          branch.unshift(m);
          m = m.parent_id ? byId.get(m.parent_id) : undefined;
        }
        yield { document: toExportDocument(row, messages), markdown: toMarkdown(row, branch) };
      }
      const last = page.at(-1);
      if (page.length < 50 || !last) return;
      after = { updatedAt: last.updated_at_exact, id: last.id };
    }
  }

  /**
   * Creates a new conversation from an export: new ids, the same tree and the same active branch, all in
   * one transaction. The document's shape was checked at the edge; the tree (unique ids, parents that
   * exist, no cycles, an active leaf that is one of the messages) is checked here, before anything is
   * written.
   */
  async import(ctx: RequestContext, document: ImportDocument): Promise<ConversationRow> {
    const owner = await this.owner(ctx, 'chat:write');
    const plan = planImport(document, this.deps.settings.importMaxMessages);
    if (!plan.ok)
      throw new ValidationError(
        `The import is invalid: ${plan.issues[0]!.path}: ${plan.issues[0]!.message}`,
        {
          details: plan.issues.map((i) => ({ location: 'body', ...i })),
        },
      );
    await this.checkModel(ctx, document.conversation.model, 'conversation.model');
    // An export names knowledge bases of where it came from: those this tenant does not have are dropped.
    const knownBases = this.deps.knowledgeBases
      ? await this.deps.knowledgeBases(owner.tenantId, document.conversation.knowledge_base_ids)
      : undefined;
    return withTransaction(this.deps.db, async (trx) => {
      const c = document.conversation;
      const conversation = await this.deps.conversations.create(trx, owner.tenantId, {
        id: plan.conversationId,
        userId: owner.userId,
        model: c.model,
        title: c.title,
        titleSource: c.title_source,
        systemPrompt: c.system_prompt,
        params: c.params,
        knowledgeBaseIds: knownBases
          ? c.knowledge_base_ids.filter((id) => knownBases.has(id))
          : c.knowledge_base_ids,
        pinned: c.pinned,
        archivedAt: c.archived_at ? new Date(c.archived_at) : null,
        ...(c.created_at ? { createdAt: new Date(c.created_at) } : {}),
      });
      await this.deps.messages.insertMany(trx, owner.tenantId, plan.messages);
      if (plan.activeLeafId) {
        await this.deps.conversations.setActiveLeaf(trx, owner.tenantId, conversation.id, plan.activeLeafId);
        return { ...conversation, active_leaf_id: plan.activeLeafId };
      }
      return conversation;
    });
  }

  private async messageView(owner: Owner, conversationId: string, messageId: string): Promise<MessageView> {
    const message = await this.deps.messages.get(this.deps.db, owner.tenantId, conversationId, messageId);
    if (!message) throw new MessageNotFoundError();
    const siblings = (
      await this.deps.messages.siblingsOf(this.deps.db, owner.tenantId, conversationId, [message])
    ).get(message.id)!;
    return { ...message, siblings };
  }

  private async mustOwn(owner: Owner, conversationId: string): Promise<ConversationRow> {
    const conversation = await this.deps.conversations.getOwned(
      this.deps.db,
      owner.tenantId,
      owner.userId,
      conversationId,
    );
    if (!conversation) throw new ConversationNotFoundError();
    return conversation;
  }

  /**
   * 400 `invalid_model` unless `model` is a chat model this caller's tenant can use. Checked with
   * `chat:write`, what creating, changing or importing a conversation needs (not `chat:read`).
   */
  /**
   * The ids without repeats, after checking that the tenant has every one: 404
   * `knowledge_base_not_found` naming the first it does not have (another tenant's included).
   */
  private async checkKnowledgeBases(tenantId: string, ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0 || !this.deps.knowledgeBases) return unique;
    const known = await this.deps.knowledgeBases(tenantId, unique);
    const missing = unique.find((id) => !known.has(id));
    if (missing !== undefined)
      throw new KnowledgeBaseNotFoundError(`No knowledge base ${missing} in this tenant`, {
        details: { param: 'knowledge_base_ids', id: missing },
      });
    return unique;
  }

  private async checkModel(ctx: RequestContext, model: string, path = 'model'): Promise<void> {
    const kind = await this.deps.models.modelKind(ctx, model, 'chat:write');
    if (kind === 'chat') return;
    throw new ConversationModelError(
      kind
        ? `"${model}" is ${describeModelKind(kind)}; a conversation needs a chat model`
        : `The model "${model}" does not exist or you do not have access to it; see GET /v1/models`,
      { details: { param: path, model } },
    );
  }
}

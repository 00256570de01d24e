import { AppError, BadRequestError, ConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import type { EventLog, LoggedEvent } from '../../platform/streams/event-log.js';
import type { RequestContext } from '../access/principal.js';
import type { GatewayService } from '../gateway/gateway.service.js';
import { fitContext, type HistoryMessage } from './context-window.js';
import type { ConversationRow, ConversationsRepository } from './conversations.repository.js';
import { messageView } from './conversations.schemas.js';
import {
  ConversationModelError,
  ConversationNotFoundError,
  type ConversationsService,
  MessageNotFoundError,
  type MessageView,
  type Owner,
} from './conversations.service.js';
import {
  type KnowledgeContext,
  knowledgeContext,
  type RetrievedSource,
  withKnowledge,
} from './knowledge-context.js';
import type { MessageRow, MessagesRepository, Siblings } from './messages.repository.js';
import type { RepliesRepository } from './replies.repository.js';
import {
  encodeReplyEvent,
  FINAL_EVENT_TYPES,
  type ReplyEvent,
  replyEventType,
  replyStreamKey,
} from './reply-events.js';
import {
  type ReplyOutcome,
  ReplyRunner,
  type ReplyRunnerSettings,
  type ReplyStore,
  stopReasons,
} from './reply-runner.js';
import { TitleGenerator } from './title-generator.js';

/** A second reply was asked for while one is being generated in the same conversation. */
export class ReplyInProgressError extends ConflictError {
  override readonly code = 'reply_in_progress';
}

/** Cancel was asked for a reply that is not being generated (it finished, failed or was cancelled). */
export class ReplyNotStreamingError extends ConflictError {
  override readonly code = 'reply_not_streaming';
}

/** The message cannot be used this way: editing a reply, regenerating a system message, and the like. */
export class InvalidMessageRoleError extends BadRequestError {
  override readonly code = 'invalid_message_role';
}

/** A non-streaming reply that failed: the reply's own error code and status, with the saved message ids. */
export class ReplyFailedError extends AppError {
  readonly code: string;
  readonly status: number;
  override readonly isRetryable: boolean;
  constructor(outcome: ReplyOutcome, details: Record<string, unknown>) {
    const cause = outcome.cause;
    super(outcome.error?.message ?? 'The reply failed', { details, cause });
    this.code = outcome.error?.code ?? 'internal_error';
    this.status = cause instanceof AppError ? cause.status : this.code === 'interrupted' ? 503 : 502;
    this.isRetryable = cause instanceof AppError ? cause.isRetryable : true;
  }
}

export interface RepliesSettings extends ReplyRunnerSettings {
  /** Tokens kept free in the context window on top of the reply's reserve. */
  contextMarginTokens: number;
  /** How often streaming replies whose generation no longer runs anywhere are looked for. */
  sweepIntervalMs: number;
  /** How long a title may take before it is given up. */
  titleTimeoutMs: number;
  /** The most prompt tokens a turn's knowledge-base sources may take (also at most a quarter of the window). */
  knowledgeMaxTokens: number;
}

/**
 * Retrieval from knowledge bases for a conversation's turn: the best chunks of `knowledgeBaseIds` (those
 * the tenant still has; deleted ones are skipped) for `query`, best first.
 */
export interface KnowledgeRetriever {
  retrieve(
    tenantId: string,
    knowledgeBaseIds: readonly string[],
    query: string,
    options?: { topK?: number | undefined },
  ): Promise<RetrievedSource[]>;
}

/**
 * Runtime-config defaults for a user's turn (docs/runtime-config.md): the system prompt of conversations
 * that set none, and how many chunks retrieval takes (null: each knowledge base's own `top_k`).
 */
export type ReplyDefaults = (owner: Owner) => { systemPrompt: string | null; ragTopK: number | null };

export interface ReplyOptions {
  /** Generation parameters on top of the conversation's (temperature, max_tokens, ...). */
  params?: Record<string, unknown> | undefined;
  /** Keep generating (and saving) when the client goes away; default true. */
  continueOnDisconnect?: boolean | undefined;
}

/** A reply that has started: its messages as saved, and its outcome to come. */
export interface ReplyHandle {
  conversationId: string;
  /** The user message the reply answers (new for send and edit, the existing one for regenerate). */
  userMessage: MessageView;
  /** The assistant message being generated (`status: streaming`). */
  assistantMessage: MessageView;
  /**
   * The event-log id of `message.created` (null if the log could not take it): a reader following from
   * here gets exactly the rest.
   */
  createdEventId: string | null;
  continueOnDisconnect: boolean;
  /** Settles once the final state is saved. */
  done: Promise<ReplyOutcome>;
}

/** One event for a client: `id` is the event log's (absent for a final event rebuilt from the database). */
export interface ReplyStreamEvent {
  id?: string;
  type: string;
  data: string;
}

const LOCK_PREFIX = 'reply-lock:';
const INTERRUPTED = {
  code: 'interrupted',
  message: 'The reply stopped when the server generating it went away',
} as const;

/**
 * Generation in conversations: send a message and get a reply, edit a user message (a new branch),
 * regenerate a reply (a sibling), cancel, and follow a reply's events from any point on any instance.
 * One reply at a time per conversation (a lock in the cache port). The HTTP edge (SSE) and the WebSocket
 * channel both call these methods and only encode what they get.
 *
 * @example
 * const reply = await replies.send(ctx, conversationId, { content: 'Hi' });
 * for await (const e of replies.follow(ctx, conversationId, reply.assistantMessage.id, null, signal)) write(e);
 */
export class RepliesService {
  readonly runner: ReplyRunner;
  private readonly titles: TitleGenerator;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Executor;
      conversations: ConversationsService;
      conversationRows: ConversationsRepository;
      messages: MessagesRepository;
      replies: RepliesRepository;
      gateway: Pick<GatewayService, 'chat'>;
      /**
       * The context window of `model` as `tenantId` (and `userId`, whose runtime config may alias or add
       * models) sees it; undefined for a model it cannot use.
       */
      contextWindow: (tenantId: string, model: string, userId?: string | null) => number | undefined;
      /** Retrieval for conversations with knowledge bases; without it their turns get no sources. */
      knowledge?: KnowledgeRetriever | undefined;
      /** Runtime-config defaults (default system prompt, retrieval top_k); absent: none. */
      replyDefaults?: ReplyDefaults | undefined;
      cache: Cache;
      log: EventLog;
      logger: Logger;
      settings: RepliesSettings;
    },
  ) {
    const store: ReplyStore = {
      saveProgress: async (batch) => {
        await deps.replies.saveProgress(deps.db, batch);
        // The cached context (message lists) must show the text so far, as the database does.
        await Promise.all(
          batch.map((r) => deps.conversations.invalidateContext(r.tenantId, r.conversationId)),
        );
      },
      finish: async (reply, outcome) => {
        const row = await deps.messages.update(
          deps.db,
          reply.tenantId,
          reply.conversationId,
          reply.messageId,
          {
            content: outcome.content,
            status: outcome.status,
            error: outcome.error,
            usage: outcome.usage,
          },
        );
        await deps.conversations.invalidateContext(reply.tenantId, reply.conversationId);
        if (!row) return null;
        return messageView(await this.viewOf(reply.tenantId, row));
      },
    };
    this.runner = new ReplyRunner({
      log: deps.log,
      cache: deps.cache,
      store,
      logger: deps.logger,
      settings: deps.settings,
    });
    this.titles = new TitleGenerator({
      gateway: deps.gateway,
      save: (tenantId, conversationId, title) =>
        deps.conversationRows.setAutoTitle(deps.db, tenantId, conversationId, title),
      saved: (tenantId, conversationId) => deps.conversations.invalidateContext(tenantId, conversationId),
      logger: deps.logger,
      timeoutMs: deps.settings.titleTimeoutMs,
    });
  }

  /** Listens for cancellations from other instances and starts the sweeper (one sweep at once). */
  async start(): Promise<void> {
    await this.runner.listen();
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.settings.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Lets running replies finish for up to the shutdown grace, then saves the rest as `interrupted`;
   * waits for titles being generated.
   */
  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.runner.close();
    await this.titles.settled();
  }

  /**
   * Sends a user message and starts the reply: the message is a child of the active leaf, or of
   * `parentId` (a new branch). Checks that the message fits the model's context window before anything is
   * saved (400 `context_length_exceeded`); 409 `reply_in_progress` while another reply runs here.
   */
  async send(
    ctx: RequestContext,
    conversationId: string,
    input: ReplyOptions & { content: string; parentId?: string | null | undefined },
  ): Promise<ReplyHandle> {
    const { owner, conversation, activeBranch } = await this.load(ctx, conversationId);
    const { parentId, branch } = await this.placeOf(owner, conversation, activeBranch, input.parentId);
    return this.reply(ctx, owner, conversation, {
      branch,
      parentId,
      newUserContent: input.content,
      options: input,
    });
  }

  /**
   * Saves a user message without answering it (the WebSocket channel's `conversation.item.create`): a
   * child of the active leaf, or of `parentId` (null: a new root), and the new active leaf. Same checks as
   * {@link send} — the message must fit the model's context window (400 `context_length_exceeded`), 409
   * `reply_in_progress` while a reply runs here — and the cached context is dropped. Answer it with
   * {@link regenerate} on its id.
   * @example const user = await replies.addUserMessage(ctx, conversationId, { content: 'Hi' });
   */
  async addUserMessage(
    ctx: RequestContext,
    conversationId: string,
    input: { content: string; parentId?: string | null | undefined },
  ): Promise<MessageView> {
    const { owner, conversation, activeBranch } = await this.load(ctx, conversationId);
    const { parentId, branch } = await this.placeOf(owner, conversation, activeBranch, input.parentId);
    const { tenantId } = owner;
    const id = newId('msg');
    // Only the history is checked here: sources are retrieved (and fitted) when the message is answered.
    this.fit(
      conversation,
      this.windowOf(owner, conversation),
      branch,
      { id, content: input.content },
      conversation.params,
      null,
    );
    const lock = await this.lockOrConflict(tenantId, conversationId);
    let user: MessageRow;
    try {
      user = await withTransaction(this.deps.db, async (trx) => {
        await this.deps.replies.failStreaming(trx, tenantId, conversationId, INTERRUPTED);
        const row = await this.deps.messages.insert(trx, tenantId, {
          id,
          conversationId,
          parentId,
          role: 'user',
          content: input.content,
        });
        await this.deps.conversationRows.setActiveLeaf(trx, tenantId, conversationId, row.id);
        return row;
      });
    } finally {
      await lock.release().catch(() => undefined);
    }
    await this.deps.conversations.invalidateContext(tenantId, conversationId);
    return this.viewOf(tenantId, user);
  }

  /**
   * Edits a user message: a sibling with the new content (a new branch from the same parent), answered
   * like a new message. The original and its replies stay on their branch.
   */
  async edit(
    ctx: RequestContext,
    conversationId: string,
    messageId: string,
    input: ReplyOptions & { content: string },
  ): Promise<ReplyHandle> {
    const { owner, conversation } = await this.load(ctx, conversationId);
    const target = await this.message(owner, conversationId, messageId);
    if (target.role !== 'user')
      throw new InvalidMessageRoleError('Only user messages can be edited; regenerate a reply instead', {
        details: { message_id: messageId, role: target.role },
      });
    const branch =
      target.parent_id === null ? [] : await this.branchTo(owner, conversationId, target.parent_id);
    return this.reply(ctx, owner, conversation, {
      branch,
      parentId: target.parent_id,
      newUserContent: input.content,
      options: input,
    });
  }

  /**
   * A new reply to the same user message: for an assistant message, a sibling of it; for a user message,
   * one more reply to it (e.g. after a failed one).
   */
  async regenerate(
    ctx: RequestContext,
    conversationId: string,
    messageId: string,
    options: ReplyOptions = {},
  ): Promise<ReplyHandle> {
    const { owner, conversation } = await this.load(ctx, conversationId);
    const target = await this.message(owner, conversationId, messageId);
    const userId = target.role === 'assistant' ? target.parent_id : target.role === 'user' ? target.id : null;
    if (userId === null)
      throw new InvalidMessageRoleError(
        'Regenerate an assistant reply, or a user message to answer it again',
        {
          details: { message_id: messageId, role: target.role },
        },
      );
    const branch = await this.branchTo(owner, conversationId, userId);
    if (branch.at(-1)?.role !== 'user')
      throw new InvalidMessageRoleError('This reply does not answer a user message', {
        details: { message_id: messageId },
      });
    return this.reply(ctx, owner, conversation, { branch, parentId: userId, newUserContent: null, options });
  }

  /**
   * Stops a reply wherever it runs and returns it as saved (`cancelled`, with the text so far).
   * 404 for a message that is not the caller's; 409 `reply_not_streaming` when it is not being generated.
   */
  async cancel(ctx: RequestContext, conversationId: string, messageId: string): Promise<MessageView> {
    const owner = await this.deps.conversations.owner(ctx, 'chat:write');
    await this.mustOwn(owner, conversationId);
    const message = await this.message(owner, conversationId, messageId);
    if (message.status !== 'streaming')
      throw new ReplyNotStreamingError(`The reply is ${message.status}, not being generated`, {
        details: { message_id: messageId, status: message.status },
      });
    const local = this.runner.outcomeOf(messageId);
    if (local) {
      this.runner.stop(messageId, stopReasons.cancelled());
      await local;
    } else if (await this.deps.log.isOpen(replyStreamKey(messageId))) {
      await this.runner.publishCancel(messageId);
      await this.waitForEnd(messageId);
    } else {
      // Nobody is generating it (its instance went away): if no reply holds the lock, settle it here.
      const lock = await this.deps.cache.acquireLock(lockKey(owner.tenantId, conversationId), 5_000);
      if (lock) {
        try {
          await this.deps.replies.cancelStreaming(this.deps.db, owner.tenantId, conversationId, messageId);
          await this.deps.conversations.invalidateContext(owner.tenantId, conversationId);
        } finally {
          await lock.release();
        }
      } else {
        await this.runner.publishCancel(messageId);
        await this.waitForEnd(messageId);
      }
    }
    return this.message(owner, conversationId, messageId).then((row) => this.viewOf(owner.tenantId, row));
  }

  /**
   * The events of a reply after `afterId` (from the start when null), then live ones until its final
   * event — from the event log, on whatever instance generates it. When the log is gone (retention over)
   * the final event is rebuilt from the database. Throws before yielding for someone else's message (404)
   * or a malformed `afterId` (400 `invalid_last_event_id`).
   */
  async follow(
    ctx: RequestContext,
    conversationId: string,
    messageId: string,
    afterId: string | null,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ReplyStreamEvent>> {
    const owner = await this.deps.conversations.owner(ctx, 'chat:read');
    await this.mustOwn(owner, conversationId);
    const message = await this.message(owner, conversationId, messageId);
    if (message.role !== 'assistant')
      throw new InvalidMessageRoleError('Only assistant replies have a stream', {
        details: { message_id: messageId, role: message.role },
      });
    // follow() checks afterId at once, so a bad one is a 400 before any event.
    const events = this.deps.log.follow(replyStreamKey(messageId), afterId, { signal });
    return this.replay(owner.tenantId, conversationId, messageId, afterId, events, signal);
  }

  /**
   * Follows a reply just started by this caller (from `handle`), without checking ownership again.
   * `afterId` null replays `message.created` too.
   */
  followStarted(
    handle: ReplyHandle,
    afterId: string | null,
    signal: AbortSignal,
  ): AsyncIterable<ReplyStreamEvent> {
    const message = handle.assistantMessage;
    const events = this.deps.log.follow(replyStreamKey(message.id), afterId, { signal });
    return this.replay(message.tenant_id, handle.conversationId, message.id, afterId, events, signal);
  }

  /**
   * The client of a reply went away: the reply goes on when it asked for that (the default), else it is
   * cancelled and saved with what it has.
   */
  clientGone(handle: ReplyHandle): void {
    if (!handle.continueOnDisconnect) this.runner.stop(handle.assistantMessage.id, stopReasons.clientGone());
  }

  /** The assistant message as saved after its reply ended (for non-streaming requests). */
  async finished(handle: ReplyHandle): Promise<{ outcome: ReplyOutcome; message: MessageView }> {
    const outcome = await handle.done;
    const row = await this.deps.messages.get(
      this.deps.db,
      handle.assistantMessage.tenant_id,
      handle.conversationId,
      handle.assistantMessage.id,
    );
    if (!row) throw new MessageNotFoundError();
    return { outcome, message: await this.viewOf(row.tenant_id, row) };
  }

  /** Waits for titles being generated (tests). */
  titlesSettled(): Promise<void> {
    return this.titles.settled();
  }

  /**
   * Marks replies `failed` with code `interrupted` when they are `streaming` but no generation holds their
   * conversation's lock any more (the instance generating them died). Runs at start and every
   * `sweepIntervalMs`; only replies not written for a lock lifetime are looked at.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'the reply sweeper failed'))
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const before = new Date(Date.now() - this.deps.settings.lockTtlMs);
    const stale = await this.deps.replies.findStreamingBefore(this.deps.db, before, 500);
    const conversations = new Map<string, { tenantId: string; conversationId: string }>();
    for (const s of stale) {
      if (this.runner.isRunning(s.messageId)) continue;
      conversations.set(`${s.tenantId}:${s.conversationId}`, s);
    }
    for (const { tenantId, conversationId } of conversations.values()) {
      const lock = await this.deps.cache.acquireLock(lockKey(tenantId, conversationId), 10_000);
      if (!lock) continue; // a reply runs there: not stale
      try {
        const failed = await this.deps.replies.failStreaming(
          this.deps.db,
          tenantId,
          conversationId,
          INTERRUPTED,
        );
        if (failed.length > 0) {
          await this.deps.conversations.invalidateContext(tenantId, conversationId);
          this.deps.logger.warn(
            { conversation_id: conversationId, message_ids: failed },
            'marked replies whose generation had stopped as interrupted',
          );
        }
      } finally {
        await lock.release();
      }
    }
  }

  private async reply(
    ctx: RequestContext,
    owner: Owner,
    stored: ConversationRow,
    plan: {
      branch: MessageRow[];
      parentId: string | null;
      newUserContent: string | null;
      options: ReplyOptions;
    },
  ): Promise<ReplyHandle> {
    const { tenantId } = owner;
    const defaults = this.deps.replyDefaults?.(owner);
    // The runtime config's default system prompt stands in for a conversation that sets none.
    const conversation =
      defaults?.systemPrompt && !stored.system_prompt
        ? { ...stored, system_prompt: defaults.systemPrompt }
        : stored;
    const conversationId = conversation.id;
    const params = { ...conversation.params, ...(plan.options.params ?? {}) };
    const userMessageId = plan.newUserContent === null ? plan.parentId! : newId('msg');
    const question = plan.newUserContent ?? plan.branch.find((m) => m.id === userMessageId)?.content ?? '';
    const contextWindow = this.windowOf(owner, conversation);
    const sources = await this.sourcesFor(tenantId, conversation, question, contextWindow, defaults?.ragTopK);
    const fitted = this.fit(
      conversation,
      contextWindow,
      plan.branch,
      plan.newUserContent === null ? null : { id: userMessageId, content: plan.newUserContent },
      params,
      sources,
    );
    const lock = await this.lockOrConflict(tenantId, conversationId);
    const controller = new AbortController();
    let started = false;
    try {
      // The gateway authorises, resolves the model and checks the window before anything is saved.
      const run = await this.deps.gateway.chat(
        ctx,
        { model: conversation.model, messages: fitted.messages, params, cache: 'off' },
        controller.signal,
      );
      const assistantId = newId('msg');
      const { user, assistant } = await withTransaction(this.deps.db, async (trx) => {
        // Under the lock no other reply starts; a message streaming here is a leftover of a dead instance.
        await this.deps.replies.failStreaming(trx, tenantId, conversationId, INTERRUPTED);
        const user =
          plan.newUserContent === null
            ? await this.deps.messages.get(trx, tenantId, conversationId, userMessageId)
            : await this.deps.messages.insert(trx, tenantId, {
                id: userMessageId,
                conversationId,
                parentId: plan.parentId,
                role: 'user',
                content: plan.newUserContent,
              });
        if (!user) throw new MessageNotFoundError();
        const assistant = await this.deps.messages.insert(trx, tenantId, {
          id: assistantId,
          conversationId,
          parentId: user.id,
          role: 'assistant',
          status: 'streaming',
          model: conversation.model,
          context: { ...fitted.choice, ...(sources ? { sources: sources.citations.length } : {}) },
          ...(sources ? { citations: sources.citations } : {}),
        });
        await this.deps.conversationRows.setActiveLeaf(trx, tenantId, conversationId, assistant.id);
        return { user, assistant };
      });
      // From here on the messages exist: nothing may fail before the runner owns the reply (it saves the
      // final state and releases the lock). The cache and the log are best effort; the database is the record.
      await this.deps.conversations.invalidateContext(tenantId, conversationId).catch((error: unknown) => {
        this.deps.logger.warn(
          { err: error, conversation_id: conversationId },
          'could not drop a cached context',
        );
      });
      const created: ReplyEvent = {
        type: 'message.created',
        conversation_id: conversationId,
        user_message_id: user.id,
        assistant_message_id: assistant.id,
        parent_id: user.id,
        model: conversation.model,
      };
      const createdEventId = await this.runner.announce(assistant.id, created).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, message_id: assistant.id }, 'could not append message.created');
        return null;
      });
      const done = this.runner.start({
        tenantId,
        conversationId,
        messageId: assistant.id,
        parts: run.parts,
        controller,
        lock,
        onFinished: (outcome) => {
          if (outcome.status === 'completed' && conversation.title_source === 'default')
            this.titles.schedule({
              ctx,
              tenantId,
              conversationId,
              model: conversation.model,
              userText: user.content,
              replyText: outcome.content,
            });
        },
      });
      started = true;
      // One query for both messages' siblings (the reply is on its way meanwhile).
      const siblings = await this.deps.messages
        .siblingsOf(this.deps.db, tenantId, conversationId, [user, assistant])
        .catch(() => new Map<string, Siblings>());
      const alone = (id: string): Siblings => ({ ids: [id], index: 0, count: 1 });
      const userView = { ...user, siblings: siblings.get(user.id) ?? alone(user.id) };
      const assistantView = { ...assistant, siblings: siblings.get(assistant.id) ?? alone(assistant.id) };
      return {
        conversationId,
        userMessage: userView,
        assistantMessage: assistantView,
        createdEventId,
        continueOnDisconnect: plan.options.continueOnDisconnect ?? true,
        done,
      };
    } finally {
      if (!started) {
        controller.abort(stopReasons.cancelled());
        await lock.release().catch(() => undefined);
      }
    }
  }

  /** Where a new user message goes: below `parentId` when given (null: a new root), else the active leaf. */
  private async placeOf(
    owner: Owner,
    conversation: ConversationRow,
    activeBranch: MessageRow[],
    requested: string | null | undefined,
  ): Promise<{ parentId: string | null; branch: MessageRow[] }> {
    const leaf = conversation.active_leaf_id;
    if (requested === undefined || requested === leaf) return { parentId: leaf, branch: activeBranch };
    return {
      parentId: requested,
      branch: requested === null ? [] : await this.branchTo(owner, conversation.id, requested),
    };
  }

  /**
   * The branch (and the new user message, if any) fitted to the model's context window (from
   * {@link windowOf}); 400 `context_length_exceeded` when the newest turn alone does not fit.
   */
  private fit(
    conversation: ConversationRow,
    contextWindow: number,
    branch: MessageRow[],
    newUser: { id: string; content: string } | null,
    params: Record<string, unknown>,
    sources: KnowledgeContext | null,
  ) {
    const history: HistoryMessage[] = branch
      .filter((m) => m.content !== '' && m.role !== 'system')
      .map((m) => ({ id: m.id, role: m.role, content: m.content }));
    if (newUser) history.push({ id: newUser.id, role: 'user', content: newUser.content });
    const maxOutput = outputTokensOf(params);
    return fitContext({
      systemPrompt: sources ? withKnowledge(conversation.system_prompt, sources) : conversation.system_prompt,
      history,
      contextWindow,
      ...(maxOutput === undefined ? {} : { maxOutputTokens: maxOutput }),
      marginTokens: this.deps.settings.contextMarginTokens,
    });
  }

  /** The context window of the conversation's model; 400 `invalid_model` for a model the tenant cannot use. */
  private windowOf(owner: Owner, conversation: ConversationRow): number {
    const contextWindow = this.deps.contextWindow(owner.tenantId, conversation.model, owner.userId);
    if (contextWindow === undefined)
      throw new ConversationModelError(
        `The conversation's model "${conversation.model}" is not available; change the conversation's model`,
        { details: { param: 'model', model: conversation.model } },
      );
    return contextWindow;
  }

  /**
   * The turn's numbered sources from the conversation's knowledge bases (null when it has none), retrieved
   * with the user message as the query and fitted to a quarter of the window at most.
   */
  private async sourcesFor(
    tenantId: string,
    conversation: ConversationRow,
    question: string,
    contextWindow: number,
    topK?: number | null,
  ): Promise<KnowledgeContext | null> {
    const kbIds = conversation.knowledge_base_ids ?? [];
    if (kbIds.length === 0 || !this.deps.knowledge || question.trim() === '') return null;
    const budget = Math.min(this.deps.settings.knowledgeMaxTokens, Math.floor(contextWindow / 4));
    const retrieved = await this.deps.knowledge.retrieve(
      tenantId,
      kbIds,
      question,
      topK ? { topK } : undefined,
    );
    return knowledgeContext(retrieved, budget);
  }

  /** The conversation's reply lock; 409 `reply_in_progress` (naming the reply) while another holds it. */
  private async lockOrConflict(tenantId: string, conversationId: string) {
    const lock = await this.deps.cache.acquireLock(
      lockKey(tenantId, conversationId),
      this.deps.settings.lockTtlMs,
    );
    if (lock) return lock;
    const busy = await this.deps.replies.streamingIn(this.deps.db, tenantId, conversationId);
    throw new ReplyInProgressError(
      'A reply in this conversation is still being generated; wait for it, resume its stream or cancel it',
      { details: { conversation_id: conversationId, ...(busy ? { message_id: busy } : {}) } },
    );
  }

  /** Yields logged events, and rebuilds the final event from the database when the log had none. */
  private async *replay(
    tenantId: string,
    conversationId: string,
    messageId: string,
    afterId: string | null,
    events: AsyncIterable<LoggedEvent>,
    signal: AbortSignal,
  ): AsyncIterable<ReplyStreamEvent> {
    let sawFinal = false;
    let any = false;
    for await (const event of events) {
      any = true;
      const type = replyEventType(event.data);
      if (FINAL_EVENT_TYPES.has(type)) sawFinal = true;
      yield { id: event.id, type, data: event.data };
    }
    if (sawFinal || signal.aborted) return;
    // Nothing after `afterId`: either the client already has the last event, or the log is gone.
    if (!any && afterId !== null && (await this.logHasEvents(messageId, signal))) return;
    // The log ended without a final event we saw (it was dropped, or never written): the database has it.
    const row = await this.deps.messages.get(this.deps.db, tenantId, conversationId, messageId);
    if (!row) return;
    const view = await this.viewOf(tenantId, row);
    const message = messageView(view);
    let event: ReplyEvent;
    if (row.status === 'completed') event = { type: 'response.completed', message };
    else if (row.status === 'cancelled') event = { type: 'response.cancelled', message };
    else
      event = {
        type: 'error',
        message_id: messageId,
        code: row.error?.code ?? INTERRUPTED.code,
        message: row.error?.message ?? 'The reply is no longer being generated',
        message_state: message,
      };
    yield { type: event.type, data: encodeReplyEvent(event) };
  }

  /** Whether the reply's event log still holds events (reads at most the first). */
  private async logHasEvents(messageId: string, signal: AbortSignal): Promise<boolean> {
    for await (const _event of this.deps.log.follow(replyStreamKey(messageId), null, { signal })) return true;
    return false;
  }

  /** Waits until the reply's event log has ended (its final state saved), for a bounded time. */
  private async waitForEnd(messageId: string): Promise<void> {
    const signal = AbortSignal.timeout(Math.max(5_000, this.deps.settings.shutdownGraceMs));
    try {
      for await (const _event of this.deps.log.follow(replyStreamKey(messageId), null, { signal })) {
        // Only the end matters.
      }
    } catch {
      // A log that cannot be read: the message is read from the database all the same.
    }
  }

  private async load(
    ctx: RequestContext,
    conversationId: string,
  ): Promise<{ owner: Owner; conversation: ConversationRow; activeBranch: MessageRow[] }> {
    const owner = await this.deps.conversations.owner(ctx, 'chat:write');
    const { conversation, messages } = await this.deps.conversations.contextFor(owner, conversationId);
    return { owner, conversation, activeBranch: messages };
  }

  private async mustOwn(owner: Owner, conversationId: string): Promise<ConversationRow> {
    const row = await this.deps.conversationRows.getOwned(
      this.deps.db,
      owner.tenantId,
      owner.userId,
      conversationId,
    );
    if (!row) throw new ConversationNotFoundError();
    return row;
  }

  private async message(owner: Owner, conversationId: string, messageId: string): Promise<MessageRow> {
    const row = await this.deps.messages.get(this.deps.db, owner.tenantId, conversationId, messageId);
    if (!row) throw new MessageNotFoundError();
    return row;
  }

  /** The branch from the root to `leafId`; 404 when `leafId` is not a message of the conversation. */
  private async branchTo(owner: Owner, conversationId: string, leafId: string): Promise<MessageRow[]> {
    const branch = await this.deps.messages.branch(this.deps.db, owner.tenantId, conversationId, leafId);
    if (branch.length === 0) throw new MessageNotFoundError();
    return branch;
  }

  private async viewOf(tenantId: string, row: MessageRow): Promise<MessageView> {
    const siblings = (
      await this.deps.messages.siblingsOf(this.deps.db, tenantId, row.conversation_id, [row])
    ).get(row.id) ?? { ids: [row.id], index: 0, count: 1 };
    return { ...row, siblings };
  }
}

function lockKey(tenantId: string, conversationId: string): string {
  return `${LOCK_PREFIX}${tenantId}:${conversationId}`;
}

function outputTokensOf(params: Record<string, unknown>): number | undefined {
  const value = params.max_completion_tokens ?? params.max_tokens;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { AppError, PayloadTooLargeError } from '../errors.js';
import { AuthenticationRequiredError } from '../modules/access/access.service.js';
import type { RequestContext } from '../modules/access/principal.js';
import { messageView } from '../modules/conversations/conversations.schemas.js';
import type { ConversationsService, MessageView } from '../modules/conversations/conversations.service.js';
import {
  type RepliesService,
  type ReplyHandle,
  ReplyInProgressError,
  ReplyNotStreamingError,
  type ReplyStreamEvent,
} from '../modules/conversations/replies.service.js';
import { FINAL_EVENT_TYPES } from '../modules/conversations/reply-events.js';
import type { Logger } from '../observability/logger.js';
import {
  BinaryFrameError,
  type ClientEvent,
  ConversationRequiredError,
  clientEventIdOf,
  NoUserMessageError,
  PrincipalMismatchError,
  parseClientEvent,
  TooManyErrorsError,
  textOf,
} from './realtime-events.js';

/** The channel's limits and timers (the `REALTIME_*` settings). */
export interface RealtimeSettings {
  /** How long a socket without credentials on its upgrade request may take to send `auth`. */
  authTimeoutMs: number;
  /** Interval of WebSocket pings; 0 disables the heartbeat. */
  pingIntervalMs: number;
  /** A ping without a pong within this time terminates the socket. */
  pongTimeoutMs: number;
  /** The largest client event (bytes) answered with anything but `payload_too_large`. */
  maxMessageBytes: number;
  /** Bytes queued for a client above which the session stops reading the reply stream. */
  maxBufferedBytes: number;
  /** How long the queue may stay above `maxBufferedBytes` before the socket is closed (1013). */
  slowClientTimeoutMs: number;
  /** Malformed frames within `errorWindowMs` after which the socket is closed (1008). */
  maxErrors: number;
  errorWindowMs: number;
}

export interface RealtimeSessionDeps {
  replies: Pick<
    RepliesService,
    'send' | 'addUserMessage' | 'regenerate' | 'cancel' | 'follow' | 'followStarted' | 'clientGone'
  >;
  conversations: Pick<ConversationsService, 'get' | 'getMessage'>;
  /** Verifies a token sent in an event, exactly as the `Authorization` header is verified. */
  authenticate: (token: string, tenantId: string | undefined) => Promise<RequestContext>;
  logger: Logger;
  settings: RealtimeSettings;
}

/** WebSocket close codes the channel uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

/** Why a session ended: decides whether a reply it was delivering counts as abandoned by its client. */
type EndKind = 'client' | 'heartbeat' | 'auth' | 'abuse' | 'slow' | 'shutdown';

/** Commands queued beyond this pause reading the socket until half have run. */
const MAX_QUEUED = 32;

interface ActiveResponse {
  messageId: string;
  conversationId: string;
  controller: AbortController;
  /** Set for replies started on this session (their client leaving may cancel them). */
  handle?: ReplyHandle;
}

type ServerEvent = { type: string } & Record<string, unknown>;

/**
 * One `GET /v1/realtime` socket: authentication (upgrade header or first event), the bound conversation,
 * and the reply it delivers. Generation is RepliesService's: a reply is started with `send`/`regenerate`
 * and read with `followStarted`/`follow` — the same event log, ids and saved messages as the SSE routes —
 * and only re-encoded here as Realtime events. Client events run one at a time in arrival order; a
 * reply's events are pumped beside them (so `response.cancel` works mid-reply), each write waiting while
 * the socket holds more than `maxBufferedBytes`, so a client that does not read costs a bounded buffer.
 *
 * @example
 * const session = new RealtimeSession(socket, deps, { ip, userAgent, requestId });
 * session.start(() => authn.optional(request));
 */
export class RealtimeSession {
  readonly id = `sess_${randomUUID().replaceAll('-', '')}`;
  private ctx: RequestContext | null = null;
  /** Checks the session's credentials again (each event): an expired or revoked token stops working. */
  private verify: (() => Promise<RequestContext>) | null = null;
  /** The tenant picked with `tenant_id` after authentication, on top of what the credentials say. */
  private tenantId: string | undefined;
  private conversationId: string | null = null;
  private active: ActiveResponse | null = null;
  private seq = 0;
  private readonly errorTimes: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private paused = false;
  private ended: EndKind | null = null;
  private closed = false;
  private abusive = false;
  private authTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** Writes waiting for the socket to drain (the reply pump and the event handlers may both wait). */
  private draining = 0;
  private readonly closedSignal = new AbortController();

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: RealtimeSessionDeps,
    private readonly meta: { ip: string; userAgent: string | null; requestId: string },
  ) {}

  /**
   * Starts reading events. `initial` authenticates from the upgrade request (null: no credentials, wait
   * for an `auth` event); it runs before any client event.
   */
  start(initial: () => Promise<RequestContext | null>): void {
    this.socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.socket.on('pong', () => this.onPong());
    this.socket.once('close', () => this.onClose());
    const { pingIntervalMs } = this.deps.settings;
    if (pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), pingIntervalMs);
      this.pingTimer.unref();
    }
    this.enqueue(async () => {
      let ctx: RequestContext | null;
      try {
        ctx = await initial();
      } catch (error) {
        await this.emitError(error);
        this.end(CloseCode.policyViolation, 'authentication failed', 'auth');
        return;
      }
      if (ctx) {
        this.ctx = ctx;
        this.verify = async () => {
          const again = await initial();
          if (!again) throw new AuthenticationRequiredError('The credentials are gone');
          return again;
        };
        await this.write(this.sessionEvent('session.created'));
        return;
      }
      this.authTimer = setTimeout(() => {
        this.enqueue(async () => {
          if (this.ctx) return;
          await this.emitError(
            new AuthenticationRequiredError(
              `No credentials within ${this.deps.settings.authTimeoutMs} ms: send an "auth" event first`,
              { details: { reason: 'timeout', timeout_ms: this.deps.settings.authTimeoutMs } },
            ),
          );
          this.end(CloseCode.policyViolation, 'authentication timeout', 'auth');
        });
      }, this.deps.settings.authTimeoutMs);
      this.authTimer.unref();
    });
  }

  /** Closes the socket with 1001 (server shutdown); a reply being delivered goes on and is saved. */
  shutdown(): void {
    this.end(CloseCode.goingAway, 'server shutting down', 'shutdown');
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed || this.abusive || this.ended) return;
    if (isBinary) {
      this.protocolError(new BinaryFrameError('Binary frames are not accepted; send JSON text frames'));
      return;
    }
    const buffer = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const limit = this.deps.settings.maxMessageBytes;
    if (buffer.length > limit) {
      this.protocolError(
        new PayloadTooLargeError(`The event is ${buffer.length} bytes; the limit is ${limit}`, {
          details: { limit_bytes: limit, size_bytes: buffer.length },
        }),
      );
      return;
    }
    const text = buffer.toString('utf8');
    let event: ClientEvent;
    try {
      event = parseClientEvent(text, limit);
    } catch (error) {
      this.protocolError(error, clientEventIdOf(text));
      return;
    }
    this.enqueue(() => this.handle(event));
  }

  /** A malformed frame: an error event; past `maxErrors` within the window, the socket is closed. */
  private protocolError(error: unknown, clientEventId?: string): void {
    const now = Date.now();
    const { maxErrors, errorWindowMs } = this.deps.settings;
    while (this.errorTimes.length > 0 && this.errorTimes[0]! <= now - errorWindowMs) this.errorTimes.shift();
    this.errorTimes.push(now);
    if (this.errorTimes.length < maxErrors) {
      this.enqueue(() => this.emitError(error, clientEventId));
      return;
    }
    this.abusive = true;
    this.enqueue(async () => {
      await this.emitError(error, clientEventId);
      await this.emitError(
        new TooManyErrorsError(`${maxErrors} malformed events within ${errorWindowMs} ms; closing`, {
          details: { max_errors: maxErrors, window_ms: errorWindowMs },
        }),
      );
      this.end(CloseCode.policyViolation, 'too many malformed events', 'abuse');
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queued += 1;
    if (this.queued > MAX_QUEUED && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.queue = this.queue
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'a realtime event handler failed'))
      .finally(() => {
        this.queued -= 1;
        if (this.paused && this.queued <= MAX_QUEUED / 2 && !this.closed) {
          this.paused = false;
          this.socket.resume();
        }
      });
  }

  private async handle(event: ClientEvent): Promise<void> {
    try {
      const { token, tenantId } = credentialsOf(event);
      if (!this.ctx) {
        if (token === undefined) {
          await this.emitError(
            new AuthenticationRequiredError(
              'Authenticate first: an Authorization header on the upgrade request, or an "auth" event',
              { details: { reason: 'missing' } },
            ),
            event.event_id,
          );
          this.end(CloseCode.policyViolation, 'authentication required', 'auth');
          return;
        }
        try {
          this.ctx = await this.deps.authenticate(token, tenantId);
        } catch (error) {
          await this.emitError(error, event.event_id);
          this.end(CloseCode.policyViolation, 'authentication failed', 'auth');
          return;
        }
        this.verify = () => this.deps.authenticate(token, tenantId);
        clearTimeout(this.authTimer);
        await this.write(this.sessionEvent('session.created'));
        if (event.type === 'auth') return;
      } else if (token !== undefined) {
        const picked = tenantId ?? this.tenantId ?? this.ctx.tenantId;
        const next = await this.deps.authenticate(token, picked);
        if (actorKey(next) !== actorKey(this.ctx))
          throw new PrincipalMismatchError('The token belongs to someone else than this session’s caller');
        this.ctx = next;
        this.verify = () => this.deps.authenticate(token, picked);
      } else if (event.type !== 'ping' && this.verify) {
        // Credentials are checked again for every event, as on every HTTP request: a token that expired
        // or a session that was logged out stops working here too (the client sends a fresh `auth`).
        const fresh = await this.verify();
        if (tenantId !== undefined) this.tenantId = tenantId;
        this.ctx = this.tenantId === undefined ? fresh : { ...fresh, tenantId: this.tenantId };
      }
      await this.dispatch(this.ctx, event);
    } catch (error) {
      await this.emitError(error, event.event_id);
    }
  }

  private async dispatch(ctx: RequestContext, event: ClientEvent): Promise<void> {
    switch (event.type) {
      case 'auth':
        await this.write(this.sessionEvent('session.updated'));
        return;
      case 'session.update': {
        const id = event.session.conversation_id;
        if (id !== undefined && id !== this.conversationId) {
          await this.deps.conversations.get(ctx, id); // 404 for someone else's
          this.conversationId = id;
        }
        await this.write(this.sessionEvent('session.updated'));
        return;
      }
      case 'conversation.item.create': {
        // Saved at once, as OpenAI's Realtime API adds the item to the conversation; response.create answers it.
        const user = await this.deps.replies.addUserMessage(ctx, this.boundConversation(), {
          content: textOf(event.item),
          ...(event.previous_item_id === undefined ? {} : { parentId: event.previous_item_id }),
        });
        await this.write(itemCreatedEvent(user));
        return;
      }
      case 'response.create':
        await this.createResponse(ctx, event);
        return;
      case 'response.cancel':
        await this.cancelResponse(ctx, event.response_id);
        return;
      case 'response.resume':
        await this.resumeResponse(ctx, event);
        return;
      case 'ping':
        await this.write({ type: 'pong', ...(event.event_id ? { client_event_id: event.event_id } : {}) });
        return;
    }
  }

  private async createResponse(
    ctx: RequestContext,
    event: Extract<ClientEvent, { type: 'response.create' }>,
  ): Promise<void> {
    const conversationId = this.boundConversation();
    this.mustBeIdle();
    const options = event.response ?? {};
    const input = options.input?.[0];
    const params: Record<string, unknown> = {};
    if (options.temperature !== undefined) params.temperature = options.temperature;
    if (options.max_output_tokens !== undefined) params.max_tokens = options.max_output_tokens;
    const replyOptions = {
      ...(Object.keys(params).length > 0 ? { params } : {}),
      ...(options.continue_on_disconnect === undefined
        ? {}
        : { continueOnDisconnect: options.continue_on_disconnect }),
    };
    let handle: ReplyHandle;
    if (input?.type === 'message') {
      // A new message with its reply: saved together, like POST …/messages.
      handle = await this.deps.replies.send(ctx, conversationId, {
        content: textOf(input),
        ...(options.previous_item_id === undefined ? {} : { parentId: options.previous_item_id }),
        ...replyOptions,
      });
      await this.write(itemCreatedEvent(handle.userMessage));
    } else {
      // The given message (`item_reference`), else the active leaf: a user message is answered, an
      // assistant reply gets a sibling (its user message answered again).
      let target = input?.id;
      if (target === undefined) {
        const conversation = await this.deps.conversations.get(ctx, conversationId);
        if (conversation.active_leaf_id === null)
          throw new NoUserMessageError('The conversation has no user message to answer');
        target = conversation.active_leaf_id;
      }
      handle = await this.deps.replies.regenerate(ctx, conversationId, target, replyOptions);
    }
    const controller = new AbortController();
    const active: ActiveResponse = {
      messageId: handle.assistantMessage.id,
      conversationId,
      controller,
      handle,
    };
    this.active = active;
    void this.pump(this.deps.replies.followStarted(handle, null, controller.signal), active);
  }

  private async cancelResponse(ctx: RequestContext, responseId: string | undefined): Promise<void> {
    const active = this.active;
    const messageId = responseId ?? active?.messageId;
    if (messageId === undefined)
      throw new ReplyNotStreamingError('No response is being generated on this session', {
        details: { reason: 'no_active_response' },
      });
    const following = active !== null && active.messageId === messageId;
    const conversationId = following ? active.conversationId : this.boundConversation();
    const message = await this.deps.replies.cancel(ctx, conversationId, messageId);
    // The pump delivers response.done for the reply it follows; any other reply gets it here.
    if (!following)
      await this.write(
        this.doneEvent(undefined, 'cancelled', messageView(message) as SavedMessage, null, undefined),
      );
  }

  private async resumeResponse(
    ctx: RequestContext,
    event: Extract<ClientEvent, { type: 'response.resume' }>,
  ): Promise<void> {
    const conversationId = event.conversation_id ?? this.boundConversation();
    this.mustBeIdle();
    const controller = new AbortController();
    const events = await this.deps.replies.follow(
      ctx,
      conversationId,
      event.message_id,
      event.last_event_id ?? null,
      controller.signal,
    );
    const active: ActiveResponse = { messageId: event.message_id, conversationId, controller };
    this.active = active;
    void this.pump(events, active);
  }

  /**
   * Writes a reply's events as Realtime events until its final one, pulling the next only when the
   * socket has room. Ends early when the socket closes; the reply itself goes on (RepliesService).
   */
  private async pump(events: AsyncIterable<ReplyStreamEvent>, active: ActiveResponse): Promise<void> {
    let final = false;
    let usage: Usage | undefined;
    try {
      for await (const event of events) {
        if (this.closed) break;
        let out: ServerEvent | null = null;
        const data = JSON.parse(event.data) as Record<string, unknown>;
        switch (event.type) {
          case 'message.created':
            out = {
              type: 'response.created',
              response: {
                id: data.assistant_message_id,
                object: 'realtime.response',
                status: 'in_progress',
                conversation_id: data.conversation_id,
                user_message_id: data.user_message_id,
                model: data.model,
                output: [],
              },
            };
            break;
          case 'response.output_text.delta':
            out = {
              type: 'response.output_text.delta',
              response_id: data.message_id,
              item_id: data.message_id,
              output_index: 0,
              content_index: 0,
              delta: data.delta,
            };
            break;
          case 'response.usage':
            usage = data.usage as Usage;
            break;
          case 'response.completed':
          case 'response.cancelled':
            out = this.doneEvent(
              event.id,
              event.type === 'response.completed' ? 'completed' : 'cancelled',
              data.message as SavedMessage,
              null,
              usage,
            );
            break;
          case 'error':
            out = this.doneEvent(
              event.id,
              'failed',
              (data.message_state as SavedMessage | undefined) ?? null,
              { code: String(data.code), message: String(data.message) },
              usage,
              String(data.message_id),
            );
            break;
        }
        if (FINAL_EVENT_TYPES.has(event.type)) {
          final = true;
          // Idle before the client reads response.done: its next response.create must not race the
          // iterator's clean-up below.
          if (this.active === active) this.active = null;
        }
        if (out) {
          if (event.id !== undefined) out.event_id = event.id;
          if (!(await this.write(out))) break;
        }
        if (final) break;
      }
    } catch (error) {
      if (!this.closed) await this.emitError(error);
    } finally {
      active.controller.abort();
      if (this.active === active) this.active = null;
      // Only a client that left (or stopped answering pings) abandons its reply; a slow client's or a
      // shutdown's reply is saved as it goes on, and can be resumed.
      if (!final && active.handle && (this.ended === 'client' || this.ended === 'heartbeat'))
        this.deps.replies.clientGone(active.handle);
    }
  }

  private doneEvent(
    eventId: string | undefined,
    status: 'completed' | 'cancelled' | 'failed',
    message: SavedMessage | null,
    error: { code: string; message: string } | null,
    usage: Usage | undefined,
    fallbackId?: string,
  ): ServerEvent {
    const saved =
      usage ?? (message?.usage ? { ...message.usage, total_tokens: totalOf(message.usage) } : null);
    return {
      type: 'response.done',
      ...(eventId === undefined ? {} : { event_id: eventId }),
      response: {
        id: message?.id ?? fallbackId ?? null,
        object: 'realtime.response',
        status,
        status_details: error ? { type: 'failed', error } : null,
        conversation_id: message?.conversation_id ?? null,
        output: message
          ? [
              {
                id: message.id,
                object: 'realtime.item',
                type: 'message',
                role: 'assistant',
                status: message.status,
                content: [{ type: 'output_text', text: message.content }],
              },
            ]
          : [],
        usage: saved,
      },
      message,
    };
  }

  private sessionEvent(type: 'session.created' | 'session.updated'): ServerEvent {
    const principal = this.ctx?.principal;
    return {
      type,
      session: {
        id: this.id,
        object: 'realtime.session',
        conversation_id: this.conversationId,
        user_id: principal ? principal.userId : null,
        tenant_id: this.ctx?.tenantId ?? (principal?.kind === 'api_key' ? principal.tenantId : null),
        modalities: ['text'],
      },
    };
  }

  private boundConversation(): string {
    if (this.conversationId === null)
      throw new ConversationRequiredError(
        'Pick a conversation first: {"type":"session.update","session":{"conversation_id":"conv_..."}}',
      );
    return this.conversationId;
  }

  private mustBeIdle(): void {
    if (this.active)
      throw new ReplyInProgressError(
        'This session is delivering a response; wait for response.done or send response.cancel',
        { details: { message_id: this.active.messageId } },
      );
  }

  /** Sends an `error` event for an AppError (its code, message, details); others are logged, not leaked. */
  private async emitError(error: unknown, clientEventId?: string): Promise<void> {
    let body: Record<string, unknown>;
    if (error instanceof AppError) {
      body = {
        type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    } else {
      this.deps.logger.error({ err: error, request_id: this.meta.requestId }, 'realtime event failed');
      body = { type: 'server_error', code: 'internal_error', message: 'Internal server error' };
    }
    if (clientEventId !== undefined) body.event_id = clientEventId;
    await this.write({ type: 'error', error: body });
  }

  /**
   * Sends one event (with an `event_id`: the event log's for reply events, else a session sequence).
   * When the socket already holds more than `maxBufferedBytes`, waits until this event has been written
   * out; if that takes longer than `slowClientTimeoutMs`, closes the socket (1013). False once closed.
   */
  private async write(event: ServerEvent): Promise<boolean> {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    const { type, event_id: eventId, ...rest } = event;
    const text = JSON.stringify({ type, event_id: eventId ?? this.nextEventId(), ...rest });
    if (this.socket.bufferedAmount + text.length <= this.deps.settings.maxBufferedBytes) {
      this.socket.send(text);
      return true;
    }
    this.draining += 1;
    let timer: NodeJS.Timeout | undefined;
    let onClosed: (() => void) | undefined;
    try {
      const outcome = await new Promise<'sent' | 'slow' | 'closed'>((resolve) => {
        this.socket.send(text, (error) => resolve(error ? 'closed' : 'sent'));
        timer = setTimeout(() => resolve('slow'), this.deps.settings.slowClientTimeoutMs);
        onClosed = () => resolve('closed');
        this.closedSignal.signal.addEventListener('abort', onClosed, { once: true });
      });
      if (outcome === 'slow') {
        this.deps.logger.info(
          { session_id: this.id, buffered_bytes: this.socket.bufferedAmount },
          'closing a realtime socket whose client does not read',
        );
        this.end(CloseCode.tryAgainLater, 'client too slow; resume with response.resume', 'slow');
      }
      return outcome === 'sent' && !this.closed;
    } finally {
      clearTimeout(timer);
      if (onClosed) this.closedSignal.signal.removeEventListener('abort', onClosed);
      this.draining -= 1;
    }
  }

  private nextEventId(): string {
    this.seq += 1;
    return `evt_${this.seq}`;
  }

  private ping(): void {
    // A pong already awaited, or a full buffer (the slow-client timer watches that), skips this beat.
    if (this.closed || this.pongTimer || this.draining > 0) return;
    this.pongTimer = setTimeout(() => {
      this.deps.logger.info({ session_id: this.id }, 'terminating a realtime socket that missed a pong');
      this.ended ??= 'heartbeat';
      this.socket.terminate();
    }, this.deps.settings.pongTimeoutMs);
    this.pongTimer.unref();
    this.socket.ping();
  }

  private onPong(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  /**
   * Starts the close handshake; a client that does not complete it is cut off after the pong timeout
   * (after the slow-client timeout for a slow client, whose close frame waits behind what it has not read).
   */
  private end(code: number, reason: string, kind: EndKind): void {
    if (this.closed) return;
    this.ended ??= kind;
    clearTimeout(this.authTimer);
    this.socket.close(code, reason);
    if (!this.killTimer) {
      // A slow client gets as long again to read up to the close frame; an unresponsive one a pong's time.
      const { slowClientTimeoutMs, pongTimeoutMs } = this.deps.settings;
      const grace = kind === 'slow' ? slowClientTimeoutMs : pongTimeoutMs;
      this.killTimer = setTimeout(() => this.socket.terminate(), grace);
      this.killTimer.unref();
    }
  }

  private onClose(): void {
    this.closed = true;
    this.ended ??= 'client';
    this.deps.logger.debug({ session_id: this.id, ended: this.ended }, 'realtime session closed');
    clearTimeout(this.authTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.killTimer);
    this.closedSignal.abort();
    this.active?.controller.abort();
  }
}

interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

interface SavedMessage {
  id: string;
  conversation_id: string;
  content: string;
  status: string;
  usage: { input_tokens: number; output_tokens: number } | null;
}

function totalOf(usage: { input_tokens: number; output_tokens: number }): number {
  return usage.input_tokens + usage.output_tokens;
}

function actorKey(ctx: RequestContext): string {
  const p = ctx.principal;
  if (!p) return 'anonymous';
  return p.kind === 'user' ? `user:${p.userId}` : `key:${p.keyId}`;
}

/** `conversation.item.created` for a saved user message (OpenAI Realtime's item shape). */
function itemCreatedEvent(user: MessageView): ServerEvent {
  return {
    type: 'conversation.item.created',
    previous_item_id: user.parent_id,
    item: {
      id: user.id,
      object: 'realtime.item',
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_text', text: user.content }],
    },
  };
}

/** The credentials an event carries: `auth`'s, or those of `session.update` (used as the first event). */
function credentialsOf(event: ClientEvent): { token?: string | undefined; tenantId?: string | undefined } {
  if (event.type === 'auth') return { token: event.token, tenantId: event.tenant_id };
  if (event.type === 'session.update')
    return { token: event.session.token, tenantId: event.session.tenant_id };
  return {};
}

import { EventStream } from '../core/event-stream.js';
import { PagePromise } from '../core/pagination.js';
import type { RequestOptions } from '../core/transport.js';
import { APIError } from '../errors.js';
import type {
  Conversation,
  ConversationCreateParams,
  ConversationExport,
  ConversationListParams,
  ConversationMessage,
  ConversationReply,
  ConversationStreamEvent,
  ConversationUpdateParams,
  MessageCreateParams,
  MessageListParams,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/**
 * The events of a streaming reply (`message.created`, `response.output_text.delta`, `response.usage`,
 * then `response.completed`, `response.cancelled` or `error`), iterated once with `for await`.
 * `lastEventId` is the id to resume from with `messages.resume` after a dropped connection.
 * @example
 * const stream = await client.conversations.messages.createStream(conv.id, { content: 'Hello' });
 * for await (const event of stream) {
 *   if (event.type === 'response.output_text.delta') process.stdout.write(event.delta);
 * }
 */
export class MessageStream extends EventStream<ConversationStreamEvent> {
  /**
   * Reads the rest of the stream and answers the saved assistant message (`completed`, or `cancelled`
   * with the text so far); an `error` event rejects with an `APIError` carrying its code and message.
   * @example const message = await (await client.conversations.messages.createStream(id, { content: 'Hi' })).finalMessage();
   */
  async finalMessage(): Promise<ConversationMessage> {
    for await (const event of this) {
      if (event.type === 'response.completed' || event.type === 'response.cancelled') return event.message;
      if (event.type === 'error')
        throw new APIError({
          code: event.code,
          message: event.message,
          requestId: this.requestId,
          details: { message_id: event.message_id, message_state: event.message_state },
        });
    }
    throw new APIError({
      code: 'stream_incomplete',
      message: 'The stream ended without a final event',
      requestId: this.requestId,
    });
  }
}

/**
 * A conversation's messages: the active branch, sending (streamed or not), resuming and cancelling replies.
 * @example const page = await client.conversations.messages.list(conv.id, { order: 'desc', limit: 20 });
 */
export class Messages extends APIResource {
  /**
   * `GET /v1/conversations/:id/messages`: the active branch, oldest first (`order: 'desc'`: newest first).
   * @example for await (const m of client.conversations.messages.list(conv.id)) console.log(m.role, m.content);
   */
  list(
    conversationId: string,
    params: MessageListParams = {},
    options?: RequestOptions,
  ): PagePromise<ConversationMessage> {
    return new PagePromise((cursor) =>
      this.transport.json(
        {
          method: 'GET',
          path: `/v1/conversations/${seg(conversationId)}/messages`,
          query: { ...params, ...(cursor ? { cursor } : {}) },
        },
        options,
      ),
    );
  }

  /**
   * `GET /v1/conversations/:id/messages/:msgId`: one message, on any branch.
   * @example const message = await client.conversations.messages.retrieve(conv.id, 'msg_…');
   */
  retrieve(
    conversationId: string,
    messageId: string,
    options?: RequestOptions,
  ): Promise<ConversationMessage> {
    return this.transport.json<ConversationMessage>(
      { method: 'GET', path: `/v1/conversations/${seg(conversationId)}/messages/${seg(messageId)}` },
      options,
    );
  }

  /**
   * `POST /v1/conversations/:id/messages`: sends a user message and waits for the whole reply.
   * @example const { user_message, assistant_message } = await client.conversations.messages.create(conv.id, { content: 'Hello' });
   */
  create(
    conversationId: string,
    params: MessageCreateParams,
    options?: RequestOptions,
  ): Promise<ConversationReply> {
    return this.transport.json<ConversationReply>(
      {
        method: 'POST',
        path: `/v1/conversations/${seg(conversationId)}/messages`,
        body: { ...params, stream: false },
      },
      options,
    );
  }

  /**
   * `POST /v1/conversations/:id/messages` with `stream: true`: the reply's events as they come. Errors
   * found before the stream starts (404, `context_length_exceeded`, `reply_in_progress`) reject here.
   * @example
   * const stream = await client.conversations.messages.createStream(conv.id, { content: 'Tell me a story' });
   * for await (const e of stream) if (e.type === 'response.output_text.delta') process.stdout.write(e.delta);
   */
  async createStream(
    conversationId: string,
    params: MessageCreateParams,
    options: RequestOptions = {},
  ): Promise<MessageStream> {
    const open = await this.transport.open(
      {
        method: 'POST',
        path: `/v1/conversations/${seg(conversationId)}/messages`,
        body: { ...params, stream: true },
        accept: 'text/event-stream',
      },
      options,
    );
    return new MessageStream(open, this.transport, options.signal);
  }

  /**
   * `GET /v1/conversations/:id/messages/:msgId/stream`: a reply's events after `lastEventId` (all of them
   * without it), then live — on any instance.
   * @example const rest = await client.conversations.messages.resume(conv.id, msgId, { lastEventId: stream.lastEventId });
   */
  async resume(
    conversationId: string,
    messageId: string,
    params: { lastEventId?: string | undefined } = {},
    options: RequestOptions = {},
  ): Promise<MessageStream> {
    const open = await this.transport.open(
      {
        method: 'GET',
        path: `/v1/conversations/${seg(conversationId)}/messages/${seg(messageId)}/stream`,
        query: { last_event_id: params.lastEventId },
        accept: 'text/event-stream',
      },
      options,
    );
    return new MessageStream(open, this.transport, options.signal);
  }

  /**
   * `POST /v1/conversations/:id/messages/:msgId/cancel`: stops a reply that is generating; answers it as
   * saved (`cancelled`). `ConflictError` (`reply_not_streaming`) when it has already ended.
   * @example const cancelled = await client.conversations.messages.cancel(conv.id, msgId);
   */
  cancel(conversationId: string, messageId: string, options?: RequestOptions): Promise<ConversationMessage> {
    return this.transport.json<ConversationMessage>(
      { method: 'POST', path: `/v1/conversations/${seg(conversationId)}/messages/${seg(messageId)}/cancel` },
      options,
    );
  }
}

/**
 * Conversations: create, list, read, update, delete, export and import (`chat:read`, `chat:write`).
 * @example
 * const conv = await client.conversations.create({ model: 'local', title: 'Trip to Kyoto' });
 * const reply = await client.conversations.messages.create(conv.id, { content: 'Where should I stay?' });
 */
export class Conversations extends APIResource {
  /** Messages and replies of a conversation. */
  readonly messages: Messages = new Messages(this.transport);

  /**
   * `POST /v1/conversations`.
   * @example const conv = await client.conversations.create({ model: 'local', system_prompt: 'Be brief.' });
   */
  create(params: ConversationCreateParams, options?: RequestOptions): Promise<Conversation> {
    return this.transport.json<Conversation>(
      { method: 'POST', path: '/v1/conversations', body: params },
      options,
    );
  }

  /**
   * `GET /v1/conversations`: most recently active first. Await for one page, or `for await` for all.
   * @example for await (const c of client.conversations.list({ pinned: 'true' })) console.log(c.title);
   */
  list(params: ConversationListParams = {}, options?: RequestOptions): PagePromise<Conversation> {
    return new PagePromise((cursor) =>
      this.transport.json(
        { method: 'GET', path: '/v1/conversations', query: { ...params, ...(cursor ? { cursor } : {}) } },
        options,
      ),
    );
  }

  /**
   * `GET /v1/conversations/:id`.
   * @example const conv = await client.conversations.retrieve('conv_01jd8x3k5q9v7w2m4n6p8r0s1t');
   */
  retrieve(id: string, options?: RequestOptions): Promise<Conversation> {
    return this.transport.json<Conversation>(
      { method: 'GET', path: `/v1/conversations/${seg(id)}` },
      options,
    );
  }

  /**
   * `PATCH /v1/conversations/:id`: rename, pin, archive, change model, prompt, parameters or knowledge bases.
   * @example await client.conversations.update(conv.id, { title: 'Kyoto 2027', pinned: true });
   */
  update(id: string, params: ConversationUpdateParams, options?: RequestOptions): Promise<Conversation> {
    return this.transport.json<Conversation>(
      { method: 'PATCH', path: `/v1/conversations/${seg(id)}`, body: params },
      options,
    );
  }

  /**
   * `DELETE /v1/conversations/:id`: gone from every route at once.
   * @example await client.conversations.delete(conv.id);
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `/v1/conversations/${seg(id)}` }, options);
  }

  /**
   * `GET /v1/conversations/:id/export?format=json`: every branch, as a re-importable document.
   * @example const doc = await client.conversations.export(conv.id);
   */
  export(id: string, options?: RequestOptions): Promise<ConversationExport> {
    return this.transport.json<ConversationExport>(
      { method: 'GET', path: `/v1/conversations/${seg(id)}/export`, query: { format: 'json' } },
      options,
    );
  }

  /**
   * `POST /v1/conversations/import`: a new conversation (new ids, same tree) from an export document.
   * @example const copy = await client.conversations.import(await client.conversations.export(conv.id));
   */
  import(document: ConversationExport, options?: RequestOptions): Promise<Conversation> {
    return this.transport.json<Conversation>(
      { method: 'POST', path: '/v1/conversations/import', body: document },
      options,
    );
  }
}

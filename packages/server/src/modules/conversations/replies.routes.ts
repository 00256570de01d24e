import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, errorResponseSchema } from '../../http/schemas.js';
import { lastEventIdOf, openSse } from '../../http/sse.js';
import { idSchema } from '../../ids.js';
import { messageTarget } from './conversations.routes.js';
import {
  conversationParamsSchema,
  MAX_CONTENT_CHARS,
  messageParams,
  messageSchema,
  messageView,
} from './conversations.schemas.js';
import {
  type RepliesService,
  ReplyFailedError,
  type ReplyHandle,
  type ReplyOptions,
  type ReplyStreamEvent,
} from './replies.service.js';
import { FINAL_EVENT_TYPES } from './reply-events.js';

export interface RepliesRoutesOptions {
  replies: RepliesService;
  authn: Authenticator;
  /** `SSE_HEARTBEAT_MS`: `: ping` comments on idle streams. */
  heartbeatMs: number;
}

const replyOptions = {
  stream: z
    .boolean()
    .default(false)
    .meta({ description: 'true: answer with server-sent events; false: wait and answer the saved messages' }),
  continue_on_disconnect: z.boolean().default(true).meta({
    description: 'Keep generating and saving the reply when the client goes away (false: cancel it)',
  }),
  params: conversationParamsSchema
    .optional()
    .meta({ description: "Generation parameters for this reply, on top of the conversation's" }),
};

const content = z.string().min(1).max(MAX_CONTENT_CHARS);

const sendBody = z
  .object({
    content,
    parent_id: idSchema('msg').nullable().optional().meta({
      description: 'Answer on a new branch below this message (null: a new root); default: the active leaf',
    }),
    ...replyOptions,
  })
  .strict();

const editBody = z.object({ content, ...replyOptions }).strict();
const regenerateBody = z.object(replyOptions).strict();

/** The service's reply options from a send, edit or regenerate body. */
const optionsOf = (body: z.infer<typeof regenerateBody>): ReplyOptions => ({
  params: body.params,
  continueOnDisconnect: body.continue_on_disconnect,
});

const repliedSchema = z
  .object({ user_message: messageSchema, assistant_message: messageSchema })
  .meta({ id: 'ConversationReply' });

const streamQuery = z
  .object({
    last_event_id: z
      .string()
      .max(128)
      .optional()
      .meta({ description: 'Resume after this event id (what the Last-Event-ID header also carries)' }),
  })
  .strict();

/** SSE answers are written by hand (the reply is hijacked); the schema only documents them. */
const sseResponse = z.any().meta({
  description:
    'With `stream: true`, or on the stream route: `text/event-stream` — message.created, response.output_text.delta, response.usage, then response.completed, response.cancelled or error (see docs/conversations.md)',
});

/**
 * Generation in conversations: send (and branch), edit, regenerate, cancel, and the resumable event
 * stream of a reply. Streaming answers are server-sent events read from the reply's event log, so the
 * first connection and a resumed one (`Last-Event-ID`, any instance) are the same code.
 */
export const repliesRoutes: FastifyPluginAsyncZod<RepliesRoutesOptions> = async (
  app,
  { replies, authn, heartbeatMs },
) => {
  const tags = ['conversations'];
  const replyResponses = {
    201: repliedSchema,
    200: sseResponse,
    ...authErrorResponses,
    502: errorResponseSchema,
  };

  /** Streams the reply just started, or waits for it and answers the saved messages. */
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    handle: ReplyHandle,
    stream: boolean,
  ): Promise<unknown> => {
    if (stream) {
      return streamEvents(
        request,
        reply,
        heartbeatMs,
        (signal) => replies.followStarted(handle, null, signal),
        () => replies.clientGone(handle),
      );
    }
    const gone = () => {
      if (!reply.raw.writableEnded) replies.clientGone(handle);
    };
    reply.raw.once('close', gone);
    try {
      const { outcome, message } = await replies.finished(handle);
      if (outcome.status === 'failed')
        throw new ReplyFailedError(outcome, {
          conversation_id: handle.conversationId,
          user_message_id: handle.userMessage.id,
          assistant_message_id: handle.assistantMessage.id,
        });
      reply.code(201);
      return { user_message: messageView(handle.userMessage), assistant_message: messageView(message) };
    } finally {
      reply.raw.off('close', gone);
    }
  };

  app.post(
    '/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a message and generate the reply, streamed (SSE) or not (chat:write)',
        params: z.object({ id: idSchema('conv') }),
        body: sendBody,
        response: replyResponses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const handle = await replies.send(await authn.required(request), request.params.id, {
        content: body.content,
        ...(body.parent_id !== undefined ? { parentId: body.parent_id } : {}),
        ...optionsOf(body),
      });
      return answer(request, reply, handle, body.stream);
    },
  );

  app.patch(
    '/v1/conversations/:id/messages/:msgId',
    {
      schema: {
        tags,
        summary:
          'Edit a user message: a sibling with the new content (a new branch) and its reply (chat:write)',
        params: messageParams,
        body: editBody,
        response: replyResponses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const handle = await replies.edit(...(await messageTarget(authn, request)), {
        content: body.content,
        ...optionsOf(body),
      });
      return answer(request, reply, handle, body.stream);
    },
  );

  app.post(
    '/v1/conversations/:id/messages/:msgId/regenerate',
    {
      schema: {
        tags,
        summary: 'A new reply to the same user message, as a sibling of this reply (chat:write)',
        params: messageParams,
        body: regenerateBody,
        response: replyResponses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const handle = await replies.regenerate(...(await messageTarget(authn, request)), optionsOf(body));
      return answer(request, reply, handle, body.stream);
    },
  );

  app.post(
    '/v1/conversations/:id/messages/:msgId/cancel',
    {
      schema: {
        tags,
        summary:
          'Stop a reply being generated, on whatever instance runs it; answers it as saved (chat:write)',
        params: messageParams,
        response: { 200: messageSchema, ...authErrorResponses },
      },
    },
    async (request) => messageView(await replies.cancel(...(await messageTarget(authn, request)))),
  );

  app.get(
    '/v1/conversations/:id/messages/:msgId/stream',
    {
      schema: {
        tags,
        summary:
          'The reply’s events: what was missed after Last-Event-ID (header or last_event_id), then live (chat:read)',
        params: messageParams,
        querystring: streamQuery,
        response: { 200: sseResponse, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const afterId = lastEventIdOf(request);
      return streamEvents(request, reply, heartbeatMs, (signal) =>
        replies.follow(ctx, request.params.id, request.params.msgId, afterId, signal),
      );
    },
  );
};

/**
 * Writes a reply's events as SSE (`id:` from the event log, `event:` the type, `data:` the JSON), waiting
 * for the socket at each one, so a slow client holds back only its own reader. `onGone` runs when the
 * client leaves before the final event. Errors before the first byte answer as JSON.
 */
async function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  heartbeatMs: number,
  open: (signal: AbortSignal) => AsyncIterable<ReplyStreamEvent> | Promise<AsyncIterable<ReplyStreamEvent>>,
  onGone?: () => void,
): Promise<FastifyReply> {
  const controller = new AbortController();
  const events = await open(controller.signal);
  const sse = openSse(request, reply, { heartbeatMs, controller });
  let final = false;
  try {
    for await (const event of events) {
      await sse.send({
        ...(event.id === undefined ? {} : { id: event.id }),
        event: event.type,
        data: event.data,
      });
      if (FINAL_EVENT_TYPES.has(event.type)) final = true;
      if (sse.closed) break;
    }
  } catch (error) {
    request.log.warn({ err: error }, 'a reply event stream failed');
  } finally {
    // Aborted before close() below: the client went away.
    if (!final && sse.signal.aborted) onGone?.();
    sse.close();
  }
  return reply;
}

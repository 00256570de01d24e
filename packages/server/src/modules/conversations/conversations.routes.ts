import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BadRequestError } from '../../errors.js';
import type { Authenticator } from '../../http/auth.js';
import { handleError } from '../../http/error-handler.js';
import { authErrorResponses, errorResponseSchema } from '../../http/schemas.js';
import type { RequestContext } from '../access/principal.js';
import { importDocumentSchema, zipStream } from './conversation-export.js';
import {
  conversationPage,
  conversationParams,
  conversationSchema,
  conversationView,
  createConversationBody,
  exportQuery,
  feedbackBody,
  listConversationsQuery,
  MAX_SYSTEM_PROMPT_CHARS,
  messagePage,
  messageParams,
  messageSchema,
  messagesQuery,
  messageView,
  searchHitSchema,
  searchQuery,
  updateConversationBody,
} from './conversations.schemas.js';
import type { ConversationsService } from './conversations.service.js';

/** An import body over `CONVERSATION_IMPORT_MAX_BYTES`. */
export class ImportTooLargeError extends BadRequestError {
  override readonly code = 'import_too_large';
}

/**
 * The caller and the message a `/v1/conversations/:id/messages/:msgId…` route names: the first three
 * arguments of every service method on one message.
 * @example messageView(await conversations.getMessage(...(await messageTarget(authn, request))))
 */
export async function messageTarget(
  authn: Authenticator,
  request: FastifyRequest & { params: { id: string; msgId: string } },
): Promise<[RequestContext, string, string]> {
  return [await authn.required(request), request.params.id, request.params.msgId];
}

export interface ConversationsRoutesOptions {
  conversations: ConversationsService;
  authn: Authenticator;
  import: { maxBytes: number; maxMessages: number };
}

/** Longest content of one imported message (characters); the byte limit bounds the whole document. */
const IMPORT_MAX_CONTENT_CHARS = 1_000_000;

/** The import document schema (also the sessions API's), for at most `maxMessages` messages. */
export function conversationImportSchema(maxMessages: number) {
  return importDocumentSchema({
    maxMessages,
    maxContentChars: Math.max(IMPORT_MAX_CONTENT_CHARS, MAX_SYSTEM_PROMPT_CHARS),
  });
}

/** Answers a body over the import limit as 400 `import_too_large`, like every other bad import. */
export function importErrorHandler(maxBytes: number) {
  return (error: Error, request: FastifyRequest, reply: FastifyReply) => {
    if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return handleError(
        new ImportTooLargeError(`The import is larger than ${maxBytes} bytes`, {
          details: { limit_bytes: maxBytes },
        }),
        request,
        reply,
      );
    return handleError(error, request, reply);
  };
}

/** A file name for Content-Disposition: the id is always safe, whatever the title holds. */
const attachment = (name: string) => `attachment; filename="${name}"`;

/**
 * Conversations, their message trees, search, export and import (generation — POST …/messages — lives in
 * replies.routes.ts). Reads need `chat:read`, changes `chat:write`; another user's conversation is 404.
 */
export const conversationsRoutes: FastifyPluginAsyncZod<ConversationsRoutesOptions> = async (
  app,
  { conversations, authn, import: importLimits },
) => {
  const tags = ['conversations'];
  const importSchema = conversationImportSchema(importLimits.maxMessages);

  app.post(
    '/v1/conversations',
    {
      schema: {
        tags,
        summary: 'Create a conversation (chat:write)',
        body: createConversationBody,
        response: { 201: conversationSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const row = await conversations.create(await authn.required(request), {
        model: b.model,
        title: b.title,
        systemPrompt: b.system_prompt,
        params: b.params,
        knowledgeBaseIds: b.knowledge_base_ids,
      });
      return reply.status(201).send(conversationView(row));
    },
  );

  app.get(
    '/v1/conversations',
    {
      schema: {
        tags,
        summary: "The caller's conversations, most recently active first (chat:read)",
        querystring: listConversationsQuery,
        response: { 200: conversationPage, ...authErrorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { data, nextCursor } = await conversations.list(await authn.required(request), {
        archived: q.archived,
        pinned: q.pinned,
        updatedSince: q.updated_since ? new Date(q.updated_since) : undefined,
        cursor: q.cursor,
        limit: q.limit,
      });
      return { data: data.map(conversationView), next_cursor: nextCursor };
    },
  );

  app.get(
    '/v1/conversations/search',
    {
      schema: {
        tags,
        summary: 'Full-text search over titles and messages, Chinese and English (chat:read)',
        querystring: searchQuery,
        response: {
          200: z.object({ data: z.array(searchHitSchema), next_cursor: z.string().nullable() }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { q, cursor, limit } = request.query;
      const { data, nextCursor } = await conversations.search(await authn.required(request), q, {
        cursor,
        limit,
      });
      return {
        data: data.map((h) => ({
          conversation: conversationView(h.conversation),
          message_id: h.messageId,
          snippet: h.snippet,
          rank: h.rank,
        })),
        next_cursor: nextCursor,
      };
    },
  );

  app.get(
    '/v1/conversations/export',
    {
      schema: {
        tags,
        summary: 'All of the caller’s conversations as one zip: a JSON and a Markdown file each (chat:read)',
        response: {
          200: z.any().meta({ description: 'application/zip', format: 'binary' }),
          ...authErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const items = conversations.exportAll(ctx);
      // The first conversation is read before answering, so an authorisation error is still a clean 4xx.
      const first = await items.next();
      async function* files() {
        for (let item = first; !item.done; item = await items.next()) {
          const id = item.value.document.conversation.id;
          yield {
            name: `conversations/${id}.json`,
            content: `${JSON.stringify(item.value.document, null, 2)}\n`,
          };
          yield { name: `conversations/${id}.md`, content: item.value.markdown };
        }
      }
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .type('application/zip')
        .header('content-disposition', attachment(`nexus-conversations-${stamp}.zip`))
        .send(Readable.from(zipStream(files())));
    },
  );

  app.post(
    '/v1/conversations/import',
    {
      bodyLimit: importLimits.maxBytes,
      errorHandler: importErrorHandler(importLimits.maxBytes),
      schema: {
        tags,
        summary: 'Create a conversation from an exported JSON document (chat:write)',
        body: importSchema,
        response: { 201: conversationSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const row = await conversations.import(await authn.required(request), request.body);
      return reply.status(201).send(conversationView(row));
    },
  );

  app.get(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'One conversation (chat:read)',
        params: conversationParams,
        response: { 200: conversationSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      conversationView(await conversations.get(await authn.required(request), request.params.id)),
  );

  app.patch(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary:
          'Rename, pin, archive/unarchive, or change the model, system prompt or parameters (chat:write)',
        params: conversationParams,
        body: updateConversationBody,
        response: { 200: conversationSchema, ...authErrorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const row = await conversations.update(await authn.required(request), request.params.id, {
        title: b.title,
        model: b.model,
        systemPrompt: b.system_prompt,
        params: b.params,
        knowledgeBaseIds: b.knowledge_base_ids,
        pinned: b.pinned,
        archived: b.archived,
      });
      return conversationView(row);
    },
  );

  app.delete(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'Delete a conversation (soft delete; purged later) (chat:write)',
        params: conversationParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await conversations.delete(await authn.required(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/conversations/:id/export',
    {
      schema: {
        tags,
        summary: 'Export: JSON (every branch, re-importable) or Markdown (the active branch) (chat:read)',
        params: conversationParams,
        querystring: exportQuery,
        response: {
          200: z.any().meta({ description: 'The export document (JSON) or text/markdown' }),
          ...authErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const ctx = await authn.required(request);
      const id = request.params.id;
      if (request.query.format === 'markdown') {
        const { markdown } = await conversations.exportMarkdown(ctx, id);
        return reply
          .type('text/markdown; charset=utf-8')
          .header('content-disposition', attachment(`${id}.md`))
          .send(markdown);
      }
      const document = await conversations.exportJson(ctx, id);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', attachment(`${id}.json`))
        .send(JSON.stringify(document));
    },
  );

  app.get(
    '/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'The active branch, oldest first, with each message’s siblings (chat:read)',
        params: conversationParams,
        querystring: messagesQuery,
        response: { 200: messagePage, ...authErrorResponses },
      },
    },
    async (request) => {
      const { data, nextCursor } = await conversations.listMessages(
        await authn.required(request),
        request.params.id,
        request.query,
      );
      return { data: data.map(messageView), next_cursor: nextCursor };
    },
  );

  app.get(
    '/v1/conversations/:id/messages/:msgId',
    {
      schema: {
        tags,
        summary: 'One message, on any branch (chat:read)',
        params: messageParams,
        response: { 200: messageSchema, ...authErrorResponses },
      },
    },
    async (request) => messageView(await conversations.getMessage(...(await messageTarget(authn, request)))),
  );

  app.post(
    '/v1/conversations/:id/messages/:msgId/activate',
    {
      schema: {
        tags,
        summary: 'Switch to the branch containing this message (its newest continuation) (chat:write)',
        params: messageParams,
        response: {
          200: conversationSchema.extend({ messages: z.array(messageSchema) }).meta({ id: 'ActiveBranch' }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { conversation, messages, siblings } = await conversations.activate(
        ...(await messageTarget(authn, request)),
      );
      return {
        ...conversationView(conversation),
        messages: messages.map((m) => {
          const ids = siblings[m.id] ?? [m.id];
          return messageView({
            ...m,
            siblings: { ids, index: Math.max(0, ids.indexOf(m.id)), count: ids.length },
          });
        }),
      };
    },
  );

  app.delete(
    '/v1/conversations/:id/messages/:msgId',
    {
      schema: {
        tags,
        summary: 'Delete a message and everything below it; answers the conversation (chat:write)',
        params: messageParams,
        response: { 200: conversationSchema, ...authErrorResponses, 409: errorResponseSchema },
      },
    },
    async (request) =>
      conversationView(await conversations.deleteMessage(...(await messageTarget(authn, request)))),
  );

  app.put(
    '/v1/conversations/:id/messages/:msgId/feedback',
    {
      schema: {
        tags,
        summary:
          'Thumbs up/down with an optional comment on an assistant message; rating null clears (chat:write)',
        params: messageParams,
        body: feedbackBody,
        response: { 200: messageSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      messageView(
        await conversations.setFeedback(...(await messageTarget(authn, request)), {
          rating: request.body.rating,
          comment: request.body.comment ?? null,
        }),
      ),
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses } from '../../http/schemas.js';
import { conversationImportSchema, importErrorHandler } from '../conversations/conversations.routes.js';
import type { SessionsService } from './sessions.service.js';
import { createSessionBody, sessionParams, sessionSchema } from './tasks.schemas.js';

export interface SessionsRoutesOptions {
  sessions: SessionsService;
  authn: Authenticator;
  import: { maxBytes: number; maxMessages: number };
}

/**
 * `/v1/sessions`: conversation-backed sessions for `invoke` (`session_id`): create, get, delete, export
 * (the conversation export JSON) and import. Permissions are the conversations' (`chat:read`,
 * `chat:write`). See docs/tasks.md#sessions.
 */
export const sessionsRoutes: FastifyPluginAsyncZod<SessionsRoutesOptions> = async (
  app,
  { sessions, authn, import: importLimits },
) => {
  const tags = ['sessions'];

  app.post(
    '/v1/sessions',
    {
      schema: {
        tags,
        summary: 'Create a session (chat:write)',
        body: createSessionBody,
        response: { 201: sessionSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const { model, system_prompt, title } = request.body;
      const session = await sessions.create(await authn.required(request), {
        model,
        systemPrompt: system_prompt,
        title,
      });
      return reply.status(201).send(session);
    },
  );

  app.post(
    '/v1/sessions/import',
    {
      bodyLimit: importLimits.maxBytes,
      errorHandler: importErrorHandler(importLimits.maxBytes),
      schema: {
        tags,
        summary: 'Create a session from an exported document (chat:write)',
        body: conversationImportSchema(importLimits.maxMessages),
        response: { 201: sessionSchema, ...authErrorResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await sessions.import(await authn.required(request), request.body)),
  );

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        tags,
        summary: 'One session (chat:read)',
        params: sessionParams,
        response: { 200: sessionSchema, ...authErrorResponses },
      },
    },
    async (request) => sessions.get(await authn.required(request), request.params.id),
  );

  app.delete(
    '/v1/sessions/:id',
    {
      schema: {
        tags,
        summary: 'Delete a session (chat:write)',
        params: sessionParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await sessions.delete(await authn.required(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/sessions/:id/export',
    {
      schema: {
        tags,
        summary: 'Export a session as re-importable JSON (chat:read)',
        params: sessionParams,
        response: {
          200: z.any().meta({ description: 'The conversation export document' }),
          ...authErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const document = await sessions.export(await authn.required(request), request.params.id);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${request.params.id}.json"`)
        .send(JSON.stringify(document));
    },
  );
};

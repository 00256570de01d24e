import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, errorResponseSchema } from '../../http/schemas.js';
import {
  createDocumentBody,
  createKnowledgeBaseBody,
  documentInputOf,
  documentPage,
  documentParams,
  documentSchema,
  documentView,
  kbParams,
  knowledgeBasePage,
  knowledgeBaseSchema,
  knowledgeBaseView,
  listDocumentsQuery,
  listQuery,
  searchBody,
  searchResponseSchema,
  searchResultView,
  updateKnowledgeBaseBody,
} from './knowledge.schemas.js';
import type { KnowledgeService } from './knowledge.service.js';

export interface KnowledgeRoutesOptions {
  knowledge: KnowledgeService;
  authn: Authenticator;
  /** The largest text document; its route accepts bodies this large (plus JSON overhead). */
  maxDocumentBytes: number;
}

/**
 * `/v1/knowledge-bases`: knowledge bases, their documents (ingested in the background; poll a document
 * for its status and progress) and search. Reads need `kb:read`, changes `kb:write` (a file document also
 * `files:read`); another tenant's knowledge base answers 404.
 */
export const knowledgeBasesRoutes: FastifyPluginAsyncZod<KnowledgeRoutesOptions> = async (
  app,
  { knowledge, authn, maxDocumentBytes },
) => {
  const tags = ['knowledge-bases'];
  const withPayloadErrors = { ...authErrorResponses, 413: errorResponseSchema, 422: errorResponseSchema };

  app.post(
    '/v1/knowledge-bases',
    {
      schema: {
        tags,
        summary: 'Create a knowledge base (kb:write)',
        body: createKnowledgeBaseBody,
        response: { 201: knowledgeBaseSchema, ...authErrorResponses, 502: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const view = await knowledge.create(await authn.required(request), {
        name: b.name,
        description: b.description,
        settings: b.settings,
      });
      return reply.status(201).send(knowledgeBaseView(view));
    },
  );

  app.get(
    '/v1/knowledge-bases',
    {
      schema: {
        tags,
        summary: "The tenant's knowledge bases, newest first (kb:read)",
        querystring: listQuery,
        response: { 200: knowledgeBasePage, ...authErrorResponses },
      },
    },
    async (request) => {
      const { data, nextCursor } = await knowledge.list(await authn.required(request), request.query);
      return { data: data.map(knowledgeBaseView), next_cursor: nextCursor };
    },
  );

  app.get(
    '/v1/knowledge-bases/:id',
    {
      schema: {
        tags,
        summary: 'One knowledge base, with document counts by status (kb:read)',
        params: kbParams,
        response: { 200: knowledgeBaseSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      knowledgeBaseView(await knowledge.get(await authn.required(request), request.params.id)),
  );

  app.patch(
    '/v1/knowledge-bases/:id',
    {
      schema: {
        tags,
        summary:
          'Rename, describe, or change settings; a new embedding model or chunking re-indexes every document in the background (kb:write)',
        params: kbParams,
        body: updateKnowledgeBaseBody,
        response: { 200: knowledgeBaseSchema, ...authErrorResponses, 502: errorResponseSchema },
      },
    },
    async (request) => {
      const b = request.body;
      const view = await knowledge.update(await authn.required(request), request.params.id, {
        name: b.name,
        description: b.description,
        settings: b.settings,
      });
      return knowledgeBaseView(view);
    },
  );

  app.delete(
    '/v1/knowledge-bases/:id',
    {
      schema: {
        tags,
        summary: 'Delete a knowledge base with its documents and chunks (kb:write)',
        params: kbParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await knowledge.delete(await authn.required(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/knowledge-bases/:id/documents',
    {
      // Text documents up to the document limit, plus room for JSON escapes and the other fields.
      bodyLimit: maxDocumentBytes + 1_048_576,
      schema: {
        tags,
        summary:
          'Add a document from text, an uploaded file (file_id) or a URL; it is queued and ingested in the background (kb:write)',
        params: kbParams,
        body: createDocumentBody,
        response: { 202: documentSchema, ...withPayloadErrors },
      },
    },
    async (request, reply) => {
      const doc = await knowledge.createDocument(
        await authn.required(request),
        request.params.id,
        documentInputOf(request.body),
      );
      return reply.status(202).send(documentView(doc));
    },
  );

  app.get(
    '/v1/knowledge-bases/:id/documents',
    {
      schema: {
        tags,
        summary: 'The documents, newest first, with status and progress (kb:read)',
        params: kbParams,
        querystring: listDocumentsQuery,
        response: { 200: documentPage, ...authErrorResponses },
      },
    },
    async (request) => {
      const { data, nextCursor } = await knowledge.listDocuments(
        await authn.required(request),
        request.params.id,
        request.query,
      );
      return { data: data.map(documentView), next_cursor: nextCursor };
    },
  );

  app.get(
    '/v1/knowledge-bases/:id/documents/:docId',
    {
      schema: {
        tags,
        summary: 'One document: status, progress, and the reason when it failed (kb:read)',
        params: documentParams,
        response: { 200: documentSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      documentView(
        await knowledge.getDocument(await authn.required(request), request.params.id, request.params.docId),
      ),
  );

  app.delete(
    '/v1/knowledge-bases/:id/documents/:docId',
    {
      schema: {
        tags,
        summary: 'Delete a document and its chunks (kb:write)',
        params: documentParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await knowledge.deleteDocument(await authn.required(request), request.params.id, request.params.docId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/knowledge-bases/:id/documents/:docId/reindex',
    {
      schema: {
        tags,
        summary:
          'Ingest a document again (its current chunks answer until the new ones replace them) (kb:write)',
        params: documentParams,
        response: { 202: documentSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const doc = await knowledge.reindexDocument(
        await authn.required(request),
        request.params.id,
        request.params.docId,
      );
      return reply.status(202).send(documentView(doc));
    },
  );

  app.post(
    '/v1/knowledge-bases/:id/search',
    {
      schema: {
        tags,
        summary:
          'Search the knowledge base: vector, lexical (BM25) or hybrid (fused), optionally reranked; chunks with scores, document and location (kb:read)',
        params: kbParams,
        body: searchBody,
        response: { 200: searchResponseSchema, ...authErrorResponses, 502: errorResponseSchema },
      },
    },
    async (request) => {
      const b = request.body;
      const result = await knowledge.search(await authn.required(request), request.params.id, {
        query: b.query,
        topK: b.top_k,
        mode: b.mode,
        scoreThreshold: b.score_threshold,
        rerank: b.rerank,
        queryExpansion: b.query_expansion,
        filters: b.filters
          ? { documentIds: b.filters.document_ids, metadata: b.filters.metadata }
          : undefined,
      });
      return {
        object: 'list' as const,
        data: result.hits.map(searchResultView),
        mode: result.mode,
        reranked: result.reranked,
      };
    },
  );
};

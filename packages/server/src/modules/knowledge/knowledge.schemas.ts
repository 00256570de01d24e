import { z } from 'zod';
import { iso, limitQuery, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import type { DocumentView } from './knowledge.repository.js';
import type { DocumentInput, KnowledgeBaseView } from './knowledge.service.js';
import type { SearchHit } from './knowledge-search.js';
import { SEARCH_MODES, SETTINGS_LIMITS, settingsInput } from './knowledge-settings.js';

export const MAX_NAME_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 2_000;
export const MAX_TITLE_CHARS = 500;
export const MAX_URL_CHARS = 2_048;
export const MAX_QUERY_CHARS = 4_000;

const metadataValue = z.union([z.string().max(1_000), z.number(), z.boolean()]);
export const metadataSchema = z
  .record(z.string().min(1).max(64), metadataValue)
  .refine((m) => Object.keys(m).length <= 32, { message: 'at most 32 keys' })
  .meta({ description: 'Key/value pairs (string, number or boolean) that search can filter on' });

export const kbParams = z.object({ id: idSchema('kb') });
export const documentParams = z.object({ id: idSchema('kb'), docId: idSchema('doc') });

export const createKnowledgeBaseBody = z
  .object({
    name: z.string().trim().min(1).max(MAX_NAME_CHARS),
    description: z.string().max(MAX_DESCRIPTION_CHARS).optional(),
    settings: settingsInput.optional(),
  })
  .strict();

export const updateKnowledgeBaseBody = z
  .object({
    name: z.string().trim().min(1).max(MAX_NAME_CHARS).optional(),
    description: z.string().max(MAX_DESCRIPTION_CHARS).optional(),
    settings: settingsInput.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export const listQuery = z.object({ cursor: z.string().max(200).optional(), limit: limitQuery }).strict();

export const DOCUMENT_STATUSES = ['queued', 'processing', 'ready', 'failed'] as const;

export const listDocumentsQuery = z
  .object({
    status: z.enum(DOCUMENT_STATUSES).optional(),
    cursor: z.string().max(200).optional(),
    limit: limitQuery,
  })
  .strict();

export const createDocumentBody = z
  .object({
    text: z
      .string()
      .optional()
      .meta({ description: 'The document itself (plain text unless `format` says otherwise)' }),
    format: z
      .enum(['txt', 'md', 'html', 'json', 'csv'])
      .optional()
      .meta({ description: 'How to read `text` (default txt)' }),
    file_id: idSchema('file').optional().meta({ description: 'An uploaded file with purpose `document`' }),
    url: z
      .string()
      .max(MAX_URL_CHARS)
      .optional()
      .meta({ description: 'An http(s) URL, fetched by the ingestion job' }),
    title: z.string().max(MAX_TITLE_CHARS).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const sources = ['text', 'file_id', 'url'].filter(
      (key) => body[key as 'text' | 'file_id' | 'url'] !== undefined,
    );
    if (sources.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of text, file_id or url',
        path: sources.length === 0 ? ['text'] : [sources[1]!],
      });
    if (body.format !== undefined && body.text === undefined)
      ctx.addIssue({ code: 'custom', message: 'format applies to text documents only', path: ['format'] });
  });

export type CreateDocumentBody = z.infer<typeof createDocumentBody>;

/** The wire body to the service's input. */
export function documentInputOf(body: CreateDocumentBody): DocumentInput {
  const common = {
    ...(body.title !== undefined ? { title: body.title } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
  };
  if (body.file_id !== undefined) return { kind: 'file', fileId: body.file_id, ...common };
  if (body.url !== undefined) return { kind: 'url', url: body.url, ...common };
  return { kind: 'text', text: body.text ?? '', ...(body.format ? { format: body.format } : {}), ...common };
}

export const searchBody = z
  .object({
    query: z.string().trim().min(1).max(MAX_QUERY_CHARS),
    top_k: z.number().int().min(1).max(SETTINGS_LIMITS.maxTopK).optional(),
    mode: z.enum(SEARCH_MODES).optional(),
    score_threshold: z.number().min(0).nullable().optional().meta({
      description:
        'Leave out results whose `score` is lower (null: none; absent: the knowledge base default)',
    }),
    rerank: z
      .boolean()
      .optional()
      .meta({ description: 'Reorder with the rerank provider (default: when configured)' }),
    query_expansion: z.boolean().optional().meta({
      description:
        'Expand lexical queries with terms of their first results (RM3); default: the knowledge base setting',
    }),
    filters: z
      .object({
        document_ids: z.array(idSchema('doc')).min(1).max(1_000).optional(),
        metadata: metadataSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const settingsSchema = z
  .object({
    embedding_model: z.string(),
    chunk_tokens: z.number(),
    overlap_tokens: z.number(),
    search: z.object({
      mode: z.enum(SEARCH_MODES),
      top_k: z.number(),
      score_threshold: z.number().nullable(),
      rerank: z.boolean(),
      query_expansion: z.boolean(),
    }),
  })
  .meta({ id: 'KnowledgeBaseSettings' });

const countsSchema = z.object({
  queued: z.number(),
  processing: z.number(),
  ready: z.number(),
  failed: z.number(),
  total: z.number(),
});

export const knowledgeBaseSchema = z
  .object({
    id: z.string(),
    object: z.literal('knowledge_base'),
    name: z.string(),
    description: z.string(),
    settings: settingsSchema,
    embedding_dimensions: z.number().nullable(),
    settings_version: z.number(),
    documents: countsSchema,
    chunk_count: z.number(),
    created_by: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'KnowledgeBase' });

export const knowledgeBasePage = page(knowledgeBaseSchema).meta({ id: 'KnowledgeBasePage' });

export const documentSchema = z
  .object({
    id: z.string(),
    object: z.literal('knowledge_base.document'),
    knowledge_base_id: z.string(),
    source: z.enum(['file', 'text', 'url']),
    file_id: z.string().nullable(),
    url: z.string().nullable(),
    title: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    format: z.string().nullable(),
    bytes: z.number().nullable(),
    status: z.enum(DOCUMENT_STATUSES),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    progress: z
      .object({
        stage: z.string(),
        fraction: z.number(),
      })
      .catchall(z.unknown())
      .meta({ description: 'The stage (queued, fetch, parse, chunk, embed, index, done, failed) and 0–1' }),
    chunk_count: z.number(),
    attempts: z.number(),
    settings_version: z.number().nullable(),
    indexed_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'KnowledgeBaseDocument' });

export const documentPage = page(documentSchema).meta({ id: 'KnowledgeBaseDocumentPage' });

export const searchResultSchema = z
  .object({
    chunk_id: z.string(),
    knowledge_base_id: z.string(),
    score: z.number(),
    scores: z.object({
      vector: z.number().optional(),
      lexical: z.number().optional(),
      rerank: z.number().optional(),
    }),
    text: z.string(),
    document: z.object({
      id: z.string(),
      title: z.string(),
      source: z.enum(['file', 'text', 'url']),
      file_id: z.string().nullable(),
      url: z.string().nullable(),
      metadata: z.record(z.string(), z.unknown()),
    }),
    location: z.object({
      ordinal: z.number(),
      page: z.number().nullable(),
      start: z.number(),
      end: z.number(),
      headings: z.array(z.string()),
    }),
  })
  .meta({ id: 'KnowledgeSearchResult' });

export const searchResponseSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(searchResultSchema),
    mode: z.enum(SEARCH_MODES),
    reranked: z.boolean(),
  })
  .meta({ id: 'KnowledgeSearchResponse' });

export function knowledgeBaseView(view: KnowledgeBaseView): z.infer<typeof knowledgeBaseSchema> {
  const { row, settings, documents } = view;
  return {
    id: row.id,
    object: 'knowledge_base',
    name: row.name,
    description: row.description,
    settings,
    embedding_dimensions: row.embedding_dims,
    settings_version: row.settings_version,
    documents: {
      ...documents,
      total: documents.queued + documents.processing + documents.ready + documents.failed,
    },
    chunk_count: row.chunk_count,
    created_by: row.created_by,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

export function documentView(doc: DocumentView): z.infer<typeof documentSchema> {
  const progress = (doc.progress ?? {}) as Record<string, unknown>;
  return {
    id: doc.id,
    object: 'knowledge_base.document',
    knowledge_base_id: doc.kb_id,
    source: doc.source,
    file_id: doc.file_id,
    url: doc.url,
    title: doc.title,
    metadata: doc.metadata,
    format: doc.format,
    bytes: doc.bytes === null ? null : Number(doc.bytes),
    status: doc.status,
    error: doc.error_code === null ? null : { code: doc.error_code, message: doc.error_message ?? '' },
    progress: {
      ...progress,
      stage: typeof progress.stage === 'string' ? progress.stage : doc.status,
      fraction: typeof progress.fraction === 'number' ? progress.fraction : doc.status === 'ready' ? 1 : 0,
    },
    chunk_count: doc.chunk_count,
    attempts: doc.attempts,
    settings_version: doc.settings_version,
    indexed_at: iso(doc.indexed_at),
    created_at: iso(doc.created_at)!,
    updated_at: iso(doc.updated_at)!,
  };
}

export function searchResultView(hit: SearchHit): z.infer<typeof searchResultSchema> {
  const c = hit.chunk;
  return {
    chunk_id: c.id,
    knowledge_base_id: c.kb_id,
    score: hit.score,
    scores: hit.scores,
    text: c.text,
    document: {
      id: c.document_id,
      title: c.document_title,
      source: c.document_source,
      file_id: c.document_file_id,
      url: c.document_url,
      metadata: c.document_metadata,
    },
    location: {
      ordinal: c.ordinal,
      page: c.page,
      start: c.start_offset,
      end: c.end_offset,
      headings: c.headings,
    },
  };
}

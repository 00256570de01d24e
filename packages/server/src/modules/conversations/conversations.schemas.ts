import { z } from 'zod';
import { iso, limitQuery, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import type { ConversationRow } from './conversations.repository.js';
import type { MessageView } from './conversations.service.js';
import type { MessageRow } from './messages.repository.js';

/** A rating as stored (-1/1) to the wire ('down'/'up'). */
export const ratingOf = (value: -1 | 1 | null): 'up' | 'down' | null =>
  value === 1 ? 'up' : value === -1 ? 'down' : null;

/** The longest title a conversation may have (characters). */
export const MAX_TITLE_CHARS = 200;
/** The longest system prompt (characters). */
export const MAX_SYSTEM_PROMPT_CHARS = 100_000;
/** The longest message content accepted (characters); the model's context window usually binds first. */
export const MAX_CONTENT_CHARS = 400_000;

/**
 * Generation parameters a conversation keeps (OpenAI names and ranges); anything else is refused, so a
 * typo does not silently do nothing.
 */
export const conversationParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    stop: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(4)]).optional(),
    seed: z.number().int().optional(),
  })
  .strict()
  .meta({ id: 'ConversationParams', description: 'Generation parameters (OpenAI names and ranges)' });

const kbId = idSchema('kb');

export const createConversationBody = z
  .object({
    model: z.string().min(1).max(200).meta({ description: 'A chat model from GET /v1/models' }),
    title: z.string().max(MAX_TITLE_CHARS).optional(),
    system_prompt: z.string().max(MAX_SYSTEM_PROMPT_CHARS).nullable().optional(),
    params: conversationParamsSchema.optional(),
    knowledge_base_ids: z.array(kbId).max(20).optional().meta({
      description: 'Knowledge bases every turn retrieves from (the tenant must have each one)',
    }),
  })
  .strict();

export const updateConversationBody = z
  .object({
    title: z.string().max(MAX_TITLE_CHARS).optional().meta({
      description: 'A new title; the automatic title never overwrites it. Empty: back to the default',
    }),
    model: z.string().min(1).max(200).optional(),
    system_prompt: z.string().max(MAX_SYSTEM_PROMPT_CHARS).nullable().optional(),
    params: conversationParamsSchema.optional(),
    knowledge_base_ids: z.array(kbId).max(20).optional(),
    pinned: z.boolean().optional(),
    archived: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listConversationsQuery = z
  .object({
    archived: boolQuery.optional().meta({ description: 'true: only archived; false: only not archived' }),
    pinned: boolQuery.optional(),
    updated_since: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(200).optional(),
    limit: limitQuery,
  })
  .strict();

export const searchQuery = z
  .object({
    q: z.string().trim().min(1).max(500),
    cursor: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

export const messagesQuery = z
  .object({
    cursor: idSchema('msg').optional(),
    limit: limitQuery,
    order: z
      .enum(['asc', 'desc'])
      .default('asc')
      .meta({ description: 'asc: oldest first (default); desc: newest first, older pages next' }),
  })
  .strict();

export const exportQuery = z.object({ format: z.enum(['json', 'markdown']).default('json') }).strict();

export const feedbackBody = z
  .object({
    rating: z.enum(['up', 'down']).nullable(),
    comment: z.string().max(2000).nullable().optional(),
  })
  .strict();

export const conversationParams = z.object({ id: idSchema('conv') });
export const messageParams = z.object({ id: idSchema('conv'), msgId: idSchema('msg') });

export const conversationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    title_source: z.enum(['default', 'auto', 'user']),
    model: z.string(),
    system_prompt: z.string().nullable(),
    params: z.record(z.string(), z.unknown()),
    knowledge_base_ids: z.array(z.string()),
    pinned: z.boolean(),
    archived: z.boolean(),
    archived_at: timestamp.nullable(),
    active_leaf_id: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Conversation' });

/**
 * A conversation's own fields as the API and exports write them (a view adds `archived`).
 * @example const { id, title } = conversationFields(row);
 */
export function conversationFields(c: ConversationRow) {
  return {
    id: c.id,
    title: c.title,
    title_source: c.title_source,
    model: c.model,
    system_prompt: c.system_prompt,
    params: c.params,
    knowledge_base_ids: c.knowledge_base_ids,
    pinned: c.pinned,
    archived_at: iso(c.archived_at),
    active_leaf_id: c.active_leaf_id,
    created_at: iso(c.created_at)!,
    updated_at: iso(c.updated_at)!,
  };
}

/**
 * A conversation on the wire.
 * @example reply.send(conversationView(row))
 */
export function conversationView(c: ConversationRow): z.input<typeof conversationSchema> {
  return { ...conversationFields(c), archived: c.archived_at !== null };
}

export const messageSchema = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    parent_id: z.string().nullable(),
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string(),
    status: z.enum(['streaming', 'completed', 'cancelled', 'failed']),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    model: z.string().nullable(),
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }).nullable(),
    context: z.record(z.string(), z.unknown()).nullable(),
    citations: z.array(z.unknown()).nullable(),
    feedback: z
      .object({
        rating: z.enum(['up', 'down']).nullable(),
        comment: z.string().nullable(),
        at: timestamp.nullable(),
      })
      .nullable(),
    siblings: z
      .object({
        index: z.number().int().meta({ description: 'This message among its siblings, from 0 (oldest)' }),
        count: z.number().int(),
        ids: z.array(z.string()),
      })
      .meta({ description: 'The messages with the same parent (edits, regenerations), oldest first' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'ConversationMessage' });

/**
 * A message's own fields as the API and exports write them (a view adds the conversation, its siblings
 * and `updated_at`).
 * @example const { id, content, feedback } = messageFields(row);
 */
export function messageFields(m: MessageRow) {
  return {
    id: m.id,
    parent_id: m.parent_id,
    role: m.role,
    content: m.content,
    status: m.status,
    error: m.error,
    model: m.model,
    usage: m.usage,
    context: m.context,
    citations: m.citations,
    feedback:
      m.feedback_rating === null && m.feedback_comment === null
        ? null
        : { rating: ratingOf(m.feedback_rating), comment: m.feedback_comment, at: iso(m.feedback_at) },
    created_at: iso(m.created_at)!,
  };
}

/**
 * A message on the wire.
 * @example messageView({ ...row, siblings: { ids: [row.id], index: 0, count: 1 } })
 */
export function messageView(m: MessageView): z.input<typeof messageSchema> {
  return {
    ...messageFields(m),
    conversation_id: m.conversation_id,
    siblings: m.siblings,
    updated_at: iso(m.updated_at)!,
  };
}

export const conversationPage = page(conversationSchema);
export const messagePage = page(messageSchema);

export const searchHitSchema = z
  .object({
    conversation: conversationSchema,
    message_id: z
      .string()
      .nullable()
      .meta({ description: 'The best-matching message; null: the title matched' }),
    snippet: z.string(),
    rank: z.number(),
  })
  .meta({ id: 'ConversationSearchHit' });

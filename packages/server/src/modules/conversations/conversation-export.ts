import { strToU8, Zip, ZipDeflate } from 'fflate';
import { z } from 'zod';
import { iso } from '../../http/schemas.js';
import { newId } from '../../ids.js';
import type { ConversationRow } from './conversations.repository.js';
import {
  conversationFields,
  conversationParamsSchema,
  MAX_TITLE_CHARS,
  messageFields,
} from './conversations.schemas.js';
import type { MessageRow, NewMessage } from './messages.repository.js';

/** The `format` tag of an exported conversation; `version` changes when the shape does. */
export const EXPORT_FORMAT = 'nexus.conversation';
export const EXPORT_VERSION = 1;

/** What GET /v1/conversations/:id/export?format=json returns: the whole tree, every branch. */
export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exported_at: string;
  conversation: {
    id: string;
    title: string;
    title_source: 'default' | 'auto' | 'user';
    model: string;
    system_prompt: string | null;
    params: Record<string, unknown>;
    knowledge_base_ids: string[];
    pinned: boolean;
    archived_at: string | null;
    active_leaf_id: string | null;
    created_at: string;
    updated_at: string;
  };
  messages: ExportedMessage[];
}

export interface ExportedMessage {
  id: string;
  parent_id: string | null;
  role: MessageRow['role'];
  content: string;
  status: MessageRow['status'];
  error: { code: string; message: string } | null;
  model: string | null;
  usage: { input_tokens: number; output_tokens: number } | null;
  context: Record<string, unknown> | null;
  citations: unknown[] | null;
  feedback: { rating: 'up' | 'down' | null; comment: string | null; at: string | null } | null;
  created_at: string;
}

/**
 * The export of a conversation: every message of every branch, parents before children.
 * @example const doc = toExportDocument(conversation, await messages.listAll(db, tenantId, conversation.id));
 */
export function toExportDocument(
  conversation: ConversationRow,
  messages: readonly MessageRow[],
): ExportDocument {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: new Date().toISOString(),
    conversation: conversationFields(conversation),
    messages: messages.map(messageFields),
  };
}

const ROLE_HEADINGS: Record<MessageRow['role'], string> = {
  system: 'System',
  user: 'User',
  assistant: 'Assistant',
  tool: 'Tool',
};

/**
 * The active branch as readable Markdown: a heading per message, the system prompt first.
 * @example toMarkdown(conversation, branch) // '# Trip to Kyoto\n\n…'
 */
export function toMarkdown(conversation: ConversationRow, branch: readonly MessageRow[]): string {
  const lines = [`# ${conversation.title.trim() || 'Untitled conversation'}`, ''];
  lines.push(`- Conversation: \`${conversation.id}\``);
  lines.push(`- Model: \`${conversation.model}\``);
  lines.push(`- Created: ${iso(conversation.created_at)}`);
  lines.push(`- Updated: ${iso(conversation.updated_at)}`, '');
  if (conversation.system_prompt) lines.push('## System prompt', '', conversation.system_prompt.trim(), '');
  for (const m of branch) {
    const notes = [
      m.role === 'assistant' && m.model ? `\`${m.model}\`` : '',
      m.status !== 'completed' ? `*${m.status}*` : '',
    ].filter(Boolean);
    lines.push(`## ${ROLE_HEADINGS[m.role]}${notes.length ? ` (${notes.join(', ')})` : ''}`, '');
    lines.push(m.content.trim() || '*(empty)*', '');
    if (m.feedback_rating !== null || m.feedback_comment)
      lines.push(
        `> Feedback: ${m.feedback_rating === 1 ? '👍' : m.feedback_rating === -1 ? '👎' : ''}${
          m.feedback_comment ? ` ${m.feedback_comment}` : ''
        }`,
        '',
      );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const dateTime = z.iso.datetime({ offset: true });
const usageSchema = z.object({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
});

/**
 * What POST /v1/conversations/import accepts: an export document (ids may be any unique strings; the
 * import makes new ones). Server-written fields (`exported_at`, `updated_at`) are accepted and ignored.
 */
export function importDocumentSchema(limits: { maxMessages: number; maxContentChars: number }) {
  const message = z.object({
    id: z.string().min(1).max(100),
    parent_id: z.string().min(1).max(100).nullable(),
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string().max(limits.maxContentChars),
    status: z.enum(['streaming', 'completed', 'cancelled', 'failed']).default('completed'),
    error: z
      .object({ code: z.string().max(100), message: z.string().max(2000) })
      .nullable()
      .default(null),
    model: z.string().max(200).nullable().default(null),
    usage: usageSchema.nullable().default(null),
    context: z.record(z.string(), z.unknown()).nullable().default(null),
    citations: z.array(z.unknown()).max(1000).nullable().default(null),
    feedback: z
      .object({
        rating: z.enum(['up', 'down']).nullable(),
        comment: z.string().max(2000).nullable().default(null),
        at: dateTime.nullable().default(null),
      })
      .nullable()
      .default(null),
    created_at: dateTime.optional(),
  });
  return z.object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_VERSION),
    exported_at: dateTime.optional(),
    conversation: z.object({
      id: z.string().max(100).optional(),
      title: z.string().max(MAX_TITLE_CHARS).default(''),
      title_source: z.enum(['default', 'auto', 'user']).default('default'),
      model: z.string().min(1).max(200),
      system_prompt: z.string().max(limits.maxContentChars).nullable().default(null),
      params: conversationParamsSchema.default({}),
      knowledge_base_ids: z
        .array(z.string().regex(/^kb_[0-9a-z]{26}$/, 'must be a kb_ id'))
        .max(100)
        .default([]),
      pinned: z.boolean().default(false),
      archived_at: dateTime.nullable().default(null),
      active_leaf_id: z.string().max(100).nullable().default(null),
      created_at: dateTime.optional(),
      updated_at: dateTime.optional(),
    }),
    messages: z.array(message).max(limits.maxMessages),
  });
}

export type ImportDocument = z.output<ReturnType<typeof importDocumentSchema>>;

export interface ImportIssue {
  path: string;
  message: string;
  issue: string;
}

export type ImportPlan =
  | { ok: true; conversationId: string; messages: NewMessage[]; activeLeafId: string | null }
  | { ok: false; issues: ImportIssue[] };

/**
 * Checks an import's tree and gives every message a new id: unique ids, parents that are in the document,
 * no cycles, an active leaf that is one of the messages. Messages come out parents first, so they can be
 * inserted in order. A message exported mid-stream (`streaming`) comes in as `cancelled`: nothing will
 * finish it here.
 */
export function planImport(document: ImportDocument, maxMessages: number): ImportPlan {
  const issues: ImportIssue[] = [];
  const issue = (path: string, message: string, kind = 'custom') => {
    if (issues.length < 20) issues.push({ path, message, issue: kind });
  };
  const messages = document.messages;
  if (messages.length > maxMessages) issue('messages', `has more than ${maxMessages} messages`, 'too_big');
  const index = new Map<string, number>();
  messages.forEach((m, i) => {
    if (index.has(m.id)) issue(`messages.${i}.id`, `duplicates messages.${index.get(m.id)}.id`);
    else index.set(m.id, i);
  });
  messages.forEach((m, i) => {
    if (m.parent_id !== null && !index.has(m.parent_id))
      issue(`messages.${i}.parent_id`, 'names no message of this document');
    if (m.parent_id === m.id) issue(`messages.${i}.parent_id`, 'is the message itself');
  });
  const leaf = document.conversation.active_leaf_id;
  if (leaf !== null && !index.has(leaf))
    issue('conversation.active_leaf_id', 'names no message of this document');
  if (issues.length > 0) return { ok: false, issues };

  // Parents first: walk down from the roots; whatever is never reached sits on a cycle.
  const children = new Map<string | null, number[]>();
  messages.forEach((m, i) => {
    const list = children.get(m.parent_id) ?? [];
    list.push(i);
    children.set(m.parent_id, list);
  });
  const order: number[] = [];
  const queue = [...(children.get(null) ?? [])];
  while (queue.length > 0) {
    const i = queue.shift()!;
    order.push(i);
    queue.push(...(children.get(messages[i]!.id) ?? []));
  }
  if (order.length < messages.length) {
    const reached = new Set(order);
    const first = messages.findIndex((_, i) => !reached.has(i));
    return {
      ok: false,
      issues: [
        { path: `messages.${first}.parent_id`, message: 'forms a cycle (no root above it)', issue: 'custom' },
      ],
    };
  }
  // New ids are handed out in the original creation order, so siblings keep their order.
  const byAge = [...messages.keys()].sort((a, b) => {
    const ta = messages[a]!.created_at ?? '';
    const tb = messages[b]!.created_at ?? '';
    return ta === tb ? a - b : Date.parse(ta) - Date.parse(tb) || a - b;
  });
  const ids = new Map<string, string>();
  for (const i of byAge) ids.set(messages[i]!.id, newId('msg'));
  const planned: NewMessage[] = order.map((i) => {
    const m = messages[i]!;
    return {
      id: ids.get(m.id)!,
      conversationId: '',
      parentId: m.parent_id === null ? null : ids.get(m.parent_id)!,
      role: m.role,
      content: m.content,
      status: m.status === 'streaming' ? 'cancelled' : m.status,
      error: m.error,
      model: m.model,
      usage: m.usage,
      context: m.context,
      citations: m.citations,
      feedback: m.feedback
        ? {
            rating: m.feedback.rating === 'up' ? 1 : m.feedback.rating === 'down' ? -1 : null,
            comment: m.feedback.comment,
            at: m.feedback.at ? new Date(m.feedback.at) : null,
          }
        : null,
      ...(m.created_at ? { createdAt: new Date(m.created_at) } : {}),
    };
  });
  const conversationId = newId('conv');
  for (const m of planned) m.conversationId = conversationId;
  return { ok: true, conversationId, messages: planned, activeLeafId: leaf === null ? null : ids.get(leaf)! };
}

/**
 * A zip archive of `files`, produced as it goes: each file is compressed and handed on before the next is
 * read, so memory holds one conversation at a time, not the archive.
 * @example Readable.from(zipStream(files))
 */
export async function* zipStream(
  files: AsyncIterable<{ name: string; content: string }>,
): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else out.push(chunk);
  });
  for await (const file of files) {
    const entry = new ZipDeflate(file.name, { level: 6 });
    zip.add(entry);
    entry.push(strToU8(file.content), true);
    if (failure) throw failure;
    yield* out.splice(0);
  }
  zip.end();
  if (failure) throw failure;
  yield* out.splice(0);
}

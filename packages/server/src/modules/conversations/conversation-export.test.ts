import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { newId } from '../../ids.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ImportDocument,
  importDocumentSchema,
  planImport,
  toExportDocument,
  toMarkdown,
  zipStream,
} from './conversation-export.js';
import type { ConversationRow } from './conversations.repository.js';
import type { MessageRow } from './messages.repository.js';

const schema = importDocumentSchema({ maxMessages: 10, maxContentChars: 1_000 });

const conversation = (extra: Partial<ConversationRow> = {}): ConversationRow => ({
  id: newId('conv'),
  tenant_id: newId('ten'),
  user_id: newId('usr'),
  title: 'Kyoto',
  title_source: 'user',
  model: 'local',
  system_prompt: 'Be brief.',
  params: { temperature: 0.2 },
  knowledge_base_ids: [],
  pinned: true,
  archived_at: null,
  deleted_at: null,
  active_leaf_id: null,
  search_terms: 'kyoto',
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: new Date('2026-01-02T00:00:00Z'),
  ...extra,
});

let clock = Date.parse('2026-01-01T10:00:00Z');
const tick = () => {
  clock += 1000;
  return clock;
};
const message = (
  conversationId: string,
  parent: string | null,
  role: MessageRow['role'],
  content: string,
  extra: Partial<MessageRow> = {},
): MessageRow => ({
  id: newId('msg'),
  tenant_id: 'ten_x',
  conversation_id: conversationId,
  parent_id: parent,
  role,
  content,
  status: 'completed',
  error: null,
  model: role === 'assistant' ? 'local' : null,
  usage: role === 'assistant' ? { input_tokens: 5, output_tokens: 7 } : null,
  context: null,
  citations: null,
  feedback_rating: null,
  feedback_comment: null,
  feedback_at: null,
  search_terms: '',
  created_at: new Date(tick()),
  updated_at: new Date(clock),
  ...extra,
});

/** u → a → (u2 → a2 | u2' → a3), active leaf a3. */
function tree() {
  const c = conversation();
  const u = message(c.id, null, 'user', 'Hello');
  const a = message(c.id, u.id, 'assistant', 'Hi', {
    feedback_rating: 1,
    feedback_comment: 'good',
    feedback_at: new Date(),
  });
  const u2 = message(c.id, a.id, 'user', 'Kyoto?');
  const a2 = message(c.id, u2.id, 'assistant', 'Temples.');
  const u3 = message(c.id, a.id, 'user', 'Osaka?');
  const a3 = message(c.id, u3.id, 'assistant', 'Food.', { status: 'cancelled' });
  return { conversation: { ...c, active_leaf_id: a3.id }, messages: [u, a, u2, a2, u3, a3] };
}

describe('toExportDocument', () => {
  it('is tagged with format and version, holds every branch, and parses as an import', () => {
    const { conversation: c, messages } = tree();
    const doc = toExportDocument(c, messages);
    expect(doc).toMatchObject({
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      conversation: { id: c.id, active_leaf_id: c.active_leaf_id, pinned: true },
    });
    expect(doc.messages.map((m) => m.content)).toEqual([
      'Hello',
      'Hi',
      'Kyoto?',
      'Temples.',
      'Osaka?',
      'Food.',
    ]);
    expect(doc.messages[1]!.feedback).toMatchObject({ rating: 'up', comment: 'good' });
    // Through JSON and back, exactly what an upload would be.
    const parsed = schema.parse(JSON.parse(JSON.stringify(doc)));
    const plan = planImport(parsed, 10);
    expect(plan.ok).toBe(true);
  });
});

describe('planImport', () => {
  const base = (): ImportDocument =>
    schema.parse({
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      conversation: { model: 'local', active_leaf_id: 'b2' },
      messages: [
        { id: 'root', parent_id: null, role: 'user', content: 'q', created_at: '2026-01-01T00:00:01Z' },
        {
          id: 'b2',
          parent_id: 'root',
          role: 'assistant',
          content: 'second',
          created_at: '2026-01-01T00:00:03Z',
        },
        {
          id: 'b1',
          parent_id: 'root',
          role: 'assistant',
          content: 'first',
          created_at: '2026-01-01T00:00:02Z',
        },
      ],
    });

  it('gives new ids, keeps parents before children and siblings in creation order, and maps the leaf', () => {
    const plan = planImport(base(), 10);
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    expect(plan.conversationId).toMatch(/^conv_/);
    const [root, ...children] = plan.messages;
    expect(root!.parentId).toBeNull();
    for (const child of children) expect(child.parentId).toBe(root!.id);
    const first = plan.messages.find((m) => m.content === 'first')!;
    const second = plan.messages.find((m) => m.content === 'second')!;
    // Ids sort like creation times, so sibling order survives even with equal timestamps later on.
    expect(first.id < second.id).toBe(true);
    expect(plan.activeLeafId).toBe(second.id);
    expect(plan.messages.every((m) => m.conversationId === plan.conversationId)).toBe(true);
  });

  it.each<[string, (d: ImportDocument) => void, string]>([
    ['a missing parent', (d) => (d.messages[1]!.parent_id = 'ghost'), 'messages.1.parent_id'],
    ['a self-parent', (d) => (d.messages[0]!.parent_id = 'root'), 'messages.0.parent_id'],
    ['a duplicate id', (d) => (d.messages[2]!.id = 'b2'), 'messages.2.id'],
    [
      'a two-message cycle',
      (d) => {
        d.messages[0]!.parent_id = 'b1';
      },
      'messages.0.parent_id',
    ],
    [
      'an unknown active leaf',
      (d) => (d.conversation.active_leaf_id = 'nope'),
      'conversation.active_leaf_id',
    ],
  ])('refuses %s, naming the path', (_case, change, path) => {
    const doc = base();
    change(doc);
    const plan = planImport(doc, 10);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.issues.map((i) => i.path)).toContain(path);
  });

  it('refuses more messages than the limit', () => {
    const plan = planImport(base(), 2);
    expect(plan).toMatchObject({ ok: false, issues: [{ path: 'messages', issue: 'too_big' }] });
  });

  it('turns a message exported mid-stream into a cancelled one', () => {
    const doc = base();
    doc.messages[1]!.status = 'streaming';
    const plan = planImport(doc, 10);
    expect(plan.ok && plan.messages.find((m) => m.content === 'second')!.status).toBe('cancelled');
  });

  it.each([
    ['no format', { version: 1, conversation: { model: 'm' }, messages: [] }, 'format'],
    [
      'version 2',
      { format: EXPORT_FORMAT, version: 2, conversation: { model: 'm' }, messages: [] },
      'version',
    ],
    [
      'messages not an array',
      { format: EXPORT_FORMAT, version: 1, conversation: { model: 'm' }, messages: {} },
      'messages',
    ],
    [
      'content over the limit',
      {
        format: EXPORT_FORMAT,
        version: 1,
        conversation: { model: 'm' },
        messages: [{ id: 'a', parent_id: null, role: 'user', content: 'x'.repeat(1_001) }],
      },
      'messages.0.content',
    ],
    [
      'a bad knowledge base id',
      {
        format: EXPORT_FORMAT,
        version: 1,
        conversation: { model: 'm', knowledge_base_ids: ['kb_1'] },
        messages: [],
      },
      'conversation.knowledge_base_ids.0',
    ],
    [
      'eleven messages',
      {
        format: EXPORT_FORMAT,
        version: 1,
        conversation: { model: 'm' },
        messages: Array.from({ length: 11 }, (_, i) => ({
          id: `m${i}`,
          parent_id: null,
          role: 'user',
          content: '',
        })),
      },
      'messages',
    ],
  ])('the schema refuses %s at its path', (_case, input, path) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('toMarkdown', () => {
  it('renders the branch with headings, the model, non-completed statuses and feedback', () => {
    const { conversation: c, messages } = tree();
    const [u, a, , , u3, a3] = messages;
    const md = toMarkdown(c, [u!, a!, u3!, a3!]);
    expect(md).toBe(
      [
        '# Kyoto',
        '',
        `- Conversation: \`${c.id}\``,
        '- Model: `local`',
        '- Created: 2026-01-01T00:00:00.000Z',
        '- Updated: 2026-01-02T00:00:00.000Z',
        '',
        '## System prompt',
        '',
        'Be brief.',
        '',
        '## User',
        '',
        'Hello',
        '',
        '## Assistant (`local`)',
        '',
        'Hi',
        '',
        '> Feedback: 👍 good',
        '',
        '## User',
        '',
        'Osaka?',
        '',
        '## Assistant (`local`, *cancelled*)',
        '',
        'Food.',
        '',
      ].join('\n'),
    );
  });

  it('names an untitled conversation and marks an empty message', () => {
    const c = conversation({ title: '', system_prompt: null });
    const md = toMarkdown(c, [message(c.id, null, 'user', '   ')]);
    expect(md.startsWith('# Untitled conversation\n')).toBe(true);
    expect(md).toContain('## User\n\n*(empty)*\n');
    expect(md).not.toContain('System prompt');
  });
});

describe('zipStream', () => {
  it('produces a zip that unpacks to the same files, Chinese included', async () => {
    async function* files() {
      yield { name: 'a.json', content: '{"x":1}' };
      yield { name: 'b.md', content: '# 机器学习\n' };
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of zipStream(files())) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    const unpacked = unzipSync(new Uint8Array(Buffer.concat(chunks)));
    expect(Object.keys(unpacked)).toEqual(['a.json', 'b.md']);
    expect(strFromU8(unpacked['b.md']!)).toBe('# 机器学习\n');
  });
});

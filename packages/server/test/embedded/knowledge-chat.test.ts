import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { LOCAL_LABEL } from '../../src/providers/llm/local.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';

/**
 * Chat grounded in knowledge bases, through the real app and offline: a conversation with knowledge bases
 * retrieves for every turn, the `local` provider answers from the retrieved chunks, and the saved reply
 * carries numbered citations mapped to chunk, document and location.
 */

let t: TestApp;
let alice: Session;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
async function ok(method: Method, url: string, payload?: unknown, status = 200, session = alice) {
  const response = await t.app.inject({
    method,
    url,
    headers: session.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  expect(response.statusCode, response.body).toBe(status);
  return response.body === '' ? undefined : response.json();
}

async function readyKnowledgeBase(name: string, documents: Array<{ title: string; text: string }>) {
  const kb = await ok('POST', '/v1/knowledge-bases', { name }, 201);
  for (const doc of documents) await ok('POST', `/v1/knowledge-bases/${kb.id}/documents`, doc, 202);
  await t.container.services.knowledge.waitForIdle(alice.tenantId, kb.id, { timeoutMs: 60_000 });
  return kb.id as string;
}

let handbook: string;
let travel: string;

beforeAll(async () => {
  t = await createTestApp({ env: { LOCAL_MODEL_WORDS_PER_S: '0', KB_INGEST_POLL_MS: '100' } });
  alice = await registerUser(t.app);
  handbook = await readyKnowledgeBase('Handbook', [
    {
      title: 'Holidays',
      text: 'Every employee gets twenty-five days of paid holiday a year.\n\nUnused holiday days expire in March.',
    },
    { title: 'Expenses', text: 'Submit travel expenses within thirty days, with receipts attached.' },
  ]);
  travel = await readyKnowledgeBase('Travel', [
    { title: '出差', text: '出差前需要经理批准。火车票可以报销二等座。' },
  ]);
});

afterAll(async () => {
  await t?.close();
});

describe('chat with knowledge bases', () => {
  it('answers from the retrieved chunks and saves citations mapped to chunk, document and location', async () => {
    const conversation = await ok(
      'POST',
      '/v1/conversations',
      { model: 'local', knowledge_base_ids: [handbook, travel] },
      201,
    );
    const body = await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'How many days of paid holiday does an employee get?' },
      201,
    );
    const reply = body.assistant_message;
    expect(reply.content.startsWith(LOCAL_LABEL)).toBe(true);
    expect(reply.content).toMatch(/twenty-five days of paid holiday a year\. \[\d\]/u);
    const cited = Number(/holiday a year\. \[(\d)\]/u.exec(reply.content)?.[1]);
    const citation = reply.citations.find((c: { index: number }) => c.index === cited);
    expect(citation).toMatchObject({
      knowledge_base_id: handbook,
      document_title: 'Holidays',
      start: expect.any(Number),
      end: expect.any(Number),
      quote: expect.stringContaining('twenty-five days'),
    });
    expect(citation.chunk_id).toMatch(/^\w+/u);
    expect(citation.document_id).toMatch(/^doc_/u);
    expect(reply.context.sources).toBe(reply.citations.length);
    // The citations are saved: the message read back has them.
    const saved = await ok('GET', `/v1/conversations/${conversation.id}/messages/${reply.id}`);
    expect(saved.citations).toEqual(reply.citations);
  });

  it('retrieves per turn: a Chinese question is answered from the Chinese knowledge base', async () => {
    const conversation = await ok(
      'POST',
      '/v1/conversations',
      { model: 'local', knowledge_base_ids: [handbook, travel] },
      201,
    );
    await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'When do holidays expire?' },
      201,
    );
    const second = await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      { content: '出差前需要谁批准？' },
      201,
    );
    expect(second.assistant_message.content).toMatch(/出差前需要经理批准。 \[\d\]/u);
    expect(
      second.assistant_message.citations.some(
        (c: { knowledge_base_id: string }) => c.knowledge_base_id === travel,
      ),
    ).toBe(true);
  });

  it('regenerates with sources retrieved for the same question', async () => {
    const conversation = await ok(
      'POST',
      '/v1/conversations',
      { model: 'local', knowledge_base_ids: [handbook] },
      201,
    );
    const first = await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'Within how many days must travel expenses be submitted?' },
      201,
    );
    const again = await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages/${first.assistant_message.id}/regenerate`,
      {},
      201,
    );
    expect(again.assistant_message.content).toContain('Submit travel expenses within thirty days');
    expect(again.assistant_message.citations.length).toBeGreaterThan(0);
  });

  it('sends no sources and saves no citations for a conversation without knowledge bases', async () => {
    const conversation = await ok('POST', '/v1/conversations', { model: 'local' }, 201);
    const body = await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'How many days of paid holiday does an employee get?' },
      201,
    );
    expect(body.assistant_message.citations).toBeNull();
    expect(body.assistant_message.content).toContain('offline local provider');
  });

  it('skips a knowledge base deleted after the conversation was made', async () => {
    const doomed = await readyKnowledgeBase('Doomed', [
      { title: 'Moon', text: 'The moon orbits the earth.' },
    ]);
    const conversation = await ok(
      'POST',
      '/v1/conversations',
      { model: 'local', knowledge_base_ids: [doomed, handbook] },
      201,
    );
    await ok('DELETE', `/v1/knowledge-bases/${doomed}`, undefined, 204);
    const body = await ok(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      { content: 'What does the moon orbit? And when do holidays expire?' },
      201,
    );
    expect(body.assistant_message.content).not.toContain('moon orbits');
    expect(body.assistant_message.content).toContain('expire in March');
  });

  it('refuses knowledge bases the tenant does not have when a conversation is made or changed', async () => {
    const bob = await registerUser(t.app);
    const foreign = await ok('POST', '/v1/knowledge-bases', { name: 'Bob' }, 201, bob);
    for (const ids of [[foreign.id], [newId('kb')]]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/conversations',
        headers: alice.auth,
        payload: { model: 'local', knowledge_base_ids: ids },
      });
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error.code).toBe('knowledge_base_not_found');
    }
    const mine = await ok('POST', '/v1/conversations', { model: 'local' }, 201);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${mine.id}`,
      headers: alice.auth,
      payload: { knowledge_base_ids: [foreign.id] },
    });
    expect(patch.statusCode, patch.body).toBe(404);
    expect((await ok('GET', `/v1/conversations/${mine.id}`)).knowledge_base_ids).toEqual([]);
  });
});

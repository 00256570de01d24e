import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_LABEL } from '../../src/providers/llm/local.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { openEventStream, type ReceivedEvent, readUntil } from '../support/sse-client.js';

/**
 * Generation in conversations through a real listening Nexus (SSE needs a real socket), embedded
 * (PGlite, in-process cache and event log): the offline `local` model for complete replies, and the fake
 * OpenAI upstream for replies that stall, break off or run long. A second app on the same database, with
 * its own (empty) event log, stands in for an instance that never saw the reply's events.
 */

let database: Awaited<ReturnType<typeof openMemoryDatabase>>;
let upstream: FakeOpenAI;
let t: TestApp;
let other: TestApp;
let url: string;
let otherUrl: string;
let alice: Session;
let bob: Session;

/** Stalls after two words: the reply stays `streaming` until cancelled. */
const STALL = 'stall-model';
/** Drops the connection after three words. */
const BROKEN = 'broken-model';
/** Twenty words at 40 a second: still running when a client leaves after the first. */
const PACED = 'paced-model';
const PACED_TEXT = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');

beforeAll(async () => {
  upstream = await FakeOpenAI.start();
  upstream.on(STALL, { text: 'one two three four five', stallAfter: 2 });
  upstream.on(BROKEN, { text: 'alpha beta gamma delta epsilon', disconnectAfter: 3 });
  upstream.on(PACED, { text: PACED_TEXT, tokensPerSecond: 40 });
  database = await openMemoryDatabase();
  const env = {
    LOCAL_MODEL_WORDS_PER_S: '0',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    REPLY_FLUSH_MS: '50',
  };
  t = await createTestApp({ env, database });
  other = await createTestApp({ env, database });
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  otherUrl = await other.app.listen({ port: 0, host: '127.0.0.1' });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});

afterAll(async () => {
  await other?.close();
  await t?.close();
  await database?.close();
  await upstream?.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
async function call(method: Method, path: string, payload?: unknown, session = alice) {
  return t.app.inject({
    method,
    url: path,
    headers: session.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function ok(method: Method, path: string, payload?: unknown, status = 200, session = alice) {
  const response = await call(method, path, payload, session);
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

async function conversation(model = 'local', extra: Record<string, unknown> = {}): Promise<string> {
  return (await ok('POST', '/v1/conversations', { model, ...extra }, 201)).id as string;
}

function post(conversationId: string, body: Record<string, unknown>, session = alice, base = url) {
  return openEventStream(`${base}/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: session.auth,
    body: { stream: true, ...body },
  });
}

function resume(
  conversationId: string,
  messageId: string,
  lastEventId?: string,
  options: { base?: string; query?: boolean; session?: Session } = {},
) {
  const path = `/v1/conversations/${conversationId}/messages/${messageId}/stream`;
  const query = lastEventId !== undefined && options.query ? `?last_event_id=${lastEventId}` : '';
  const headers: Record<string, string> = { ...(options.session ?? alice).auth };
  if (lastEventId !== undefined && !options.query) headers['last-event-id'] = lastEventId;
  return openEventStream(`${options.base ?? url}${path}${query}`, { headers });
}

const message = (conversationId: string, id: string) =>
  ok('GET', `/v1/conversations/${conversationId}/messages/${id}`);
const textOf = (events: ReceivedEvent[]) =>
  events
    .filter((e) => e.event === 'response.output_text.delta')
    .map((e) => e.json.delta)
    .join('');

describe('POST /v1/conversations/:id/messages with stream: true', () => {
  it('streams message.created, deltas, usage and the saved message, every event with an increasing id', async () => {
    const id = await conversation('local', {
      system_prompt: 'Nexus streams replies. Nexus saves every reply.',
    });
    const res = await post(id, { content: 'What does Nexus save?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readUntil(res.events);
    expect(events.map((e) => e.event)).toEqual([
      'message.created',
      ...events.slice(1, -2).map(() => 'response.output_text.delta'),
      'response.usage',
      'response.completed',
    ]);
    expect(events.length).toBeGreaterThan(3);
    // Every event has an id, increasing; the `type` in data is the SSE event name.
    const ids = events.map((e) => Number(e.id));
    expect(ids.every((n, i) => Number.isInteger(n) && (i === 0 || n > ids[i - 1]!))).toBe(true);
    expect(events.every((e) => e.json.type === e.event)).toBe(true);

    const created = events[0]!.json;
    expect(created).toMatchObject({ conversation_id: id, model: 'local' });
    const completed = events.at(-1)!.json.message as Record<string, unknown>;
    expect(completed).toMatchObject({
      id: created.assistant_message_id,
      parent_id: created.user_message_id,
      role: 'assistant',
      status: 'completed',
      error: null,
      model: 'local',
    });
    expect(completed.content).toBe(textOf(events));
    expect(completed.content).toContain('Nexus saves every reply');
    const usage = events.at(-2)!.json.usage as Record<string, number>;
    expect(completed.usage).toEqual({ input_tokens: usage.input_tokens, output_tokens: usage.output_tokens });
    expect(usage.total_tokens).toBe(usage.input_tokens! + usage.output_tokens!);
    expect(completed.context).toMatchObject({
      included_count: 1,
      included_message_ids: [created.user_message_id],
      dropped_count: 0,
      system_prompt: true,
      context_window: 128_000,
    });

    // Saved as the REST API shows it, on the active branch.
    expect(await message(id, String(completed.id))).toEqual(completed);
    const list = await ok('GET', `/v1/conversations/${id}/messages`);
    expect(list.data.map((m: { id: string }) => m.id)).toEqual([created.user_message_id, completed.id]);
    expect((await ok('GET', `/v1/conversations/${id}`)).active_leaf_id).toBe(completed.id);
  });

  it('names the conversation after the first exchange, in the background, once', async () => {
    const id = await conversation();
    await readUntil((await post(id, { content: 'How do I bake sourdough bread?' })).events);
    await t.container.services.replies.titlesSettled();
    const named = await ok('GET', `/v1/conversations/${id}`);
    expect(named).toMatchObject({ title: 'How do I bake sourdough bread', title_source: 'auto' });
    // A later reply does not rename it; a user's title is never overwritten.
    await ok('PATCH', `/v1/conversations/${id}`, { title: 'Bread' });
    await readUntil((await post(id, { content: 'And rye bread?' })).events);
    await t.container.services.replies.titlesSettled();
    expect((await ok('GET', `/v1/conversations/${id}`)).title).toBe('Bread');
  });

  it('answers errors before the stream as JSON: 404, 400 and context_length_exceeded with nothing saved', async () => {
    const id = await conversation();
    const foreign = await post(id, { content: 'hi' }, bob);
    expect(foreign.status).toBe(404);
    const empty = await post(id, { content: '' });
    expect(empty.status).toBe(400);
    expect((empty.body as { error: { code: string } }).error.code).toBe('validation_failed');
    const tooLong = await post(id, { content: 'word '.repeat(300), params: { max_tokens: 127_800 } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({
      error: { code: 'context_length_exceeded', details: { limit: 128_000, output_reserve: 127_800 } },
    });
    expect((await ok('GET', `/v1/conversations/${id}/messages`)).data).toEqual([]);
    expect((await ok('GET', `/v1/conversations/${id}`)).active_leaf_id).toBeNull();
  });
});

describe('POST /v1/conversations/:id/messages without streaming', () => {
  it('waits and answers the saved user and assistant messages', async () => {
    const id = await conversation();
    const body = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'Hello there' }, 201);
    expect(body.user_message).toMatchObject({
      role: 'user',
      content: 'Hello there',
      status: 'completed',
      parent_id: null,
    });
    expect(body.assistant_message).toMatchObject({
      role: 'assistant',
      status: 'completed',
      parent_id: body.user_message.id,
      model: 'local',
    });
    expect(body.assistant_message.content.startsWith(LOCAL_LABEL)).toBe(true);
    expect(await message(id, body.assistant_message.id)).toEqual(body.assistant_message);
  });

  it('answers the failure with its code when the upstream breaks off, the partial reply saved as failed', async () => {
    const id = await conversation(BROKEN);
    const response = await call('POST', `/v1/conversations/${id}/messages`, { content: 'Tell me' });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    const error = response.json().error;
    expect(error.code).toBe('provider_unavailable');
    const saved = await message(id, error.details.assistant_message_id);
    expect(saved).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(saved.content).toBe('alpha beta gamma ');
  });
});

describe('a reply outlives its client', () => {
  it('goes on and is saved complete when the client goes away (continue_on_disconnect by default)', async () => {
    const id = await conversation(PACED);
    const res = await post(id, { content: 'Count' });
    const [created] = await readUntil(res.events, (e) => e.event === 'response.output_text.delta');
    res.close();
    const replyId = String(created!.json.assistant_message_id);
    await vi.waitFor(async () => expect((await message(id, replyId)).status).toBe('completed'), {
      timeout: 15_000,
      interval: 50,
    });
    expect((await message(id, replyId)).content).toBe(PACED_TEXT);
    expect(upstream.aborts.filter((r) => r.model === PACED)).toEqual([]);
  });

  it('is cancelled, the upstream call stopped and the text kept, when the client leaves with continue_on_disconnect false', async () => {
    const id = await conversation(STALL);
    const res = await post(id, { content: 'Go', continue_on_disconnect: false });
    const events = await readUntil(res.events, (e) => textOf([e]).includes('two'));
    res.close();
    const replyId = String(events[0]!.json.assistant_message_id);
    await vi.waitFor(async () => expect((await message(id, replyId)).status).toBe('cancelled'), {
      timeout: 10_000,
      interval: 50,
    });
    expect((await message(id, replyId)).content).toBe('one two ');
    await vi.waitFor(() => expect(upstream.aborts.some((r) => r.model === STALL)).toBe(true));
  });
});

describe('one reply at a time, cancel and resume', () => {
  it('refuses a second send while a reply streams (409 reply_in_progress), cancels it, then accepts one', async () => {
    const id = await conversation(STALL);
    const res = await post(id, { content: 'First' });
    const events = await readUntil(res.events, (e) => e.event === 'response.output_text.delta');
    const replyId = String(events[0]!.json.assistant_message_id);

    const second = await call('POST', `/v1/conversations/${id}/messages`, { content: 'Second' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({
      code: 'reply_in_progress',
      details: { conversation_id: id, message_id: replyId },
    });
    const regenerate = await call('POST', `/v1/conversations/${id}/messages/${replyId}/regenerate`, {});
    expect(regenerate.statusCode).toBe(409);

    // Someone else's reply is not found; a user message is not streaming.
    expect(
      (await call('POST', `/v1/conversations/${id}/messages/${replyId}/cancel`, undefined, bob)).statusCode,
    ).toBe(404);
    const userId = String(events[0]!.json.user_message_id);
    const notStreaming = await call('POST', `/v1/conversations/${id}/messages/${userId}/cancel`);
    expect(notStreaming.statusCode).toBe(409);
    expect(notStreaming.json().error.code).toBe('reply_not_streaming');

    const cancelled = await ok('POST', `/v1/conversations/${id}/messages/${replyId}/cancel`);
    expect(cancelled).toMatchObject({ id: replyId, status: 'cancelled', error: null });
    expect(cancelled.content).toMatch(/^one (two )?$/);
    const rest = await readUntil(res.events);
    expect(rest.at(-1)!.event).toBe('response.cancelled');
    expect(rest.at(-1)!.json.message).toEqual(cancelled);
    expect(textOf([...events, ...rest])).toBe(cancelled.content);
    await vi.waitFor(() =>
      expect(upstream.aborts.filter((r) => r.model === STALL).length).toBeGreaterThan(0),
    );

    const again = await call('POST', `/v1/conversations/${id}/messages/${replyId}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'reply_not_streaming',
      details: { status: 'cancelled' },
    });

    // The conversation takes a new message again (the lock was released).
    await ok('PATCH', `/v1/conversations/${id}`, { model: 'local' });
    const next = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'Third' }, 201);
    expect(next.user_message.parent_id).toBe(replyId);
  });

  it('resumes with Last-Event-ID from a middle id with exactly the rest, by header or query', async () => {
    const id = await conversation('local', {
      system_prompt: 'Resuming replays missed events. Resuming continues live.',
    });
    const full = await readUntil((await post(id, { content: 'What does resuming do?' })).events);
    const replyId = String(full[0]!.json.assistant_message_id);
    expect(full.length).toBeGreaterThan(4);
    const again = await readUntil((await resume(id, replyId)).events);
    expect(again.map((e) => [e.id, e.data])).toEqual(full.map((e) => [e.id, e.data]));
    for (const at of [0, 2, full.length - 2]) {
      const lastSeen = full[at]!.id!;
      const byHeader = await readUntil((await resume(id, replyId, lastSeen)).events);
      expect(byHeader.map((e) => e.id)).toEqual(full.slice(at + 1).map((e) => e.id));
      expect(byHeader.map((e) => e.data)).toEqual(full.slice(at + 1).map((e) => e.data));
      const byQuery = await readUntil((await resume(id, replyId, lastSeen, { query: true })).events);
      expect(byQuery.map((e) => e.id)).toEqual(full.slice(at + 1).map((e) => e.id));
    }
    // After the last event there is nothing more to send.
    expect(await readUntil((await resume(id, replyId, full.at(-1)!.id)).events)).toEqual([]);
  });

  it('resumes a live reply: the missed events, then the rest as it is generated', async () => {
    const id = await conversation(PACED);
    const first = await post(id, { content: 'Count slowly' });
    const seen = await readUntil(first.events, (e) => e.event === 'response.output_text.delta');
    first.close();
    const replyId = String(seen[0]!.json.assistant_message_id);
    const rest = await readUntil((await resume(id, replyId, seen.at(-1)!.id)).events);
    expect(rest.at(-1)!.event).toBe('response.completed');
    expect(textOf([...seen, ...rest])).toBe(PACED_TEXT);
    expect(Number(rest[0]!.id)).toBe(Number(seen.at(-1)!.id) + 1);
  });

  it('sends the final event from the database where the event log does not have the reply', async () => {
    const id = await conversation();
    const full = await readUntil((await post(id, { content: 'Hi' })).events);
    const replyId = String(full[0]!.json.assistant_message_id);
    const elsewhere = await readUntil((await resume(id, replyId, full[1]!.id, { base: otherUrl })).events);
    expect(elsewhere.map((e) => e.event)).toEqual(['response.completed']);
    expect(elsewhere[0]!.id).toBeUndefined();
    expect(elsewhere[0]!.json.message).toEqual(full.at(-1)!.json.message);
  });

  it.each([
    {
      label: 'a malformed Last-Event-ID',
      lastEventId: 'not an id',
      status: 400,
      code: 'invalid_last_event_id',
    },
    { label: 'an id this log never used', lastEventId: 'abc', status: 400, code: 'invalid_last_event_id' },
  ])('answers $label with 400 before the stream', async ({ lastEventId, status, code }) => {
    const id = await conversation();
    const done = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'Hi' }, 201);
    const res = await openEventStream(
      `${url}/v1/conversations/${id}/messages/${done.assistant_message.id}/stream`,
      { headers: { ...alice.auth, 'last-event-id': lastEventId } },
    );
    expect(res.status).toBe(status);
    expect((res.body as { error: { code: string } }).error.code).toBe(code);
  });

  it('does not stream another user’s reply, or a user message', async () => {
    const id = await conversation();
    const done = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'Hi' }, 201);
    expect((await resume(id, done.assistant_message.id, undefined, { session: bob })).status).toBe(404);
    const user = await resume(id, done.user_message.id);
    expect(user.status).toBe(400);
    expect((user.body as { error: { code: string } }).error.code).toBe('invalid_message_role');
  });
});

describe('the upstream failing mid-stream', () => {
  it('saves the reply as failed with the text so far and ends the stream with an error event', async () => {
    const id = await conversation(BROKEN);
    const events = await readUntil((await post(id, { content: 'Greek letters?' })).events);
    expect(events.at(-1)!.event).toBe('error');
    const error = events.at(-1)!.json;
    expect(error).toMatchObject({ type: 'error', code: 'provider_unavailable' });
    expect(typeof error.message).toBe('string');
    const replyId = String(events[0]!.json.assistant_message_id);
    const saved = await message(id, replyId);
    expect(saved).toMatchObject({ status: 'failed', error: { code: 'provider_unavailable' } });
    expect(saved.content).toBe(textOf(events));
    expect(saved.content).toBe('alpha beta gamma ');
    expect(error.message_state).toEqual(saved);
  });
});

describe('branches: edit and regenerate', () => {
  it('edits a user message into a sibling with its own reply, and regenerates a reply as a sibling', async () => {
    const id = await conversation();
    const first = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'First question' }, 201);
    const second = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'Second question' }, 201);
    expect(second.user_message.parent_id).toBe(first.assistant_message.id);

    // Edit the second question: a sibling of it (same parent), answered on the new branch.
    const edited = await ok(
      'PATCH',
      `/v1/conversations/${id}/messages/${second.user_message.id}`,
      { content: 'Second question, edited' },
      201,
    );
    expect(edited.user_message).toMatchObject({
      parent_id: first.assistant_message.id,
      content: 'Second question, edited',
      siblings: { ids: [second.user_message.id, edited.user_message.id], index: 1, count: 2 },
    });
    expect(edited.assistant_message).toMatchObject({
      parent_id: edited.user_message.id,
      status: 'completed',
    });
    let branch = (await ok('GET', `/v1/conversations/${id}/messages`)).data.map((m: { id: string }) => m.id);
    expect(branch).toEqual([
      first.user_message.id,
      first.assistant_message.id,
      edited.user_message.id,
      edited.assistant_message.id,
    ]);
    // The reply saw only its branch: the first exchange and the edited question.
    expect(edited.assistant_message.context.included_message_ids).toEqual([
      first.user_message.id,
      first.assistant_message.id,
      edited.user_message.id,
    ]);

    // Regenerate the reply: a sibling to the same user message, now the active leaf.
    const events = await readUntil(
      (
        await openEventStream(
          `${url}/v1/conversations/${id}/messages/${edited.assistant_message.id}/regenerate`,
          {
            method: 'POST',
            headers: alice.auth,
            body: { stream: true },
          },
        )
      ).events,
    );
    expect(events[0]!.json).toMatchObject({
      type: 'message.created',
      user_message_id: edited.user_message.id,
    });
    const regenerated = events.at(-1)!.json.message as Record<string, unknown>;
    expect(regenerated).toMatchObject({
      parent_id: edited.user_message.id,
      status: 'completed',
      siblings: { ids: [edited.assistant_message.id, regenerated.id], index: 1, count: 2 },
    });
    branch = (await ok('GET', `/v1/conversations/${id}/messages`)).data.map((m: { id: string }) => m.id);
    expect(branch.at(-1)).toBe(regenerated.id);
    expect(branch).toHaveLength(4);

    // Branching by parent_id on send, and the wrong kinds of message.
    const branched = await ok(
      'POST',
      `/v1/conversations/${id}/messages`,
      { content: 'From the first reply', parent_id: first.assistant_message.id },
      201,
    );
    expect(branched.user_message.parent_id).toBe(first.assistant_message.id);
    expect(branched.user_message.siblings.count).toBe(3);
    // parent_id null: a new root, beside the first question.
    const root = await ok(
      'POST',
      `/v1/conversations/${id}/messages`,
      { content: 'Start over', parent_id: null },
      201,
    );
    expect(root.user_message).toMatchObject({ parent_id: null, siblings: { count: 2, index: 1 } });
    expect(root.assistant_message.context.included_message_ids).toEqual([root.user_message.id]);
    const editReply = await call('PATCH', `/v1/conversations/${id}/messages/${first.assistant_message.id}`, {
      content: 'x',
    });
    expect(editReply.statusCode).toBe(400);
    expect(editReply.json().error.code).toBe('invalid_message_role');
    // Regenerating a user message answers it once more.
    const answeredAgain = await ok(
      'POST',
      `/v1/conversations/${id}/messages/${first.user_message.id}/regenerate`,
      {},
      201,
    );
    expect(answeredAgain.assistant_message.parent_id).toBe(first.user_message.id);
    expect(answeredAgain.user_message.id).toBe(first.user_message.id);
  });

  const UNKNOWN = 'msg_01jd8x3k5q9v7w2m4n6p8r0s1t';
  it.each([
    {
      label: 'regenerate',
      method: 'POST',
      path: (c: string, m: string) => `/v1/conversations/${c}/messages/${m}/regenerate`,
      body: {},
    },
    {
      label: 'edit',
      method: 'PATCH',
      path: (c: string, m: string) => `/v1/conversations/${c}/messages/${m}`,
      body: { content: 'x' },
    },
    {
      label: 'cancel',
      method: 'POST',
      path: (c: string, m: string) => `/v1/conversations/${c}/messages/${m}/cancel`,
      body: undefined,
    },
    {
      label: 'send below a message',
      method: 'POST',
      path: (c: string) => `/v1/conversations/${c}/messages`,
      body: { content: 'x' },
    },
  ] as const)(
    '$label answers 404 for another user’s conversation and for an unknown message',
    async ({ method, path, body }) => {
      const id = await conversation();
      const done = await ok('POST', `/v1/conversations/${id}/messages`, { content: 'Hi' }, 201);
      const foreign = await call(method, path(id, done.assistant_message.id), body, bob);
      expect(foreign.statusCode).toBe(404);
      const unknownBody = path(id, UNKNOWN).endsWith('/messages')
        ? { content: 'x', parent_id: UNKNOWN }
        : body;
      const unknown = await call(method, path(id, UNKNOWN), unknownBody);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
    },
  );
});

describe('replies whose generation stopped', () => {
  it('are marked failed with code interrupted by the sweeper, while a running reply is left alone', async () => {
    const db = t.container.database.db;
    // A reply left `streaming` by an instance that died: nothing holds its conversation's lock.
    const dead = await conversation();
    const done = await ok('POST', `/v1/conversations/${dead}/messages`, { content: 'Hi' }, 201);
    await sql`update messages set status = 'streaming', content = 'half', error = null,
      updated_at = now() - interval '1 hour' where id = ${done.assistant_message.id}`.execute(db);
    // A reply that is running (its lock is held), not written for as long.
    const live = await conversation(STALL);
    const res = await post(live, { content: 'Go' });
    const seen = await readUntil(res.events, (e) => textOf([e]).includes('two'));
    const liveId = String(seen[0]!.json.assistant_message_id);
    // Saved as it streams: the message and the (cached) branch show the text so far.
    await vi.waitFor(async () => expect((await message(live, liveId)).content).toBe('one two '));
    const branch = await ok('GET', `/v1/conversations/${live}/messages`);
    expect(branch.data.at(-1)).toMatchObject({ id: liveId, status: 'streaming', content: 'one two ' });
    await sql`update messages set updated_at = now() - interval '1 hour' where id = ${liveId}`.execute(db);

    await t.container.services.replies.sweep();
    expect(await message(dead, done.assistant_message.id)).toMatchObject({
      status: 'failed',
      content: 'half',
      error: { code: 'interrupted' },
    });
    expect((await message(live, liveId)).status).toBe('streaming');
    expect((await ok('POST', `/v1/conversations/${live}/messages/${liveId}/cancel`)).status).toBe(
      'cancelled',
    );
    res.close();
  });

  it('are saved as interrupted, text kept, when the server shuts down before they finish', async () => {
    const short = await createTestApp({
      env: {
        OPENAI_BASE_URL: upstream.url,
        OPENAI_API_KEY: 'sk-fake',
        GATEWAY_MAX_RETRIES: '0',
        REPLY_SHUTDOWN_GRACE_MS: '0',
      },
      database,
    });
    const shortUrl = await short.app.listen({ port: 0, host: '127.0.0.1' });
    const id = await conversation(STALL);
    const res = await post(id, { content: 'Go' }, alice, shortUrl);
    const events = await readUntil(res.events, (e) => textOf([e]).includes('two'));
    const replyId = String(events[0]!.json.assistant_message_id);
    res.close();
    await short.close();
    expect(await message(id, replyId)).toMatchObject({
      status: 'failed',
      content: 'one two ',
      error: { code: 'interrupted' },
    });
  });
});

describe('the OpenAPI document', () => {
  it('describes the reply routes', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const send = doc.paths['/v1/conversations/{id}/messages'].post;
    expect(send.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'continue_on_disconnect',
    );
    expect(Object.keys(send.responses)).toEqual(expect.arrayContaining(['200', '201', '404', '409']));
    for (const path of [
      '/v1/conversations/{id}/messages/{msgId}/regenerate',
      '/v1/conversations/{id}/messages/{msgId}/cancel',
    ])
      expect(doc.paths[path].post).toBeDefined();
    expect(doc.paths['/v1/conversations/{id}/messages/{msgId}'].patch).toBeDefined();
    expect(doc.paths['/v1/conversations/{id}/messages/{msgId}/stream'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'last_event_id', in: 'query' })]),
    );
  });
});

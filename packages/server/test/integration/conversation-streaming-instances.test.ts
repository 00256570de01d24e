import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';
import { openEventStream, type ReceivedEvent, readUntil } from '../support/sse-client.js';

/**
 * Streaming replies across instances: two Nexus apps on one PostgreSQL database and one Redis (cache,
 * locks, pub/sub and the Redis Streams event log). A reply generated on instance A is resumed from
 * instance B with Last-Event-ID, cancelled from B (which stops the upstream call on A), and guarded by
 * the shared one-reply-at-a-time lock.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const prefix = `${uniqueName('reply_instances')}:`;
let upstream: FakeOpenAI;
let a: TestApp;
let b: TestApp;
let urlA: string;
let urlB: string;
let user: Session;

const STALL = 'stall-model';
const PACED = 'paced-model';
const PACED_TEXT = Array.from({ length: 30 }, (_, i) => `token${i}`).join(' ');

beforeAll(async () => {
  database = await createTestDatabase('reply_instances');
  upstream = await FakeOpenAI.start();
  upstream.on(STALL, { text: 'one two three four', stallAfter: 2 });
  upstream.on(PACED, { text: PACED_TEXT, tokensPerSecond: 30 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOCAL_MODEL_WORDS_PER_S: '0',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    REPLY_FLUSH_MS: '50',
  };
  a = await createTestApp({ env });
  b = await createTestApp({ env });
  urlA = await a.app.listen({ port: 0, host: '127.0.0.1' });
  urlB = await b.app.listen({ port: 0, host: '127.0.0.1' });
  user = await registerUser(a.app);
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await upstream?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
});

async function conversation(model: string): Promise<string> {
  const response = await a.app.inject({
    method: 'POST',
    url: '/v1/conversations',
    headers: user.auth,
    payload: { model },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

const textOf = (events: ReceivedEvent[]) =>
  events
    .filter((e) => e.event === 'response.output_text.delta')
    .map((e) => e.json.delta)
    .join('');

function send(base: string, conversationId: string, content: string) {
  return openEventStream(`${base}/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: user.auth,
    body: { content, stream: true },
  });
}

describe('a reply generated on instance A', () => {
  it('is resumed on instance B from the Last-Event-ID of a middle event: exactly the rest, then live', async () => {
    const id = await conversation(PACED);
    const first = await send(urlA, id, 'Count');
    const seen = await readUntil(first.events, (e) => e.event === 'response.output_text.delta');
    first.close();
    const replyId = String(seen[0]!.json.assistant_message_id);
    expect(a.container.services.replies.runner.isRunning(replyId)).toBe(true);
    expect(b.container.services.replies.runner.isRunning(replyId)).toBe(false);

    const resumed = await openEventStream(`${urlB}/v1/conversations/${id}/messages/${replyId}/stream`, {
      headers: { ...user.auth, 'last-event-id': seen.at(-1)!.id! },
    });
    expect(resumed.status).toBe(200);
    const rest = await readUntil(resumed.events);
    expect(rest.at(-1)!.event).toBe('response.completed');
    expect(textOf([...seen, ...rest])).toBe(PACED_TEXT);
    expect((rest.at(-1)!.json.message as { content: string }).content).toBe(PACED_TEXT);

    // The whole log, read on B, is what A wrote: the resumed part is exactly what followed the id.
    const all = await readUntil(
      (
        await openEventStream(`${urlB}/v1/conversations/${id}/messages/${replyId}/stream`, {
          headers: user.auth,
        })
      ).events,
    );
    expect(all.slice(0, seen.length).map((e) => [e.id, e.data])).toEqual(seen.map((e) => [e.id, e.data]));
    expect(all.slice(seen.length).map((e) => [e.id, e.data])).toEqual(rest.map((e) => [e.id, e.data]));
  });

  it('is cancelled from instance B: the upstream call on A stops, the text so far is saved', async () => {
    const id = await conversation(STALL);
    const res = await send(urlA, id, 'Go');
    const events = await readUntil(res.events, (e) => textOf([e]).includes('two'));
    const replyId = String(events[0]!.json.assistant_message_id);

    // The lock is shared: B refuses a second reply in the conversation.
    const busy = await b.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/messages`,
      headers: user.auth,
      payload: { content: 'Again' },
    });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toMatchObject({ code: 'reply_in_progress', details: { message_id: replyId } });

    const cancel = await b.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/messages/${replyId}/cancel`,
      headers: user.auth,
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ id: replyId, status: 'cancelled', content: 'one two ' });

    const rest = await readUntil(res.events);
    expect(rest.at(-1)!.event).toBe('response.cancelled');
    expect(a.container.services.replies.runner.isRunning(replyId)).toBe(false);
    await vi.waitFor(() => expect(upstream.aborts.some((r) => r.model === STALL)).toBe(true));

    // The lock was released on A: B starts the next reply, and A cancels that one on B.
    const regenerated = await openEventStream(
      `${urlB}/v1/conversations/${id}/messages/${replyId}/regenerate`,
      {
        method: 'POST',
        headers: user.auth,
        body: { stream: true },
      },
    );
    expect(regenerated.status).toBe(200);
    const [created] = await readUntil(regenerated.events, (e) => e.event === 'message.created');
    const secondId = String(created!.json.assistant_message_id);
    expect(b.container.services.replies.runner.isRunning(secondId)).toBe(true);
    const cancelOnA = await a.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/messages/${secondId}/cancel`,
      headers: user.auth,
    });
    expect(cancelOnA.statusCode, cancelOnA.body).toBe(200);
    expect(cancelOnA.json()).toMatchObject({
      id: secondId,
      status: 'cancelled',
      parent_id: cancel.json().parent_id,
    });
    expect((await readUntil(regenerated.events)).at(-1)!.event).toBe('response.cancelled');
  });
});

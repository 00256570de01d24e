import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { deltaText, RealtimeClient, type RealtimeEvent, userItem } from '../support/realtime-client.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * The WebSocket channel across instances: two Nexus apps on one PostgreSQL database and one Redis (locks,
 * pub/sub and the Redis Streams event log). A reply started over a socket on instance A is resumed over a
 * socket on instance B with `response.resume`, cancelled from B, and guarded by the shared lock.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const prefix = `${uniqueName('realtime_instances')}:`;
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
  database = await createTestDatabase('realtime_instances');
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

/** A socket authenticated with an `auth` event (as a browser does) and bound to the conversation. */
async function bound(base: string, conversationId: string): Promise<RealtimeClient> {
  const client = await RealtimeClient.open(base);
  client.send({ type: 'auth', token: user.access });
  await client.next('session.created');
  client.send({ type: 'session.update', session: { conversation_id: conversationId } });
  await client.next('session.updated');
  return client;
}

const isDone = (e: RealtimeEvent) => e.type === 'response.done';
const responseOf = (e: RealtimeEvent) =>
  e.response as { id: string; status: string; output: { content: { text: string }[] }[] };

describe('a reply started over a socket on instance A', () => {
  it('is resumed over a socket on instance B from a middle event id: exactly the rest, then live', async () => {
    const id = await conversation(PACED);
    const onA = await bound(urlA, id);
    onA.send({ type: 'response.create', response: { input: [userItem('Count')] } });
    const seen = await onA.until('response.output_text.delta');
    onA.socket.terminate();
    await onA.closed;
    const replyId = responseOf(seen.find((e) => e.type === 'response.created')!).id;
    expect(a.container.services.replies.runner.isRunning(replyId)).toBe(true);
    expect(b.container.services.replies.runner.isRunning(replyId)).toBe(false);

    const onB = await bound(urlB, id);
    onB.send({ type: 'response.resume', message_id: replyId, last_event_id: seen.at(-1)!.event_id });
    const rest = await onB.until(isDone);
    expect(rest.some((e) => e.type === 'response.created')).toBe(false);
    expect(deltaText([...seen, ...rest])).toBe(PACED_TEXT);
    const done = responseOf(rest.at(-1)!);
    expect(done).toMatchObject({ id: replyId, status: 'completed' });
    expect(done.output[0]!.content[0]!.text).toBe(PACED_TEXT);

    // Read again from the start on B: the same ids and text A's socket got, then exactly `rest`.
    onB.send({ type: 'response.resume', message_id: replyId });
    const all = await onB.until(isDone);
    const ids = (events: RealtimeEvent[]) => events.map((e) => e.event_id);
    expect(ids(all.slice(0, seen.length - 1))).toEqual(ids(seen.slice(1)));
    expect(ids(all.slice(seen.length - 1))).toEqual(ids(rest));
    onB.close();
  });

  it('is cancelled over a socket on instance B; B refuses a second reply meanwhile', async () => {
    const id = await conversation(STALL);
    const onA = await bound(urlA, id);
    onA.send({ type: 'response.create', response: { input: [userItem('Go')] } });
    const seen = await onA.until((e) => deltaText([e]).includes('two'));
    const replyId = responseOf(seen.find((e) => e.type === 'response.created')!).id;

    const onB = await bound(urlB, id);
    onB.send({ type: 'response.create', response: { input: [userItem('Again')] } });
    expect(await onB.next()).toMatchObject({
      type: 'error',
      error: { code: 'reply_in_progress', details: { message_id: replyId } },
    });
    onB.send({ type: 'response.cancel', response_id: replyId });
    expect(responseOf(await onB.next(isDone))).toMatchObject({ id: replyId, status: 'cancelled' });
    // A's socket, following the reply, sees it end too.
    const onADone = responseOf(await onA.next(isDone));
    expect(onADone).toMatchObject({ id: replyId, status: 'cancelled' });
    expect(onADone.output[0]!.content[0]!.text).toBe(deltaText(seen));
    onA.close();
    onB.close();
  });
});

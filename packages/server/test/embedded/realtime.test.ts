import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LOCAL_LABEL } from '../../src/providers/llm/local.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { PASSWORD, registerUser, type Session, uniqueEmail } from '../support/identity.js';
import { deltaText, RealtimeClient, type RealtimeEvent, userItem } from '../support/realtime-client.js';

/**
 * The WebSocket channel through a real listening Nexus, embedded (PGlite, in-process cache and event
 * log): the offline `local` model for complete replies, the fake OpenAI upstream for replies that stall
 * or run long. Short REALTIME_* settings make the auth timeout, heartbeat and abuse limits quick to reach;
 * a second app on the same database has a tiny send buffer and no heartbeat, for the slow client.
 */

let database: Awaited<ReturnType<typeof openMemoryDatabase>>;
let upstream: FakeOpenAI;
let t: TestApp;
let slow: TestApp;
let url: string;
let slowUrl: string;
let alice: Session;
let bob: Session;

const STALL = 'stall-model';
const PACED = 'paced-model';
const PACED_TEXT = Array.from({ length: 24 }, (_, i) => `word${i}`).join(' ');
/**
 * About 12 MB of reply, generated as fast as the upstream can: far more than kernel socket buffers hold
 * (loopback send buffers grow to 4 MB here).
 */
const BIG = 'big-model';
const BIG_TEXT = Array.from(
  { length: 6000 },
  (_, i) => `${String(i).padStart(5, '0')}${'x'.repeat(1995)}`,
).join(' ');
const MAX_MESSAGE_BYTES = 4096;
const MAX_BUFFERED = 16_384;

beforeAll(async () => {
  upstream = await FakeOpenAI.start();
  upstream.on(STALL, { text: 'one two three four five', stallAfter: 2 });
  upstream.on(PACED, { text: PACED_TEXT, tokensPerSecond: 40 });
  upstream.on(BIG, { text: BIG_TEXT });
  database = await openMemoryDatabase();
  const env = {
    LOCAL_MODEL_WORDS_PER_S: '200',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    REPLY_FLUSH_MS: '50',
    REALTIME_AUTH_TIMEOUT_MS: '1000',
    REALTIME_PING_INTERVAL_MS: '200',
    // Generous: client and server share one event loop here, which PGlite can hold for a while.
    REALTIME_PONG_TIMEOUT_MS: '2000',
    REALTIME_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    REALTIME_MAX_ERRORS: '4',
    REALTIME_ERROR_WINDOW_MS: '60000',
  };
  t = await createTestApp({ env, database });
  slow = await createTestApp({
    env: {
      ...env,
      REALTIME_PING_INTERVAL_MS: '0',
      REALTIME_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
      REALTIME_SLOW_CLIENT_TIMEOUT_MS: '2000',
      REPLY_COALESCE_MS: '5',
    },
    database,
  });
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  slowUrl = await slow.app.listen({ port: 0, host: '127.0.0.1' });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});

afterAll(async () => {
  await slow?.close();
  await t?.close();
  await database?.close();
  await upstream?.close();
});

async function conversation(model = 'local', extra: Record<string, unknown> = {}, session = alice) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/conversations',
    headers: session.auth,
    payload: { model, ...extra },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

async function savedMessage(conversationId: string, messageId: string, session = alice, app = t) {
  const response = await app.app.inject({
    method: 'GET',
    url: `/v1/conversations/${conversationId}/messages/${messageId}`,
    headers: session.auth,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { id: string; content: string; status: string; usage: unknown };
}

/** A socket authenticated by its upgrade header and bound to `conversationId`. */
async function bound(conversationId: string, base = url, session = alice): Promise<RealtimeClient> {
  const client = await RealtimeClient.open(base, { headers: session.auth });
  await client.next('session.created');
  client.send({ type: 'session.update', session: { conversation_id: conversationId } });
  const updated = await client.next('session.updated');
  expect((updated.session as { conversation_id: string }).conversation_id).toBe(conversationId);
  return client;
}

const isDone = (e: RealtimeEvent) => e.type === 'response.done';
const responseOf = (e: RealtimeEvent) =>
  e.response as {
    id: string;
    status: string;
    output: { content: { text: string }[] }[];
    usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
  };

describe('authentication', () => {
  it('accepts an access token in the Authorization header of the upgrade request', async () => {
    const client = await RealtimeClient.open(url, { headers: alice.auth });
    const created = await client.next();
    expect(created.type).toBe('session.created');
    expect(created.event_id).toMatch(/^evt_/);
    expect(created.session).toMatchObject({ object: 'realtime.session', user_id: alice.userId });
    client.close();
  });

  it('accepts an API key in the Authorization header', async () => {
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...alice.auth, 'x-nexus-tenant': alice.tenantId },
      payload: { name: 'realtime', scopes: ['chat:read', 'chat:write'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const id = await conversation();
    const client = await RealtimeClient.open(url, {
      headers: { authorization: `Bearer ${key.json().secret}` },
    });
    expect((await client.next()).type).toBe('session.created');
    client.send({ type: 'session.update', session: { conversation_id: id } });
    expect((await client.next()).type).toBe('session.updated');
    client.close();
  });

  it.each([
    ['an auth event', (token: string) => ({ type: 'auth', token })],
    ['a session.update with a token', (token: string) => ({ type: 'session.update', session: { token } })],
  ])('accepts the token in %s as the first client event (browsers)', async (_name, event) => {
    const client = await RealtimeClient.open(url);
    client.send(event(alice.access));
    const created = await client.next();
    expect(created.type).toBe('session.created');
    expect(created.session).toMatchObject({ user_id: alice.userId });
    client.close();
  });

  it('binds the conversation in the same session.update that authenticates', async () => {
    const id = await conversation();
    const client = await RealtimeClient.open(url);
    client.send({ type: 'session.update', session: { token: alice.access, conversation_id: id } });
    expect((await client.next()).type).toBe('session.created');
    const updated = await client.next();
    expect(updated).toMatchObject({ type: 'session.updated', session: { conversation_id: id } });
    client.close();
  });

  it.each([
    ['a first event that is not auth', { type: 'ping' }, 'authentication_required'],
    ['a response.create before auth', { type: 'response.create' }, 'authentication_required'],
    ['a malformed access token', { type: 'auth', token: 'not-a-jwt' }, 'invalid_token'],
    ['an unknown API key', { type: 'auth', token: 'nx-abcdefabcdefabcdefabcdef' }, 'invalid_api_key'],
  ])('answers %s with an error event and closes 1008', async (_name, event, code) => {
    const client = await RealtimeClient.open(url);
    client.send(event);
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', error: { code } });
    expect((await client.closed).code).toBe(1008);
  });

  it('rejects a bad Authorization header with an error event and 1008', async () => {
    const client = await RealtimeClient.open(url, { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(await client.next()).toMatchObject({ type: 'error', error: { code: 'invalid_token' } });
    expect((await client.closed).code).toBe(1008);
  });

  it('closes a socket that sends no credentials within REALTIME_AUTH_TIMEOUT_MS', async () => {
    const client = await RealtimeClient.open(url);
    const error = await client.next();
    expect(error).toMatchObject({
      type: 'error',
      error: { code: 'authentication_required', details: { reason: 'timeout', timeout_ms: 1000 } },
    });
    expect((await client.closed).code).toBe(1008);
  });

  it('takes a fresh token for the same caller, and refuses another caller’s token on the session', async () => {
    const carol = await registerUser(t.app);
    const client = await RealtimeClient.open(url, { headers: carol.auth });
    await client.next('session.created');
    const relogin = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: carol.refresh },
    });
    expect(relogin.statusCode, relogin.body).toBe(200);
    client.send({ type: 'auth', token: relogin.json().access_token });
    expect(await client.next()).toMatchObject({
      type: 'session.updated',
      session: { user_id: carol.userId },
    });
    client.send({ type: 'auth', event_id: 'other', token: bob.access });
    expect(await client.next()).toMatchObject({
      type: 'error',
      error: { code: 'principal_mismatch', event_id: 'other' },
    });
    client.send({ type: 'ping' });
    expect((await client.next()).type).toBe('pong');
    client.close();
  });

  it('checks the credentials on every event: a logged-out session stops working until a fresh auth', async () => {
    const email = uniqueEmail('dave');
    const dave = await registerUser(t.app, email);
    const id = await conversation('local', {}, dave);
    const client = await RealtimeClient.open(url);
    client.send({ type: 'auth', token: dave.access });
    await client.next('session.created');
    const logout = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: dave.auth });
    expect(logout.statusCode, logout.body).toBeLessThan(300);
    client.send({ type: 'session.update', event_id: 'u1', session: { conversation_id: id } });
    expect(await client.next()).toMatchObject({
      type: 'error',
      error: { code: 'session_revoked', event_id: 'u1' },
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    client.send({ type: 'auth', token: login.json().access_token });
    expect((await client.next()).type).toBe('session.updated');
    client.send({ type: 'session.update', session: { conversation_id: id } });
    expect(await client.next()).toMatchObject({ type: 'session.updated', session: { conversation_id: id } });
    client.close();
  });

  it("answers another user's conversation with not_found, and stays open", async () => {
    const bobs = await conversation('local', {}, bob);
    const client = await RealtimeClient.open(url, { headers: alice.auth });
    await client.next('session.created');
    client.send({ type: 'session.update', event_id: 'c1', session: { conversation_id: bobs } });
    expect(await client.next()).toMatchObject({
      type: 'error',
      error: { code: 'not_found', event_id: 'c1' },
    });
    client.send({
      type: 'response.resume',
      message_id: 'msg_01jabcdefghjkmnpqrstvwxyz0',
      conversation_id: bobs,
    });
    expect(await client.next()).toMatchObject({ type: 'error', error: { code: 'not_found' } });
    client.send({ type: 'ping' });
    expect((await client.next()).type).toBe('pong');
    client.close();
  });
});

describe('a reply over the channel', () => {
  it('streams conversation.item.created, response.created, deltas and response.done; saved content equals the deltas', async () => {
    const id = await conversation('local', {
      system_prompt: 'Nexus streams replies over WebSockets. Nexus saves every reply.',
    });
    const client = await bound(id);
    client.send({ type: 'conversation.item.create', item: userItem('What does Nexus save?') });
    // The message is saved at once (the active leaf), before any response.create.
    const itemCreated = await client.next();
    expect(itemCreated).toMatchObject({ type: 'conversation.item.created', previous_item_id: null });
    const item = itemCreated.item as { id: string; role: string; content: { text: string }[] };
    expect(item).toMatchObject({
      role: 'user',
      content: [{ type: 'input_text', text: 'What does Nexus save?' }],
    });
    expect(await savedMessage(id, item.id)).toMatchObject({ content: 'What does Nexus save?' });
    const before = await t.app.inject({ method: 'GET', url: `/v1/conversations/${id}`, headers: alice.auth });
    expect(before.json().active_leaf_id).toBe(item.id);

    client.send({ type: 'response.create', event_id: 'go' });
    const events = await client.until(isDone);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      ...events.slice(1, -1).map(() => 'response.output_text.delta'),
      'response.done',
    ]);
    expect(events.length).toBeGreaterThan(3);
    const created = events[0]!.response as { id: string; user_message_id: string };
    expect(created.user_message_id).toBe(item.id);

    // Reply events carry the event log's ids, increasing: what response.resume takes.
    const logIds = events.map((e) => Number(e.event_id));
    expect(logIds.every((n, i) => Number.isInteger(n) && (i === 0 || n > logIds[i - 1]!))).toBe(true);

    const text = deltaText(events);
    expect(text.startsWith(LOCAL_LABEL)).toBe(true);
    expect(text).toContain('Nexus saves every reply.');
    const done = responseOf(events.at(-1)!);
    expect(done).toMatchObject({ id: created.id, status: 'completed' });
    expect(done.output[0]!.content[0]!.text).toBe(text);
    expect(done.usage!.output_tokens).toBeGreaterThan(0);
    expect(done.usage!.total_tokens).toBe(done.usage!.input_tokens + done.usage!.output_tokens);
    expect(events.at(-1)!.message).toMatchObject({ id: created.id, status: 'completed', content: text });
    const saved = await savedMessage(id, created.id);
    expect(saved).toMatchObject({ status: 'completed', content: text });
    client.close();
  });

  it('sends a message and gets its reply with one response.create carrying response.input', async () => {
    const id = await conversation('local', { system_prompt: 'The sky is blue at noon.' });
    const client = await bound(id);
    client.send({ type: 'response.create', response: { input: [userItem('What colour is the sky?')] } });
    const events = await client.until(isDone);
    expect(events[0]).toMatchObject({
      type: 'conversation.item.created',
      previous_item_id: null,
      item: { role: 'user', content: [{ text: 'What colour is the sky?' }] },
    });
    expect(deltaText(events)).toContain('The sky is blue at noon.');
    expect(responseOf(events.at(-1)!).status).toBe('completed');

    // Without input, response.create answers the latest user message again (the active leaf is the reply).
    const first = (events[1]!.response as { id: string }).id;
    client.send({ type: 'response.create' });
    const again = await client.until(isDone);
    expect(again[0]!.type).toBe('response.created');
    const second = responseOf(again.at(-1)!);
    expect(second.status).toBe('completed');
    expect(second.id).not.toBe(first);
    expect(deltaText(again)).toBe(deltaText(events));
    client.close();
  });

  it('branches from previous_item_id', async () => {
    const id = await conversation('local');
    const client = await bound(id);
    client.send({ type: 'response.create', response: { input: [userItem('first')] } });
    const first = await client.until(isDone);
    const rootId = (first[0]!.item as { id: string }).id;
    client.send({ type: 'conversation.item.create', previous_item_id: null, item: userItem('another root') });
    client.send({ type: 'response.create' });
    const second = await client.until(isDone);
    expect(second[0]).toMatchObject({ type: 'conversation.item.created', previous_item_id: null });
    expect((second[0]!.item as { id: string }).id).not.toBe(rootId);
    client.close();
  });

  it('cancels the reply with response.cancel: response.done cancelled, text so far saved', async () => {
    const id = await conversation(STALL);
    const client = await bound(id);
    client.send({ type: 'response.create', response: { input: [userItem('Go')] } });
    const seen = await client.until((e) => deltaText([e]).includes('two'));
    const replyId = (seen.find((e) => e.type === 'response.created')!.response as { id: string }).id;
    client.send({ type: 'response.cancel' });
    const rest = await client.until(isDone);
    const done = responseOf(rest.at(-1)!);
    expect(done).toMatchObject({ id: replyId, status: 'cancelled' });
    const text = deltaText([...seen, ...rest]);
    expect(done.output[0]!.content[0]!.text).toBe(text);
    expect(await savedMessage(id, replyId)).toMatchObject({ status: 'cancelled', content: text });

    // Nothing runs now: a second cancel names that.
    client.send({ type: 'response.cancel', event_id: 'again' });
    // The next event is that error: the cancelled reply had exactly one response.done.
    expect(await client.next()).toMatchObject({
      error: { code: 'reply_not_streaming', event_id: 'again' },
    });
    client.close();
  });

  it('answers a second reply in the same conversation with reply_in_progress', async () => {
    const id = await conversation(STALL);
    const first = await bound(id);
    first.send({ type: 'response.create', response: { input: [userItem('Go')] } });
    const created = await first.next('response.created');
    // Another socket: the service's one-reply-at-a-time lock.
    const second = await bound(id);
    second.send({ type: 'response.create', event_id: 'x', response: { input: [userItem('Again')] } });
    expect(await second.next()).toMatchObject({
      type: 'error',
      error: {
        code: 'reply_in_progress',
        event_id: 'x',
        details: { message_id: (created.response as { id: string }).id },
      },
    });
    // Adding a message while the reply runs is refused the same way, and saves nothing.
    second.send({ type: 'conversation.item.create', event_id: 'y', item: userItem('Meanwhile') });
    expect(await second.next()).toMatchObject({
      type: 'error',
      error: { code: 'reply_in_progress', event_id: 'y' },
    });
    // The same socket: it is delivering a response already.
    first.send({ type: 'response.create', response: { input: [userItem('Again')] } });
    expect(await first.next('error')).toMatchObject({ error: { code: 'reply_in_progress' } });
    first.send({ type: 'response.cancel' });
    expect(responseOf(await first.next(isDone)).status).toBe('cancelled');
    first.close();
    second.close();
  });

  it('resumes after a reconnect from a middle event id: exactly the rest, then live', async () => {
    const id = await conversation(PACED);
    const first = await bound(id);
    first.send({ type: 'response.create', response: { input: [userItem('Count')] } });
    const seen = await first.until('response.output_text.delta');
    first.socket.terminate();
    await first.closed;
    const created = seen.find((e) => e.type === 'response.created')!;
    const replyId = (created.response as { id: string }).id;
    const lastId = seen.at(-1)!.event_id;

    const second = await bound(id);
    second.send({ type: 'response.resume', message_id: replyId, last_event_id: lastId });
    const rest = await second.until(isDone);
    expect(rest.some((e) => e.type === 'response.created')).toBe(false);
    expect(Number(rest[0]!.event_id)).toBeGreaterThan(Number(lastId));
    expect(deltaText([...seen, ...rest])).toBe(PACED_TEXT);
    expect(responseOf(rest.at(-1)!).status).toBe('completed');
    expect(await savedMessage(id, replyId)).toMatchObject({ status: 'completed', content: PACED_TEXT });

    // From the start (no id), the whole reply: its events are the same ids and data on every reader.
    second.send({ type: 'response.resume', message_id: replyId });
    const all = await second.until(isDone);
    expect(all[0]!.type).toBe('response.created');
    expect(all.slice(0, seen.length - 1).map((e) => e.event_id)).toEqual(
      seen.slice(1).map((e) => e.event_id),
    );
    expect(deltaText(all)).toBe(PACED_TEXT);
    second.close();
  });

  it('keeps generating when the client leaves (the default), and cancels with continue_on_disconnect: false', async () => {
    const kept = await conversation(STALL);
    const a = await bound(kept);
    a.send({ type: 'response.create', response: { input: [userItem('Go')] } });
    const keptId = ((await a.next('response.created')).response as { id: string }).id;
    await a.next('response.output_text.delta');
    a.socket.terminate();

    const dropped = await conversation(STALL);
    const b = await bound(dropped);
    b.send({ type: 'response.create', response: { input: [userItem('Go')], continue_on_disconnect: false } });
    const droppedId = ((await b.next('response.created')).response as { id: string }).id;
    await b.next('response.output_text.delta');
    b.socket.terminate();

    await expect
      .poll(async () => (await savedMessage(dropped, droppedId)).status, { timeout: 15_000 })
      .toBe('cancelled');
    expect((await savedMessage(kept, keptId)).status).toBe('streaming');
    const c = await bound(kept);
    c.send({ type: 'response.cancel', response_id: keptId });
    const done = await c.next(isDone);
    expect(responseOf(done)).toMatchObject({ id: keptId, status: 'cancelled' });
    // The saved message as the HTTP API answers it.
    expect(done.message).toEqual(await savedMessage(kept, keptId));
    c.close();
  });
});

describe('bad frames', () => {
  const cases: [string, string | Buffer, boolean, string, string][] = [
    ['not JSON', '{"type":', false, 'invalid_json', 'not JSON'],
    ['a JSON array', '[1,2]', false, 'validation_failed', 'JSON object'],
    ['no type', '{"event_id":"e"}', false, 'validation_failed', '"type"'],
    [
      'an unknown type',
      '{"type":"input_audio_buffer.append"}',
      false,
      'unknown_event',
      'input_audio_buffer.append',
    ],
    [
      'a field of the wrong type',
      '{"type":"response.cancel","response_id":42}',
      false,
      'validation_failed',
      'response_id',
    ],
    ['an unknown field', '{"type":"ping","extra":1}', false, 'validation_failed', 'extra'],
    [
      'an assistant item',
      JSON.stringify({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'assistant', content: [{ type: 'input_text', text: 'x' }] },
      }),
      false,
      'validation_failed',
      'item.role',
    ],
    [
      'an empty message',
      JSON.stringify({ type: 'conversation.item.create', item: userItem('  ') }),
      false,
      'validation_failed',
      'no text',
    ],
    [
      'a malformed id',
      '{"type":"session.update","session":{"conversation_id":"nope"}}',
      false,
      'validation_failed',
      'conversation_id',
    ],
    [
      'a last_event_id with spaces',
      '{"type":"response.resume","message_id":"msg_01jabcdefghjkmnpqrstvwxyz0","last_event_id":"a b"}',
      false,
      'validation_failed',
      'last_event_id',
    ],
    ['a binary frame', Buffer.from([1, 2, 3]), true, 'binary_not_supported', 'JSON text'],
    [
      'an oversized frame',
      JSON.stringify({ type: 'ping', event_id: 'x'.repeat(MAX_MESSAGE_BYTES) }),
      false,
      'payload_too_large',
      `${MAX_MESSAGE_BYTES}`,
    ],
  ];

  it.each(cases)(
    'answers %s with an error naming what is wrong, and stays open',
    async (_name, frame, binary, code, names) => {
      const client = await RealtimeClient.open(url, { headers: alice.auth });
      await client.next('session.created');
      client.sendRaw(frame, binary);
      const error = await client.next();
      expect(error.type).toBe('error');
      const body = error.error as { code: string; message: string; details?: unknown };
      expect(body.code).toBe(code);
      expect(`${body.message} ${JSON.stringify(body.details ?? '')}`).toContain(names);
      client.send({ type: 'ping', event_id: 'alive' });
      expect(await client.next()).toMatchObject({ type: 'pong', client_event_id: 'alive' });
      client.close();
    },
  );

  it('does not read a frame over twice REALTIME_MAX_MESSAGE_BYTES: closes with 1009', async () => {
    const client = await RealtimeClient.open(url, { headers: alice.auth });
    await client.next('session.created');
    client.sendRaw(JSON.stringify({ type: 'ping', event_id: 'x'.repeat(2 * MAX_MESSAGE_BYTES) }));
    expect((await client.closed).code).toBe(1009);
  });

  it('echoes the client event_id of a schema violation', async () => {
    const client = await RealtimeClient.open(url, { headers: alice.auth });
    await client.next('session.created');
    client.sendRaw('{"type":"response.cancel","event_id":"mine","response_id":1}');
    expect(await client.next()).toMatchObject({ error: { code: 'validation_failed', event_id: 'mine' } });
    client.close();
  });

  it('needs a conversation before conversation.item.create and response.create', async () => {
    const client = await RealtimeClient.open(url, { headers: alice.auth });
    await client.next('session.created');
    client.send({ type: 'conversation.item.create', item: userItem('hi') });
    expect(await client.next()).toMatchObject({ error: { code: 'conversation_required' } });
    client.send({ type: 'response.create' });
    expect(await client.next()).toMatchObject({ error: { code: 'conversation_required' } });
    client.close();
  });

  it('saves every conversation.item.create at once; response.create answers the latest or the referenced one', async () => {
    const id = await conversation('local');
    const client = await bound(id);
    client.send({ type: 'response.create' });
    expect(await client.next()).toMatchObject({ error: { code: 'no_user_message' } });
    client.send({ type: 'conversation.item.create', item: userItem('one') });
    client.send({ type: 'conversation.item.create', item: userItem('two') });
    const one = await client.next('conversation.item.created');
    const two = await client.next('conversation.item.created');
    const oneId = (one.item as { id: string }).id;
    const twoId = (two.item as { id: string }).id;
    expect(one).toMatchObject({ previous_item_id: null, item: { content: [{ text: 'one' }] } });
    expect(two).toMatchObject({ previous_item_id: oneId, item: { content: [{ text: 'two' }] } });

    client.send({ type: 'response.create' });
    const latest = await client.until(isDone);
    expect(latest[0]).toMatchObject({ type: 'response.created', response: { user_message_id: twoId } });
    expect(responseOf(latest.at(-1)!).status).toBe('completed');

    client.send({ type: 'response.create', response: { input: [{ type: 'item_reference', id: oneId }] } });
    const referenced = await client.until(isDone);
    expect(referenced[0]).toMatchObject({ type: 'response.created', response: { user_message_id: oneId } });

    // Someone else's message, or one of another conversation, is not found.
    const other = await conversation('local');
    const elsewhere = await bound(other);
    elsewhere.send({ type: 'conversation.item.create', item: userItem('elsewhere') });
    const foreign = ((await elsewhere.next('conversation.item.created')).item as { id: string }).id;
    client.send({ type: 'response.create', response: { input: [{ type: 'item_reference', id: foreign }] } });
    expect(await client.next()).toMatchObject({ error: { code: 'not_found' } });
    client.send({ type: 'conversation.item.create', previous_item_id: foreign, item: userItem('x') });
    expect(await client.next()).toMatchObject({ error: { code: 'not_found' } });
    elsewhere.close();
    client.close();
  });

  it('closes with 1008 after REALTIME_MAX_ERRORS malformed frames, each answered first', async () => {
    const client = await RealtimeClient.open(url, { headers: alice.auth });
    await client.next('session.created');
    for (let i = 0; i < 10; i++) client.sendRaw(`garbage ${i}`);
    const { code } = await client.closed;
    expect(code).toBe(1008);
    const errors = client.events
      .filter((e) => e.type === 'error')
      .map((e) => (e.error as { code: string }).code);
    expect(errors).toEqual([
      'invalid_json',
      'invalid_json',
      'invalid_json',
      'invalid_json',
      'too_many_errors',
    ]);
  });
});

describe('heartbeat', () => {
  it('answers pings from a client that pongs, and terminates one that does not', async () => {
    const silent = await RealtimeClient.open(url, { headers: alice.auth, autoPong: false });
    const live = await RealtimeClient.open(url, { headers: alice.auth });
    const pinged = new Promise<void>((resolve) => {
      let pings = 0;
      live.socket.on('ping', () => {
        pings += 1;
        if (pings === 3) resolve();
      });
    });
    const closed = await silent.closed;
    // Terminated without a close frame: the client sees an abnormal closure.
    expect(closed.code).toBe(1006);
    expect(silent.events[0]!.type).toBe('session.created');
    // The client that answers stays open through several heartbeats.
    await pinged;
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    live.send({ type: 'ping' });
    expect((await live.next('pong')).type).toBe('pong');
    live.close();
  });
});

describe('a client that does not read', () => {
  it('holds a bounded buffer, stops reading the reply, is closed with 1013, and resumes the saved reply', async () => {
    const id = await conversation(BIG);
    const client = await bound(id, slowUrl);
    const serverSockets = () => [...slow.app.websocketServer.clients];
    const before = new Set(serverSockets());
    expect(before.size).toBe(1);
    const server = [...before][0]!;
    const raw = (server as unknown as { _socket: import('node:net').Socket })._socket;

    client.socket.pause();
    client.send({ type: 'response.create', response: { input: [userItem('Write a lot')] } });

    // The session fills the socket up to the limit, then stops reading the reply; past
    // REALTIME_SLOW_CLIENT_TIMEOUT_MS it starts closing the socket (1013).
    let maxBuffered = 0;
    await expect
      .poll(
        () => {
          maxBuffered = Math.max(maxBuffered, server.bufferedAmount);
          return server.readyState;
        },
        { timeout: 60_000, interval: 10 },
      )
      .toBe(WebSocket.CLOSING);
    const buffered = server.bufferedAmount;

    // The client reads what it got, up to the close frame.
    client.socket.resume();
    expect((await client.closed).code).toBe(1013);
    const got = client.events;
    const created = got.find((e) => e.type === 'response.created')!;
    const replyId = (created.response as { id: string }).id;
    const lastDelta = got.filter((e) => e.type === 'response.output_text.delta').at(-1)!;
    const prefix = deltaText(got);
    expect(prefix.length).toBeGreaterThan(0);
    expect(prefix.length).toBeLessThan(BIG_TEXT.length);

    // The reply went on without the client, and is saved in full.
    await expect
      .poll(async () => (await savedMessage(id, replyId, alice, slow)).status, { timeout: 60_000 })
      .toBe('completed');
    expect((await savedMessage(id, replyId, alice, slow)).content).toBe(BIG_TEXT);
    const written = raw.bytesWritten;

    const again = await bound(id, slowUrl);
    again.send({ type: 'response.resume', message_id: replyId, last_event_id: lastDelta.event_id });
    const rest = await again.until(isDone);
    expect(prefix + deltaText(rest)).toBe(BIG_TEXT);

    // What the server queued for the socket stayed bounded: the limit, plus at most one event from each
    // of the two writers (the reply pump and the event handlers) that found it full.
    const largest = Math.max(...[...got, ...rest].map((e) => Buffer.byteLength(JSON.stringify(e))));
    expect(maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED + 2 * largest);
    expect(buffered).toBeLessThanOrEqual(MAX_BUFFERED + 2 * largest);
    // ...because it stopped reading the reply: the whole reply was generated, far less of it went to the
    // socket (and most of that sits in kernel socket buffers).
    expect(written).toBeLessThan(BIG_TEXT.length / 2);
    again.close();
  }, 120_000);
});

describe('shutdown', () => {
  it('closes open sockets with 1001 when the app closes; the reply goes on and is saved', async () => {
    const other = await createTestApp({
      env: {
        LOCAL_MODEL_WORDS_PER_S: '0',
        OPENAI_BASE_URL: upstream.url,
        OPENAI_API_KEY: 'sk-fake',
        REPLY_SHUTDOWN_GRACE_MS: '200',
      },
      database,
    });
    const otherUrl = await other.app.listen({ port: 0, host: '127.0.0.1' });
    const id = await conversation(STALL);
    const client = await bound(id, otherUrl);
    client.send({ type: 'response.create', response: { input: [userItem('Go')] } });
    const replyId = ((await client.next('response.created')).response as { id: string }).id;
    await client.next('response.output_text.delta');
    await other.close();
    expect((await client.closed).code).toBe(1001);
    // The reply outlived the socket and was saved by the replies' shutdown (interrupted, text kept).
    const saved = await savedMessage(id, replyId);
    expect(saved.status).not.toBe('streaming');
    expect(saved.content).toContain('one');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  type ConversationStreamEvent,
  CursorPage,
  type NexusAI,
  NotFoundError,
  PermissionDeniedError,
} from '../src/index.js';
import { type RunningNexus, startNexus } from './support/nexus.js';

/**
 * Conversations, streamed replies, API keys and models through the SDK against a real Nexus on embedded
 * defaults (the offline `local` model answers).
 */

let nexus: RunningNexus;
let client: NexusAI;

beforeAll(async () => {
  nexus = await startNexus();
  client = nexus.client();
});
afterAll(() => nexus?.close());

describe('conversations', () => {
  it('create, retrieve, update, list, delete', async () => {
    const created = await client.conversations.create({ model: 'local', title: 'Trip to Kyoto' });
    expect(created).toMatchObject({
      model: 'local',
      title: 'Trip to Kyoto',
      title_source: 'user',
      pinned: false,
    });
    expect(created.id).toMatch(/^conv_/);
    expect(await client.conversations.retrieve(created.id)).toEqual(created);

    const updated = await client.conversations.update(created.id, { title: 'Kyoto 2027', pinned: true });
    expect([updated.title, updated.pinned]).toEqual(['Kyoto 2027', true]);

    const pinned = await client.conversations.list({ pinned: 'true' });
    expect(pinned).toBeInstanceOf(CursorPage);
    expect(pinned.data.map((c) => c.id)).toEqual([created.id]);

    await client.conversations.delete(created.id);
    await expect(client.conversations.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('list pages through every conversation with for await, and page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await client.conversations.create({ model: 'local', title: `c${i}` })).id);
    const seen: string[] = [];
    for await (const conversation of client.conversations.list({ limit: 2 })) seen.push(conversation.id);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);

    const first = await client.conversations.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.hasNextPage()).toBe(true);
    const second = await first.getNextPage();
    expect(second.data.map((c) => c.id)).not.toEqual(first.data.map((c) => c.id));
    let pages = 0;
    for await (const page of client.conversations.list({ limit: 2 }).pages()) {
      pages++;
      expect(page.data.length).toBeLessThanOrEqual(2);
    }
    expect(pages).toBe(Math.ceil(seen.length / 2));
  });

  it('messages.create answers the saved user message and reply; messages.list shows them', async () => {
    const conversation = await client.conversations.create({ model: 'local' });
    const reply = await client.conversations.messages.create(conversation.id, { content: 'Hello there' });
    expect(reply.user_message).toMatchObject({ role: 'user', content: 'Hello there', status: 'completed' });
    expect(reply.assistant_message).toMatchObject({ role: 'assistant', status: 'completed', model: 'local' });
    expect(reply.assistant_message.content.length).toBeGreaterThan(0);

    const page = await client.conversations.messages.list(conversation.id);
    expect(page.data.map((m) => m.id)).toEqual([reply.user_message.id, reply.assistant_message.id]);
    const newestFirst = await client.conversations.messages.list(conversation.id, {
      order: 'desc',
      limit: 1,
    });
    expect(newestFirst.data.map((m) => m.id)).toEqual([reply.assistant_message.id]);
    expect(
      await client.conversations.messages.retrieve(conversation.id, reply.user_message.id),
    ).toMatchObject({
      content: 'Hello there',
    });
  });

  it('messages.createStream yields typed events: created, deltas, usage, completed', async () => {
    const conversation = await client.conversations.create({ model: 'local' });
    const stream = await client.conversations.messages.createStream(conversation.id, {
      content: 'Tell me about tea in three sentences.',
    });
    expect(stream.requestId).toMatch(/^req_/);
    const events: ConversationStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('message.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types).toContain('response.output_text.delta');
    expect(types).toContain('response.usage');
    const created = events[0] as Extract<ConversationStreamEvent, { type: 'message.created' }>;
    expect(created.conversation_id).toBe(conversation.id);
    const text = events
      .filter(
        (e): e is Extract<ConversationStreamEvent, { type: 'response.output_text.delta' }> =>
          e.type === 'response.output_text.delta',
      )
      .map((e) => e.delta)
      .join('');
    const completed = events.at(-1) as Extract<ConversationStreamEvent, { type: 'response.completed' }>;
    expect(completed.message.id).toBe(created.assistant_message_id);
    expect(completed.message.content).toBe(text);
    const usage = events.find((e) => e.type === 'response.usage') as Extract<
      ConversationStreamEvent,
      { type: 'response.usage' }
    >;
    expect(usage.usage.output_tokens).toBeGreaterThan(0);
    expect(stream.lastEventId).toBeDefined();

    // Resuming after the first event replays exactly the rest.
    const resumed = await client.conversations.messages.resume(
      conversation.id,
      created.assistant_message_id,
      {
        lastEventId: '1',
      },
    );
    const rest: ConversationStreamEvent[] = [];
    for await (const event of resumed) rest.push(event);
    expect(rest.map((e) => e.type)).toEqual(types.slice(1));

    // A stream is read once.
    await expect(
      (async () => {
        for await (const _ of stream) break;
      })(),
    ).rejects.toThrow(/iterated once/);
  });

  it('finalMessage reads a stream to its saved reply; errors before the stream reject the call', async () => {
    const conversation = await client.conversations.create({ model: 'local' });
    const stream = await client.conversations.messages.createStream(conversation.id, { content: 'Hi' });
    const message = await stream.finalMessage();
    expect(message).toMatchObject({ role: 'assistant', status: 'completed' });
    expect(await client.conversations.messages.retrieve(conversation.id, message.id)).toMatchObject({
      content: message.content,
    });

    const error = await client.conversations.messages
      .createStream('conv_01jd8x3k5q9v7w2m4n6p8r0s1t', { content: 'Hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('export and import round-trip a conversation', async () => {
    const conversation = await client.conversations.create({ model: 'local', title: 'Exported' });
    await client.conversations.messages.create(conversation.id, { content: 'Remember the milk' });
    const document = await client.conversations.export(conversation.id);
    expect(document).toMatchObject({ format: 'nexus.conversation', version: 1 });
    expect(document.messages).toHaveLength(2);
    const copy = await client.conversations.import(document);
    expect(copy.id).not.toBe(conversation.id);
    expect(copy.title).toBe('Exported');
    const messages = await client.conversations.messages.list(copy.id);
    expect(messages.data.map((m) => m.content)[0]).toBe('Remember the milk');
  });
});

describe('api keys and models', () => {
  it('create (with a user login), list and revoke a key; a revoked key stops working', async () => {
    // Creating a key needs a user login: an API key gets the server's 403, surfaced unchanged.
    const refused = (await client.apiKeys
      .create({ name: 'by-key', scopes: ['chat:read'] })
      .catch((e: unknown) => e)) as PermissionDeniedError;
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect([refused.code, refused.message]).toEqual([
      'permission_denied',
      'This action needs a user login, not an API key',
    ]);
    const asUser = nexus.client({ apiKey: nexus.accessToken });
    const key = await asUser.apiKeys.create({ name: 'sdk-ci', scopes: ['chat:read'] });
    expect(key.secret).toMatch(/^nx-/);
    expect(key).toMatchObject({ name: 'sdk-ci', scopes: ['chat:read'], revoked_at: null });
    const listed: string[] = [];
    for await (const k of client.apiKeys.list()) listed.push(k.id);
    expect(listed).toContain(key.id);

    const limited = nexus.client({ apiKey: key.secret });
    await expect(limited.conversations.list()).resolves.toBeInstanceOf(CursorPage);
    const revoked = await client.apiKeys.revoke(key.id);
    expect(revoked.revoked_at).not.toBeNull();
    await expect(limited.conversations.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('an access token works as apiKey too', async () => {
    const byToken = nexus.client({ apiKey: nexus.accessToken });
    const page = await byToken.apiKeys.list();
    expect(page.data.length).toBeGreaterThan(0);
  });

  it('models.list answers the models the caller can use', async () => {
    const page = await client.models.list();
    expect(page.hasNextPage()).toBe(false);
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain('local');
    expect(page.data[0]).toMatchObject({ object: 'model' });
    const all: string[] = [];
    for await (const model of client.models.list()) all.push(model.id);
    expect(all).toEqual(ids);
  });
});

import { describe, expect, it } from 'vitest';
import { deltaText, RealtimeClient, type RealtimeEvent, userItem } from '../support/realtime-client.js';
import { PACED, PACED_TEXT, STALL, useTwoInstances } from '../support/two-instances.js';

/**
 * The WebSocket channel across instances: two Nexus apps on one PostgreSQL database and one Redis (locks,
 * pub/sub and the Redis Streams event log). A reply started over a socket on instance A is resumed over a
 * socket on instance B with `response.resume`, cancelled from B, and guarded by the shared lock.
 */

const n = useTwoInstances('realtime_instances');

/** A socket authenticated with an `auth` event (as a browser does) and bound to the conversation. */
async function bound(base: string, conversationId: string): Promise<RealtimeClient> {
  const client = await RealtimeClient.open(base);
  client.send({ type: 'auth', token: n.user.access });
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
    const id = await n.conversation(PACED);
    const onA = await bound(n.urlA, id);
    onA.send({ type: 'response.create', response: { input: [userItem('Count')] } });
    const seen = await onA.until('response.output_text.delta');
    onA.socket.terminate();
    await onA.closed;
    const replyId = responseOf(seen.find((e) => e.type === 'response.created')!).id;
    expect(n.a.container.services.replies.runner.isRunning(replyId)).toBe(true);
    expect(n.b.container.services.replies.runner.isRunning(replyId)).toBe(false);

    const onB = await bound(n.urlB, id);
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
    const id = await n.conversation(STALL);
    const onA = await bound(n.urlA, id);
    onA.send({ type: 'response.create', response: { input: [userItem('Go')] } });
    const seen = await onA.until((e) => deltaText([e]).includes('two'));
    const replyId = responseOf(seen.find((e) => e.type === 'response.created')!).id;

    const onB = await bound(n.urlB, id);
    onB.send({ type: 'response.create', response: { input: [userItem('Again')] } });
    expect(await onB.next()).toMatchObject({
      type: 'error',
      error: { code: 'reply_in_progress', details: { message_id: replyId } },
    });
    // Adding a message is refused by the same lock across instances.
    onB.send({ type: 'conversation.item.create', item: userItem('Meanwhile') });
    expect(await onB.next()).toMatchObject({ type: 'error', error: { code: 'reply_in_progress' } });
    onB.send({ type: 'response.cancel', response_id: replyId });
    expect(responseOf(await onB.next(isDone))).toMatchObject({ id: replyId, status: 'cancelled' });
    // A's socket, following the reply, sees it end too.
    const onADone = responseOf(await onA.next(isDone));
    expect(onADone).toMatchObject({ id: replyId, status: 'cancelled' });
    expect(onADone.output[0]!.content[0]!.text).toBe(deltaText(seen));
    onA.close();
    onB.close();
  });

  it('answers on instance B a message saved over a socket on instance A', async () => {
    const id = await n.conversation(PACED);
    const onA = await bound(n.urlA, id);
    onA.send({ type: 'conversation.item.create', item: userItem('Count') });
    const item = (await onA.next('conversation.item.created')).item as { id: string };
    onA.close();
    await onA.closed;

    const onB = await bound(n.urlB, id);
    onB.send({ type: 'response.create' });
    const events = await onB.until(isDone);
    expect(events[0]).toMatchObject({ type: 'response.created', response: { user_message_id: item.id } });
    expect(responseOf(events.at(-1)!).status).toBe('completed');
    expect(deltaText(events)).toBe(PACED_TEXT);
    onB.close();
  });
});

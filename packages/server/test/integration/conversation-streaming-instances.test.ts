import { describe, expect, it, vi } from 'vitest';
import { openEventStream, type ReceivedEvent, readUntil } from '../support/sse-client.js';
import { PACED, PACED_TEXT, STALL, useTwoInstances } from '../support/two-instances.js';

/**
 * Streaming replies across instances: two Nexus apps on one PostgreSQL database and one Redis (cache,
 * locks, pub/sub and the Redis Streams event log). A reply generated on instance A is resumed from
 * instance B with Last-Event-ID, cancelled from B (which stops the upstream call on A), and guarded by
 * the shared one-reply-at-a-time lock.
 */

const n = useTwoInstances('reply_instances');

const textOf = (events: ReceivedEvent[]) =>
  events
    .filter((e) => e.event === 'response.output_text.delta')
    .map((e) => e.json.delta)
    .join('');

function send(base: string, conversationId: string, content: string) {
  return openEventStream(`${base}/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: n.user.auth,
    body: { content, stream: true },
  });
}

describe('a reply generated on instance A', () => {
  it('is resumed on instance B from the Last-Event-ID of a middle event: exactly the rest, then live', async () => {
    const id = await n.conversation(PACED);
    const first = await send(n.urlA, id, 'Count');
    const seen = await readUntil(first.events, (e) => e.event === 'response.output_text.delta');
    first.close();
    const replyId = String(seen[0]!.json.assistant_message_id);
    expect(n.a.container.services.replies.runner.isRunning(replyId)).toBe(true);
    expect(n.b.container.services.replies.runner.isRunning(replyId)).toBe(false);

    const resumed = await openEventStream(`${n.urlB}/v1/conversations/${id}/messages/${replyId}/stream`, {
      headers: { ...n.user.auth, 'last-event-id': seen.at(-1)!.id! },
    });
    expect(resumed.status).toBe(200);
    const rest = await readUntil(resumed.events);
    expect(rest.at(-1)!.event).toBe('response.completed');
    expect(textOf([...seen, ...rest])).toBe(PACED_TEXT);
    expect((rest.at(-1)!.json.message as { content: string }).content).toBe(PACED_TEXT);

    // The whole log, read on B, is what A wrote: the resumed part is exactly what followed the id.
    const all = await readUntil(
      (
        await openEventStream(`${n.urlB}/v1/conversations/${id}/messages/${replyId}/stream`, {
          headers: n.user.auth,
        })
      ).events,
    );
    expect(all.slice(0, seen.length).map((e) => [e.id, e.data])).toEqual(seen.map((e) => [e.id, e.data]));
    expect(all.slice(seen.length).map((e) => [e.id, e.data])).toEqual(rest.map((e) => [e.id, e.data]));
  });

  it('is cancelled from instance B: the upstream call on A stops, the text so far is saved', async () => {
    const id = await n.conversation(STALL);
    const res = await send(n.urlA, id, 'Go');
    const events = await readUntil(res.events, (e) => textOf([e]).includes('two'));
    const replyId = String(events[0]!.json.assistant_message_id);

    // The lock is shared: B refuses a second reply in the conversation.
    const busy = await n.b.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/messages`,
      headers: n.user.auth,
      payload: { content: 'Again' },
    });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toMatchObject({ code: 'reply_in_progress', details: { message_id: replyId } });

    const cancel = await n.b.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/messages/${replyId}/cancel`,
      headers: n.user.auth,
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ id: replyId, status: 'cancelled', content: 'one two ' });

    const rest = await readUntil(res.events);
    expect(rest.at(-1)!.event).toBe('response.cancelled');
    expect(n.a.container.services.replies.runner.isRunning(replyId)).toBe(false);
    await vi.waitFor(() => expect(n.upstream.aborts.some((r) => r.model === STALL)).toBe(true));

    // The lock was released on A: B starts the next reply, and A cancels that one on B.
    const regenerated = await openEventStream(
      `${n.urlB}/v1/conversations/${id}/messages/${replyId}/regenerate`,
      {
        method: 'POST',
        headers: n.user.auth,
        body: { stream: true },
      },
    );
    expect(regenerated.status).toBe(200);
    const [created] = await readUntil(regenerated.events, (e) => e.event === 'message.created');
    const secondId = String(created!.json.assistant_message_id);
    expect(n.b.container.services.replies.runner.isRunning(secondId)).toBe(true);
    const cancelOnA = await n.a.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/messages/${secondId}/cancel`,
      headers: n.user.auth,
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

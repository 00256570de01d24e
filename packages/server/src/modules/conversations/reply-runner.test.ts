import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { MemoryCache } from '../../platform/cache/memory-cache.js';
import { MemoryEventLog } from '../../platform/streams/memory-event-log.js';
import { type StreamPart, UpstreamError } from '../../providers/llm/language-model.js';
import { replyEventType, replyStreamKey } from './reply-events.js';
import {
  type ReplyIdentity,
  type ReplyOutcome,
  ReplyRunner,
  type ReplyRunnerSettings,
  type ReplyStore,
  stopReasons,
} from './reply-runner.js';

const logger = createLogger({ level: 'silent' });

/** A stand-in for the database behind the runner: what was written, in order. */
class RecordingStore implements ReplyStore {
  readonly progress: { messageId: string; content: string }[][] = [];
  readonly finals = new Map<string, ReplyOutcome>();
  failProgress = false;
  async saveProgress(batch: readonly (ReplyIdentity & { content: string })[]): Promise<void> {
    if (this.failProgress) throw new Error('database down');
    this.progress.push(batch.map((r) => ({ messageId: r.messageId, content: r.content })));
  }
  async finish(reply: ReplyIdentity, outcome: ReplyOutcome): Promise<unknown> {
    this.finals.set(reply.messageId, outcome);
    return { id: reply.messageId, status: outcome.status, content: outcome.content };
  }
  /** The newest saved text of a reply. */
  saved(messageId: string): string | undefined {
    for (const batch of [...this.progress].reverse()) {
      const row = batch.find((r) => r.messageId === messageId);
      if (row) return row.content;
    }
    return undefined;
  }
}

/**
 * A fake model stream (the outside thing): yields what `push` gives it, ends on `end`, fails on `fail`,
 * and stops — as a provider does — when its signal aborts.
 */
class FakeStream {
  private readonly queue: (StreamPart | Error | 'end')[] = [];
  private wake: (() => void) | undefined;
  aborted = false;
  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => {
      this.aborted = true;
      this.wake?.();
    });
  }
  push(...items: (StreamPart | Error | 'end')[]): void {
    this.queue.push(...items);
    this.wake?.();
  }
  async *parts(): AsyncIterable<StreamPart> {
    for (;;) {
      this.signal.throwIfAborted();
      const next = this.queue.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      if (next === 'end') return;
      if (next instanceof Error) throw next;
      yield next;
    }
  }
}

const settings: ReplyRunnerSettings = {
  flushMs: 20,
  coalesceMs: 25,
  logRetainMs: 60_000,
  lockTtlMs: 5_000,
  shutdownGraceMs: 5_000,
};

let seq = 0;
const open: { runner: ReplyRunner; log: MemoryEventLog }[] = [];

async function setup(overrides: Partial<ReplyRunnerSettings> = {}, cache = new MemoryCache()) {
  const log = new MemoryEventLog();
  const store = new RecordingStore();
  const runner = new ReplyRunner({ log, cache, store, logger, settings: { ...settings, ...overrides } });
  await runner.listen();
  open.push({ runner, log });
  const start = async () => {
    const messageId = `msg_test${++seq}`;
    const conversationId = `conv_test${seq}`;
    const controller = new AbortController();
    const fake = new FakeStream(controller.signal);
    const lock = await cache.acquireLock(`reply-lock:${conversationId}`, settings.lockTtlMs);
    if (!lock) throw new Error('lock held');
    const done = runner.start({
      tenantId: 'ten_test',
      conversationId,
      messageId,
      parts: fake.parts(),
      controller,
      lock,
    });
    return { messageId, conversationId, fake, done, controller };
  };
  /** Every event of a reply's log, in order (the log has ended once the outcome is known). */
  const events = async (messageId: string) => {
    const out: { id: string; type: string; data: Record<string, unknown> }[] = [];
    for await (const e of log.follow(replyStreamKey(messageId), null, { signal: AbortSignal.timeout(5_000) }))
      out.push({ id: e.id, type: replyEventType(e.data), data: JSON.parse(e.data) });
    return out;
  };
  return { runner, log, store, cache, start, events };
}

afterEach(async () => {
  for (const { runner, log } of open.splice(0)) {
    await runner.close();
    await log.close();
  }
});

describe('the reply runner', () => {
  it('coalesces tiny deltas into fewer events that add up to the text, then usage and the saved message', async () => {
    const { start, events, store, cache } = await setup({ coalesceMs: 1_000 });
    const { messageId, conversationId, fake, done } = await start();
    const words = Array.from({ length: 200 }, (_, i) => `w${i} `);
    fake.push(...words.map((text): StreamPart => ({ type: 'text', text })));
    fake.push(
      { type: 'usage', usage: { inputTokens: 7, outputTokens: 200 } },
      { type: 'finish', reason: 'stop' },
      'end',
    );
    const outcome = await done;
    expect(outcome).toMatchObject({
      status: 'completed',
      content: words.join(''),
      usage: { input_tokens: 7, output_tokens: 200 },
      error: null,
      finishReason: 'stop',
    });
    expect(store.finals.get(messageId)?.content).toBe(words.join(''));
    const log = await events(messageId);
    const deltas = log.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan(words.length / 10);
    expect(deltas.map((d) => d.data.delta).join('')).toBe(words.join(''));
    expect(log.slice(deltas.length).map((e) => e.type)).toEqual(['response.usage', 'response.completed']);
    expect(log.at(-2)!.data.usage).toEqual({ input_tokens: 7, output_tokens: 200, total_tokens: 207 });
    expect(log.at(-1)!.data.message).toEqual({ id: messageId, status: 'completed', content: words.join('') });
    // Ids increase, and the conversation's lock is free again.
    expect(log.map((e) => Number(e.id))).toEqual(log.map((_e, i) => i + 1));
    const lock = await cache.acquireLock(`reply-lock:${conversationId}`, 1_000);
    expect(lock).not.toBeNull();
  });

  it('sends the first delta at once, not after the coalescing interval', async () => {
    // An interval longer than any test: a delta seen before the end was not held back by it.
    const { start, log } = await setup({ coalesceMs: 3_600_000 });
    const { messageId, fake } = await start();
    fake.push({ type: 'text', text: 'Hello' });
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const e of log.follow(replyStreamKey(messageId), null, {
      signal: stop.signal,
      waitForStartMs: 60_000,
    })) {
      seen.push(e.data);
      break;
    }
    stop.abort();
    expect(seen.map(replyEventType)).toEqual(['response.output_text.delta']);
    expect(JSON.parse(seen[0]!).delta).toBe('Hello');
    fake.push('end');
  });

  it('saves the text while it streams, and only the replies that changed', async () => {
    const { start, store } = await setup();
    const a = await start();
    const b = await start();
    a.fake.push({ type: 'text', text: 'Hel' });
    await vi.waitFor(() => expect(store.saved(a.messageId)).toBe('Hel'), { timeout: 5_000 });
    a.fake.push({ type: 'text', text: 'lo' });
    await vi.waitFor(() => expect(store.saved(a.messageId)).toBe('Hello'), { timeout: 5_000 });
    expect(store.saved(b.messageId)).toBeUndefined();
    expect(store.finals.size).toBe(0);
    a.fake.push('end');
    b.fake.push('end');
    expect((await a.done).content).toBe('Hello');
    expect((await b.done).content).toBe('');
  });

  it('writes the text again after a failed progress write', async () => {
    const { start, store } = await setup();
    const r = await start();
    store.failProgress = true;
    r.fake.push({ type: 'text', text: 'kept' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.saved(r.messageId)).toBeUndefined();
    store.failProgress = false;
    await vi.waitFor(() => expect(store.saved(r.messageId)).toBe('kept'), { timeout: 5_000 });
    r.fake.push('end');
    await r.done;
  });

  it('is cancelled from another instance through pub/sub: upstream stopped, text kept, status cancelled', async () => {
    const cache = new MemoryCache();
    const here = await setup({}, cache);
    const elsewhere = await setup({}, cache);
    const r = await here.start();
    r.fake.push({ type: 'text', text: 'partial ' });
    await vi.waitFor(() => expect(here.store.saved(r.messageId)).toBe('partial '), { timeout: 5_000 });
    expect(elsewhere.runner.isRunning(r.messageId)).toBe(false);
    await elsewhere.runner.publishCancel(r.messageId);
    const outcome = await r.done;
    expect(outcome).toMatchObject({ status: 'cancelled', content: 'partial ', error: null });
    expect(r.fake.aborted).toBe(true);
    const log = await here.events(r.messageId);
    expect(log.map((e) => e.type)).toEqual(['response.output_text.delta', 'response.cancelled']);
    expect(log.at(-1)!.data.message).toMatchObject({ status: 'cancelled', content: 'partial ' });
  });

  it.each([
    {
      label: 'an upstream failure',
      error: new UpstreamError('The upstream answered HTTP 500', { upstreamStatus: 500 }),
      code: 'provider_unavailable',
    },
    { label: 'an unknown error', error: new Error('socket hang up'), code: 'provider_unavailable' },
  ])(
    'saves $label mid-stream as failed, with the text so far and an error event',
    async ({ error, code }) => {
      const { start, events } = await setup();
      const r = await start();
      r.fake.push({ type: 'text', text: 'half an ans' }, error);
      const outcome = await r.done;
      expect(outcome.status).toBe('failed');
      expect(outcome.content).toBe('half an ans');
      expect(outcome.error?.code).toBe(code);
      const log = await events(r.messageId);
      expect(log.at(-1)!.type).toBe('error');
      expect(log.at(-1)!.data).toMatchObject({ code, message_id: r.messageId });
    },
  );

  it('on close lets replies finish within the grace period', async () => {
    const { start, runner } = await setup({ shutdownGraceMs: 5_000 });
    const r = await start();
    r.fake.push({ type: 'text', text: 'almost' });
    const closing = runner.close();
    r.fake.push({ type: 'text', text: ' done' }, 'end');
    await closing;
    expect(await r.done).toMatchObject({ status: 'completed', content: 'almost done' });
  });

  it('on close saves replies still running after the grace period as interrupted, text kept', async () => {
    const { start, runner } = await setup({ shutdownGraceMs: 0 });
    const r = await start();
    r.fake.push({ type: 'text', text: 'cut short' });
    await vi.waitFor(() => expect(runner.size).toBe(1));
    await runner.close();
    expect(await r.done).toMatchObject({
      status: 'failed',
      content: 'cut short',
      error: { code: 'interrupted' },
    });
    expect(r.fake.aborted).toBe(true);
  });

  it('cancels a reply whose client went away and asked not to continue', async () => {
    const { start, runner } = await setup();
    const r = await start();
    r.fake.push({ type: 'text', text: 'bye' });
    await vi.waitFor(() => expect(runner.isRunning(r.messageId)).toBe(true));
    expect(runner.stop(r.messageId, stopReasons.clientGone())).toBe(true);
    expect(await r.done).toMatchObject({ status: 'cancelled', content: 'bye' });
    expect(runner.stop(r.messageId, stopReasons.cancelled())).toBe(false);
  });
});

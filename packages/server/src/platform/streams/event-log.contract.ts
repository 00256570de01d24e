import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidLastEventIdError } from '../../errors.js';
import type { EventLog, LoggedEvent } from './event-log.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface EventLogContractOptions {
  /** A well-formed id of the *other* implementation, which this one must refuse (e.g. "7" vs "1-0"). */
  foreignId: string;
  /** A well-formed id of this implementation far beyond any id a test stream reaches. */
  farAheadId: string;
}

/**
 * The behaviour every EventLog implementation must have. Run by memory-event-log.test.ts and, against a
 * real Redis, by test/integration/redis-event-log.test.ts. Each test uses its own stream keys.
 */
export function describeEventLogContract(
  name: string,
  open: () => Promise<EventLog>,
  options: EventLogContractOptions,
): void {
  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;
    let n = 0;
    const key = (label: string) => `contract:${label}:${Date.now()}:${n++}`;

    beforeAll(async () => {
      log = await open();
    });
    afterAll(async () => {
      await log.close();
    });

    async function appendAll(stream: string, data: string[]): Promise<string[]> {
      const ids: string[] = [];
      for (const d of data) ids.push(await log.append(stream, d));
      return ids;
    }

    it('appends with increasing ids and replays everything from null', async () => {
      const s = key('replay');
      const ids = await appendAll(s, ['a', 'b\nwith newline', '{"json":true}', '']);
      expect(new Set(ids).size).toBe(4);
      await log.end(s, 60_000);
      const got = await collect(log.follow(s, null, { signal: new AbortController().signal }));
      expect(got).toEqual([
        { id: ids[0], data: 'a' },
        { id: ids[1], data: 'b\nwith newline' },
        { id: ids[2], data: '{"json":true}' },
        { id: ids[3], data: '' },
      ]);
      // Ids increase in the order the events were appended (the order followers see them).
      const again = await collect(log.follow(s, null, { signal: new AbortController().signal }));
      expect(again.map((e) => e.id)).toEqual(ids);
    });

    it('replays only what follows a middle id', async () => {
      const s = key('middle');
      const ids = await appendAll(s, ['1', '2', '3', '4', '5']);
      await log.end(s, 60_000);
      const got = await collect(log.follow(s, ids[2]!, { signal: new AbortController().signal }));
      expect(got.map((e) => e.data)).toEqual(['4', '5']);
      const fromLast = await collect(log.follow(s, ids[4]!, { signal: new AbortController().signal }));
      expect(fromLast).toEqual([]);
    });

    it('delivers live events to a follower after its replay, in order, without duplicates', async () => {
      const s = key('live');
      await appendAll(s, ['old-1', 'old-2']);
      const received: string[] = [];
      const done = consume(log.follow(s, null, { signal: new AbortController().signal }), received);
      await waitFor(() => received.length === 2);
      await appendAll(s, ['new-1', 'new-2', 'new-3']);
      await waitFor(() => received.length === 5);
      await log.end(s, 60_000);
      await done;
      expect(received).toEqual(['old-1', 'old-2', 'new-1', 'new-2', 'new-3']);
    });

    it('feeds several followers the same events, each from its own position', async () => {
      const s = key('many');
      const [first] = await appendAll(s, ['e1']);
      const a: string[] = [];
      const b: string[] = [];
      const c: string[] = [];
      const runs = [
        consume(log.follow(s, null, { signal: new AbortController().signal }), a),
        consume(log.follow(s, first!, { signal: new AbortController().signal }), b),
        consume(log.follow(s, null, { signal: new AbortController().signal }), c),
      ];
      await waitFor(() => a.length === 1 && c.length === 1);
      for (let i = 2; i <= 30; i++) await log.append(s, `e${i}`);
      await log.end(s, 60_000);
      await Promise.all(runs);
      const all = Array.from({ length: 30 }, (_, i) => `e${i + 1}`);
      expect(a).toEqual(all);
      expect(b).toEqual(all.slice(1));
      expect(c).toEqual(all);
    });

    it('end() finishes waiting followers', async () => {
      const s = key('end');
      await log.append(s, 'only');
      const received: string[] = [];
      let finished = false;
      const done = consume(log.follow(s, null, { signal: new AbortController().signal }), received).then(
        () => {
          finished = true;
        },
      );
      await waitFor(() => received.length === 1);
      await sleep(30);
      expect(finished).toBe(false);
      await log.end(s, 60_000);
      await done;
      expect(finished).toBe(true);
      expect(received).toEqual(['only']);
    });

    it('a follow after end replays everything, then returns', async () => {
      const s = key('after-end');
      await appendAll(s, ['x', 'y']);
      await log.end(s, 60_000);
      const got = await collect(log.follow(s, null, { signal: new AbortController().signal }));
      expect(got.map((e) => e.data)).toEqual(['x', 'y']);
    });

    it('an ended stream with no events returns at once', async () => {
      const s = key('empty-end');
      await log.end(s, 60_000);
      expect(await log.isOpen(s)).toBe(false);
      expect(await collect(log.follow(s, null, { signal: new AbortController().signal }))).toEqual([]);
    });

    it('an unknown stream yields nothing and returns at once', async () => {
      const got = await collect(log.follow(key('unknown'), null, { signal: new AbortController().signal }));
      expect(got).toEqual([]);
    });

    it('waitForStartMs waits for the first event of a stream that does not exist yet', async () => {
      const s = key('wait-start');
      const received: string[] = [];
      const done = consume(
        log.follow(s, null, { signal: new AbortController().signal, waitForStartMs: 10_000 }),
        received,
      );
      await sleep(50);
      expect(received).toEqual([]);
      await log.append(s, 'first');
      await waitFor(() => received.length === 1);
      await log.append(s, 'second');
      await log.end(s, 60_000);
      await done;
      expect(received).toEqual(['first', 'second']);
    });

    it('waitForStartMs gives up when nothing is written in time', async () => {
      const got = await collect(
        log.follow(key('wait-none'), null, { signal: new AbortController().signal, waitForStartMs: 60 }),
      );
      expect(got).toEqual([]);
    });

    it('aborting the signal stops a waiting follower cleanly', async () => {
      const s = key('abort');
      await log.append(s, 'one');
      const controller = new AbortController();
      const received: string[] = [];
      const done = consume(log.follow(s, null, { signal: controller.signal }), received);
      await waitFor(() => received.length === 1);
      controller.abort();
      await done; // returns: no error is thrown into the consumer
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await log.append(s, 'two');
      expect(received).toEqual(['one']);
      expect(await log.isOpen(s)).toBe(true);
    });

    it('a follower resuming beyond the last id sees only later events and still finishes at end', async () => {
      const s = key('ahead');
      await log.append(s, 'a');
      const signal = new AbortController().signal;
      const ahead = collect(log.follow(s, options.farAheadId, { signal }));
      const normal = collect(log.follow(s, null, { signal }));
      await log.append(s, 'b');
      await log.end(s, 60_000);
      expect(await ahead).toEqual([]);
      expect((await normal).map((e) => e.data)).toEqual(['a', 'b']);
      expect(await collect(log.follow(s, options.farAheadId, { signal }))).toEqual([]);
    });

    it('an already aborted signal yields nothing', async () => {
      const s = key('pre-aborted');
      await log.append(s, 'one');
      const controller = new AbortController();
      controller.abort();
      expect(await collect(log.follow(s, null, { signal: controller.signal }))).toEqual([]);
    });

    it('drops an ended stream after retainMs', async () => {
      const s = key('retain');
      await appendAll(s, ['kept']);
      await log.end(s, 80);
      expect((await collect(log.follow(s, null, { signal: new AbortController().signal }))).length).toBe(1);
      await waitFor(
        async () =>
          (await collect(log.follow(s, null, { signal: new AbortController().signal }))).length === 0,
      );
      expect(await log.isOpen(s)).toBe(false);
    });

    it('isOpen is true from the first append until end', async () => {
      const s = key('open');
      expect(await log.isOpen(s)).toBe(false);
      await log.append(s, 'a');
      expect(await log.isOpen(s)).toBe(true);
      await log.end(s, 60_000);
      expect(await log.isOpen(s)).toBe(false);
    });

    it('refuses to append to an ended stream', async () => {
      const s = key('append-after-end');
      await log.append(s, 'a');
      await log.end(s, 60_000);
      await expect(log.append(s, 'b')).rejects.toThrow(/ended/);
      const got = await collect(log.follow(s, null, { signal: new AbortController().signal }));
      expect(got.map((e) => e.data)).toEqual(['a']);
    });

    const badIds: [string, string][] = [
      ['empty', ''],
      ['text', 'abc'],
      ['negative', '-1'],
      ['fraction', '1.5'],
      ['exponent', '1e3'],
      ['padded', ' 1'],
      ['injection', '1\r\nx-evil: 1'],
      ['huge', '9'.repeat(200)],
      ['foreign format', options.foreignId],
    ];
    it.each(badIds)('refuses a malformed afterId (%s) with invalid_last_event_id', async (_label, bad) => {
      const s = key('bad-id');
      await log.append(s, 'a');
      let thrown: unknown;
      try {
        // Thrown by follow() itself, before iteration, so a route can answer 400 before opening a stream.
        log.follow(s, bad, { signal: new AbortController().signal });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidLastEventIdError);
      expect((thrown as InvalidLastEventIdError).code).toBe('invalid_last_event_id');
      expect((thrown as InvalidLastEventIdError).status).toBe(400);
    });
  });
}

/** Reads an event log iterable to its end. */
export async function collect(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function consume(events: AsyncIterable<LoggedEvent>, into: string[]): Promise<void> {
  for await (const event of events) into.push(event.data);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

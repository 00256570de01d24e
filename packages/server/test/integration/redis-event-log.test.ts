import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/errors.js';
import { collect, describeEventLogContract, waitFor } from '../../src/platform/streams/event-log.contract.js';
import { RedisEventLog } from '../../src/platform/streams/redis-event-log.js';
import { deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

const prefix = `${uniqueName('events')}:`;
const connect = (options: { blockMs?: number; maxStreamAgeMs?: number } = {}) =>
  RedisEventLog.connect({ url: REDIS_URL, keyPrefix: prefix, ...options });

describeEventLogContract('redis', () => connect(), {
  foreignId: '7',
  farAheadId: '99999999999999-0',
});

describe('RedisEventLog', () => {
  const raw = new Redis(REDIS_URL);
  afterAll(async () => {
    await raw.quit();
    await deleteRedisKeys(prefix);
  });

  it('lets a follower on another instance replay, go live, and resume from a middle id', async () => {
    const writer = await connect();
    const reader = await connect();
    const ids = [await writer.append('cross', 'a'), await writer.append('cross', 'b')];
    expect(ids[0]).toMatch(/^\d+-\d+$/);

    const received: { id: string; data: string }[] = [];
    const run = (async () => {
      for await (const e of reader.follow('cross', null, { signal: new AbortController().signal }))
        received.push(e);
    })();
    await waitFor(() => received.length === 2);
    ids.push(await writer.append('cross', 'c'), await writer.append('cross', 'd'));
    await waitFor(() => received.length === 4);
    await writer.end('cross', 60_000);
    await run;
    expect(received).toEqual(ids.map((id, i) => ({ id, data: 'abcd'[i] })));
    expect(await reader.isOpen('cross')).toBe(false);

    // A client that disconnected after "b" reconnects to the other instance with Last-Event-ID.
    const resumed = await collect(reader.follow('cross', ids[1]!, { signal: new AbortController().signal }));
    expect(resumed.map((e) => e.data)).toEqual(['c', 'd']);
    await writer.close();
    await reader.close();
  });

  it('serves many streams from one blocking reader connection', async () => {
    const writer = await connect();
    const reader = await connect();
    const before = await clientCount();
    const streams = Array.from({ length: 200 }, (_, i) => `many-${i}`);
    for (const s of streams) await writer.append(s, 'start');
    const results: Promise<string[]>[] = streams.map(async (s) =>
      (await collect(reader.follow(s, null, { signal: new AbortController().signal }))).map((e) => e.data),
    );
    await waitFor(() => reader.followerCount === 200 && reader.watchedStreamCount === 200);
    // Following 200 streams opened no connection beyond the reader's two.
    expect(await clientCount()).toBe(before);
    for (const s of streams) await writer.append(s, 'live');
    for (const s of streams) await writer.end(s, 60_000);
    for (const r of results) expect(await r).toEqual(['start', 'live']);
    expect(reader.followerCount).toBe(0);
    expect(reader.watchedStreamCount).toBe(0);
    await writer.close();
    await reader.close();
  });

  it('adds a stream to a reader that is already blocked, without waiting for its block timeout', async () => {
    const writer = await connect();
    // A block this long would fail the test's wait if joining had to wait for it.
    const reader = await connect({ blockMs: 120_000 });
    await writer.append('blocked-a', 'x');
    const a = collect(reader.follow('blocked-a', null, { signal: new AbortController().signal }));
    await waitFor(() => reader.watchedStreamCount === 1);
    await new Promise((r) => setTimeout(r, 50)); // the reader is now inside XREAD BLOCK for blocked-a only
    await writer.append('blocked-b', 'y');
    const got: string[] = [];
    const b = (async () => {
      for await (const e of reader.follow('blocked-b', null, { signal: new AbortController().signal }))
        got.push(e.data);
    })();
    await waitFor(() => got.length === 1);
    await writer.append('blocked-b', 'z');
    await waitFor(() => got.length === 2, 3_000);
    await writer.end('blocked-a', 60_000);
    await writer.end('blocked-b', 60_000);
    await Promise.all([a, b]);
    expect(got).toEqual(['y', 'z']);
    await writer.close();
    await reader.close();
  });

  it('a follower joining late catches up with a stream other followers are already reading', async () => {
    const writer = await connect();
    const reader = await connect();
    await writer.append('late', '1');
    const early: string[] = [];
    const run = (async () => {
      for await (const e of reader.follow('late', null, { signal: new AbortController().signal }))
        early.push(e.data);
    })();
    for (let i = 2; i <= 20; i++) await writer.append('late', String(i));
    await waitFor(() => early.length === 20);
    const late = collect(reader.follow('late', null, { signal: new AbortController().signal }));
    for (let i = 21; i <= 30; i++) await writer.append('late', String(i));
    await writer.end('late', 60_000);
    await run;
    const expected = Array.from({ length: 30 }, (_, i) => String(i + 1));
    expect(early).toEqual(expected);
    expect((await late).map((e) => e.data)).toEqual(expected);
    await writer.close();
    await reader.close();
  });

  it('a resume id beyond the tail does not make other followers skip events', async () => {
    const writer = await connect();
    const reader = await connect();
    await writer.append('future', 'a');
    const ahead = reader.follow('future', '99999999999999-0', { signal: new AbortController().signal });
    const aheadRun = collect(ahead);
    await waitFor(() => reader.watchedStreamCount === 1);
    const normal = collect(reader.follow('future', null, { signal: new AbortController().signal }));
    await writer.append('future', 'b');
    await writer.end('future', 60_000);
    expect((await normal).map((e) => e.data)).toEqual(['a', 'b']);
    expect(await aheadRun).toEqual([]);
    await writer.close();
    await reader.close();
  });

  it('delivers its own appends to a slow local follower in order, each once', async () => {
    const log = await connect();
    await log.append('local', '0');
    const iterator = log
      .follow('local', null, { signal: new AbortController().signal })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).value.data).toBe('0');
    // More than a follower may queue: the overflow is re-read from Redis.
    for (let i = 1; i <= 1_500; i++) await log.append('local', String(i));
    await log.end('local', 60_000);
    const rest: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value.data);
    expect(rest).toEqual(Array.from({ length: 1_500 }, (_, i) => String(i + 1)));
    await log.close();
  });

  it('sets a safety expiry on the first append and the retention on end', async () => {
    const log = await connect({ maxStreamAgeMs: 3_600_000 });
    await log.append('expiry', 'a');
    const key = `${prefix}events:expiry`;
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(3_000_000);
    expect(pttl).toBeLessThanOrEqual(3_600_000);
    await log.end('expiry', 5_000);
    expect(await raw.pttl(key)).toBeLessThanOrEqual(5_000);
    expect(await raw.type(key)).toBe('stream');
    await log.close();
  });

  it('close() ends live followers', async () => {
    const log = await connect();
    await log.append('closing', 'a');
    const run = collect(log.follow('closing', null, { signal: new AbortController().signal }));
    await waitFor(() => log.watchedStreamCount === 1);
    await log.close();
    expect((await run).map((e) => e.data)).toEqual(['a']);
  });

  it('refuses to connect to a Redis that is not there, naming it', async () => {
    await expect(
      RedisEventLog.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 }),
    ).rejects.toThrow(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('turns a lost connection into service_unavailable', async () => {
    const log = await connect();
    await log.close();
    const failing = await log.append('x', 'y').catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(ServiceUnavailableError);
    expect((failing as ServiceUnavailableError).details).toEqual({ dependency: 'event_log' });
  });

  async function clientCount(): Promise<number> {
    const list = (await raw.client('LIST')) as string;
    return list.trim().split('\n').length;
  }
});

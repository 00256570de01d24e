import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { collect, describeEventLogContract, waitFor } from './event-log.contract.js';
import { MemoryEventLog } from './memory-event-log.js';

describeEventLogContract('memory', async () => new MemoryEventLog(), {
  foreignId: '1732540000000-0',
  farAheadId: '999999999',
});

describe('MemoryEventLog', () => {
  it('numbers events 1, 2, 3 ... per stream', async () => {
    const log = new MemoryEventLog();
    expect(await log.append('a', 'x')).toBe('1');
    expect(await log.append('a', 'y')).toBe('2');
    expect(await log.append('b', 'z')).toBe('1');
    await log.end('a', 60_000);
    expect(await collect(log.follow('a', '0', { signal: new AbortController().signal }))).toEqual([
      { id: '1', data: 'x' },
      { id: '2', data: 'y' },
    ]);
    await log.close();
  });

  it('removes followers and their abort listeners when they stop', async () => {
    const log = new MemoryEventLog();
    await log.append('s', 'first');
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const runs = controllers.map(async (c) => {
      for await (const _ of log.follow('s', null, { signal: c.signal })) {
        // reading
      }
    });
    await waitFor(() => log.followerCount === 50);
    await waitFor(() => controllers.every((c) => getEventListeners(c.signal, 'abort').length === 1));
    for (const c of controllers.slice(0, 25)) c.abort();
    await Promise.all(runs.slice(0, 25));
    expect(log.followerCount).toBe(25);
    await log.end('s', 60_000);
    await Promise.all(runs);
    expect(log.followerCount).toBe(0);
    for (const c of controllers) expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    await log.close();
  });

  it('stops a follower waiting for a stream to start when aborted, leaving nothing behind', async () => {
    const log = new MemoryEventLog();
    const controller = new AbortController();
    const run = collect(log.follow('later', null, { signal: controller.signal, waitForStartMs: 600_000 }));
    await waitFor(() => getEventListeners(controller.signal, 'abort').length === 1);
    controller.abort();
    expect(await run).toEqual([]);
    expect(log.followerCount).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await log.close();
  });

  it('close() ends pending followers and refuses further writes', async () => {
    const log = new MemoryEventLog();
    await log.append('s', 'a');
    const run = collect(log.follow('s', null, { signal: new AbortController().signal }));
    await waitFor(() => log.followerCount === 1);
    await log.close();
    expect((await run).map((e) => e.data)).toEqual(['a']);
    await expect(log.append('s', 'b')).rejects.toThrow(/closed/);
  });

  it('holds many streams and forgets each after its retention', async () => {
    const log = new MemoryEventLog();
    for (let i = 0; i < 1_000; i++) {
      await log.append(`s${i}`, 'x');
      await log.end(`s${i}`, 20);
    }
    expect(log.streamCount).toBe(1_000);
    await waitFor(() => log.streamCount === 0);
    await log.close();
  });
});

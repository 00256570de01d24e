import { InvalidLastEventIdError } from '../../errors.js';
import type { EventLog, LoggedEvent } from './event-log.js';

/**
 * One stream, stored compactly: the event payloads in append order and nothing per event besides the
 * string itself. An event's id is its position plus one, so ids are "1", "2", ... and need no storage.
 */
interface Stream {
  readonly events: string[];
  ended: boolean;
  dropTimer: NodeJS.Timeout | undefined;
}

// Decimal integers without sign or leading zeros, small enough to be exact as a JavaScript number.
const MEMORY_ID = /^(?:0|[1-9][0-9]{0,14})$/;

/**
 * The event log for a single process (the embedded default): streams live in memory, followers are woken
 * by the append itself (no polling), and an ended stream is dropped `retainMs` after `end()`.
 * Ids are increasing decimal strings per stream: "1", "2", ... (`afterId` "0" means "from the start").
 *
 * @example
 * const log = new MemoryEventLog();
 * await log.append('reply:msg_1', '{"type":"text","text":"Hi"}'); // "1"
 * await log.end('reply:msg_1', 60_000);
 * for await (const event of log.follow('reply:msg_1', null, { signal })) send(event.id, event.data);
 */
export class MemoryEventLog implements EventLog {
  readonly kind = 'memory' as const;
  private readonly streams = new Map<string, Stream>();
  // Wake-ups per stream key, kept apart from `streams` so a follower can wait for a stream that does not
  // exist yet (`waitForStartMs`). A waiter is removed as soon as it is woken or its follower stops.
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;
  private following = 0;

  async append(stream: string, data: string): Promise<string> {
    if (this.closed) throw new Error('The event log is closed');
    let entry = this.streams.get(stream);
    if (!entry) {
      entry = { events: [], ended: false, dropTimer: undefined };
      this.streams.set(stream, entry);
    }
    if (entry.ended) throw new Error(`Cannot append to stream ${stream}: it has ended`);
    entry.events.push(data);
    this.wake(stream);
    return String(entry.events.length);
  }

  async end(stream: string, retainMs: number): Promise<void> {
    if (this.closed) throw new Error('The event log is closed');
    let entry = this.streams.get(stream);
    if (!entry) {
      // Ending a stream that never had an event still tells late readers "finished, nothing to replay".
      entry = { events: [], ended: true, dropTimer: undefined };
      this.streams.set(stream, entry);
    }
    entry.ended = true;
    if (entry.dropTimer) clearTimeout(entry.dropTimer);
    const dropping = entry;
    entry.dropTimer = setTimeout(
      () => {
        if (this.streams.get(stream) === dropping) this.streams.delete(stream);
        this.wake(stream);
      },
      Math.max(0, retainMs),
    );
    // The retention timer must never keep a process alive that has nothing else to do.
    entry.dropTimer.unref();
    this.wake(stream);
  }

  follow(
    stream: string,
    afterId: string | null,
    options: { signal: AbortSignal; waitForStartMs?: number },
  ): AsyncIterable<LoggedEvent> {
    // Validated here rather than inside the generator, so a bad Last-Event-ID fails before a route has
    // committed to a 200 event stream.
    const after = parseMemoryId(afterId);
    return this.iterate(stream, after, options.signal, options.waitForStartMs);
  }

  async isOpen(stream: string): Promise<boolean> {
    const entry = this.streams.get(stream);
    return entry !== undefined && !entry.ended;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.streams.values()) if (entry.dropTimer) clearTimeout(entry.dropTimer);
    this.streams.clear();
    for (const key of [...this.waiters.keys()]) this.wake(key);
  }

  /** How many `follow` iterators are running (diagnostics and leak tests). */
  get followerCount(): number {
    return this.following;
  }

  /** How many streams are held, open or retained after their end (diagnostics and tests). */
  get streamCount(): number {
    return this.streams.size;
  }

  private async *iterate(
    stream: string,
    after: number,
    signal: AbortSignal,
    waitForStartMs: number | undefined,
  ): AsyncGenerator<LoggedEvent> {
    let next = after; // index of the next event to yield
    let startDeadline: number | undefined =
      waitForStartMs !== undefined && waitForStartMs > 0 ? Date.now() + waitForStartMs : undefined;
    this.following++;
    try {
      while (!signal.aborted && !this.closed) {
        const entry = this.streams.get(stream);
        if (!entry) {
          // Never written, or dropped after its retention: wait only for a first event, and only if asked.
          const remaining = startDeadline === undefined ? 0 : startDeadline - Date.now();
          if (remaining <= 0) return;
          await this.waitFor(stream, signal, remaining);
          continue;
        }
        startDeadline = undefined;
        while (next < entry.events.length) {
          const data = entry.events[next] as string;
          next++;
          yield { id: String(next), data };
          if (signal.aborted) return;
        }
        if (entry.ended) return;
        await this.waitFor(stream, signal);
      }
    } finally {
      this.following--;
    }
  }

  /** Resolves on the next append/end/drop of `stream`, on abort, on close, or after `timeoutMs`. */
  private waitFor(stream: string, signal: AbortSignal, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(stream);
      if (!set) {
        set = new Set();
        this.waiters.set(stream, set);
      }
      const waiters = set;
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(stream) === waiters) this.waiters.delete(stream);
        signal.removeEventListener('abort', done);
        if (timer) clearTimeout(timer);
        resolve();
      };
      waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
    });
  }

  private wake(stream: string): void {
    const set = this.waiters.get(stream);
    if (!set) return;
    for (const done of [...set]) done();
  }
}

function parseMemoryId(afterId: string | null): number {
  if (afterId === null) return 0;
  if (!MEMORY_ID.test(afterId)) {
    throw new InvalidLastEventIdError('The last event id is not an id of this event stream', {
      details: { last_event_id: afterId.length > 64 ? `${afterId.slice(0, 64)}…` : afterId },
    });
  }
  return Number(afterId);
}

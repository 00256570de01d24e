import type { Redis } from 'ioredis';
import { InvalidLastEventIdError } from '../../errors.js';
import { redisClient, redisConnectError, runRedis } from '../redis-connection.js';
import type { EventLog, LoggedEvent } from './event-log.js';

// A stream is a Redis stream under `<prefix>events:<name>`. Events are entries with one field `d`; the
// end is an entry with the field `end`. Both scripts read the last entry first, so an ended stream refuses
// further appends and a second end() does not add a second marker.
const APPEND = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if last ~= nil and last[2][1] == 'end' then return redis.error_reply('NEXUS_ENDED stream has ended') end
local id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return id
`;

const END = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local id
if last ~= nil and last[2][1] == 'end' then id = last[1] else id = redis.call('XADD', KEYS[1], '*', 'end', '1') end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return id
`;

const IS_OPEN = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if last == nil or last[2][1] == 'end' then return 0 end
return 1
`;

interface ScriptedRedis extends Redis {
  nexusEventAppend(key: string, data: string, maxAgeMs: number): Promise<string>;
  nexusEventEnd(key: string, retainMs: number): Promise<string>;
  nexusEventIsOpen(key: string): Promise<number>;
}

/** An entry as followers receive it: `data` null is the end marker. */
interface Entry {
  id: string;
  data: string | null;
}

interface Follower {
  lastId: string;
  queue: Entry[];
  /** The queue overflowed (a slow consumer): it was dropped, and the follower re-reads from Redis. */
  overflowed: boolean;
  wake: (() => void) | undefined;
}

/** The followed streams of this instance, keyed by full Redis key. */
interface KeyState {
  /**
   * Where the shared reader continues (`XREAD ... <cursor>`). Null until the first follower has finished
   * its replay: the reader starts from the end of that replay, not from the beginning of the stream.
   */
  cursor: string | null;
  readonly followers: Set<Follower>;
}

const REDIS_ID = /^(?:0|[1-9][0-9]{0,19})-(?:0|[1-9][0-9]{0,19})$/;
const PAGE = 500;
const READ_COUNT = 256;
// Entries a follower may hold that its consumer has not taken yet. Beyond that the queue is dropped and
// the follower catches up from Redis with XRANGE: the log is the buffer, so a stalled client costs no memory.
const MAX_QUEUED = 1_024;
const DAY_MS = 86_400_000;

export interface RedisEventLogOptions {
  url: string;
  /** Prepended to every key (streams live under `<prefix>events:<stream>`). */
  keyPrefix?: string;
  connectTimeoutMs?: number;
  /**
   * Safety expiry set on a stream's first append: a writer that dies before `end()` must not leave its
   * stream in Redis forever. `end()` replaces it with `retainMs`. Default 24 hours; it must be longer than
   * any reply takes to generate.
   */
  maxStreamAgeMs?: number;
  /**
   * Upper bound of one `XREAD BLOCK`. New followers interrupt the block at once (CLIENT UNBLOCK); this
   * only bounds the delay if such an interruption is lost in a race. Default 5 s.
   */
  blockMs?: number;
  /**
   * Pause after an XREAD that returned entries, so the next one collects a batch instead of a single
   * entry. Only events from other instances wait for it. Default 5 ms; 0 reads again at once.
   */
  coalesceMs?: number;
}

/**
 * The event log on Redis Streams, shared by every instance: a reply written on one instance can be
 * followed, and resumed from any `Last-Event-ID`, on another.
 *
 * One XADD per append (ids are Redis stream ids such as "1732540000000-0", increasing per stream).
 * Followers replay with XRANGE in pages, then go live. Live reading does not cost a connection per
 * follower: one dedicated connection per RedisEventLog runs a single `XREAD BLOCK` over every stream
 * this instance currently follows and hands entries to the local followers. Events appended by this
 * instance reach its own followers at once, without waiting for Redis; duplicates are dropped by id.
 * A stream is assumed to have one writer at a time (one reply is generated in one place).
 *
 * @example
 * const log = await RedisEventLog.connect({ url: 'redis://127.0.0.1:6379', keyPrefix: 'nexus:' });
 * const id = await log.append('reply:msg_1', '{"type":"text","text":"Hi"}'); // "1732540000000-0"
 * for await (const event of log.follow('reply:msg_1', null, { signal })) send(event.id, event.data);
 */
export class RedisEventLog implements EventLog {
  readonly kind = 'redis' as const;
  private readonly client: ScriptedRedis;
  // Blocking XREAD occupies a connection, so the reader has its own.
  private readonly reader: Redis;
  private readerId: number | undefined;
  private readonly prefix: string;
  private readonly maxStreamAgeMs: number;
  private readonly blockMs: number;
  private readonly coalesceMs: number;
  private readonly keys = new Map<string, KeyState>();
  private closed = false;
  private loop: Promise<void> | undefined;
  private blocked = false;
  private unblocking = false;
  private dirty = false;
  private idle: (() => void) | undefined;
  private following = 0;

  private constructor(options: RedisEventLogOptions) {
    this.prefix = `${options.keyPrefix ?? ''}events:`;
    this.maxStreamAgeMs = options.maxStreamAgeMs ?? DAY_MS;
    this.blockMs = options.blockMs ?? 5_000;
    this.coalesceMs = options.coalesceMs ?? 5;
    this.client = redisClient(options.url, options.connectTimeoutMs) as ScriptedRedis;
    this.client.defineCommand('nexusEventAppend', { numberOfKeys: 1, lua: APPEND });
    this.client.defineCommand('nexusEventEnd', { numberOfKeys: 1, lua: END });
    this.client.defineCommand('nexusEventIsOpen', { numberOfKeys: 1, lua: IS_OPEN });
    this.reader = this.client.duplicate();
    this.reader.on('error', () => {});
    // The reader's client id changes with every reconnect; CLIENT UNBLOCK needs the current one.
    this.reader.on('ready', () => {
      this.reader.client('ID').then(
        (id) => {
          this.readerId = id;
        },
        () => {
          this.readerId = undefined;
        },
      );
    });
  }

  /** Connects both connections and checks them; rejects when Redis cannot be reached. */
  static async connect(options: RedisEventLogOptions): Promise<RedisEventLog> {
    const log = new RedisEventLog(options);
    try {
      await log.client.connect();
      await log.reader.connect();
      log.readerId = await log.reader.client('ID');
    } catch (error) {
      log.client.disconnect();
      log.reader.disconnect();
      throw redisConnectError(options.url, error);
    }
    log.loop = log.readLoop();
    return log;
  }

  async append(stream: string, data: string): Promise<string> {
    const key = this.k(stream);
    let id: string;
    try {
      id = await this.run(() => this.client.nexusEventAppend(key, data, this.maxStreamAgeMs));
    } catch (error) {
      if ((error as Error).message.includes('NEXUS_ENDED')) {
        throw new Error(`Cannot append to stream ${stream}: it has ended`, { cause: error });
      }
      throw error;
    }
    this.deliver(key, [{ id, data }]);
    return id;
  }

  async end(stream: string, retainMs: number): Promise<void> {
    const key = this.k(stream);
    const id = await this.run(() => this.client.nexusEventEnd(key, Math.max(1, Math.floor(retainMs))));
    this.deliver(key, [{ id, data: null }]);
  }

  follow(
    stream: string,
    afterId: string | null,
    options: { signal: AbortSignal; waitForStartMs?: number },
  ): AsyncIterable<LoggedEvent> {
    // Validated here rather than inside the generator, so a bad Last-Event-ID fails before a route has
    // committed to a 200 event stream.
    if (afterId !== null && !REDIS_ID.test(afterId)) {
      throw new InvalidLastEventIdError('The last event id is not an id of this event stream', {
        details: { last_event_id: afterId.length > 64 ? `${afterId.slice(0, 64)}…` : afterId },
      });
    }
    return this.iterate(this.k(stream), afterId ?? '0-0', options.signal, options.waitForStartMs);
  }

  async isOpen(stream: string): Promise<boolean> {
    return (await this.run(() => this.client.nexusEventIsOpen(this.k(stream)))) === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const state of this.keys.values()) for (const follower of state.followers) follower.wake?.();
    this.idle?.();
    // Cuts a blocked XREAD short; the loop sees `closed` and exits.
    this.reader.disconnect();
    await this.loop;
    await Promise.allSettled([this.client.quit()]);
    this.client.disconnect();
  }

  /** How many `follow` iterators are running (diagnostics and leak tests). */
  get followerCount(): number {
    return this.following;
  }

  /** How many streams the shared reader is watching for this instance's followers. */
  get watchedStreamCount(): number {
    return this.keys.size;
  }

  private async *iterate(
    key: string,
    afterId: string,
    signal: AbortSignal,
    waitForStartMs: number | undefined,
  ): AsyncGenerator<LoggedEvent> {
    if (signal.aborted || this.closed) return;
    const follower: Follower = { lastId: afterId, queue: [], overflowed: false, wake: undefined };
    // Registered before the replay, so nothing appended meanwhile can fall between replay and live.
    let state = this.keys.get(key);
    if (!state) {
      state = { cursor: null, followers: new Set() };
      this.keys.set(key, state);
    }
    state.followers.add(follower);
    const onAbort = () => follower.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    this.following++;
    try {
      let seen = false;
      // 1. Replay what is already there.
      for await (const entry of this.range(key, follower.lastId, '+')) {
        seen = true;
        if (entry.data === null) return;
        follower.lastId = entry.id;
        yield { id: entry.id, data: entry.data };
        if (signal.aborted || this.closed) return;
      }
      let startDeadline: number | undefined;
      // Where the shared reader may start: the last id Redis has shown us. Never the caller's afterId
      // when nothing was replayed, as an id beyond the stream's tail would make the reader skip entries
      // for every other follower of the stream.
      let joinAt = follower.lastId;
      if (!seen) {
        const [tail] = await this.run(() => this.client.xrevrange(key, '+', '-', 'COUNT', 1));
        if (!tail) {
          if (waitForStartMs === undefined || waitForStartMs <= 0) return;
          startDeadline = Date.now() + waitForStartMs;
          joinAt = '0-0';
        } else {
          if (toEntry(tail[0], tail[1]).data === null) return; // ended, and we are past its last event
          if (compareIds(tail[0], joinAt) < 0) joinAt = tail[0];
        }
      }
      // 2. Join the shared reader. When it is already past our position (other followers of this
      //    stream), read the gap up to its cursor; everything after the cursor reaches our queue.
      if (state.cursor === null) {
        state.cursor = joinAt;
        this.kick();
      } else if (compareIds(state.cursor, follower.lastId) > 0) {
        for await (const entry of this.range(key, follower.lastId, state.cursor)) {
          seen = true;
          if (entry.data === null) return;
          follower.lastId = entry.id;
          yield { id: entry.id, data: entry.data };
          if (signal.aborted || this.closed) return;
        }
      }
      // 3. Live.
      for (;;) {
        if (follower.overflowed) {
          follower.overflowed = false;
          for await (const entry of this.range(key, follower.lastId, '+')) {
            if (entry.data === null) return;
            follower.lastId = entry.id;
            yield { id: entry.id, data: entry.data };
            if (signal.aborted || this.closed) return;
          }
        }
        const batch = follower.queue;
        follower.queue = [];
        for (const entry of batch) {
          // The end ends every follower, even one that asked to resume beyond the stream's last id.
          if (entry.data === null) return;
          if (compareIds(entry.id, follower.lastId) <= 0) continue; // delivered twice (local + reader)
          seen = true;
          follower.lastId = entry.id;
          yield { id: entry.id, data: entry.data };
          if (signal.aborted || this.closed) return;
        }
        if (signal.aborted || this.closed) return;
        if (follower.queue.length > 0 || follower.overflowed) continue;
        let timer: NodeJS.Timeout | undefined;
        if (!seen && startDeadline !== undefined) {
          const remaining = startDeadline - Date.now();
          if (remaining <= 0) return;
          await new Promise<void>((resolve) => {
            follower.wake = resolve;
            timer = setTimeout(resolve, remaining);
          });
          clearTimeout(timer);
        } else {
          await new Promise<void>((resolve) => {
            follower.wake = resolve;
          });
        }
        follower.wake = undefined;
      }
    } catch (error) {
      // close() cut the connection under a replay: that is the end promised to followers, not a failure.
      if (this.closed) return;
      throw error;
    } finally {
      this.following--;
      signal.removeEventListener('abort', onAbort);
      state.followers.delete(follower);
      // The reader drops the key from its next XREAD; no need to interrupt it for that.
      if (state.followers.size === 0 && this.keys.get(key) === state) this.keys.delete(key);
    }
  }

  /**
   * Entries after `afterId` (exclusive) up to `end` (inclusive, or "+"), read page by page as the
   * consumer takes them, so replaying a long stream to a slow client holds one page at most.
   */
  private async *range(key: string, afterId: string, end: string): AsyncGenerator<Entry> {
    let from = afterId;
    for (;;) {
      const page = await this.run(() => this.client.xrange(key, `(${from}`, end, 'COUNT', PAGE));
      for (const [id, fields] of page) yield toEntry(id, fields);
      if (page.length < PAGE) return;
      from = page[page.length - 1]![0];
    }
  }

  /** Hands entries to this instance's followers of `key` (the reader and local appends both use it). */
  private deliver(key: string, entries: Entry[]): void {
    const state = this.keys.get(key);
    if (!state) return;
    for (const follower of state.followers) {
      if (!follower.overflowed) {
        for (const entry of entries) {
          if (entry.data === null || compareIds(entry.id, follower.lastId) > 0) follower.queue.push(entry);
        }
        if (follower.queue.length > MAX_QUEUED) {
          follower.queue = [];
          follower.overflowed = true;
        }
      }
      follower.wake?.();
    }
  }

  /**
   * The set of followed streams changed. A blocked XREAD only watches the keys it was sent with, so it is
   * interrupted with CLIENT UNBLOCK from the command connection (the XREAD then returns as if timed out,
   * and the loop re-sends it with the new key set). This was chosen over a short block timeout, which
   * would either delay new followers or wake 1,000 idle streams' worth of XREAD many times a second.
   * Bursts of joins are coalesced: at most one UNBLOCK is in flight. If one arrives just before the XREAD
   * it was meant for, `blockMs` bounds the delay.
   */
  private kick(): void {
    this.dirty = true;
    if (this.idle) {
      const wake = this.idle;
      this.idle = undefined;
      wake();
      return;
    }
    this.unblock();
  }

  private unblock(): void {
    if (!this.dirty || !this.blocked || this.unblocking || this.readerId === undefined) return;
    this.unblocking = true;
    this.client
      .client('UNBLOCK', this.readerId)
      .catch(() => undefined)
      .finally(() => {
        this.unblocking = false;
        // A follower that joined while this UNBLOCK was in flight may have missed the XREAD it rebuilt.
        this.unblock();
      });
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      this.dirty = false;
      const keys: string[] = [];
      const ids: string[] = [];
      for (const [key, state] of this.keys) {
        if (state.cursor === null) continue;
        keys.push(key);
        ids.push(state.cursor);
      }
      if (keys.length === 0) {
        await new Promise<void>((resolve) => {
          this.idle = resolve;
        });
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      this.blocked = true;
      try {
        reply = await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...keys,
          ...ids,
        );
        failures = 0;
      } catch {
        if (this.closed) return;
        // Redis is unreachable: followers keep their positions and resume when it is back.
        failures++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(failures * 200, 2_000)));
        continue;
      } finally {
        this.blocked = false;
      }
      if (!reply) continue;
      const received = Date.now();
      for (const [key, items] of reply) {
        const state = this.keys.get(key);
        if (!state || state.cursor === null || items.length === 0) continue;
        const entries = items.map(([id, fields]) => toEntry(id, fields));
        const last = entries[entries.length - 1]!.id;
        if (compareIds(last, state.cursor) > 0) state.cursor = last;
        this.deliver(key, entries);
      }
      // Each XREAD names every followed stream (2,000 arguments for 1,000 streams). Under load it would
      // return with a few entries and be re-sent at once, thousands of times a second; a short pause
      // lets entries pile up so each round trip carries a batch. Events appended on this instance do not
      // wait for it (they are delivered locally); only other instances' events gain up to this delay.
      const pause = this.coalesceMs - (Date.now() - received);
      if (pause > 0 && !this.closed) await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private k(stream: string): string {
    return this.prefix + stream;
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return runRedis(operation, 'The event log is unavailable', 'event_log');
  }
}

function toEntry(id: string, fields: string[]): Entry {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'd') return { id, data: fields[i + 1] ?? '' };
  }
  return { id, data: null };
}

/** Orders Redis stream ids ("<ms>-<seq>", no leading zeros) numerically without parsing to numbers. */
export function compareIds(a: string, b: string): number {
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  return (
    compareDigits(a.slice(0, dashA), b.slice(0, dashB)) ||
    compareDigits(a.slice(dashA + 1), b.slice(dashB + 1))
  );
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The event-log port: an append-only, replayable log of events per stream key (one per streaming reply).
 * A writer appends events as a reply is generated; any number of readers — on this instance or another —
 * follow it from any point (`Last-Event-ID`), first replaying what they missed, then receiving new events
 * live, until the writer ends the stream. `MemoryEventLog` serves one process (embedded default);
 * `RedisEventLog` (Redis Streams) is shared by every instance. Both pass the same contract suite
 * (event-log.contract.ts).
 */
export interface EventLog {
  readonly kind: 'memory' | 'redis';
  /**
   * Appends one event and returns its id. Ids are strings that increase within a stream, and are what
   * readers pass back as `afterId` (SSE `id:` / `Last-Event-ID`).
   */
  append(stream: string, data: string): Promise<string>;
  /**
   * Marks the stream as ended after its last event: followers finish once they have read everything.
   * The log is kept for `retainMs` so late readers can still replay it, then dropped.
   */
  end(stream: string, retainMs: number): Promise<void>;
  /**
   * The events after `afterId` (all of them when null), then live events as they are appended, until the
   * stream has ended and been read to its end, or `signal` aborts (the iterator then just returns).
   * A stream that does not exist (never written, or already dropped) yields nothing and returns at once
   * unless `waitForStartMs` is given: then it waits that long for a first event.
   */
  follow(
    stream: string,
    afterId: string | null,
    options: { signal: AbortSignal; waitForStartMs?: number },
  ): AsyncIterable<LoggedEvent>;
  /** Whether the stream exists and has not ended. */
  isOpen(stream: string): Promise<boolean>;
  /** Stops background readers; pending `follow` iterators return. */
  close(): Promise<void>;
}

export interface LoggedEvent {
  id: string;
  data: string;
}

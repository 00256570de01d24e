import WebSocket from 'ws';

/** A server event as received: `type`, `event_id` and the rest of the JSON. */
export type RealtimeEvent = { type: string; event_id: string } & Record<string, unknown>;

/**
 * A `ws` client of `GET /v1/realtime` for tests: keeps every event received, in order, and lets a test
 * wait for the next one that matches (events already received count), and for the close.
 */
export class RealtimeClient {
  readonly events: RealtimeEvent[] = [];
  /** Resolves with the close code and reason once the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.events.push(JSON.parse(String(data)) as RealtimeEvent);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
        this.wake();
      });
    });
    socket.on('error', () => undefined);
  }

  /** Opens a socket to `<base>/v1/realtime` (http → ws). */
  static open(
    base: string,
    options: { headers?: Record<string, string>; autoPong?: boolean } = {},
  ): Promise<RealtimeClient> {
    const url = `${base.replace(/^http/, 'ws')}/v1/realtime`;
    const socket = new WebSocket(url, {
      ...(options.headers ? { headers: options.headers } : {}),
      autoPong: options.autoPong ?? true,
    });
    const client = new RealtimeClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(event: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(event));
  }

  /** Sends a frame as is: text, or a binary frame. */
  sendRaw(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  /**
   * The next event (after those already returned) for which `match` holds; events skipped on the way
   * are consumed. Rejects if the socket closes first.
   */
  async next(match: string | ((event: RealtimeEvent) => boolean) = () => true): Promise<RealtimeEvent> {
    const test = typeof match === 'string' ? (e: RealtimeEvent) => e.type === match : match;
    for (;;) {
      while (this.cursor < this.events.length) {
        const event = this.events[this.cursor++]!;
        if (test(event)) return event;
      }
      if (this.socket.readyState === WebSocket.CLOSED)
        throw new Error(
          `closed before the awaited event; got ${JSON.stringify(this.events.map((e) => e.type))}`,
        );
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Every event from the cursor up to and including the first one that matches. */
  async until(match: string | ((event: RealtimeEvent) => boolean)): Promise<RealtimeEvent[]> {
    const start = this.cursor;
    await this.next(match);
    return this.events.slice(start, this.cursor);
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A user message in the Realtime item shape. */
export function userItem(text: string) {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/** The text of the `response.output_text.delta` events among `events`. */
export function deltaText(events: RealtimeEvent[]): string {
  return events
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta as string)
    .join('');
}

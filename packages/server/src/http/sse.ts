import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidLastEventIdError } from '../errors.js';
import { trackOpenStream } from './telemetry.js';

/** One server-sent event. `data` may span lines: each line becomes its own `data:` field. */
export interface SseEvent {
  /** Becomes the client's `Last-Event-ID` when it reconnects. No line breaks or NUL. */
  id?: string;
  /** The event type (`addEventListener(type)` in browsers); "message" when left out. No line breaks. */
  event?: string;
  data: string;
}

export interface SseStream {
  /**
   * Writes one event. Resolves once the socket has taken it; when the socket buffer is full (a slow
   * client) it waits for `drain`, so memory per stream stays bounded as long as callers await each send.
   * After the stream has closed it resolves without writing (check `closed` or `signal`).
   */
  send(event: SseEvent): Promise<void>;
  /** Writes a `: text` comment line (clients ignore it; proxies see traffic). Same backpressure as `send`. */
  comment(text: string): Promise<void>;
  /** Ends the response. Safe to call more than once and after the client has gone. */
  close(): void;
  /** True once `close()` was called or the client went away. */
  readonly closed: boolean;
  /**
   * Aborts when nothing more can be written: the client went away (reason: an `AbortError` named
   * "the client closed the connection") or `close()` was called. Thread it into whatever produces events.
   */
  readonly signal: AbortSignal;
}

export interface OpenSseOptions {
  /** Interval of `: ping` comments that keep proxies from closing an idle stream; 0 disables them. */
  heartbeatMs: number;
  /** Extra response headers (the `content-type`, caching and request id headers are always set). */
  headers?: Record<string, string>;
  /** Sent as the `retry:` field: how long a browser waits before reconnecting. */
  retryMs?: number;
  /**
   * Use this controller for `signal` instead of a new one: create it first when a producer needs the
   * signal before the stream is opened (e.g. `eventLog.follow`, which validates `afterId` up front).
   */
  controller?: AbortController;
}

const LINE_BREAK = /\r\n|\r|\n/;
const BAD_FIELD = /[\r\n\0]/;

class StreamClosedError extends Error {
  override name = 'AbortError';
}

/**
 * Takes over a Fastify reply and turns it into a `text/event-stream` (status 200, `cache-control:
 * no-cache`, `x-accel-buffering: no` so nginx does not buffer, and the request id header). Headers
 * already set on the reply (the request id, CORS) are kept. Our own streaming routes use this; the
 * OpenAI-compatible route keeps OpenAI's chunk format.
 *
 * Call it only once nothing can fail as a JSON error any more (authorization done, `Last-Event-ID`
 * validated): from here on the status is 200.
 *
 * @example
 * const abort = new AbortController();
 * // Both throw invalid_last_event_id (400, JSON) before anything is sent:
 * const events = eventLog.follow(key, lastEventIdOf(request), { signal: abort.signal });
 * const sse = openSse(request, reply, { heartbeatMs: config.SSE_HEARTBEAT_MS, controller: abort });
 * for await (const e of events) await sse.send({ id: e.id, event: 'delta', data: e.data });
 * sse.close();
 * return reply;
 */
export function openSse(request: FastifyRequest, reply: FastifyReply, options: OpenSseOptions): SseStream {
  const raw = reply.raw;
  const controller = options.controller ?? new AbortController();
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  // Set while the socket buffer is full: every write waits for it, so a slow reader holds at most one
  // socket buffer (plus one event) instead of everything the producer made.
  let draining: Promise<void> | undefined;

  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    raw.off('close', onClientGone);
    controller.abort(new StreamClosedError(reason));
  };
  const onClientGone = () => finish('The client closed the connection');

  trackOpenStream(request, reply, 'sse');
  reply.hijack();
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value as string | number | string[];
  }
  Object.assign(headers, options.headers, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
  });
  raw.writeHead(200, headers);
  raw.once('close', onClientGone);
  if (raw.destroyed) onClientGone();

  const write = async (text: string): Promise<void> => {
    while (draining && !closed) await draining;
    if (closed || raw.destroyed || raw.writableEnded) return;
    if (raw.write(text)) return;
    draining = new Promise<void>((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        draining = undefined;
        resolve();
      };
      raw.on('drain', done);
      raw.on('close', done);
    });
    await draining;
  };

  // The first bytes go out at once, so clients and proxies see the stream open before the first event.
  void write(
    options.retryMs === undefined ? ': open\n\n' : `retry: ${Math.max(0, Math.floor(options.retryMs))}\n\n`,
  );
  if (options.heartbeatMs > 0) {
    heartbeat = setInterval(() => {
      // A full socket buffer already proves the connection is busy; a ping would only queue behind it.
      if (!draining) void write(': ping\n\n');
    }, options.heartbeatMs);
    heartbeat.unref();
  }

  return {
    send: (event) => write(encodeEvent(event)),
    comment: (text) => write(encodeComment(text)),
    close: () => {
      if (closed) return;
      finish('The stream was closed');
      if (!raw.destroyed && !raw.writableEnded) raw.end();
    },
    get closed() {
      return closed;
    },
    signal: controller.signal,
  };
}

/** Serializes one event in the `text/event-stream` format. Throws TypeError on a field that would break framing. */
export function encodeEvent(event: SseEvent): string {
  let out = '';
  if (event.id !== undefined) {
    if (BAD_FIELD.test(event.id)) throw new TypeError('An SSE id cannot contain line breaks or NUL');
    out += `id: ${event.id}\n`;
  }
  if (event.event !== undefined) {
    if (BAD_FIELD.test(event.event) || event.event === '') {
      throw new TypeError('An SSE event type must be non-empty and cannot contain line breaks');
    }
    out += `event: ${event.event}\n`;
  }
  for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

function encodeComment(text: string): string {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `: ${line}\n`;
  return `${out}\n`;
}

// Printable ASCII without spaces: every id our event logs produce fits, and nothing that could smuggle
// control characters into logs or upstream keys gets through.
const LAST_EVENT_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The id a reconnecting client last received: the `Last-Event-ID` header (what browsers' EventSource
 * sends on reconnect), else the `last_event_id` query parameter (for clients and proxies that cannot set
 * headers). The header wins because EventSource reconnects to the same URL: a query parameter from the
 * first connection would be stale. Null when neither is given (or empty: start from the beginning).
 * Throws `InvalidLastEventIdError` (400 `invalid_last_event_id`) for a value over 128 characters or with
 * spaces or control characters. Whether the id belongs to the stream is for the event log to decide.
 *
 * Routes that validate their query string must allow `last_event_id` in their schema.
 *
 * @example
 * const afterId = lastEventIdOf(request); // "42", or null
 */
export function lastEventIdOf(request: FastifyRequest): string | null {
  const header = request.headers['last-event-id'];
  if (header !== undefined) {
    const value = Array.isArray(header) ? header.join(',') : header;
    if (value !== '') return checkLastEventId(value, 'header');
  }
  const query = queryParameter(request, 'last_event_id');
  if (query !== undefined && query !== '') return checkLastEventId(query, 'query');
  return null;
}

function checkLastEventId(value: string, location: 'header' | 'query'): string {
  if (LAST_EVENT_ID.test(value)) return value;
  throw new InvalidLastEventIdError(
    location === 'header'
      ? 'The Last-Event-ID header must be 1–128 printable characters without spaces'
      : 'The last_event_id parameter must be 1–128 printable characters without spaces',
    { details: { location, name: location === 'header' ? 'Last-Event-ID' : 'last_event_id' } },
  );
}

function queryParameter(request: FastifyRequest, name: string): string | undefined {
  // Read from the URL, not request.query, so this works whatever the route's query schema did with it.
  const question = request.url.indexOf('?');
  if (question === -1) return undefined;
  const params = new URLSearchParams(request.url.slice(question + 1));
  const values = params.getAll(name);
  if (values.length > 1) {
    throw new InvalidLastEventIdError('The last_event_id parameter is given more than once', {
      details: { location: 'query', name },
    });
  }
  return values[0];
}

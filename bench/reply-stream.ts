/**
 * A lean server-sent-events client for conversation reply streams (`POST /v1/conversations/:id/messages`
 * with `stream: true`, `GET …/messages/:msgId/stream`), over node:http keep-alive sockets like
 * stream-load.ts, so that a thousand streams cost the load client little. Events are parsed as they arrive
 * (`id:`, `event:`, `data:`; comments skipped) and handed to `onEvent`, which can drop the connection right
 * after any event — a client going away mid-stream.
 */
import http from 'node:http';

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

export interface ReplyStreamOptions {
  agent: http.Agent;
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Called for each event with `performance.now()` at its arrival; return true to drop the connection. */
  onEvent?: (event: SseMessage, at: number) => boolean | undefined;
}

export interface ReplyStreamOutcome {
  status: number;
  /** The body of an answer that is not an event stream (an error's JSON), else ''. */
  body: string;
  /** The final event (`response.completed`, `response.cancelled` or `error`) when one arrived. */
  final: SseMessage | undefined;
  /** `onEvent` asked to drop the connection. */
  cut: boolean;
  /** A connection error, or a stream that ended without a final event. */
  error: string | undefined;
  startedAt: number;
  /** Arrival of the first `response.output_text.delta`. */
  firstDeltaAt: number | undefined;
  endedAt: number;
}

export const FINAL_EVENTS: ReadonlySet<string> = new Set([
  'response.completed',
  'response.cancelled',
  'error',
]);
export const DELTA_EVENT = 'response.output_text.delta';

export function openReplyStream(options: ReplyStreamOptions): Promise<ReplyStreamOutcome> {
  return new Promise((resolve) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const outcome: ReplyStreamOutcome = {
      status: 0,
      body: '',
      final: undefined,
      cut: false,
      error: undefined,
      startedAt: performance.now(),
      firstDeltaAt: undefined,
      endedAt: 0,
    };
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      outcome.endedAt = performance.now();
      if (error && !outcome.cut && !outcome.final) outcome.error = error;
      resolve(outcome);
    };
    const req = http.request(
      {
        agent: options.agent,
        method: options.method,
        hostname: '127.0.0.1',
        port: options.port,
        path: options.path,
        headers: {
          ...options.headers,
          accept: 'text/event-stream',
          ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
        },
      },
      (res) => {
        outcome.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        const isStream = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
        let buffer = '';
        res.on('data', (chunk: string) => {
          if (!isStream) {
            outcome.body += chunk;
            return;
          }
          const at = performance.now();
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const event = parseBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (!event) continue;
            if (event.event === DELTA_EVENT && outcome.firstDeltaAt === undefined) outcome.firstDeltaAt = at;
            if (FINAL_EVENTS.has(event.event)) outcome.final = event;
            if (options.onEvent?.(event, at) === true) {
              outcome.cut = true;
              req.destroy();
              settle();
              return;
            }
          }
        });
        res.on('end', () =>
          settle(isStream && !outcome.final ? 'the stream ended without a final event' : undefined),
        );
        res.on('error', (error) => settle(error.message));
        res.on('close', () => settle(outcome.final || !isStream ? undefined : 'the connection closed'));
      },
    );
    req.on('error', (error) => settle(error.message));
    req.end(body);
  });
}

function parseBlock(block: string): SseMessage | undefined {
  let id: string | undefined;
  let event = 'message';
  let data: string | undefined;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  return data === undefined ? undefined : { id, event, data };
}

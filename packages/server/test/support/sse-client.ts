/** One server-sent event as a client sees it; `json` is `data` parsed (undefined when it is not JSON). */
export interface ReceivedEvent {
  id: string | undefined;
  event: string;
  data: string;
  json: Record<string, unknown>;
}

export interface EventStreamResponse {
  status: number;
  headers: Headers;
  /** The body when the answer is not an event stream (an error's JSON). */
  body: unknown;
  /** The events, parsed as they arrive; ends when the server ends the stream or `close()` is called. */
  events: AsyncIterableIterator<ReceivedEvent>;
  /** Drops the connection (a client going away). */
  close(): void;
}

/**
 * A minimal `text/event-stream` client over fetch for tests: real sockets, so disconnects are real.
 * @example const res = await openEventStream(`${url}/v1/conversations/${id}/messages`, { method: 'POST', headers, body: { content: 'Hi', stream: true } });
 */
export async function openEventStream(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<EventStreamResponse> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'text/event-stream',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: controller.signal,
  });
  const isStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  let body: unknown;
  if (!isStream) {
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return {
    status: response.status,
    headers: response.headers,
    body,
    events: isStream && response.body ? parse(response.body, controller.signal) : empty(),
    close: () => controller.abort(),
  };
}

async function* empty(): AsyncIterableIterator<ReceivedEvent> {}

async function* parse(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncIterableIterator<ReceivedEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) yield event;
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

function parseBlock(block: string): ReceivedEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: `json` stays empty
  }
  return { id, event, data: text, json };
}

/** Reads events until (and including) the first one `stop` accepts, or the end of the stream. */
export async function readUntil(
  events: AsyncIterableIterator<ReceivedEvent>,
  stop: (event: ReceivedEvent) => boolean = () => false,
): Promise<ReceivedEvent[]> {
  const out: ReceivedEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) return out;
    out.push(next.value);
    if (stop(next.value)) return out;
  }
}

/** The final events of a reply stream. */
export const isFinal = (event: ReceivedEvent) =>
  event.event === 'response.completed' || event.event === 'response.cancelled' || event.event === 'error';

import { APIError } from '../errors.js';
import { decodeServerSentEvents } from './sse-decoder.js';
import type { OpenResponse, Transport } from './transport.js';

/**
 * A server-sent event stream of typed JSON events, iterated once with `for await`. Streams are never
 * retried once the response has arrived: a dropped connection throws `APIConnectionError` from the loop.
 * Leaving the loop early (`break`) closes the connection.
 * @example
 * const stream = await client.conversations.messages.createStream(conversationId, { content: 'Hi' });
 * for await (const event of stream) if (event.type === 'response.output_text.delta') process.stdout.write(event.delta);
 */
export class EventStream<E extends { type: string }> implements AsyncIterable<E> {
  /** The HTTP response (status, headers); its body is what the iteration reads. */
  readonly response: Response;
  /** The server's `x-request-id` of this stream. */
  readonly requestId: string | null;
  /** The `id:` of the last event received: resume from it where the API allows (conversation replies). */
  lastEventId: string | undefined;
  private used = false;
  private aborted = false;

  constructor(
    private readonly open: OpenResponse,
    private readonly transport: Transport,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.response = open.response;
    this.requestId = open.response.headers.get('x-request-id');
  }

  /** Closes the connection; a loop reading the stream then ends quietly. @example setTimeout(() => stream.abort(), 5_000); */
  abort(): void {
    this.aborted = true;
    this.open.abort();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<E, void, undefined> {
    if (this.used) throw new Error('This stream has already been read: a stream can be iterated once');
    this.used = true;
    const body = this.response.body;
    if (!body) return;
    const type = this.response.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) {
      await body.cancel().catch(() => undefined);
      throw new APIError({
        status: this.response.status,
        code: 'invalid_response',
        message: `Expected an event stream, got ${type || 'no content type'}`,
        requestId: this.requestId,
        headers: this.response.headers,
      });
    }
    try {
      for await (const sse of decodeServerSentEvents(body)) {
        if (sse.id !== undefined) this.lastEventId = sse.id;
        let data: unknown;
        try {
          data = JSON.parse(sse.data);
        } catch (cause) {
          throw new APIError({
            code: 'invalid_response',
            message: `An event's data is not JSON: ${sse.data.slice(0, 200)}`,
            requestId: this.requestId,
            cause,
          });
        }
        if (typeof data !== 'object' || data === null) continue;
        const event = data as { type?: unknown };
        if (typeof event.type !== 'string') event.type = sse.event;
        yield event as E;
      }
    } catch (error) {
      if (this.aborted && !this.signal?.aborted) return;
      throw this.transport.failure(error, this.signal, { timedOut: () => false }, this.open.retryCount);
    }
  }
}

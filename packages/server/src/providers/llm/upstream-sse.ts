import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { UpstreamError, upstreamHttpError, upstreamUnreachableError } from './language-model.js';

/**
 * The lean HTTP client of the chat hot path: one keep-alive agent per upstream, `node:http` requests and a
 * small server-sent-events parser. The openai SDK (fetch, undici, web streams, its own SSE decoder) cost
 * about a third of a gateway request's CPU; this does the same work for a fraction. Errors come out as the
 * same UpstreamErrors the SDK path gave, and an abort by the caller's signal rejects with its reason.
 */
export class UpstreamEndpoint {
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  private readonly target: { protocol: string; hostname: string; port: string; basePath: string };

  constructor(
    baseUrl: string,
    private readonly headers: Record<string, string>,
  ) {
    const url = new URL(baseUrl);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`unsupported upstream URL ${baseUrl}`);
    // LIFO hands out the most recently used socket: the pool stays small and warm under uneven load.
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, scheduling: 'lifo' });
    this.send = secure ? https.request : http.request;
    this.target = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      basePath: url.pathname.replace(/\/+$/, ''),
    };
  }

  /**
   * POSTs a JSON body to `path` (below the base URL) and resolves with the response once its headers have
   * arrived with a 2xx status. Other statuses reject with the upstream's error (its message, status and
   * `Retry-After`); no headers within `headersTimeoutMs` rejects with a retryable UpstreamError. The signal
   * aborts the request, and later the response body, at any point.
   */
  post(
    path: string,
    body: string,
    options: { signal: AbortSignal; headersTimeoutMs?: number | undefined; traceparent?: string | undefined },
  ): Promise<IncomingMessage> {
    const { signal } = options;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const request = this.send({
        protocol: this.target.protocol,
        hostname: this.target.hostname,
        port: this.target.port,
        path: this.target.basePath + path,
        method: 'POST',
        agent: this.agent,
        headers: {
          ...this.headers,
          ...(options.traceparent ? { traceparent: options.traceparent } : {}),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => request.destroy(signal.reason);
      const release = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (options.headersTimeoutMs) {
        const ms = options.headersTimeoutMs;
        timer = setTimeout(
          () =>
            request.destroy(
              new UpstreamError(`The upstream sent no response within the connect timeout (${ms} ms)`, {
                retryable: true,
              }),
            ),
          ms,
        );
      }
      request.once('error', (error) => {
        release();
        reject(signal.aborted ? signal.reason : toTransportError(error));
      });
      request.once('response', (response) => {
        clearTimeout(timer);
        // The signal keeps guarding the body; the listener goes when the response is done with.
        response.once('close', release);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(response);
        readErrorBody(response).then(
          (text) => reject(httpError(status, text, response.headers['retry-after'])),
          (error: unknown) => reject(signal.aborted ? signal.reason : toTransportError(error)),
        );
      });
      request.end(body);
    });
  }

  /** Frees the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}

const MAX_ERROR_BODY = 64 * 1024;

async function readErrorBody(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) {
    text += chunk as string;
    if (text.length > MAX_ERROR_BODY) {
      response.destroy();
      break;
    }
  }
  return text.slice(0, MAX_ERROR_BODY);
}

/** OpenAI's error body (`{"error":{"message","code"}}`), or whatever text came, as an UpstreamError. */
function httpError(status: number, text: string, retryAfter: string | string[] | undefined): UpstreamError {
  let message = text.trim().slice(0, 2000) || `HTTP ${status}`;
  let code: unknown;
  try {
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown; code?: unknown } | string;
      message?: unknown;
    };
    const error = parsed.error;
    if (typeof error === 'string') message = error;
    else if (error && typeof error.message === 'string') {
      message = error.message;
      code = error.code;
    } else if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return openAIHttpError(status, message, code, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
}

/**
 * An OpenAI-compatible upstream's HTTP error answer as an UpstreamError: a 404 about the model is the
 * upstream not serving it (OpenAI: code `model_not_found`), the caller's 404; the rest as for every adapter
 * (`upstreamHttpError`). Shared by this client and the openai SDK's errors (embeddings, `GET /models`).
 */
export function openAIHttpError(
  status: number,
  message: string,
  code: unknown,
  retryAfter: string | null | undefined,
  cause?: unknown,
): UpstreamError {
  if (status === 404 && (code === 'model_not_found' || /model/i.test(message))) {
    return new UpstreamError(message, {
      upstreamStatus: status,
      retryable: false,
      code: 'model_not_found',
      status: 404,
      ...(cause === undefined ? {} : { cause }),
      details: { upstream_status: status, param: 'model' },
    });
  }
  return upstreamHttpError(status, message, retryAfter, cause);
}

/** A connection that failed (or our own connect timeout) as a retryable UpstreamError. */
function toTransportError(error: unknown): UpstreamError {
  return error instanceof UpstreamError ? error : upstreamUnreachableError(error);
}

export interface SseEvent {
  /** The `event:` field, when the server named the event. */
  event: string | undefined;
  data: string;
}

/**
 * Server-sent events from text chunks, per the WHATWG rules that matter to API streams: LF, CRLF or CR line
 * ends (also split across chunks), `data:` lines joined with LF, `event:`, comments ignored, one optional
 * space after the colon. `push` returns the events the chunk completed; `end` the last one a server left
 * without its closing blank line.
 */
export class SseParser {
  private pending = '';
  private data = '';
  private hasData = false;
  private event: string | undefined;

  push(chunk: string): SseEvent[] {
    let text = this.pending + chunk;
    if (text.includes('\r')) {
      // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
      const tail = text.endsWith('\r') ? '\r' : '';
      text = (tail ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n') + tail;
    }
    const events: SseEvent[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.line(text.slice(start, end), events);
      start = end + 1;
    }
    this.pending = start === 0 ? text : text.slice(start);
    return events;
  }

  end(): SseEvent[] {
    const events: SseEvent[] = [];
    const rest = this.pending.replace(/\r$/, '');
    this.pending = '';
    if (rest !== '') this.line(rest, events);
    this.line('', events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.hasData) events.push({ event: this.event, data: this.data });
      this.data = '';
      this.hasData = false;
      this.event = undefined;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
    } else if (field === 'event') this.event = value;
  }
}

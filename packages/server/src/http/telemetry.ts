import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { context, SpanStatusCode } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { UnauthorizedError } from '../errors.js';
import { markCorrelated } from '../observability/logger.js';
import { type Metrics, type StreamKind, UNMATCHED_ROUTE } from '../observability/metrics.js';
import type { RequestTrace, Tracing } from '../observability/tracing.js';

export interface TelemetryDeps {
  metrics: Metrics;
  tracing: Tracing;
  /** `METRICS_TOKEN`: when set, `/metrics` wants `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

const TRACE = Symbol('nexus.trace');
const EDGE = Symbol('nexus.telemetry');
type Marked = IncomingMessage & { [TRACE]?: RequestTrace; [EDGE]?: TelemetryDeps };

/** Replies turned into streams: their histogram sample was taken when the stream opened. */
const streamed = new WeakSet<FastifyReply>();

/**
 * Metrics, traces and log correlation at the edge (docs/observability.md):
 * - every request gets a trace (the incoming W3C `traceparent`'s trace id, or a new one), whose ids are
 *   bound to `request.log` and, through the OpenTelemetry context, to every line logged while it is handled;
 *   the trace id goes back in `x-trace-id`;
 * - with spans on, a server span per request (named `METHOD /route/pattern`);
 * - `nexus_http_request_duration_seconds` from one `onResponse` hook (`reply.elapsedTime`);
 * - `GET /metrics` (absent when `METRICS_ENABLED=false`), optionally behind `METRICS_TOKEN`.
 *
 * Call it before any route is registered; the app's synchronous `onRequest` hook calls {@link enterRequest}.
 *
 * @example
 * installTelemetry(app, { metrics: container.metrics, tracing: container.tracing, metricsToken: config.METRICS_TOKEN });
 */
export function installTelemetry(app: FastifyInstance, deps: TelemetryDeps): void {
  const { metrics, tracing } = deps;
  app.setChildLoggerFactory((logger, bindings, options, raw) => {
    const request = raw as Marked;
    const started = tracing.startRequest(request.method ?? 'GET', request.headers);
    request[TRACE] = started;
    request[EDGE] = deps;
    const correlated = bindings as Record<string, unknown>;
    correlated.trace_id = started.traceId;
    correlated.span_id = started.spanId;
    return markCorrelated(logger.child(bindings, options));
  });

  // After the body is read (its events run outside the request's async context), the handler and the
  // hooks before it run in the request's context again.
  app.addHook('preValidation', (request, _reply, done) => {
    const started = (request.raw as Marked)[TRACE];
    if (started) context.with(started.context, done);
    else done();
  });

  if (!metrics.enabled) return;
  app.addHook('onResponse', (request, reply, done) => {
    if (!streamed.has(reply))
      metrics.observeHttp(
        request.method,
        request.routeOptions.url,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    done();
  });

  const expected = deps.metricsToken ? Buffer.from(`Bearer ${deps.metricsToken}`) : undefined;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new UnauthorizedError('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
    }
    const text = await metrics.render();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
  });
}

/**
 * The request's part of the app's synchronous `onRequest` hook: the `x-trace-id` header, the end of the
 * server span (on `close`, so streams whose client went away end too), and `done` run in the request's
 * context so the `onRequest` hooks after it (rate limits, auth) are correlated as well.
 */
export function enterRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  error: Error | undefined,
): void {
  const started = (request.raw as Marked)[TRACE];
  if (!started) {
    done(error);
    return;
  }
  reply.header('x-trace-id', started.traceId);
  const span = started.span;
  if (span) {
    reply.raw.once('close', () => {
      const route = request.routeOptions.url;
      const status = reply.raw.statusCode;
      span.updateName(`${request.method} ${route ?? UNMATCHED_ROUTE}`);
      if (route) span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  }
  context.with(started.context, done, undefined, error);
}

/** The trace id of a request (what its log lines and `x-trace-id` carry), if telemetry is installed. */
export function traceIdOf(request: FastifyRequest): string | undefined {
  return (request.raw as Marked)[TRACE]?.traceId;
}

/**
 * Counts a long-lived response as open until its connection closes. For an SSE reply (pass `reply`, call
 * before the status is written) the request duration histogram records the time until the stream opened,
 * not its whole life: a chat stream of a minute is not a slow request. For a WebSocket pass no reply and
 * call the returned function on close.
 *
 * @example
 * trackOpenStream(request, reply, 'sse'); reply.hijack(); reply.raw.writeHead(200, headers);
 */
export function trackOpenStream(
  request: FastifyRequest,
  reply: FastifyReply | undefined,
  kind: StreamKind,
): () => void {
  const deps = (request.raw as Marked)[EDGE];
  if (!deps?.metrics.enabled) return () => {};
  const closed = deps.metrics.streamOpened(kind);
  if (reply) {
    streamed.add(reply);
    deps.metrics.observeHttp(request.method, request.routeOptions.url, 200, reply.elapsedTime / 1000);
    reply.raw.once('close', closed);
  }
  return closed;
}

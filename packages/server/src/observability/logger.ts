import { context, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';
import { maskPiiInJson } from './pii.js';

export type { Logger };

/** Field names whose values never reach a log line, at any depth up to {@link MAX_DEPTH}. */
const SECRET_FIELDS = new Set([
  'password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'secret',
  'client_secret',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
]);
const MAX_DEPTH = 4;
const CENSOR = '[redacted]';

/**
 * Returns a copy of `value` with secret fields replaced. Runs only when a line is actually written
 * (pino's `formatters.log`), never when a per-request child logger is created: pino's wildcard redaction
 * re-runs on every child's bindings and cost ~14% of throughput on a trivial route.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object' || value instanceof Error)
    return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    const replaced =
      SECRET_FIELDS.has(key.toLowerCase()) && field != null ? CENSOR : redactSecrets(field, depth + 1);
    if (replaced !== field) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = replaced;
    }
  }
  return copy ?? value;
}

const SECRET_QUERY_PARAMS =
  /^(token|access_token|refresh_token|api_key|key|signature|sig|code|password|secret)$/i;

/** Masks secret query parameters (`?token=...`) so URLs can be logged safely. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SECRET_QUERY_PARAMS.test(key)) {
      params.set(key, CENSOR);
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}

/** Set on a request's child logger whose bindings already carry `trace_id` and `span_id`. */
const CORRELATED = Symbol('nexus.log.correlated');
const NOTHING: Record<string, never> = Object.freeze({});

/**
 * Marks a child logger as carrying the trace ids in its bindings, so the mixin does not add them twice.
 * @example const log = markCorrelated(logger.child({ request_id, trace_id, span_id }));
 */
export function markCorrelated<T extends object>(child: T): T {
  (child as Record<symbol, unknown>)[CORRELATED] = true;
  return child;
}

/**
 * `trace_id` and `span_id` of the active OpenTelemetry context, for every line written while a request
 * (or a span) is being handled: one AsyncLocalStorage read per line, nothing outside a request.
 */
function traceMixin(_object: object, _level: number, logger: object): Record<string, unknown> {
  if ((logger as Record<symbol, unknown>)[CORRELATED]) return NOTHING;
  const spanContext = trace.getSpanContext(context.active());
  return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : NOTHING;
}

export interface LoggerOptions {
  level: string;
  destination?: DestinationStream;
}

export function createLogger({ level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service: 'nexus' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Log correlation (docs/observability.md#log-correlation); the line's own fields win over the mixin's.
      mixin: traceMixin,
      mixinMergeStrategy: (line, mixed) => (mixed === NOTHING ? line : Object.assign(mixed, line)),
      // Top-level paths only (cheap, and they also cover child bindings); nested secrets are handled at
      // write time by redactSecrets below.
      redact: {
        paths: [...SECRET_FIELDS].map((f) => (/^[a-z_]+$/.test(f) ? f : `["${f}"]`)),
        censor: CENSOR,
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      // PII values (phones, ID and card numbers, emails, IPs) are masked in the finished line, not in the
      // object: pino runs serializers (Fastify's `req` with `remoteAddress`, `err` with its message and
      // stack) after `formatters.log`, and the message and child bindings never pass through it. A line
      // without PII costs one scan and is written as is (docs/pii.md).
      hooks: { streamWrite: maskPiiInJson },
    },
    destination,
  );
}

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

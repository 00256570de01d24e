import type { Config } from '../config.js';
import type { QueryObserver } from '../platform/db/database.js';
import { type Metrics, operationOf } from './metrics.js';
import type { Tracing } from './tracing.js';

/** Longest SQL text put on a span (statements are parameterised: no values, just the shape). */
const MAX_SPAN_SQL = 2_000;

/**
 * The database observer of a container: every statement goes to `nexus_db_query_duration_seconds` (and
 * the error counter), and, when spans are recorded and a request or job span is active, becomes a child
 * span `db <operation>` of it (background polls outside any span make no traces of their own).
 *
 * @example const stop = database.observeQueries(observeDatabase(metrics, tracing, database.kind));
 */
export function observeDatabase(
  metrics: Metrics,
  tracing: Tracing,
  kind: 'pglite' | 'postgres',
): QueryObserver {
  const system = kind === 'pglite' ? 'pglite' : 'postgresql';
  return (event) => {
    const failed = event.error !== undefined;
    metrics.observeDbQuery(event.sql, event.durationMs / 1000, failed);
    if (!tracing.enabled) return;
    const end = Date.now();
    const operation = operationOf(event.sql);
    tracing.recordChildSpan(
      `db ${operation}`,
      end - event.durationMs,
      end,
      {
        'db.system.name': system,
        'db.operation.name': operation,
        'db.query.text': event.sql.length > MAX_SPAN_SQL ? `${event.sql.slice(0, MAX_SPAN_SQL)}…` : event.sql,
      },
      event.error,
    );
  };
}

/**
 * Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` plus
 * `/v1/traces` (the OpenTelemetry convention for OTLP/HTTP); undefined when neither is set.
 */
export function otlpTracesUrl(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>,
): string | undefined {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

/** `OTEL_EXPORTER_OTLP_HEADERS` (`name=value,name2=value2`, values URL-encoded) as a header object. */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!value) return headers;
  for (const pair of value.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import { VERSION } from '../version.js';

export interface TracingOptions {
  /** Where spans go over OTLP/HTTP (`…/v1/traces`); unset (and no `exporter`) turns span export off. */
  tracesUrl?: string | undefined;
  /** Extra headers for the OTLP exporter (`OTEL_EXPORTER_OTLP_HEADERS`, e.g. an API key). */
  headers?: Record<string, string>;
  /** `service.name` of every span (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** Fraction of new traces sampled (`OTEL_TRACES_SAMPLER_ARG`); an incoming sampled parent is followed. */
  sampleRatio?: number;
  /** A span exporter of the caller's (tests: `InMemorySpanExporter`), exported synchronously. */
  exporter?: SpanExporter;
}

/** The trace of one HTTP request: the ids its log lines carry, and the context its work runs in. */
export interface RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly context: Context;
  /** The server span, when spans are recorded. */
  readonly span: Span | undefined;
}

let contextManagerInstalled = false;

/**
 * Makes the OpenTelemetry context follow async calls (AsyncLocalStorage), once per process. Without it
 * `context.active()` is always the root and log lines could not find their request's trace.
 */
export function installContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = true;
  // `false` when another one is registered already (an embedding app's SDK): that one is used.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

// W3C trace context: version-traceid-parentid-flags; version ff is invalid, all-zero ids are invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** The span context a valid W3C `traceparent` header carries, else undefined. */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && header.trim().length !== 55)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1, isRemote: true };
}

/** `traceparent` of a span context (what goes to an upstream, and what tests send). */
export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & 1}`;
}

// Ids for requests when spans are not recorded: a per-process random part plus a counter (cheap, unique
// across instances). The `f` keeps every id from being all digits, so PII masking never mistakes one.
const PROCESS_TRACE_PREFIX = `${randomBytes(8).toString('hex')}f`;
const PROCESS_SPAN_PREFIX = `${randomBytes(4).toString('hex')}f`;
let counter = 0;

function nextIds(): { traceId: string; spanId: string } {
  counter = (counter + 1) % 0xfffffff;
  const tail = counter.toString(16).padStart(7, '0');
  return {
    traceId: `${PROCESS_TRACE_PREFIX}${tail.padStart(15, '0')}`,
    spanId: `${PROCESS_SPAN_PREFIX}${tail}`,
  };
}

/**
 * Traces for one container. With an OTLP endpoint (or an exporter) configured, spans are recorded by an
 * OpenTelemetry SDK tracer provider of its own (not the global one: tests build many apps per process) and
 * exported in batches; otherwise the tracer is OpenTelemetry's no-op one and requests still get a trace id
 * (the incoming `traceparent`'s, or a new one) for log correlation and the `x-trace-id` header.
 *
 * @example
 * const tracing = await Tracing.create({ serviceName: 'nexus', tracesUrl: 'http://otel:4318/v1/traces' });
 * await tracing.inSpan('gateway.chat', { 'gen_ai.request.model': 'gpt-4o' }, async () => callProvider());
 * await tracing.close(); // flushes what is buffered
 */
export class Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  readonly tracer: Tracer;

  private constructor(
    tracer: Tracer | undefined,
    private readonly provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> } | undefined,
  ) {
    this.enabled = tracer !== undefined;
    this.tracer = tracer ?? trace.getTracer('nexus');
    installContextManager();
  }

  /** Loads the OpenTelemetry SDK only when spans are to be exported. */
  static async create(options: TracingOptions): Promise<Tracing> {
    if (!options.tracesUrl && !options.exporter) return new Tracing(undefined, undefined);
    const sdk = await import('@opentelemetry/sdk-trace-node');
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    let processor: InstanceType<typeof sdk.BatchSpanProcessor> | InstanceType<typeof sdk.SimpleSpanProcessor>;
    if (options.exporter) processor = new sdk.SimpleSpanProcessor(options.exporter);
    else {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processor = new sdk.BatchSpanProcessor(
        new OTLPTraceExporter({ url: options.tracesUrl, headers: options.headers ?? {} }),
      );
    }
    const provider = new sdk.NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': VERSION }),
      sampler: new sdk.ParentBasedSampler({
        root: new sdk.TraceIdRatioBasedSampler(options.sampleRatio ?? 1),
      }),
      spanProcessors: [processor],
    });
    return new Tracing(provider.getTracer('nexus', VERSION), provider);
  }

  /** A tracing that records nothing (tests of other modules, tools). */
  static disabled(): Tracing {
    return new Tracing(undefined, undefined);
  }

  /**
   * Starts the trace of an incoming request: follows a valid `traceparent`, else starts a new trace. With
   * spans off this costs two short strings and a context object.
   */
  startRequest(method: string, headers: IncomingHttpHeaders): RequestTrace {
    const parent = parseTraceparent(headers.traceparent);
    if (!this.enabled) {
      const ids = nextIds();
      const spanContext: SpanContext = {
        traceId: parent?.traceId ?? ids.traceId,
        spanId: ids.spanId,
        traceFlags: TraceFlags.NONE,
      };
      return {
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
        span: undefined,
      };
    }
    const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
      parentContext,
    );
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId, context: trace.setSpan(parentContext, span), span };
  }

  /**
   * Runs `fn` in a child span of the active one (when spans are recorded; else just runs it). A throw
   * marks the span as an error and is rethrown.
   */
  async inSpan<T>(
    name: string,
    attributes: Attributes,
    fn: (span: Span | undefined) => Promise<T>,
    kind: SpanKind = SpanKind.INTERNAL,
  ): Promise<T> {
    if (!this.enabled) return fn(undefined);
    const span = this.tracer.startSpan(name, { kind, attributes });
    try {
      return await context.with(trace.setSpan(context.active(), span), () => fn(span));
    } catch (error) {
      markError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Records a span after the fact (a database statement the driver timed) as a child of the active span;
   * nothing when no span is active (background polls would otherwise each start a trace).
   */
  recordChildSpan(
    name: string,
    startTime: number,
    endTime: number,
    attributes: Attributes,
    error?: unknown,
  ): void {
    if (!this.enabled) return;
    const parent = trace.getSpan(context.active());
    if (!parent?.isRecording()) return;
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, startTime });
    if (error !== undefined) markError(span, error);
    span.end(endTime);
  }

  /** The `traceparent` of the active span, for an upstream request (undefined when spans are off). */
  activeTraceparent(): string | undefined {
    if (!this.enabled) return undefined;
    const spanContext = trace.getSpanContext(context.active());
    return spanContext ? formatTraceparent(spanContext) : undefined;
  }

  /** Exports what is buffered now. */
  async flush(): Promise<void> {
    await this.provider?.forceFlush();
  }

  /** Flushes and stops the exporter. */
  async close(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** Sets a span's status to error, with the error's code and message (never a stack or request data). */
export function markError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined;
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (code) span.setAttribute('error.type', code);
  else if (error instanceof Error) span.setAttribute('error.type', error.name);
}

/**
 * Wraps `fetch` so outgoing requests carry the active span's `traceparent` (W3C), letting an upstream
 * that traces join the trace. Used only when spans are recorded.
 */
export function tracingFetch(tracing: Tracing, base: typeof fetch): typeof fetch {
  return (input, init) => {
    const traceparent = tracing.activeTraceparent();
    if (!traceparent) return base(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has('traceparent')) headers.set('traceparent', traceparent);
    return base(input, { ...init, headers });
  };
}

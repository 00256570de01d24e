import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { otlpTracesUrl, parseOtlpHeaders } from './telemetry-wiring.js';
import { formatTraceparent, parseTraceparent, Tracing } from './tracing.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a valid header (sampled flag only)', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-02`)?.traceFlags).toBe(0);
    // A future version may add fields.
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-more`)?.traceId).toBe(TRACE);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['an array', [`00-${TRACE}-${SPAN}-01`]],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with more fields', `00-${TRACE}-${SPAN}-01-x`],
    ['zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['no flags', `00-${TRACE}-${SPAN}`],
    ['too long', `01-${TRACE}-${SPAN}-01-${'x'.repeat(600)}`],
  ])('refuses %s', (_label, header) => {
    expect(parseTraceparent(header as string | undefined)).toBeUndefined();
  });

  it('round-trips through formatTraceparent', () => {
    const parsed = parseTraceparent(`00-${TRACE}-${SPAN}-01`)!;
    expect(formatTraceparent(parsed)).toBe(`00-${TRACE}-${SPAN}-01`);
  });
});

describe('Tracing', () => {
  it('without an exporter: unique W3C-shaped ids per request, no spans, incoming trace ids kept', () => {
    const tracing = Tracing.disabled();
    const a = tracing.startRequest('GET', {});
    const b = tracing.startRequest('GET', {});
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.span).toBeUndefined();
    expect(/[a-f]/.test(a.traceId) && /[a-f]/.test(a.spanId)).toBe(true);
    const joined = tracing.startRequest('GET', { traceparent: `00-${TRACE}-${SPAN}-01` });
    expect(joined.traceId).toBe(TRACE);
    expect(trace.getSpanContext(joined.context)?.traceId).toBe(TRACE);
    expect(tracing.activeTraceparent()).toBeUndefined();
  });

  it('records child spans, marks errors, and skips after-the-fact spans without a parent', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await Tracing.create({ serviceName: 'test', exporter });
    const request = tracing.startRequest('POST', {});
    await context.with(request.context, async () => {
      await tracing.inSpan('ok', { n: 1 }, async () => {
        expect(tracing.activeTraceparent()).toMatch(new RegExp(`^00-${request.traceId}-`));
        tracing.recordChildSpan('db select', Date.now() - 5, Date.now(), {});
      });
      await expect(
        tracing.inSpan('fails', {}, async () => {
          throw Object.assign(new Error('boom'), { code: 'provider_unavailable' });
        }),
      ).rejects.toThrow('boom');
    });
    tracing.recordChildSpan('orphan', Date.now() - 5, Date.now(), {});
    request.span!.end();
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['POST', 'db select', 'fails', 'ok']);
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect(byName.get('db select')!.parentSpanContext?.spanId).toBe(byName.get('ok')!.spanContext().spanId);
    expect(byName.get('fails')!.status.code).toBe(SpanStatusCode.ERROR);
    expect(byName.get('fails')!.attributes['error.type']).toBe('provider_unavailable');
    expect(byName.get('POST')!.resource.attributes['service.name']).toBe('test');
    await tracing.close();
  });
});

describe('OTLP settings', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' }, 'http://otel:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' }, 'http://otel:4318/v1/traces'],
    [
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces',
      },
      'https://b/traces',
    ],
  ])('%j → %s', (env, url) => {
    expect(otlpTracesUrl(loadConfig(env))).toBe(url);
  });

  it('parses OTEL_EXPORTER_OTLP_HEADERS', () => {
    expect(parseOtlpHeaders('api-key=abc%3D1, x-team = ops')).toEqual({
      'api-key': 'abc=1',
      'x-team': 'ops',
    });
    expect(parseOtlpHeaders(undefined)).toEqual({});
  });

  it.each([
    ['METRICS_TOKEN', 'short'],
    ['METRICS_ENABLED', 'maybe'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'otel:4318'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'no-equals-sign'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    try {
      loadConfig({ [variable]: value });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
      if (variable === 'METRICS_TOKEN') expect((error as Error).message).not.toContain('short');
    }
  });
});

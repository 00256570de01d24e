import type { Server } from 'node:http';
import { closeLocal, listenLocal } from '../support/local-http.js';

/** One span as an OTLP/HTTP JSON export carries it (the fields the tests read). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** `service.name` of the resource the span came with. */
  service: string | undefined;
}

/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver on 127.0.0.1: accepts
 * `POST /v1/traces` with a JSON body (what @opentelemetry/exporter-trace-otlp-http sends), keeps the
 * spans and the request headers, answers 200 `{}`. Anything else is a 404.
 */
export class FakeOtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: { path: string; contentType: string | undefined; headers: Record<string, unknown> }[] =
    [];

  private constructor(
    private readonly server: Server,
    /** The base URL (what `OTEL_EXPORTER_OTLP_ENDPOINT` takes). */
    readonly url: string,
  ) {}

  static async start(): Promise<FakeOtlpReceiver> {
    let fake: FakeOtlpReceiver | undefined;
    const { server, origin } = await listenLocal((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        fake!.requests.push({
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          headers: req.headers,
        });
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        try {
          fake!.collect(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    fake = new FakeOtlpReceiver(server, origin);
    return fake;
  }

  close(): Promise<void> {
    return closeLocal(this.server);
  }

  private collect(body: {
    resourceSpans?: {
      resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
      scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[];
    }[];
  }): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value
        .stringValue;
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
            name: span.name,
            service,
          });
        }
      }
    }
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ShuttingDownError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

const PROBES = new Set(['/healthz', '/readyz']);

/** How often a draining server closes keep-alive connections that have gone idle. */
const IDLE_SWEEP_MS = 50;

/**
 * The draining flag. Once set, requests that still arrive on open keep-alive connections are refused with
 * `shutting_down` and `Connection: close`; readiness reports `draining`. Probes keep answering: liveness
 * stays ok (do not kill a draining process) and readiness tells load balancers to stop routing here.
 * In-flight requests are not counted per request (that costs on every request); the HTTP server already
 * knows its open connections and `shutdown()` waits for them.
 */
export class DrainController {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  start(): void {
    this.draining = true;
  }

  /** Called from the app's onRequest hook: the error to answer with while draining, else undefined. */
  admit(request: FastifyRequest, reply: FastifyReply): ShuttingDownError | undefined {
    if (!this.draining || PROBES.has(request.url)) return undefined;
    reply.header('connection', 'close');
    return new ShuttingDownError('The server is shutting down; retry on another instance', {
      headers: { 'retry-after': '1' },
    });
  }
}

export interface ShutdownOptions {
  app: FastifyInstance;
  drain: DrainController;
  timeoutMs: number;
  logger: Logger;
  /** Releases everything else (database, cache, workers) after HTTP has stopped. */
  closeResources: () => Promise<void>;
}

/**
 * The graceful shutdown sequence: stop accepting connections and refuse new requests, let in-flight
 * requests and streams finish within the deadline, cut what is left, then release resources.
 * Returns the exit code: 0 unless releasing resources failed.
 */
export async function shutdown({
  app,
  drain,
  timeoutMs,
  logger,
  closeResources,
}: ShutdownOptions): Promise<number> {
  const started = Date.now();
  drain.start();
  app.server.getConnections((_error, open) =>
    logger.info(
      { open_connections: open, timeout_ms: timeoutMs },
      'shutting down: draining in-flight requests',
    ),
  );
  // Fastify's close stops listening, closes idle keep-alive connections and resolves once every
  // connection with a request in flight has finished.
  const closing = app.close().then(
    () => true,
    (error: unknown) => {
      logger.error({ err: error }, 'error while closing the HTTP server');
      return true;
    },
  );
  // A keep-alive connection whose in-flight request finishes during the drain turns idle and would stay
  // open (holding close up) until the deadline: close such connections as they become idle.
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const drained = await Promise.race([closing, deadline]);
  clearTimeout(timer);
  clearInterval(sweep);
  if (!drained) {
    logger.warn('drain deadline passed; closing remaining connections');
    app.server.closeAllConnections();
    await closing;
  }
  let code = 0;
  try {
    await closeResources();
  } catch (error) {
    logger.error({ err: error }, 'error while releasing resources');
    code = 1;
  }
  logger.info({ duration_ms: Date.now() - started, drained }, 'shutdown complete');
  return code;
}

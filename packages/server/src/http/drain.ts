import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ShuttingDownError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Tracks in-flight requests and refuses new ones once draining starts. Streams (SSE, WebSocket) are
 * in-flight requests too, so they get the same deadline.
 */
export class DrainController {
  private draining = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  get isDraining(): boolean {
    return this.draining;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /**
   * Called from the app's onRequest hook. Counts the request as in flight until its connection's response
   * closes, or returns the error to answer with when draining. Probes keep answering while draining:
   * liveness stays ok (do not kill a draining process) and readiness says `draining`.
   */
  admit(request: FastifyRequest, reply: FastifyReply): ShuttingDownError | undefined {
    if (PROBES.has(request.url)) return undefined;
    if (this.draining) {
      reply.header('connection', 'close');
      return new ShuttingDownError('The server is shutting down; retry on another instance', {
        headers: { 'retry-after': '1' },
      });
    }
    this.inFlight += 1;
    // 'close' fires for completed responses and for clients that went away, so the count never leaks.
    reply.raw.once('close', this.onResponseClosed);
    return undefined;
  }

  private readonly onResponseClosed = (): void => {
    this.inFlight -= 1;
    if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  };

  /** Starts refusing new requests and resolves when in-flight ones finish or `timeoutMs` passes (then false). */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = await Promise.race([idle, deadline]);
    clearTimeout(timer);
    return finished;
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
 * The graceful shutdown sequence: refuse new requests, let in-flight requests and streams finish within the
 * deadline, cut what is left, stop the server, release resources. Returns the exit code.
 */
export async function shutdown({
  app,
  drain,
  timeoutMs,
  logger,
  closeResources,
}: ShutdownOptions): Promise<number> {
  const started = Date.now();
  logger.info(
    { in_flight: drain.inFlightCount, timeout_ms: timeoutMs },
    'shutting down: draining in-flight requests',
  );
  const drained = await drain.drain(timeoutMs);
  if (!drained) {
    logger.warn({ in_flight: drain.inFlightCount }, 'drain deadline passed; closing remaining connections');
    app.server.closeAllConnections?.();
  }
  let code = 0;
  try {
    await app.close();
  } catch (error) {
    logger.error({ err: error }, 'error while closing the HTTP server');
  }
  try {
    await closeResources();
  } catch (error) {
    logger.error({ err: error }, 'error while releasing resources');
    code = 1;
  }
  logger.info({ duration_ms: Date.now() - started, drained }, 'shutdown complete');
  return code;
}

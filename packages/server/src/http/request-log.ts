import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** Probes hit these every few seconds; their access lines go to debug so they do not drown real traffic. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One access-log line per request (on completion, with status and duration), labelled `request_id`.
 * Fastify's default writes two lines per request; one is enough and halves the logging cost.
 */
export class AccessLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = { req: request, res: reply, duration_ms: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }

  // The edge error handler logs errors itself, once, with the mapped code.
  override defaultErrorLog(): void {}

  override routeNotFound(): void {}
}

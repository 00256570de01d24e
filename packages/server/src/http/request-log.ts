import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type Logger, redactUrl } from '../observability/logger.js';

/** Probes hit these every few seconds; their access lines go to debug so they do not drown real traffic. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One access-log line per request (on completion, with status and duration), labelled `request_id`.
 * Fastify's default writes two lines per request; one is enough and halves the logging cost. The line is
 * built here, only when it will be written, instead of through pino serializers on every request.
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
    const quiet = !error && QUIET_ROUTES.has(request.routeOptions.url ?? '');
    const level = error ? 'error' : quiet ? 'debug' : 'info';
    if (!(reply.log as Logger).isLevelEnabled(level)) return;
    const line = {
      method: request.method,
      url: redactUrl(request.url),
      status_code: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      remote_address: request.ip,
      user_agent: request.headers['user-agent'],
      ...(error ? { err: error } : {}),
    };
    reply.log[level](line, error ? 'request errored' : 'request completed');
  }

  // The edge error handler logs errors itself, once, with the mapped code.
  override defaultErrorLog(): void {}

  override routeNotFound(): void {}
}

import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { type Authenticator, TENANT_HEADER } from '../http/auth.js';
import { traceIdOf, trackOpenStream } from '../http/telemetry.js';
import type { ConversationsService } from '../modules/conversations/conversations.service.js';
import type { RepliesService } from '../modules/conversations/replies.service.js';
import type { Logger } from '../observability/logger.js';
import { RealtimeSession, type RealtimeSettings } from './realtime-session.js';

export interface RealtimeOptions {
  replies: RepliesService;
  conversations: ConversationsService;
  authn: Authenticator;
  logger: Logger;
  settings: RealtimeSettings;
}

/**
 * The `REALTIME_*` settings as the channel takes them.
 * @example realtimeSettings(loadConfig({ REALTIME_PING_INTERVAL_MS: '0' })).pingIntervalMs // 0
 */
export function realtimeSettings(config: Config): RealtimeSettings {
  return {
    authTimeoutMs: config.REALTIME_AUTH_TIMEOUT_MS,
    pingIntervalMs: config.REALTIME_PING_INTERVAL_MS,
    pongTimeoutMs: config.REALTIME_PONG_TIMEOUT_MS,
    maxMessageBytes: config.REALTIME_MAX_MESSAGE_BYTES,
    maxBufferedBytes: config.REALTIME_MAX_BUFFERED_BYTES,
    slowClientTimeoutMs: config.REALTIME_SLOW_CLIENT_TIMEOUT_MS,
    maxErrors: config.REALTIME_MAX_ERRORS,
    errorWindowMs: config.REALTIME_ERROR_WINDOW_MS,
  };
}

/**
 * `GET /v1/realtime`: the WebSocket channel (docs/realtime.md). Registers `@fastify/websocket` (frames
 * up to twice `REALTIME_MAX_MESSAGE_BYTES` are read and answered with an `error` event when over the
 * limit; bigger ones are cut by `ws` with 1009) and the route. On app close every socket is closed with
 * 1001 (going away) before the server stops; replies being delivered go on and are saved.
 *
 * @example
 * await registerRealtime(app, { replies, conversations, authn, logger, settings: realtimeSettings(config) });
 */
export async function registerRealtime(app: FastifyInstance, options: RealtimeOptions): Promise<void> {
  const { replies, conversations, authn, logger, settings } = options;
  const sessions = new Set<RealtimeSession>();
  await app.register(fastifyWebsocket, {
    options: { maxPayload: settings.maxMessageBytes * 2, perMessageDeflate: false },
    errorHandler: (error, socket, request) => {
      // A socket error (a broken connection, a frame ws rejects) ends that socket only.
      request.log.info({ err: error }, 'realtime socket error');
      socket.terminate();
    },
    preClose: async () => {
      for (const session of sessions) session.shutdown();
      app.websocketServer.close();
    },
  });

  app.get('/v1/realtime', { websocket: true, schema: { hide: true } }, (socket, request) => {
    const headerTenant = request.headers[TENANT_HEADER];
    const session = new RealtimeSession(
      socket,
      {
        replies,
        conversations,
        authenticate: (token, tenantId) =>
          authn.withToken(token, {
            tenantId:
              tenantId ??
              (typeof headerTenant === 'string' && headerTenant !== '' ? headerTenant : undefined),
            ip: request.ip,
            userAgent: request.headers['user-agent'] ?? null,
            requestId: request.id,
          }),
        logger: logger.child({ request_id: request.id, trace_id: traceIdOf(request) }),
        settings,
      },
      { ip: request.ip, userAgent: request.headers['user-agent'] ?? null, requestId: request.id },
    );
    sessions.add(session);
    const streamClosed = trackOpenStream(request, undefined, 'websocket');
    socket.once('close', () => {
      sessions.delete(session);
      streamClosed();
    });
    // Credentials on the upgrade request (Authorization / x-api-key / X-Nexus-Tenant) are verified by the
    // same Authenticator as every HTTP route; without them the client has to send an `auth` event.
    session.start(async () => {
      const ctx = await authn.optional(request);
      return ctx.principal ? ctx : null;
    });
  });
}

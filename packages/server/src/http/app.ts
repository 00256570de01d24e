import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Container } from '../container.js';
import { accessRoutes } from '../modules/access/access.routes.js';
import { auditRoutes } from '../modules/audit/audit.routes.js';
import { conversationsRoutes } from '../modules/conversations/conversations.routes.js';
import { repliesRoutes } from '../modules/conversations/replies.routes.js';
import { filesRoutes } from '../modules/files/files.routes.js';
import { gatewaySettingsRoutes } from '../modules/gateway/gateway-settings.routes.js';
import { modelCatalogRoutes } from '../modules/gateway/model-catalog.routes.js';
import { openAIRoutes } from '../modules/gateway/openai.routes.js';
import { identityRoutes } from '../modules/identity/identity.routes.js';
import { knowledgeBasesRoutes } from '../modules/knowledge/knowledge-bases.routes.js';
import { quotasRoutes } from '../modules/quotas/quotas.routes.js';
import { releaseRoutes } from '../modules/release/release.routes.js';
import { systemRoutes } from '../modules/system/system.routes.js';
import { sessionsRoutes } from '../modules/tasks/sessions.routes.js';
import { tasksRoutes } from '../modules/tasks/tasks.routes.js';
import { ipAllowlistRoutes } from '../modules/tenants/ip-allowlist.routes.js';
import { tenantsRoutes } from '../modules/tenants/tenants.routes.js';
import { usageRoutes } from '../modules/usage/usage.routes.js';
import { webhooksRoutes } from '../modules/webhooks/webhooks.routes.js';
import { realtimeSettings, registerRealtime } from '../realtime/realtime.routes.js';
import { VERSION } from '../version.js';
import { Authenticator } from './auth.js';
import { handleError, handleNotFound } from './error-handler.js';
import { documentIdempotencyKey, idempotencyPlugin } from './idempotency.js';
import { installRateLimits } from './rate-limit.js';
import { requestIdFor } from './request-id.js';
import { AccessLogController } from './request-log.js';
import { responseSerializerCompiler } from './serializer.js';
import { enterRequest, installTelemetry } from './telemetry.js';
import { installTextGuard, nulError, nulInUrl } from './text-guard.js';

export interface BuildAppOptions {
  /** Extra routes registered before the app is sealed (tests use this to exercise edge behaviour). */
  register?: (app: FastifyInstance) => void | Promise<void>;
}

/** Builds the Fastify app from a container: edge concerns only; all behaviour lives in services. */
export async function buildApp(
  container: Container,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const { config, logger } = container;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new AccessLogController(),
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    trustProxy: config.TRUST_PROXY,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // JSON only: Fastify's text/plain parser would let a wrong content type through to handlers.
  app.removeContentTypeParser('text/plain');
  installTextGuard(app);
  // Before any route: routes capture the child logger factory that binds each request's trace ids.
  installTelemetry(app, {
    metrics: container.metrics,
    tracing: container.tracing,
    metricsToken: config.METRICS_TOKEN,
  });

  // One synchronous hook for every request: cheaper than several async ones on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const nul = nulInUrl(request.url);
    if (nul) return done(nulError(nul, ''));
    enterRequest(request, reply, done, container.drain.admit(request, reply));
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Nexus API',
        version: VERSION,
        description:
          'Self-hosted, multi-tenant AI conversation platform. Errors answer `{"error":{"code","message","request_id","details"}}`; codes are listed in docs/errors.md.',
      },
      tags: [
        { name: 'ops', description: 'Health, readiness and instance status' },
        { name: 'auth', description: 'Registration, login, tokens, password reset' },
        { name: 'me', description: 'The current user, sessions and permissions' },
        { name: 'tenants', description: 'Tenants, members and invites' },
        { name: 'roles', description: 'Built-in and custom roles' },
        { name: 'api-keys', description: 'Scoped API keys' },
        { name: 'audit', description: 'The audit log' },
        { name: 'admin', description: 'Platform administration' },
        { name: 'gateway', description: 'OpenAI-compatible LLM gateway (OpenAI error shape)' },
        { name: 'conversations', description: 'Conversations, message trees, search, export and import' },
        { name: 'knowledge-bases', description: 'Knowledge bases, documents, ingestion and search' },
        { name: 'files', description: 'Uploads, downloads and expiring download links' },
        { name: 'webhooks', description: 'The webhook signing secret and its rotation' },
        { name: 'usage', description: 'Usage, analytics and quotas' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An access JWT or an `nx-` API key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    // Every POST takes an Idempotency-Key (http/idempotency.ts); generated clients learn it from here.
    transformObject: (input) => documentIdempotencyKey(jsonSchemaTransformObject(input)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const services = container.services;
  const authn = new Authenticator({ auth: services.auth, apiKeys: services.apiKeys });
  // Before everything on /v1: a refused request costs no body parsing, no idempotency claim, no handler.
  installRateLimits(app, { limiter: services.rateLimiter, authn });
  // Before the routes: its hooks wrap every POST handler registered after it.
  await app.register(idempotencyPlugin, { idempotency: services.idempotency, authn });
  await app.register(systemRoutes, { readiness: services.readiness, status: services.status });
  await app.register(identityRoutes, {
    auth: services.auth,
    access: services.access,
    tenants: services.tenants,
    authn,
  });
  await app.register(tenantsRoutes, { tenants: services.tenants, auth: services.auth, authn });
  await app.register(accessRoutes, { roles: services.roles, apiKeys: services.apiKeys, authn });
  await app.register(auditRoutes, { audit: services.audit, authn });
  await app.register(openAIRoutes, { gateway: services.gateway, authn });
  await app.register(modelCatalogRoutes, { catalog: services.modelCatalog, authn });
  await app.register(releaseRoutes, {
    runtimeConfig: services.runtimeConfig,
    features: services.features,
    authn,
  });
  await app.register(gatewaySettingsRoutes, { settings: services.gatewaySettings, authn });
  await app.register(quotasRoutes, { quotas: services.quotas, authn });
  await app.register(usageRoutes, { usage: services.usage, authn });
  await app.register(ipAllowlistRoutes, { allowlist: services.ipAllowlist, authn });
  await app.register(conversationsRoutes, {
    conversations: services.conversations,
    authn,
    import: {
      maxBytes: config.CONVERSATION_IMPORT_MAX_BYTES,
      maxMessages: config.CONVERSATION_IMPORT_MAX_MESSAGES,
    },
  });
  await app.register(filesRoutes, { files: services.files, authn, publicUrl: config.PUBLIC_URL });
  await app.register(repliesRoutes, {
    replies: services.replies,
    authn,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
  });
  await app.register(knowledgeBasesRoutes, {
    knowledge: services.knowledge,
    authn,
    maxDocumentBytes: config.KB_DOCUMENT_MAX_BYTES,
  });
  await app.register(webhooksRoutes, { webhooks: services.webhooks, authn });
  await app.register(tasksRoutes, {
    tasks: services.tasks,
    authn,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
  });
  await app.register(sessionsRoutes, {
    sessions: services.sessions,
    authn,
    import: {
      maxBytes: config.CONVERSATION_IMPORT_MAX_BYTES,
      maxMessages: config.CONVERSATION_IMPORT_MAX_MESSAGES,
    },
  });
  // GET /v1/realtime (WebSocket): registers @fastify/websocket, closes sockets with 1001 on close.
  await registerRealtime(app, {
    replies: services.replies,
    conversations: services.conversations,
    authn,
    logger,
    settings: realtimeSettings(config),
  });
  await options.register?.(app);
  await app.ready();
  return app;
}

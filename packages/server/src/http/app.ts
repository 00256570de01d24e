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
import { systemRoutes } from '../modules/system/system.routes.js';
import { VERSION } from '../version.js';
import { handleError, handleNotFound } from './error-handler.js';
import { requestIdFor } from './request-id.js';
import { AccessLogController } from './request-log.js';
import { responseSerializerCompiler } from './serializer.js';

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

  // One synchronous hook for every request: cheaper than several async ones on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done(container.drain.admit(request, reply));
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
      tags: [{ name: 'ops', description: 'Health, readiness and instance status' }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(systemRoutes, {
    readiness: container.services.readiness,
    status: container.services.status,
  });
  await options.register?.(app);
  await app.ready();
  return app;
}

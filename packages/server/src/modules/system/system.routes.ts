import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../http/schemas.js';
import type { ReadinessService } from './readiness.service.js';
import type { StatusService } from './status.service.js';

const dependencyCheck = z.object({
  status: z.enum(['ok', 'error']),
  latency_ms: z.number(),
  error: z.string().optional(),
});

const readinessSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    failing: z
      .array(z.string())
      .meta({ description: 'Dependencies that did not answer; `draining` while shutting down' }),
    checks: z.record(z.string(), dependencyCheck),
  })
  .meta({ id: 'Readiness' });

const platformStatusSchema = z
  .object({
    version: z.string(),
    database: z.object({
      kind: z.string(),
      schema_version: z.string().nullable(),
      migrations_applied: z.number().int(),
    }),
    cache: z.object({ kind: z.string() }),
    uptime_s: z.number().int(),
  })
  .meta({ id: 'PlatformStatus' });

export interface SystemRoutesOptions {
  readiness: ReadinessService;
  status: StatusService;
}

export const systemRoutes: FastifyPluginAsyncZod<SystemRoutesOptions> = async (
  app,
  { readiness, status },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: the process is up',
        description: 'Query parameters are ignored (some load balancers add cache busters).',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the database and the cache answer',
        description:
          'Answers 503 naming the failing dependency (or `draining` during shutdown). Query parameters are ignored.',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const result = await readiness.check();
      return reply.status(result.status === 'ok' ? 200 : 503).send(result);
    },
  );

  app.get(
    '/v1/status',
    {
      schema: {
        tags: ['ops'],
        summary: 'Version, schema version and backing services of this instance',
        querystring: z.object({}).strict(),
        response: { 200: platformStatusSchema, ...errorResponses },
      },
    },
    async () => status.status(),
  );
};

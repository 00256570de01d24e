import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, limitQuery, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { paginate } from '../tenants/tenants.routes.js';
import type { AuditEventRow } from './audit.repository.js';
import type { AuditService } from './audit.service.js';

const eventSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string().nullable(),
    actor_type: z.string(),
    actor_id: z.string().nullable(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    result: z.enum(['success', 'failure']),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    created_at: timestamp,
  })
  .meta({ id: 'AuditEvent' });

const view = (e: AuditEventRow) => ({
  ...e,
  details: (typeof e.details === 'string' ? JSON.parse(e.details) : e.details) as Record<string, unknown>,
  created_at: iso(e.created_at)!,
});

const filters = z
  .object({
    action: z.string().max(100).optional(),
    actor_id: z.string().max(64).optional(),
    result: z.enum(['success', 'failure']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    cursor: idSchema('evt').optional(),
    limit: limitQuery,
  })
  .strict();

export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditService; authn: Authenticator }> = async (
  app,
  { audit, authn },
) => {
  const toFilter = (q: z.infer<typeof filters>) => ({
    limit: q.limit + 1,
    ...(q.action ? { action: q.action } : {}),
    ...(q.actor_id ? { actorId: q.actor_id } : {}),
    ...(q.result ? { result: q.result } : {}),
    ...(q.since ? { since: new Date(q.since) } : {}),
    ...(q.until ? { until: new Date(q.until) } : {}),
    ...(q.cursor ? { before: q.cursor } : {}),
  });

  app.get(
    '/v1/audit-events',
    {
      schema: {
        tags: ['audit'],
        summary: "The tenant's audit log, newest first (needs audit:read)",
        querystring: filters,
        response: { 200: page(eventSchema), ...authErrorResponses },
      },
    },
    async (request) => {
      const events = await audit.listForTenant(await authn.required(request), toFilter(request.query));
      return paginate(events.map(view), request.query.limit);
    },
  );

  app.get(
    '/v1/admin/audit-events',
    {
      schema: {
        tags: ['admin'],
        summary: 'The whole audit log, including platform-level events (platform admin)',
        querystring: filters,
        response: { 200: page(eventSchema), ...authErrorResponses },
      },
    },
    async (request) => {
      const events = await audit.listAll(await authn.required(request), toFilter(request.query));
      return paginate(events.map(view), request.query.limit);
    },
  );
};

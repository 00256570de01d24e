import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import type { QuotaService, QuotaStatus } from './quota.service.js';
import type { QuotaPlan, TopUpRow } from './quotas.repository.js';

/** Plan names: lowercase letters, digits, `_` and `-`, 1–64 characters. */
export const planNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, _ or -')
  .meta({ example: 'vip' });

/** A budget: a whole number ≥ 0, or null for unlimited. */
const budget = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();

const planSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    tokens_per_day: budget,
    tokens_per_month: budget,
    requests_per_day: budget,
    requests_per_month: budget,
    max_tokens: z.number().int().nullable(),
    built_in: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'QuotaPlan' });

const planBody = z
  .object({
    description: z.string().max(500).optional(),
    tokens_per_day: budget.optional(),
    tokens_per_month: budget.optional(),
    requests_per_day: budget.optional(),
    requests_per_month: budget.optional(),
    max_tokens: z.number().int().min(1).max(10_000_000).nullable().optional(),
  })
  .strict();

const quotaStatusSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'QUOTAS_ENABLED: false means nothing is refused' }),
    tenant_id: z.string(),
    user_id: z.string().nullable(),
    tenant_plan: z.string(),
    user_plan: z.string().nullable(),
    max_tokens: z.number().int().nullable(),
    quotas: z.array(
      z.object({
        scope: z.enum(['tenant', 'user']),
        metric: z.enum(['tokens', 'requests']),
        period: z.enum(['day', 'month']),
        plan: z.string(),
        limit: z.number().int().nullable(),
        used: z.number().int(),
        remaining: z.number().int().nullable(),
        top_up: z.number().int(),
        resets_at: timestamp,
      }),
    ),
  })
  .meta({ id: 'QuotaStatus' });

const topUpSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    user_id: z.string().nullable(),
    period: z.enum(['day', 'month']),
    period_key: z.string(),
    tokens: z.number().int(),
    requests: z.number().int(),
    reason: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'QuotaTopUp' });

const planView = (p: QuotaPlan) => ({
  name: p.name,
  description: p.description,
  tokens_per_day: p.tokensPerDay,
  tokens_per_month: p.tokensPerMonth,
  requests_per_day: p.requestsPerDay,
  requests_per_month: p.requestsPerMonth,
  max_tokens: p.maxTokens,
  built_in: p.builtIn,
  created_at: new Date(p.createdAt).toISOString(),
  updated_at: new Date(p.updatedAt).toISOString(),
});

const topUpView = (t: TopUpRow) => ({
  id: t.id,
  tenant_id: t.tenantId,
  user_id: t.userId,
  period: t.period,
  period_key: t.periodKey,
  tokens: t.tokens,
  requests: t.requests,
  reason: t.reason,
  created_by: t.createdBy,
  created_at: new Date(t.createdAt).toISOString(),
});

const statusView = (s: QuotaStatus) => s;

export interface QuotasRoutesOptions {
  quotas: QuotaService;
  authn: Authenticator;
}

/**
 * Quotas (docs/quotas.md): `GET /v1/quotas` for any caller, `GET /v1/tenants/:id/quotas` for tenant admins
 * (`usage:read`), and the platform admin's plans, assignments and top-ups under `/v1/admin/...`.
 */
export const quotasRoutes: FastifyPluginAsyncZod<QuotasRoutesOptions> = async (app, { quotas, authn }) => {
  const tags = ['usage'];
  const adminTags = ['admin'];
  const tenantParams = z.object({ id: idSchema('ten') });

  app.get(
    '/v1/quotas',
    {
      schema: {
        tags,
        summary: "The caller's plans, usage, limits and reset times in the tenant it acts in",
        response: { 200: quotaStatusSchema, ...authErrorResponses },
      },
    },
    async (request) => statusView(await quotas.status(await authn.required(request))),
  );

  app.get(
    '/v1/tenants/:id/quotas',
    {
      schema: {
        tags,
        summary:
          "A tenant's plan, usage and limits (usage:read, or a platform admin); with user_id, a member's too",
        params: tenantParams,
        querystring: z.object({ user_id: idSchema('usr').optional() }),
        response: { 200: quotaStatusSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      statusView(
        await quotas.tenantStatus(await authn.required(request), request.params.id, request.query.user_id),
      ),
  );

  app.get(
    '/v1/admin/plans',
    {
      schema: {
        tags: adminTags,
        summary: 'Every quota plan (platform admin)',
        response: { 200: page(planSchema), ...authErrorResponses },
      },
    },
    async (request) => ({
      data: (await quotas.listPlans(await authn.required(request))).map(planView),
      next_cursor: null,
    }),
  );

  app.post(
    '/v1/admin/plans',
    {
      schema: {
        tags: adminTags,
        summary: 'Create a quota plan (platform admin); absent or null budgets are unlimited',
        body: planBody.extend({ name: planNameSchema }).strict(),
        response: { 201: planSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const { name, ...input } = request.body;
      const plan = await quotas.createPlan(await authn.required(request), name, input);
      return reply.status(201).send(planView(plan));
    },
  );

  app.patch(
    '/v1/admin/plans/:name',
    {
      schema: {
        tags: adminTags,
        summary: "Change a plan's budgets or cap (platform admin); null makes one unlimited",
        params: z.object({ name: planNameSchema }),
        body: planBody,
        response: { 200: planSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      planView(await quotas.updatePlan(await authn.required(request), request.params.name, request.body)),
  );

  app.put(
    '/v1/admin/tenants/:id/plan',
    {
      schema: {
        tags: adminTags,
        summary: "Set a tenant's plan (platform admin)",
        params: tenantParams,
        body: z.object({ plan: planNameSchema }).strict(),
        response: { 200: z.object({ tenant_id: z.string(), plan: z.string() }), ...authErrorResponses },
      },
    },
    async (request) => {
      await quotas.setTenantPlan(await authn.required(request), request.params.id, request.body.plan);
      return { tenant_id: request.params.id, plan: request.body.plan };
    },
  );

  app.put(
    '/v1/admin/tenants/:id/users/:userId/plan',
    {
      schema: {
        tags: adminTags,
        summary: "Give a member their own plan in the tenant; null: back to the tenant's (platform admin)",
        params: tenantParams.extend({ userId: idSchema('usr') }),
        body: z.object({ plan: planNameSchema.nullable() }).strict(),
        response: {
          200: z.object({ tenant_id: z.string(), user_id: z.string(), plan: z.string().nullable() }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { id, userId } = request.params;
      await quotas.setUserPlan(await authn.required(request), id, userId, request.body.plan);
      return { tenant_id: id, user_id: userId, plan: request.body.plan };
    },
  );

  app.put(
    '/v1/tenants/:id/members/:userId/plan',
    {
      schema: {
        tags,
        summary:
          "Give a member their own plan in the tenant; null: back to the tenant's (members:update). The tenant's plan still caps the whole tenant",
        params: tenantParams.extend({ userId: idSchema('usr') }),
        body: z.object({ plan: planNameSchema.nullable() }).strict(),
        response: {
          200: z.object({ tenant_id: z.string(), user_id: z.string(), plan: z.string().nullable() }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { id, userId } = request.params;
      await quotas.setUserPlan(await authn.required(request), id, userId, request.body.plan, true);
      return { tenant_id: id, user_id: userId, plan: request.body.plan };
    },
  );

  app.post(
    '/v1/admin/tenants/:id/top-ups',
    {
      schema: {
        tags: adminTags,
        summary: 'Grant extra tokens and/or requests for the current day or month (platform admin)',
        params: tenantParams,
        body: z
          .object({
            user_id: idSchema('usr').optional().meta({ description: 'A member; absent: the whole tenant' }),
            period: z.enum(['day', 'month']),
            tokens: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
            requests: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
            reason: z.string().max(500).optional(),
          })
          .strict(),
        response: { 201: topUpSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const { user_id, ...rest } = request.body;
      const row = await quotas.grantTopUp(await authn.required(request), request.params.id, {
        ...rest,
        userId: user_id,
      });
      return reply.status(201).send(topUpView(row));
    },
  );
};

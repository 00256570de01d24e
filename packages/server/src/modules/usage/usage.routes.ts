import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { USAGE_GROUPS, type UsageGroup } from './usage.repository.js';
import type { UsageService } from './usage.service.js';

const date = z.string().meta({ description: 'A UTC day, YYYY-MM-DD (inclusive)', example: '2026-11-25' });

const totals = {
  requests: z.number().int(),
  errors: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost: z.number().meta({ description: 'In the currency of the catalog prices (per 1M tokens)' }),
};

const filters = z.object({
  from: date.optional(),
  to: date.optional(),
  model: z.string().min(1).max(200).optional(),
  user_id: idSchema('usr').optional(),
  api_key_id: idSchema('key').optional(),
});

const usageSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    group_by: z.array(z.enum(USAGE_GROUPS)),
    data: z.array(
      z.object({
        day: z.string().optional(),
        model: z.string().optional(),
        user_id: z.string().nullable().optional(),
        api_key_id: z.string().nullable().optional(),
        ...totals,
      }),
    ),
    totals: z.object(totals),
  })
  .meta({ id: 'Usage' });

const analyticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: z.object({ ...totals, error_rate: z.number() }),
    top_users: z.array(z.object({ user_id: z.string().nullable(), ...totals })),
    cost_by_model: z.array(z.object({ model: z.string(), ...totals })),
    by_day: z.array(z.object({ day: z.string(), ...totals, error_rate: z.number() })),
    errors_by_code: z.array(z.object({ code: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'UsageAnalytics' });

/** `group_by=day,model`: a comma-separated list of day, model, user, api_key. */
const groupBy = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return ['day', 'model'] as UsageGroup[];
    const parts = [...new Set(value.split(',').map((p) => p.trim()))];
    for (const part of parts)
      if (!(USAGE_GROUPS as readonly string[]).includes(part)) {
        ctx.addIssue({ code: 'custom', message: `unknown group "${part}"; use ${USAGE_GROUPS.join(', ')}` });
        return z.NEVER;
      }
    return parts as UsageGroup[];
  })
  .meta({ description: 'Comma-separated: day, model, user, api_key (default day,model)' });

export interface UsageRoutesOptions {
  usage: UsageService;
  authn: Authenticator;
}

/** `GET /v1/usage` and `GET /v1/usage/analytics`: the tenant's metered usage (`usage:read`). */
export const usageRoutes: FastifyPluginAsyncZod<UsageRoutesOptions> = async (app, { usage, authn }) => {
  const tags = ['usage'];

  app.get(
    '/v1/usage',
    {
      schema: {
        tags,
        summary: 'Tokens, requests and cost per day × model × user × API key, filtered (usage:read)',
        querystring: filters.extend({ group_by: groupBy }),
        response: { 200: usageSchema, ...authErrorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      return usage.summary(
        await authn.required(request),
        { from: q.from, to: q.to, model: q.model, userId: q.user_id, apiKeyId: q.api_key_id },
        q.group_by,
      );
    },
  );

  app.get(
    '/v1/usage/analytics',
    {
      schema: {
        tags,
        summary:
          'Tenant analytics over a range: totals and error rate, top users, cost by model, errors (usage:read)',
        querystring: filters.extend({ top: z.coerce.number().int().min(1).max(100).default(10) }),
        response: { 200: analyticsSchema, ...authErrorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      return usage.analytics(
        await authn.required(request),
        { from: q.from, to: q.to, model: q.model, userId: q.user_id, apiKeyId: q.api_key_id },
        q.top,
      );
    },
  );
};

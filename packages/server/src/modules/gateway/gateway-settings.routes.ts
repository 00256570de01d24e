import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import type { GatewaySettings, GatewaySettingsService } from './gateway-settings.service.js';
import { CACHE_MODES, type CacheStats } from './response-cache.js';

/** Longest a tenant may keep cached answers: 30 days. */
const MAX_CACHE_TTL_S = 2_592_000;

const settingsSchema = z
  .object({
    tenant_id: z.string(),
    response_cache: z.enum(CACHE_MODES),
    cache_ttl_s: z.number().int().nullable(),
    pii_masking: z.boolean(),
    updated_at: timestamp.nullable(),
    cache_stats: z.object({
      exact_hits: z.number().int(),
      semantic_hits: z.number().int(),
      misses: z.number().int(),
    }),
  })
  .meta({ id: 'GatewaySettings' });

const view = (tenantId: string, s: GatewaySettings & { cache_stats: CacheStats }) => ({
  tenant_id: tenantId,
  response_cache: s.response_cache,
  cache_ttl_s: s.cache_ttl_s,
  pii_masking: s.pii_masking,
  updated_at: iso(s.updated_at),
  cache_stats: s.cache_stats,
});

const params = z.object({ id: idSchema('ten') });

export interface GatewaySettingsRoutesOptions {
  settings: GatewaySettingsService;
  authn: Authenticator;
}

/** `GET/PUT /v1/tenants/:id/gateway-settings`: the tenant's response cache setting and its hit/miss counts. */
export const gatewaySettingsRoutes: FastifyPluginAsyncZod<GatewaySettingsRoutesOptions> = async (
  app,
  { settings, authn },
) => {
  const tags = ['tenants'];

  app.get(
    '/v1/tenants/:id/gateway-settings',
    {
      schema: {
        tags,
        summary: "The tenant's gateway settings and response cache hit/miss counts",
        params,
        response: { 200: settingsSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      view(request.params.id, await settings.get(await authn.required(request), request.params.id)),
  );

  app.put(
    '/v1/tenants/:id/gateway-settings',
    {
      schema: {
        tags,
        summary: "Replace the tenant's gateway settings (response cache mode and TTL)",
        params,
        body: z
          .object({
            response_cache: z.enum(CACHE_MODES),
            /** Absent or null: the platform default (GATEWAY_CACHE_TTL_S). */
            cache_ttl_s: z.number().int().min(1).max(MAX_CACHE_TTL_S).nullable().optional(),
            /** Mask PII in prompts sent to providers and restore it in replies; absent: unchanged. */
            pii_masking: z.boolean().optional(),
          })
          .strict(),
        response: { 200: settingsSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      view(
        request.params.id,
        await settings.put(await authn.required(request), request.params.id, {
          response_cache: request.body.response_cache,
          cache_ttl_s: request.body.cache_ttl_s ?? null,
          ...(request.body.pii_masking === undefined ? {} : { pii_masking: request.body.pii_masking }),
        }),
      ),
  );
};

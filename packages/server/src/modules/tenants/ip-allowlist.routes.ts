import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { type IpAllowlistService, type IpAllowlistView, MAX_ALLOWLIST_ENTRIES } from './ip-allowlist.js';

const allowlistSchema = z
  .object({
    tenant_id: z.string(),
    entries: z.array(z.string()),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'IpAllowlist' });

const view = (tenantId: string, v: IpAllowlistView) => ({
  tenant_id: tenantId,
  entries: v.entries,
  updated_at: iso(v.updated_at),
});

const params = z.object({ id: idSchema('ten') });

export interface IpAllowlistRoutesOptions {
  allowlist: IpAllowlistService;
  authn: Authenticator;
}

/** `GET/PUT /v1/tenants/:id/ip-allowlist`: the addresses and CIDR ranges allowed into the tenant (docs/rate-limits.md). */
export const ipAllowlistRoutes: FastifyPluginAsyncZod<IpAllowlistRoutesOptions> = async (
  app,
  { allowlist, authn },
) => {
  const tags = ['tenants'];

  app.get(
    '/v1/tenants/:id/ip-allowlist',
    {
      schema: {
        tags,
        summary: "The tenant's IP allowlist (empty: every address may call)",
        params,
        response: { 200: allowlistSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      view(request.params.id, await allowlist.get(await authn.required(request), request.params.id)),
  );

  app.put(
    '/v1/tenants/:id/ip-allowlist',
    {
      schema: {
        tags,
        summary:
          "Replace the tenant's IP allowlist: IPv4/IPv6 addresses and CIDR ranges. A list without the caller's own address is refused unless `force` is true.",
        params,
        body: z
          .object({
            entries: z.array(z.string().max(100)).max(MAX_ALLOWLIST_ENTRIES),
            force: z.boolean().optional(),
          })
          .strict(),
        response: { 200: allowlistSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      view(
        request.params.id,
        await allowlist.put(await authn.required(request), request.params.id, {
          entries: request.body.entries,
          ...(request.body.force === undefined ? {} : { force: request.body.force }),
        }),
      ),
  );
};

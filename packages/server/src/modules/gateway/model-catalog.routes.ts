import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { deploymentSpecSchema, modelSpecSchema } from './catalog.js';
import {
  type ModelCatalogService,
  type ModelEntryView,
  modelEntryBodySchema,
  modelNameSchema,
} from './model-catalog.service.js';

const entrySchema = z
  .object({
    id: z
      .string()
      .nullable()
      .meta({ description: 'The `mdl_` id of a database entry; null for file/built-in' }),
    name: z.string(),
    tenant_id: z.string().nullable(),
    source: z.enum(['database', 'file', 'built-in']),
    active: z.boolean().meta({ description: 'False when a database entry of the same name overrides it' }),
    spec: modelSpecSchema.omit({ name: true }),
    created_by: z.string().nullable(),
    created_at: timestamp.nullable(),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'ModelEntry' });

const entryView = (e: ModelEntryView) => ({
  ...e,
  created_at: iso(e.created_at),
  updated_at: iso(e.updated_at),
});

export interface ModelCatalogRoutesOptions {
  catalog: ModelCatalogService;
  authn: Authenticator;
}

/**
 * The model catalog's API (Nexus's error shape, not OpenAI's): global entries for platform admins, and
 * each tenant's own entries. Names may contain `/`; send it as `%2F` in the path.
 */
export const modelCatalogRoutes: FastifyPluginAsyncZod<ModelCatalogRoutesOptions> = async (
  app,
  { catalog, authn },
) => {
  const adminTags = ['admin'];
  const tags = ['tenants'];
  const nameParams = z.object({ name: modelNameSchema });
  const tenantParams = z.object({ id: idSchema('ten') });
  const tenantNameParams = tenantParams.extend({ name: modelNameSchema });
  const putResponses = { 200: entrySchema, 201: entrySchema, ...authErrorResponses };

  app.get(
    '/v1/admin/models',
    {
      schema: {
        tags: adminTags,
        summary: 'Global model entries (database, file, built-in) and the OPENAI_BASE_URL passthrough',
        response: {
          200: page(entrySchema).extend({
            version: z.number().int().meta({ description: 'The catalog version this instance serves' }),
            passthrough: deploymentSpecSchema.nullable().meta({
              description: 'OPENAI_BASE_URL + OPENAI_API_KEY: serves any model name the catalog lacks',
            }),
          }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { version, passthrough, entries } = await catalog.adminList(await authn.required(request));
      return { data: entries.map(entryView), next_cursor: null, version, passthrough };
    },
  );

  app.put(
    '/v1/admin/models/:name',
    {
      schema: {
        tags: adminTags,
        summary: 'Create or replace a global model entry (platform admin)',
        params: nameParams,
        body: modelEntryBodySchema,
        response: putResponses,
      },
    },
    async (request, reply) => {
      const { entry, created } = await catalog.adminPut(
        await authn.required(request),
        request.params.name,
        request.body,
      );
      return reply.status(created ? 201 : 200).send(entryView(entry));
    },
  );

  app.delete(
    '/v1/admin/models/:name',
    {
      schema: {
        tags: adminTags,
        summary: 'Delete a global model entry (platform admin)',
        params: nameParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await catalog.adminDelete(await authn.required(request), request.params.name);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/tenants/:id/models',
    {
      schema: {
        tags,
        summary: "The tenant's own model entries (chat:read)",
        params: tenantParams,
        response: { 200: page(entrySchema), ...authErrorResponses },
      },
    },
    async (request) => ({
      data: (await catalog.list(await authn.required(request), request.params.id)).map(entryView),
      next_cursor: null,
    }),
  );

  app.put(
    '/v1/tenants/:id/models/:name',
    {
      schema: {
        tags,
        summary: 'Create or replace a model entry only this tenant sees (tenant:update)',
        params: tenantNameParams,
        body: modelEntryBodySchema,
        response: putResponses,
      },
    },
    async (request, reply) => {
      const { entry, created } = await catalog.put(
        await authn.required(request),
        request.params.id,
        request.params.name,
        request.body,
      );
      return reply.status(created ? 201 : 200).send(entryView(entry));
    },
  );

  app.delete(
    '/v1/tenants/:id/models/:name',
    {
      schema: {
        tags,
        summary: "Delete one of the tenant's model entries (tenant:update)",
        params: tenantNameParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await catalog.delete(await authn.required(request), request.params.id, request.params.name);
      return reply.status(204).send(null);
    },
  );
};

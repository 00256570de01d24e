import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, limitQuery, timestamp } from '../../http/schemas.js';
import type { FeaturesService } from './features.service.js';
import { runtimeConfigDocumentSchema } from './runtime-config.schema.js';
import type { ConfigStateView, ConfigVersionView, RuntimeConfigService } from './runtime-config.service.js';

/** The response header naming the config version that applies to the caller (on GET /v1/me/features). */
export const CONFIG_VERSION_HEADER = 'x-nexus-config-version';

const diffEntrySchema = z
  .object({
    op: z.enum(['add', 'remove', 'replace']),
    path: z.string().meta({ description: 'RFC 6901 JSON Pointer into the document' }),
    from: z.unknown().optional(),
    value: z.unknown().optional(),
  })
  .meta({ id: 'ConfigDiffEntry' });

const versionSchema = z
  .object({
    version: z.number().int(),
    message: z.string(),
    author: z.object({ id: z.string().nullable(), email: z.string().nullable() }),
    created_at: timestamp,
    status: z.enum(['active', 'canary', 'inactive']),
    document: runtimeConfigDocumentSchema,
    diff: z
      .array(diffEntrySchema)
      .meta({ description: 'Changes from the previous version (version 1: from the default)' }),
  })
  .meta({ id: 'ConfigVersion' });

const stateSchema = z
  .object({
    active_version: z.number().int().nullable(),
    canary: z.object({ version: z.number().int(), percent: z.number() }).nullable(),
    revision: z.number().int(),
    updated_by: z.string().nullable(),
    updated_at: timestamp,
  })
  .meta({ id: 'ConfigState' });

const featuresSchema = z
  .object({
    data: z
      .record(z.string(), z.boolean())
      .meta({ description: 'Each flag of the caller’s config: on or off' }),
    config_version: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The config version that decided (null: default)' }),
    config_source: z.enum(['default', 'active', 'canary']),
    evaluations: z.array(
      z.object({
        key: z.string(),
        enabled: z.boolean(),
        reason: z.enum(['flag_off', 'no_rules', 'rule_match', 'no_rule_matched']),
        rule_index: z.number().int().nullable(),
        rule_type: z.enum(['percentage', 'ip', 'tenants', 'users']).nullable(),
      }),
    ),
  })
  .meta({ id: 'Features' });

const versionView = (v: ConfigVersionView) => ({ ...v, created_at: iso(v.created_at) as string });
const stateView = (s: ConfigStateView) => ({ ...s, updated_at: iso(s.updated_at) as string });

export interface ReleaseRoutesOptions {
  runtimeConfig: RuntimeConfigService;
  features: FeaturesService;
  authn: Authenticator;
}

/** Feature flags for the caller and the versioned runtime config's admin API (docs/runtime-config.md). */
export const releaseRoutes: FastifyPluginAsyncZod<ReleaseRoutesOptions> = async (
  app,
  { runtimeConfig, features, authn },
) => {
  const tags = ['admin'];
  const versionParams = z.object({
    n: z.coerce.number().int().min(1).max(2_147_483_647).meta({ description: 'The version number' }),
  });

  app.get(
    '/v1/me/features',
    {
      schema: {
        tags: ['me'],
        summary: 'The caller’s feature flags, evaluated, with the config version that applies to them',
        response: { 200: featuresSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const view = await features.evaluate(await authn.required(request));
      reply.header(
        CONFIG_VERSION_HEADER,
        view.config_version === null ? 'default' : String(view.config_version),
      );
      return {
        data: Object.fromEntries(view.flags.map((f) => [f.key, f.enabled])),
        config_version: view.config_version,
        config_source: view.config_source,
        evaluations: view.flags,
      };
    },
  );

  app.post(
    '/v1/admin/config/versions',
    {
      schema: {
        tags,
        summary: 'Store a new runtime config version (immutable; not active until activated)',
        body: z
          .object({
            document: runtimeConfigDocumentSchema,
            message: z.string().trim().min(1).max(500).meta({ description: 'Why: shown in the history' }),
          })
          .strict(),
        response: { 201: versionSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const created = await runtimeConfig.create(await authn.required(request), request.body);
      return reply.status(201).send(versionView(created));
    },
  );

  app.get(
    '/v1/admin/config/versions',
    {
      schema: {
        tags,
        summary: 'Config versions, newest first, with the active and canary state',
        querystring: z.object({
          limit: limitQuery,
          cursor: z.coerce
            .number()
            .int()
            .min(1)
            .optional()
            .meta({ description: 'next_cursor of the previous page' }),
        }),
        response: {
          200: z.object({
            data: z.array(versionSchema),
            next_cursor: z.string().nullable(),
            state: stateSchema,
          }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const { versions, state } = await runtimeConfig.list(await authn.required(request), {
        limit,
        before: cursor,
      });
      const last = versions.at(-1);
      return {
        data: versions.map(versionView),
        next_cursor: versions.length === limit && last && last.version > 1 ? String(last.version) : null,
        state: stateView(state),
      };
    },
  );

  app.get(
    '/v1/admin/config/versions/:n',
    {
      schema: {
        tags,
        summary: 'One config version with its document and its diff against the previous version',
        params: versionParams,
        response: { 200: versionSchema, ...authErrorResponses },
      },
    },
    async (request) => versionView(await runtimeConfig.get(await authn.required(request), request.params.n)),
  );

  app.post(
    '/v1/admin/config/versions/:n/activate',
    {
      schema: {
        tags,
        summary: 'Activate a version for everybody (an earlier one: rollback); ends a running canary',
        params: versionParams,
        response: { 200: stateSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      stateView(await runtimeConfig.activate(await authn.required(request), request.params.n)),
  );

  app.post(
    '/v1/admin/config/versions/:n/canary',
    {
      schema: {
        tags,
        summary:
          'Serve a version to a percentage of users (stable hash of the user id); the rest keep the active one',
        params: versionParams,
        body: z.object({ percent: z.number().gt(0).max(100) }).strict(),
        response: { 200: stateSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      stateView(
        await runtimeConfig.canary(await authn.required(request), request.params.n, request.body.percent),
      ),
  );

  app.post(
    '/v1/admin/config/canary/promote',
    {
      schema: {
        tags,
        summary: 'Make the canary version active for everybody',
        response: { 200: stateSchema, ...authErrorResponses },
      },
    },
    async (request) => stateView(await runtimeConfig.promoteCanary(await authn.required(request))),
  );

  app.post(
    '/v1/admin/config/canary/rollback',
    {
      schema: {
        tags,
        summary: 'End the canary: everybody is back on the active version',
        response: { 200: stateSchema, ...authErrorResponses },
      },
    },
    async (request) => stateView(await runtimeConfig.rollbackCanary(await authn.required(request))),
  );

  app.get(
    '/v1/admin/config/active',
    {
      schema: {
        tags,
        summary: 'The active version (null before any activation, with the default document) and the canary',
        response: {
          200: z.object({
            state: stateSchema,
            version: versionSchema.nullable(),
            document: runtimeConfigDocumentSchema,
            served_revision: z
              .number()
              .int()
              .meta({ description: 'The state revision this instance serves' }),
          }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const { state, active, document } = await runtimeConfig.activeState(await authn.required(request));
      return {
        state: stateView(state),
        version: active && versionView(active),
        document,
        served_revision: runtimeConfig.revision,
      };
    },
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import type { ApiKeyRow } from './api-keys.repository.js';
import type { ApiKeysService } from './api-keys.service.js';
import { PERMISSIONS } from './permissions.js';
import type { RolesService } from './roles.service.js';

const permission = z.enum(PERMISSIONS);

/** A role's name (built-in or custom), as routes accept it. */
export const roleName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, { message: 'lower-case letters, digits, - and _' });

const roleSchema = z
  .object({
    id: z.string().nullable(),
    name: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
    built_in: z.boolean(),
  })
  .meta({ id: 'Role' });

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'First characters of the secret, to recognise it' }),
    scopes: z.array(z.string()),
    created_by: z.string(),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

const apiKeyView = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  created_by: k.created_by,
  created_at: iso(k.created_at)!,
  expires_at: iso(k.expires_at),
  last_used_at: iso(k.last_used_at),
  revoked_at: iso(k.revoked_at),
});

export interface AccessRoutesOptions {
  roles: RolesService;
  apiKeys: ApiKeysService;
  authn: Authenticator;
}

/** Roles and API keys of the caller's tenant (`X-Nexus-Tenant`, or the default tenant). */
export const accessRoutes: FastifyPluginAsyncZod<AccessRoutesOptions> = async (
  app,
  { roles, apiKeys, authn },
) => {
  app.get(
    '/v1/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Built-in and custom roles',
        response: { 200: page(roleSchema), ...authErrorResponses },
      },
    },
    async (request) => ({ data: await roles.list(await authn.required(request)), next_cursor: null }),
  );

  app.post(
    '/v1/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Create a custom role from permissions',
        body: z
          .object({
            name: roleName,
            description: z.string().max(500).optional(),
            permissions: z.array(permission).max(100),
          })
          .strict(),
        response: { 201: roleSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const { name, description, permissions } = request.body;
      const role = await roles.create(await authn.required(request), {
        name,
        permissions,
        ...(description === undefined ? {} : { description }),
      });
      return reply.status(201).send(role);
    },
  );

  app.patch(
    '/v1/roles/:id',
    {
      schema: {
        tags: ['roles'],
        summary: 'Change a custom role',
        params: z.object({ id: idSchema('role') }),
        body: z
          .object({
            description: z.string().max(500).optional(),
            permissions: z.array(permission).max(100).optional(),
          })
          .strict(),
        response: { 200: roleSchema, ...authErrorResponses },
      },
    },
    async (request) => {
      const { description, permissions } = request.body;
      return roles.update(await authn.required(request), request.params.id, {
        ...(description === undefined ? {} : { description }),
        ...(permissions === undefined ? {} : { permissions }),
      });
    },
  );

  app.delete(
    '/v1/roles/:id',
    {
      schema: {
        tags: ['roles'],
        summary: 'Delete an unused custom role',
        params: z.object({ id: idSchema('role') }),
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await roles.delete(await authn.required(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: "The tenant's API keys (secrets are never shown again)",
        response: { 200: page(apiKeySchema), ...authErrorResponses },
      },
    },
    async (request) => ({
      data: (await apiKeys.list(await authn.required(request))).map(apiKeyView),
      next_cursor: null,
    }),
  );

  app.post(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the `nx-` secret is in this response only',
        body: z
          .object({
            name: z.string().trim().min(1).max(100),
            scopes: z.array(permission).min(1).max(PERMISSIONS.length),
            expires_at: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
        response: { 201: apiKeySchema.extend({ secret: z.string() }), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const { key, secret } = await apiKeys.create(await authn.required(request), {
        name: request.body.name,
        scopes: request.body.scopes,
        ...(request.body.expires_at ? { expiresAt: new Date(request.body.expires_at) } : {}),
      });
      return reply.status(201).send({ ...apiKeyView(key), secret });
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key; it stops working immediately',
        params: z.object({ id: idSchema('key') }),
        response: { 200: apiKeySchema, ...authErrorResponses },
      },
    },
    async (request) => apiKeyView(await apiKeys.revoke(await authn.required(request), request.params.id)),
  );
};

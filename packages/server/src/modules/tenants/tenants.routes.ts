import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, limitQuery, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { roleName } from '../access/access.routes.js';
import type { AuthService } from '../identity/auth.service.js';
import { userSchema, userView } from '../identity/identity.routes.js';
import type { InviteRow, TenantRow } from './tenants.repository.js';
import type { TenantsService } from './tenants.service.js';

const tenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    status: z.enum(['active', 'disabled']),
    created_at: timestamp,
  })
  .meta({ id: 'Tenant' });
const tenantView = (t: TenantRow) => ({
  id: t.id,
  name: t.name,
  slug: t.slug,
  status: t.status,
  created_at: iso(t.created_at)!,
});

const memberSchema = z
  .object({
    user_id: z.string(),
    email: z.string().nullable(),
    display_name: z.string(),
    role: z.string(),
    joined_at: timestamp,
  })
  .meta({ id: 'Member' });

const inviteSchema = z
  .object({
    id: z.string(),
    role: z.string(),
    email: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    created_at: timestamp,
    expires_at: timestamp,
  })
  .meta({ id: 'Invite' });
const inviteView = (i: InviteRow) => ({
  id: i.id,
  role: i.role,
  email: i.email,
  status: i.accepted_at
    ? ('accepted' as const)
    : i.revoked_at
      ? ('revoked' as const)
      : new Date(i.expires_at) <= new Date()
        ? ('expired' as const)
        : ('pending' as const),
  created_at: iso(i.created_at)!,
  expires_at: iso(i.expires_at)!,
});

const name = z.string().trim().min(1).max(100);
const tenantParams = z.object({ id: idSchema('ten') });
const memberParams = z.object({ id: idSchema('ten'), user_id: idSchema('usr') });

export interface TenantsRoutesOptions {
  tenants: TenantsService;
  auth: AuthService;
  authn: Authenticator;
}

export const tenantsRoutes: FastifyPluginAsyncZod<TenantsRoutesOptions> = async (
  app,
  { tenants, auth, authn },
) => {
  const tags = ['tenants'];

  app.get(
    '/v1/tenants',
    {
      schema: {
        tags,
        summary: 'Tenants the caller belongs to, with their role',
        response: { 200: page(tenantSchema.extend({ role: z.string() })), ...authErrorResponses },
      },
    },
    async (request) => {
      const rows = await tenants.listMine(await authn.required(request));
      return { data: rows.map((t) => ({ ...tenantView(t), role: t.role })), next_cursor: null };
    },
  );

  app.post(
    '/v1/tenants',
    {
      schema: {
        tags,
        summary: 'Create a tenant; the caller becomes its owner',
        body: z.object({ name }).strict(),
        response: { 201: tenantSchema, ...authErrorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(tenantView(await tenants.create(await authn.required(request), request.body.name))),
  );

  app.get(
    '/v1/tenants/:id',
    {
      schema: {
        tags,
        summary: 'One tenant',
        params: tenantParams,
        response: { 200: tenantSchema, ...authErrorResponses },
      },
    },
    async (request) => tenantView(await tenants.get(await authn.required(request), request.params.id)),
  );

  app.patch(
    '/v1/tenants/:id',
    {
      schema: {
        tags,
        summary: 'Rename a tenant',
        params: tenantParams,
        body: z.object({ name }).strict(),
        response: { 200: tenantSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      tenantView(await tenants.rename(await authn.required(request), request.params.id, request.body.name)),
  );

  app.get(
    '/v1/tenants/:id/members',
    {
      schema: {
        tags,
        summary: 'Members and their roles',
        params: tenantParams,
        response: { 200: page(memberSchema), ...authErrorResponses },
      },
    },
    async (request) => {
      const rows = await tenants.listMembers(await authn.required(request), request.params.id);
      return {
        data: rows.map((m) => ({
          user_id: m.user_id,
          email: m.email,
          display_name: m.display_name,
          role: m.role,
          joined_at: iso(m.created_at)!,
        })),
        next_cursor: null,
      };
    },
  );

  app.patch(
    '/v1/tenants/:id/members/:user_id',
    {
      schema: {
        tags,
        summary: "Change a member's role",
        params: memberParams,
        body: z.object({ role: roleName }).strict(),
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await tenants.changeRole(
        await authn.required(request),
        request.params.id,
        request.params.user_id,
        request.body.role,
      );
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1/tenants/:id/members/:user_id',
    {
      schema: {
        tags,
        summary: 'Remove a member (or leave)',
        params: memberParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await tenants.removeMember(await authn.required(request), request.params.id, request.params.user_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/tenants/:id/invites',
    {
      schema: {
        tags,
        summary: 'Invite someone with a role; the token is shown once',
        params: tenantParams,
        body: z.object({ role: roleName, email: z.email().max(320).optional() }).strict(),
        response: { 201: inviteSchema.extend({ token: z.string() }), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      const { invite, token } = await tenants.createInvite(await authn.required(request), request.params.id, {
        role: request.body.role,
        ...(request.body.email ? { email: request.body.email } : {}),
      });
      return reply.status(201).send({ ...inviteView(invite), token });
    },
  );

  app.get(
    '/v1/tenants/:id/invites',
    {
      schema: {
        tags,
        summary: 'Invites of a tenant',
        params: tenantParams,
        response: { 200: page(inviteSchema), ...authErrorResponses },
      },
    },
    async (request) => ({
      data: (await tenants.listInvites(await authn.required(request), request.params.id)).map(inviteView),
      next_cursor: null,
    }),
  );

  app.delete(
    '/v1/tenants/:id/invites/:invite_id',
    {
      schema: {
        tags,
        summary: 'Revoke a pending invite',
        params: z.object({ id: idSchema('ten'), invite_id: idSchema('inv') }),
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await tenants.revokeInvite(await authn.required(request), request.params.id, request.params.invite_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/invites/accept',
    {
      schema: {
        tags,
        summary: 'Join a tenant with an invite token (works once)',
        body: z.object({ token: z.string().min(1).max(512) }).strict(),
        response: { 200: z.object({ tenant: tenantSchema, role: z.string() }), ...authErrorResponses },
      },
    },
    async (request) => {
      const { tenant, role } = await tenants.acceptInvite(await authn.required(request), request.body.token);
      return { tenant: tenantView(tenant), role };
    },
  );

  // Platform administration.
  const adminTags = ['admin'];
  const cursorQuery = z.object({ cursor: z.string().max(64).optional(), limit: limitQuery }).strict();

  app.get(
    '/v1/admin/tenants',
    {
      schema: {
        tags: adminTags,
        summary: 'All tenants (platform admin)',
        querystring: cursorQuery,
        response: { 200: page(tenantSchema), ...authErrorResponses },
      },
    },
    async (request) => {
      const rows = await tenants.adminList(await authn.required(request), {
        limit: request.query.limit + 1,
        ...(request.query.cursor ? { before: request.query.cursor } : {}),
      });
      return paginate(rows.map(tenantView), request.query.limit);
    },
  );

  app.post(
    '/v1/admin/tenants',
    {
      schema: {
        tags: adminTags,
        summary: 'Create a tenant (platform admin), owned by the admin or by owner_user_id',
        body: z.object({ name, owner_user_id: idSchema('usr').optional() }).strict(),
        response: { 201: tenantSchema, ...authErrorResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(
        tenantView(
          await tenants.adminCreate(await authn.required(request), {
            name: request.body.name,
            ...(request.body.owner_user_id ? { ownerUserId: request.body.owner_user_id } : {}),
          }),
        ),
      ),
  );

  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    app.post(
      `/v1/admin/tenants/:id/${action}`,
      {
        schema: {
          tags: adminTags,
          summary: `${action === 'disable' ? 'Disable' : 'Enable'} a tenant (platform admin)`,
          params: tenantParams,
          response: { 200: tenantSchema, ...authErrorResponses },
        },
      },
      async (request) =>
        tenantView(await tenants.adminSetStatus(await authn.required(request), request.params.id, status)),
    );
    app.post(
      `/v1/admin/users/:id/${action}`,
      {
        schema: {
          tags: adminTags,
          summary: `${action === 'disable' ? 'Disable a user and revoke all their sessions' : 'Enable a user'} (platform admin)`,
          params: z.object({ id: idSchema('usr') }),
          response: { 200: userSchema, ...authErrorResponses },
        },
      },
      async (request) => {
        return userView(await auth.setUserStatus(await authn.required(request), request.params.id, status));
      },
    );
  }

  app.get(
    '/v1/admin/users',
    {
      schema: {
        tags: adminTags,
        summary: 'All users (platform admin)',
        querystring: cursorQuery.extend({ email: z.string().max(320).optional() }),
        response: { 200: page(userSchema), ...authErrorResponses },
      },
    },
    async (request) => {
      const rows = await auth.listUsers(await authn.required(request), {
        limit: request.query.limit + 1,
        ...(request.query.cursor ? { before: request.query.cursor } : {}),
        ...(request.query.email ? { email: request.query.email } : {}),
      });
      return paginate(rows.map(userView), request.query.limit);
    },
  );
};

/** Keyset pagination: the query fetched limit + 1 rows; the extra one says whether there is a next page. */
export function paginate<T extends { id: string }>(
  rows: T[],
  limit: number,
): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
}

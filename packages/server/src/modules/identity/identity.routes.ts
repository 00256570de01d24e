import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { type AccessService, requireUser } from '../access/access.service.js';
import { PERMISSIONS } from '../access/permissions.js';
import type { TenantsService } from '../tenants/tenants.service.js';
import type { AuthService } from './auth.service.js';
import type { UserRow } from './users.repository.js';

const email = z.email().max(320).meta({ example: 'ada@example.com' });
const password = z.string().min(1).max(1024);
const deviceName = z.string().trim().min(1).max(200).optional();

const tokenPair = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: 'Access token lifetime in seconds' }),
    session_id: z.string(),
    user_id: z.string(),
  })
  .meta({ id: 'TokenPair' });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    display_name: z.string(),
    is_platform_admin: z.boolean(),
    status: z.enum(['active', 'disabled']),
    created_at: timestamp,
  })
  .meta({ id: 'User' });

export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  display_name: u.display_name,
  is_platform_admin: u.is_platform_admin,
  status: u.status,
  created_at: iso(u.created_at)!,
});

const sessionSchema = z
  .object({
    id: z.string(),
    device_name: z.string(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    created_at: timestamp,
    last_seen_at: timestamp,
    expires_at: timestamp,
    current: z.boolean(),
  })
  .meta({ id: 'Session' });

export interface IdentityRoutesOptions {
  auth: AuthService;
  access: AccessService;
  tenants: TenantsService;
  authn: Authenticator;
}

export const identityRoutes: FastifyPluginAsyncZod<IdentityRoutesOptions> = async (
  app,
  { auth, access, tenants, authn },
) => {
  const tags = ['auth'];

  app.post(
    '/v1/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account (and its personal tenant) and log in',
        body: z
          .object({
            email,
            password,
            display_name: z.string().trim().min(1).max(100).optional(),
            device_name: deviceName,
          })
          .strict(),
        response: {
          201: tokenPair.extend({ user: userSchema, tenant_id: z.string() }),
          ...authErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const ctx = await authn.optional(request);
      const { user, tenant, tokens } = await auth.register(ctx, {
        email: request.body.email,
        password: request.body.password,
        ...(request.body.display_name ? { displayName: request.body.display_name } : {}),
        ...(request.body.device_name ? { deviceName: request.body.device_name } : {}),
      });
      return reply.status(201).send({ ...tokens, user: userView(user), tenant_id: tenant.id });
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Log in with email and password; opens a device session',
        body: z.object({ email, password, device_name: deviceName }).strict(),
        response: { 200: tokenPair, ...authErrorResponses },
      },
    },
    async (request) =>
      auth.login(await authn.optional(request), {
        email: request.body.email,
        password: request.body.password,
        ...(request.body.device_name ? { deviceName: request.body.device_name } : {}),
      }),
  );

  app.post(
    '/v1/auth/wechat',
    {
      schema: {
        tags,
        summary: 'Log in from a WeChat mini-program with a wx.login() code',
        body: z.object({ code: z.string().trim().min(1).max(256), device_name: deviceName }).strict(),
        response: { 200: tokenPair.extend({ created: z.boolean() }), ...authErrorResponses },
      },
    },
    async (request) =>
      auth.loginWithWechat(await authn.optional(request), {
        code: request.body.code,
        ...(request.body.device_name ? { deviceName: request.body.device_name } : {}),
      }),
  );

  app.post(
    '/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new token pair (the old refresh token is used up)',
        body: z.object({ refresh_token: z.string().min(1).max(512) }).strict(),
        response: { 200: tokenPair, ...authErrorResponses },
      },
    },
    async (request) => auth.refresh(await authn.optional(request), request.body.refresh_token),
  );

  app.post(
    '/v1/auth/logout',
    {
      schema: {
        tags,
        summary: 'Revoke the current session',
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await auth.logout(await authn.required(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/logout-all',
    {
      schema: {
        tags,
        summary: 'Revoke every session of the current user',
        response: { 200: z.object({ revoked: z.number().int() }), ...authErrorResponses },
      },
    },
    async (request) => ({ revoked: await auth.logoutAll(await authn.required(request)) }),
  );

  app.post(
    '/v1/auth/password-reset/request',
    {
      schema: {
        tags,
        summary:
          'Email a single-use reset token (always answers 202: never reveals whether the email exists)',
        body: z.object({ email }).strict(),
        response: { 202: z.object({ status: z.literal('accepted') }), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await auth.requestPasswordReset(await authn.optional(request), request.body.email);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/v1/auth/password-reset/confirm',
    {
      schema: {
        tags,
        summary: 'Set a new password with a reset token; revokes every session',
        body: z.object({ token: z.string().min(1).max(512), new_password: password }).strict(),
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await auth.confirmPasswordReset(await authn.optional(request), {
        token: request.body.token,
        newPassword: request.body.new_password,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'The current user and the tenants they belong to',
        response: {
          200: z.object({
            user: userSchema,
            tenants: z.array(
              z.object({ id: z.string(), name: z.string(), role: z.string(), status: z.string() }),
            ),
          }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const ctx = await authn.required(request);
      const principal = requireUser(ctx);
      const [user, memberships] = await Promise.all([auth.getUser(principal.userId), tenants.listMine(ctx)]);
      return {
        user: userView(user),
        tenants: memberships.map((t) => ({ id: t.id, name: t.name, role: t.role, status: t.status })),
      };
    },
  );

  app.post(
    '/v1/me/password',
    {
      schema: {
        tags: ['me'],
        summary: 'Change the password; revokes every other session',
        body: z.object({ current_password: password, new_password: password }).strict(),
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await auth.changePassword(await authn.required(request), {
        currentPassword: request.body.current_password,
        newPassword: request.body.new_password,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me/sessions',
    {
      schema: {
        tags: ['me'],
        summary: 'Active device sessions',
        response: {
          200: z.object({ data: z.array(sessionSchema), next_cursor: z.null() }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const sessions = await auth.listSessions(await authn.required(request));
      return {
        data: sessions.map((s) => ({
          id: s.id,
          device_name: s.device_name,
          ip: s.ip,
          user_agent: s.user_agent,
          created_at: iso(s.created_at)!,
          last_seen_at: iso(s.last_seen_at)!,
          expires_at: iso(s.expires_at)!,
          current: s.current,
        })),
        next_cursor: null,
      };
    },
  );

  app.delete(
    '/v1/me/sessions/:id',
    {
      schema: {
        tags: ['me'],
        summary: 'Revoke one session; its access tokens stop working immediately',
        params: z.object({ id: idSchema('ses') }),
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await auth.revokeSession(await authn.required(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me/permissions',
    {
      schema: {
        tags: ['me'],
        summary: 'What the caller may do in a tenant (X-Nexus-Tenant, or the default tenant)',
        querystring: z.object({ tenant_id: idSchema('ten').optional() }).strict(),
        response: {
          200: z.object({
            tenant_id: z.string(),
            role: z.string().nullable(),
            permissions: z.array(z.enum(PERMISSIONS)),
          }),
          ...authErrorResponses,
        },
      },
    },
    async (request) => {
      const ctx = await authn.required(request);
      const tenantId = await access.resolveTenant(
        request.query.tenant_id ? { ...ctx, tenantId: request.query.tenant_id } : ctx,
      );
      const granted = await access.permissionsIn(ctx.principal!, tenantId);
      const role =
        ctx.principal!.kind === 'user' ? await access.roleOf(ctx.principal!.userId, tenantId) : null;
      return { tenant_id: tenantId, role, permissions: PERMISSIONS.filter((p) => granted.has(p)) };
    },
  );
};

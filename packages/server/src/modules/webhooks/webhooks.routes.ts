import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../../http/auth.js';
import { authErrorResponses, iso, timestamp } from '../../http/schemas.js';
import type { WebhookSecretView, WebhooksService } from './webhooks.service.js';

const secretSchema = z
  .object({
    object: z.literal('webhook_secret'),
    secret: z.string().meta({ description: 'The HMAC-SHA256 key of `Nexus-Signature` (the whole string)' }),
    created_at: timestamp,
    rotated_at: timestamp.nullable(),
    previous_expires_at: timestamp
      .nullable()
      .meta({ description: 'Until when the secret before the last rotation still signs (a second `v1=`)' }),
  })
  .meta({ id: 'WebhookSecret' });

const view = (s: WebhookSecretView) => ({
  object: 'webhook_secret' as const,
  secret: s.secret,
  created_at: iso(s.created_at)!,
  rotated_at: iso(s.rotated_at),
  previous_expires_at: iso(s.previous_expires_at),
});

export interface WebhooksRoutesOptions {
  webhooks: WebhooksService;
  authn: Authenticator;
}

/**
 * `GET /v1/webhooks/secret` and `POST /v1/webhooks/secret/rotate`: the tenant's webhook signing secret
 * (`tenant:update`; the tenant is the API key's, or `X-Nexus-Tenant`). See docs/tasks.md#webhooks.
 */
export const webhooksRoutes: FastifyPluginAsyncZod<WebhooksRoutesOptions> = async (
  app,
  { webhooks, authn },
) => {
  const tags = ['webhooks'];

  app.get(
    '/v1/webhooks/secret',
    {
      schema: {
        tags,
        summary: "The tenant's webhook signing secret, created on first use (tenant:update)",
        response: { 200: secretSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return view(await webhooks.secret(await authn.required(request)));
    },
  );

  app.post(
    '/v1/webhooks/secret/rotate',
    {
      schema: {
        tags,
        summary: 'Replace the webhook signing secret; the old one keeps signing for 24 h (tenant:update)',
        response: { 200: secretSchema, ...authErrorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return view(await webhooks.rotateSecret(await authn.required(request)));
    },
  );
};

import type { FastifyRequest } from 'fastify';
import { InvalidIdError } from '../errors.js';
import { isId } from '../ids.js';
import { AuthenticationRequiredError } from '../modules/access/access.service.js';
import type { ApiKeysService } from '../modules/access/api-keys.service.js';
import type { Principal, RequestContext } from '../modules/access/principal.js';
import type { AuthService } from '../modules/identity/auth.service.js';

export const TENANT_HEADER = 'x-nexus-tenant';

/**
 * The API key a request presents (`Authorization: Bearer nx-…` or `x-api-key`), unverified; undefined
 * for an access token or no credentials. Edge hooks use it to key per-key work without waiting for the
 * key to be looked up.
 * @example presentedApiKey(request) // 'nx-…' or undefined
 */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(nx-\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}

/**
 * Turns a request into the RequestContext services authorise against. Credentials: an access JWT or an
 * API key as `Authorization: Bearer ...`, or an API key as `x-api-key`. Authentication happens only on
 * routes that ask for it, so public routes and probes pay nothing.
 */
export class Authenticator {
  // One verification per request: an edge hook (idempotency keys) and the handler may both ask.
  private readonly resolved = new WeakMap<FastifyRequest, Promise<RequestContext>>();

  constructor(private readonly deps: { auth: AuthService; apiKeys: ApiKeysService }) {}

  /** The caller's context; 401 `authentication_required` when no credentials were sent. */
  async required(request: FastifyRequest): Promise<RequestContext> {
    const ctx = await this.optional(request);
    if (!ctx.principal)
      throw new AuthenticationRequiredError('Send an access token or API key in the Authorization header');
    return ctx;
  }

  /**
   * The caller's context; anonymous when no credentials were sent, 401 when bad ones were. Resolved once
   * per request: later calls answer the same context (or the same error).
   */
  optional(request: FastifyRequest): Promise<RequestContext> {
    let context = this.resolved.get(request);
    if (!context) {
      context = this.resolve(request);
      this.resolved.set(request, context);
    }
    return context;
  }

  private async resolve(request: FastifyRequest): Promise<RequestContext> {
    const tenantHeader = request.headers[TENANT_HEADER];
    let tenantId: string | undefined;
    if (typeof tenantHeader === 'string' && tenantHeader !== '') {
      if (!isId('ten', tenantHeader)) throw new InvalidIdError(`${TENANT_HEADER} must be a ten_ id`);
      tenantId = tenantHeader;
    }
    return {
      principal: await this.principal(request),
      ...(tenantId ? { tenantId } : {}),
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      requestId: request.id,
    };
  }

  /**
   * The context for a token that arrived outside the headers (the WebSocket channel's `auth` event, which
   * browsers need because they cannot set headers on a WebSocket): verified exactly as
   * `Authorization: Bearer <token>` is. 401 for a bad token, 400 `invalid_id` for a malformed tenant id.
   * @example const ctx = await authn.withToken(token, { tenantId, ip: request.ip, userAgent: null, requestId: request.id });
   */
  async withToken(
    token: string,
    meta: { tenantId?: string | undefined; ip: string; userAgent: string | null; requestId: string },
  ): Promise<RequestContext> {
    if (meta.tenantId !== undefined && !isId('ten', meta.tenantId))
      throw new InvalidIdError('tenant_id must be a ten_ id');
    return {
      principal: await this.verify(token),
      ...(meta.tenantId ? { tenantId: meta.tenantId } : {}),
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
    };
  }

  private verify(token: string): Promise<Principal> {
    return token.startsWith('nx-')
      ? this.deps.apiKeys.authenticate(token)
      : this.deps.auth.authenticateAccessToken(token);
  }

  private async principal(request: FastifyRequest): Promise<Principal | null> {
    const authorization = request.headers.authorization;
    if (authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new AuthenticationRequiredError('The Authorization header must be "Bearer <token>"');
      return this.verify(match[1]!);
    }
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') return this.deps.apiKeys.authenticate(apiKey);
    return null;
  }
}

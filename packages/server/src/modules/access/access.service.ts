import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { TenantsRepository } from '../tenants/tenants.repository.js';
import { BUILT_IN_ROLES, isBuiltInRole, isPermission, type Permission } from './permissions.js';
import type { Principal, RequestContext } from './principal.js';
import type { RolesRepository } from './roles.repository.js';

export class PermissionDeniedError extends ForbiddenError {
  override readonly code = 'permission_denied';
}

export class InsufficientScopeError extends ForbiddenError {
  override readonly code = 'insufficient_scope';
}

export class TenantNotFoundError extends NotFoundError {
  constructor() {
    super('No such tenant, or you are not a member of it');
  }
}

/**
 * Authorisation for every service: what a principal may do in a tenant. A user's permissions come from
 * their role there (built-in or custom); an API key's are its scopes intersected with its creator's
 * current role, so a key can never do more than the person who made it. Not being a member answers 404.
 */
export class AccessService {
  /**
   * A user's permissions per tenant, remembered for `memoTtlMs` so the hot paths (every gateway call) do
   * not query the database each time. Only active memberships are remembered. Every change that can take
   * a permission away (role change, removal, custom role edit, tenant disabled) drops the tenant's entries
   * here at once and on every other instance through the cache's pub/sub (`forgetTenant`); the TTL bounds
   * how long a lost invalidation message could matter.
   */
  private readonly memo = new Map<string, { permissions: ReadonlySet<Permission>; expires: number }>();

  constructor(
    private readonly deps: {
      db: Executor;
      tenants: TenantsRepository;
      roles: RolesRepository;
      cache?: Cache;
      memoTtlMs?: number;
      /**
       * The tenant IP allowlist (modules/tenants/ip-allowlist.ts): checked on every `require` of a request
       * with a client address; platform administrators are exempt so an operator can always recover a tenant.
       */
      ipGuard?: { check(tenantId: string, ip: string): Promise<void> };
    },
  ) {}

  /** Listens for other instances' invalidations; resolves to a function that stops listening. */
  async listen(): Promise<() => Promise<void>> {
    if (!this.deps.cache) return async () => {};
    return this.deps.cache.subscribe(ACCESS_INVALIDATION_CHANNEL, (tenantId) => this.dropTenant(tenantId));
  }

  /** Forgets what is remembered about `tenantId`, here and on every instance. */
  async forgetTenant(tenantId: string): Promise<void> {
    this.dropTenant(tenantId);
    await this.deps.cache?.publish(ACCESS_INVALIDATION_CHANNEL, tenantId);
  }

  private dropTenant(tenantId: string): void {
    const suffix = `|${tenantId}`;
    for (const key of this.memo.keys()) if (key.endsWith(suffix)) this.memo.delete(key);
  }

  /** The caller's permissions in `tenantId`; 404 when the caller has no access to that tenant at all. */
  async permissionsIn(principal: Principal, tenantId: string): Promise<Set<Permission>> {
    if (principal.kind === 'api_key') {
      if (principal.tenantId !== tenantId) throw new TenantNotFoundError();
      const creator = await this.userPermissions(principal.userId, tenantId);
      return new Set([...creator].filter((p) => principal.scopes.includes(p)));
    }
    return this.userPermissions(principal.userId, tenantId);
  }

  /** Throws unless the caller holds `permission` in `tenantId`. */
  async require(ctx: RequestContext, tenantId: string, permission: Permission): Promise<void> {
    const principal = requirePrincipal(ctx);
    const granted = await this.permissionsIn(principal, tenantId);
    // After membership (a non-member still gets 404); background work (no address) is not checked.
    if (this.deps.ipGuard && ctx.ip !== '' && !(principal.kind === 'user' && principal.isPlatformAdmin))
      await this.deps.ipGuard.check(tenantId, ctx.ip);
    if (granted.has(permission)) return;
    if (principal.kind === 'api_key' && !principal.scopes.includes(permission)) {
      throw new InsufficientScopeError(`This API key lacks the ${permission} scope`, {
        details: { permission },
      });
    }
    throw new PermissionDeniedError(`You need the ${permission} permission in this tenant`, {
      details: { permission },
    });
  }

  /** The tenant a request acts in: the API key's, the one picked with `X-Nexus-Tenant`, or the user's first. */
  async resolveTenant(ctx: RequestContext): Promise<string> {
    const principal = requirePrincipal(ctx);
    if (principal.kind === 'api_key') {
      if (ctx.tenantId && ctx.tenantId !== principal.tenantId) throw new TenantNotFoundError();
      return principal.tenantId;
    }
    if (ctx.tenantId) return ctx.tenantId;
    const [first] = await this.deps.tenants.listForUser(this.deps.db, principal.userId);
    if (!first) throw new TenantNotFoundError();
    return first.id;
  }

  /** The user's role name in the tenant, or null. */
  async roleOf(userId: string, tenantId: string): Promise<string | null> {
    return (await this.deps.tenants.getMembership(this.deps.db, tenantId, userId))?.role ?? null;
  }

  private async userPermissions(userId: string, tenantId: string): Promise<Set<Permission>> {
    const key = `${userId}|${tenantId}`;
    const ttl = this.deps.memoTtlMs ?? 0;
    const remembered = ttl > 0 ? this.memo.get(key) : undefined;
    if (remembered && remembered.expires > Date.now()) return new Set(remembered.permissions);
    const membership = await this.deps.tenants.getMembership(this.deps.db, tenantId, userId);
    if (membership?.status !== 'active') throw new TenantNotFoundError();
    let permissions: Set<Permission>;
    if (isBuiltInRole(membership.role)) permissions = new Set(BUILT_IN_ROLES[membership.role]);
    else {
      const custom = await this.deps.roles.getByName(this.deps.db, tenantId, membership.role);
      permissions = new Set((custom?.permissions ?? []).filter(isPermission));
    }
    if (ttl > 0) {
      // Bounded: past the cap, the oldest entry goes (a Map iterates in insertion order); clearing all
      // at once would send every busy user to the database in the same moment.
      if (this.memo.size >= 10_000) this.memo.delete(this.memo.keys().next().value!);
      // Each entry lives between half the TTL and the TTL, so users remembered together (a burst after a
      // restart) are not forgotten together: expiry spreads out instead of stampeding.
      const lifetime = ttl * (0.5 + 0.5 * Math.random());
      this.memo.delete(key);
      this.memo.set(key, { permissions: new Set(permissions), expires: Date.now() + lifetime });
    }
    return permissions;
  }
}

export const ACCESS_INVALIDATION_CHANNEL = 'access:invalidate';

export function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new AuthenticationRequiredError('Authentication required');
  return ctx.principal;
}

export function requireUser(ctx: RequestContext): Extract<Principal, { kind: 'user' }> {
  const principal = requirePrincipal(ctx);
  if (principal.kind !== 'user')
    throw new PermissionDeniedError('This action needs a user login, not an API key');
  return principal;
}

export function requirePlatformAdmin(ctx: RequestContext): Extract<Principal, { kind: 'user' }> {
  const user = requireUser(ctx);
  if (!user.isPlatformAdmin) throw new PermissionDeniedError('Platform administrators only');
  return user;
}

export class AuthenticationRequiredError extends UnauthorizedError {
  override readonly code = 'authentication_required';
}

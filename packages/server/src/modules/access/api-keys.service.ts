import { NotFoundError, ServiceUnavailableError, UnauthorizedError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { CacheWriteRetry } from '../../platform/cache/cache-write-retry.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { AuditService } from '../audit/audit.service.js';
import { hashSecret, newSecret } from '../identity/token.service.js';
import { type AccessService, requireUser } from './access.service.js';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys.repository.js';
import { isPermission } from './permissions.js';
import type { Principal, RequestContext } from './principal.js';

export class InvalidApiKeyError extends UnauthorizedError {
  override readonly code = 'invalid_api_key';
}

const SECRET_PREFIX = 'nx-';
const CACHE_TTL_MS = 30_000;
const cacheKey = (hash: string) => `apikey:${hash}`;

interface CachedKey {
  id: string;
  tenant_id: string;
  created_by: string;
  scopes: string[];
  expires_at: string | null;
  revoked: boolean;
  creator_active: boolean;
}

/**
 * API keys: `nx-` secrets shown once, stored as SHA-256, scoped, optionally expiring. Lookups are cached
 * briefly in the shared cache; revoking deletes the cache entry so the key stops working at once on every
 * instance. `last_used_at` is written at most once a minute per key, off the request path.
 */
export class ApiKeysService {
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly deps: {
      db: Executor;
      keys: ApiKeysRepository;
      access: AccessService;
      audit: AuditService;
      cache: Cache;
      /** Keeps evictions that fail while Redis is away, and makes them when it is back. */
      cacheWrites?: CacheWriteRetry;
    },
  ) {}

  async create(
    ctx: RequestContext,
    input: { name: string; scopes: string[]; expiresAt?: Date },
  ): Promise<{ key: ApiKeyRow; secret: string }> {
    const user = requireUser(ctx);
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'api_keys:write');
    const unknown = input.scopes.filter((s) => !isPermission(s));
    if (unknown.length > 0)
      throw new ValidationError(`Unknown scopes: ${unknown.join(', ')}`, {
        details: { unknown_scopes: unknown },
      });
    // A key may not be granted scopes its creator does not hold.
    const held = await this.deps.access.permissionsIn(user, tenantId);
    const beyond = input.scopes.filter((s) => !held.has(s as never));
    if (beyond.length > 0) {
      throw new ValidationError(`You cannot grant scopes you do not have: ${beyond.join(', ')}`, {
        details: { scopes_not_held: beyond },
      });
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
      throw new ValidationError('expires_at must be in the future');
    const secret = newSecret(SECRET_PREFIX);
    const key = await this.deps.keys.create(this.deps.db, tenantId, {
      id: newId('key'),
      name: input.name,
      prefix: secret.slice(0, 10),
      secret_hash: hashSecret(secret),
      scopes: [...new Set(input.scopes)],
      created_by: user.userId,
      expires_at: input.expiresAt ?? null,
    });
    await this.deps.audit.record(ctx, {
      action: 'api_key.create',
      result: 'success',
      tenantId,
      target: { type: 'api_key', id: key.id },
      details: { scopes: key.scopes },
    });
    return { key, secret };
  }

  async list(ctx: RequestContext): Promise<ApiKeyRow[]> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'api_keys:read');
    return this.deps.keys.list(this.deps.db, tenantId);
  }

  async revoke(ctx: RequestContext, keyId: string): Promise<ApiKeyRow> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'api_keys:write');
    const key = await this.deps.keys.revoke(this.deps.db, tenantId, keyId);
    if (!key) {
      const existing = await this.deps.keys.get(this.deps.db, tenantId, keyId);
      if (!existing) throw new NotFoundError('No such API key');
      return existing;
    }
    await this.evict(key.secret_hash);
    await this.deps.audit.record(ctx, {
      action: 'api_key.revoke',
      result: 'success',
      tenantId,
      target: { type: 'api_key', id: key.id },
    });
    return key;
  }

  /** Resolves a presented secret to a principal, or throws `invalid_api_key` (unknown, revoked or expired). */
  async authenticate(secret: string): Promise<Principal> {
    if (!secret.startsWith(SECRET_PREFIX) || secret.length > 200)
      throw new InvalidApiKeyError('The API key is invalid');
    const hash = hashSecret(secret);
    let cached: CachedKey | null = null;
    // The cache only spares a query: while Redis is unreachable, keys are checked in the database.
    const raw = await this.deps.cache.get(cacheKey(hash)).catch(unavailableAs(null));
    if (raw) cached = JSON.parse(raw) as CachedKey;
    else {
      const row = await this.deps.keys.findBySecretHash(this.deps.db, hash);
      if (!row) throw new InvalidApiKeyError('The API key is invalid');
      cached = {
        id: row.id,
        tenant_id: row.tenant_id,
        created_by: row.created_by,
        scopes: row.scopes,
        expires_at: row.expires_at ? new Date(row.expires_at).toISOString() : null,
        revoked: row.revoked_at !== null,
        creator_active: row.creator_status === 'active',
      };
      await this.deps.cache
        .set(cacheKey(hash), JSON.stringify(cached), CACHE_TTL_MS)
        .catch(unavailableAs(undefined));
    }
    if (cached.revoked) throw new InvalidApiKeyError('The API key has been revoked');
    if (cached.expires_at && new Date(cached.expires_at).getTime() <= Date.now())
      throw new InvalidApiKeyError('The API key has expired');
    if (!cached.creator_active) throw new InvalidApiKeyError("The API key's creator is disabled");
    this.touchLater(cached.id);
    return {
      kind: 'api_key',
      keyId: cached.id,
      tenantId: cached.tenant_id,
      userId: cached.created_by,
      scopes: cached.scopes,
    };
  }

  /**
   * Drops every key a user created from the lookup cache, on every instance: called when the user is
   * disabled or enabled, so their keys follow the account on the next request.
   */
  async forgetCreator(userId: string): Promise<void> {
    const hashes = await this.deps.keys.secretHashesCreatedBy(this.deps.db, userId);
    await Promise.all(hashes.map((hash) => this.evict(hash)));
  }

  /**
   * Drops a key from the lookup cache. While Redis is away lookups read the database (which already has
   * the change), and the eviction is made once Redis is back — before a stale entry could be read again.
   */
  private evict(hash: string): Promise<unknown> {
    const key = cacheKey(hash);
    const write = () => this.deps.cache.delete(key);
    return this.deps.cacheWrites
      ? this.deps.cacheWrites.write(key, write, Date.now() + CACHE_TTL_MS)
      : write();
  }

  private touchLater(keyId: string): void {
    const now = Date.now();
    if ((this.lastTouched.get(keyId) ?? 0) > now - 60_000) return;
    this.lastTouched.set(keyId, now);
    void this.deps.keys
      .touch(this.deps.db, [keyId], new Date(now))
      .catch(() => this.lastTouched.delete(keyId));
  }
}

/** A cache call's fallback while the cache is unreachable (`service_unavailable`); other errors go on. */
function unavailableAs<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof ServiceUnavailableError) return fallback;
    throw error;
  };
}

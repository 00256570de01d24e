import type { Cache } from '../../platform/cache/cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { AccessService } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { GatewaySettingsRepository } from './gateway-settings.repository.js';
import type { CacheMode, CacheStats, ResponseCache } from './response-cache.js';

export interface GatewaySettings {
  response_cache: CacheMode;
  /** How long cached answers live; null means the platform default (`GATEWAY_CACHE_TTL_S`). */
  cache_ttl_s: number | null;
  /** Mask PII in prompts before they leave for a provider, and restore it in the reply (docs/pii.md). */
  pii_masking: boolean;
  /** Null until the tenant's settings are first written. */
  updated_at: Date | null;
}

/** What one chat call does with the response cache. */
export interface CachePolicy {
  mode: CacheMode;
  ttlSeconds: number;
}

const DEFAULTS: GatewaySettings = {
  response_cache: 'off',
  cache_ttl_s: null,
  pii_masking: false,
  updated_at: null,
};

type CachedSettings = Pick<GatewaySettings, 'response_cache' | 'cache_ttl_s' | 'pii_masking'>;
/** Chat calls read the settings from the shared cache; a change is written through, so this only bounds drift. */
const SETTINGS_CACHE_MS = 60_000;

/** A tenant's gateway settings (the response cache, for now): read with `tenant:read`, written with `tenant:update`. */
export class GatewaySettingsService {
  constructor(
    private readonly deps: {
      db: Executor;
      settings: GatewaySettingsRepository;
      access: AccessService;
      audit: AuditService;
      cache: Cache;
      responseCache: ResponseCache;
      defaultTtlSeconds: number;
    },
  ) {}

  async get(ctx: RequestContext, tenantId: string): Promise<GatewaySettings & { cache_stats: CacheStats }> {
    await this.deps.access.require(ctx, tenantId, 'tenant:read');
    const row = await this.deps.settings.get(this.deps.db, tenantId);
    return { ...(row ?? DEFAULTS), cache_stats: await this.deps.responseCache.tenantStats(tenantId) };
  }

  async put(
    ctx: RequestContext,
    tenantId: string,
    input: Pick<GatewaySettings, 'response_cache' | 'cache_ttl_s'> & { pii_masking?: boolean },
  ): Promise<GatewaySettings & { cache_stats: CacheStats }> {
    await this.deps.access.require(ctx, tenantId, 'tenant:update');
    // Absent, pii_masking keeps its value: changing the cache must not switch masking off by accident.
    const piiMasking =
      input.pii_masking ?? (await this.deps.settings.get(this.deps.db, tenantId))?.pii_masking ?? false;
    const stored: CachedSettings = {
      response_cache: input.response_cache,
      cache_ttl_s: input.cache_ttl_s,
      pii_masking: piiMasking,
    };
    const row = await this.deps.settings.put(this.deps.db, tenantId, stored);
    await this.deps.cache.set(settingsKey(tenantId), JSON.stringify(stored), SETTINGS_CACHE_MS);
    await this.deps.audit.record(ctx, {
      action: 'tenant.gateway_settings_update',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      details: { ...stored },
    });
    return { ...row, cache_stats: await this.deps.responseCache.tenantStats(tenantId) };
  }

  /**
   * The response cache policy of one chat call: the mode the request asked for (`x-nexus-cache`), else the
   * tenant's setting; the tenant's TTL, else the platform default. The caller has been authorised already.
   */
  async cachePolicy(tenantId: string, requested?: CacheMode): Promise<CachePolicy> {
    const settings = await this.current(tenantId);
    return {
      mode: requested ?? settings.response_cache,
      ttlSeconds: settings.cache_ttl_s ?? this.deps.defaultTtlSeconds,
    };
  }

  /** Whether the tenant masks PII in prompts (`pii_masking`); read on every chat call, like {@link cachePolicy}. */
  async piiMasking(tenantId: string): Promise<boolean> {
    return (await this.current(tenantId)).pii_masking === true;
  }

  private async current(tenantId: string): Promise<CachedSettings> {
    const key = settingsKey(tenantId);
    const cached = await this.deps.cache.get(key);
    if (cached !== null) return JSON.parse(cached);
    const row = (await this.deps.settings.get(this.deps.db, tenantId)) ?? DEFAULTS;
    const settings: CachedSettings = {
      response_cache: row.response_cache,
      cache_ttl_s: row.cache_ttl_s,
      pii_masking: row.pii_masking,
    };
    await this.deps.cache.set(key, JSON.stringify(settings), SETTINGS_CACHE_MS);
    return settings;
  }
}

function settingsKey(tenantId: string): string {
  return `gw:settings:${tenantId}`;
}

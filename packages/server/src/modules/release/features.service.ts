import type { AccessService } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { ConfigSource, RuntimeConfigService } from './runtime-config.service.js';
import { evaluateFlag, type FlagEvaluation, type Subject } from './targeting.js';

/** The caller's flags under their effective config, with the version that decided them. */
export interface FeaturesView {
  config_version: number | null;
  config_source: ConfigSource;
  flags: FlagEvaluation[];
}

/**
 * Feature flags evaluated per request from the caller's effective runtime config (the canary version's
 * for users in a canary): user id (percentage and user rules), tenant (allowlists) and client IP.
 * An unknown flag is off.
 *
 * @example
 * if (await features.isEnabled(ctx, 'new-composer')) { ... }
 */
export class FeaturesService {
  constructor(private readonly deps: { runtimeConfig: RuntimeConfigService; access: AccessService }) {}

  /** Whether flag `key` is on for the caller; false for a flag the config does not define. */
  async isEnabled(ctx: RequestContext, key: string): Promise<boolean> {
    const subject = await this.subjectOf(ctx);
    const config = this.deps.runtimeConfig.effectiveFor(subject.userId);
    const flag = Object.hasOwn(config.document.flags, key) ? config.document.flags[key] : undefined;
    return flag ? evaluateFlag(key, flag, subject).enabled : false;
  }

  /** Every flag of the caller's effective config, evaluated, with reasons (GET /v1/me/features). */
  async evaluate(ctx: RequestContext): Promise<FeaturesView> {
    const subject = await this.subjectOf(ctx);
    const config = this.deps.runtimeConfig.effectiveFor(subject.userId);
    return {
      config_version: config.version,
      config_source: config.source,
      flags: Object.entries(config.document.flags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, flag]) => evaluateFlag(key, flag, subject)),
    };
  }

  /**
   * The caller as flags see them. The tenant is the one the request acts in (`X-Nexus-Tenant`, the API
   * key's, else the user's first); a caller without one (or with a tenant they cannot use) has none.
   */
  private async subjectOf(ctx: RequestContext): Promise<Subject> {
    const principal = ctx.principal;
    let tenantId = principal ? await this.deps.access.resolveTenant(ctx).catch(() => null) : null;
    // A user names a tenant in a header: it counts only where they are a member (no borrowed allowlists).
    if (tenantId !== null && principal?.kind === 'user' && ctx.tenantId === tenantId)
      if ((await this.deps.access.roleOf(principal.userId, tenantId)) === null) tenantId = null;
    return { userId: principal?.userId ?? null, tenantId, ip: ctx.ip || null };
  }
}

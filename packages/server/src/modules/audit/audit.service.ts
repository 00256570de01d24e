import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import { maskPiiDeep } from '../../observability/pii.js';
import type { Executor } from '../../platform/db/transaction.js';
import { type AccessService, requirePlatformAdmin } from '../access/access.service.js';
import { actorOf, type RequestContext } from '../access/principal.js';
import type { AuditEventRow, AuditFilter, AuditRepository } from './audit.repository.js';

export interface AuditEntry {
  action: string;
  result: 'success' | 'failure';
  tenantId?: string | null;
  target?: { type: string; id: string | null };
  details?: Record<string, unknown>;
  /** Overrides the actor taken from the context (e.g. the user a failed login named). */
  actor?: { type: string; id: string | null };
}

/**
 * Records security-relevant events. Writing the audit log never fails the action it records. Strings in
 * `details` are stored with PII masked (`[EMAIL]`, `[PHONE]`, ...; docs/pii.md); the `ip` column is not.
 */
export class AuditService {
  constructor(
    private readonly deps: { db: Executor; audit: AuditRepository; access: AccessService; logger: Logger },
  ) {}

  async record(ctx: RequestContext | null, entry: AuditEntry, db: Executor = this.deps.db): Promise<void> {
    const actor = entry.actor ?? actorOf(ctx?.principal ?? null);
    try {
      await this.deps.audit.append(db, {
        id: newId('evt'),
        tenant_id: entry.tenantId ?? null,
        actor_type: actor.type,
        actor_id: actor.id,
        action: entry.action,
        target_type: entry.target?.type ?? null,
        target_id: entry.target?.id ?? null,
        result: entry.result,
        ip: ctx?.ip ?? null,
        user_agent: ctx?.userAgent?.slice(0, 512) ?? null,
        request_id: ctx?.requestId ?? null,
        details: entry.details ? maskPiiDeep(entry.details) : {},
      });
    } catch (error) {
      this.deps.logger.error({ err: error, action: entry.action }, 'could not write audit event');
    }
  }

  /** The caller's tenant's events, newest first; needs `audit:read` there. */
  async listForTenant(ctx: RequestContext, filter: AuditFilter): Promise<AuditEventRow[]> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'audit:read');
    return this.deps.audit.list(this.deps.db, tenantId, filter);
  }

  /** Every event, platform-level ones included (platform admin). */
  async listAll(ctx: RequestContext, filter: AuditFilter): Promise<AuditEventRow[]> {
    requirePlatformAdmin(ctx);
    return this.deps.audit.list(this.deps.db, null, filter);
  }
}

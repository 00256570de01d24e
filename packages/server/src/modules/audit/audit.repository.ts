import type { Insertable, Selectable } from 'kysely';
import type { AuditEventsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type AuditEventRow = Selectable<AuditEventsTable>;

/** An event as written; `details` is plain data (stored as jsonb). */
export type NewAuditEvent = Omit<Insertable<AuditEventsTable>, 'details' | 'created_at'> & {
  details: Record<string, unknown>;
};

export interface AuditFilter {
  action?: string;
  actorId?: string;
  result?: 'success' | 'failure';
  since?: Date;
  until?: Date;
  /** Return events with ids below this (newest first). */
  before?: string;
  limit: number;
}

/** Append-only: there is no update or delete here, and a database trigger refuses them anyway. */
export class AuditRepository {
  async append(db: Executor, event: NewAuditEvent): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({ ...event, details: JSON.stringify(event.details) })
      .execute();
  }

  /** One tenant's events, newest first. `tenantId` null lists platform-level events (admins only). */
  async list(db: Executor, tenantId: string | null, filter: AuditFilter): Promise<AuditEventRow[]> {
    let query = db.selectFrom('audit_events').selectAll();
    query = tenantId === null ? query : query.where('tenant_id', '=', tenantId);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
    if (filter.result) query = query.where('result', '=', filter.result);
    if (filter.since) query = query.where('created_at', '>=', filter.since);
    if (filter.until) query = query.where('created_at', '<', filter.until);
    if (filter.before) query = query.where('id', '<', filter.before);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }
}

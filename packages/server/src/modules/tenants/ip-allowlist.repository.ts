import type { Executor } from '../../platform/db/transaction.js';

/** One allowlist row per tenant; every method takes `tenantId` first and filters by it. */
export class IpAllowlistRepository {
  /** The tenant's entries, or `null` when it has never set a list. */
  async get(db: Executor, tenantId: string): Promise<{ entries: string[]; updated_at: Date } | null> {
    const row = await db
      .selectFrom('tenant_ip_allowlists')
      .select(['entries', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!row) return null;
    const entries = typeof row.entries === 'string' ? JSON.parse(row.entries) : row.entries;
    return { entries: entries as string[], updated_at: new Date(row.updated_at) };
  }

  /** Replaces the tenant's entries (an empty list lets every address in). */
  async put(db: Executor, tenantId: string, entries: readonly string[]): Promise<Date> {
    const json = JSON.stringify(entries);
    const row = await db
      .insertInto('tenant_ip_allowlists')
      .values({ tenant_id: tenantId, entries: json })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ entries: json, updated_at: new Date() }))
      .returning('updated_at')
      .executeTakeFirstOrThrow();
    return new Date(row.updated_at);
  }
}

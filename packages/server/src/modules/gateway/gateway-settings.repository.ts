import type { Selectable } from 'kysely';
import type { TenantGatewaySettingsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type GatewaySettingsRow = Selectable<TenantGatewaySettingsTable>;

/** One row of gateway settings per tenant; every method takes `tenantId` first and filters by it. */
export class GatewaySettingsRepository {
  async get(db: Executor, tenantId: string): Promise<GatewaySettingsRow | undefined> {
    return db
      .selectFrom('tenant_gateway_settings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  /** Replaces the tenant's settings (creating the row on first write). */
  async put(
    db: Executor,
    tenantId: string,
    settings: Pick<GatewaySettingsRow, 'response_cache' | 'cache_ttl_s' | 'pii_masking'>,
  ): Promise<GatewaySettingsRow> {
    return db
      .insertInto('tenant_gateway_settings')
      .values({ tenant_id: tenantId, ...settings })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...settings, updated_at: new Date() }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}

import type { Selectable } from 'kysely';
import type { TenantsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type TenantRow = Selectable<TenantsTable>;

export class TenantsRepository {
  async create(db: Executor, tenant: { id: string; name: string; slug: string }): Promise<TenantRow> {
    return db.insertInto('tenants').values(tenant).returningAll().executeTakeFirstOrThrow();
  }

  /** Adds `userId` to the tenant with `role`. Tenant id first, as in every tenant-scoped call. */
  async addMember(db: Executor, tenantId: string, userId: string, role: string): Promise<void> {
    await db.insertInto('memberships').values({ tenant_id: tenantId, user_id: userId, role }).execute();
  }
}

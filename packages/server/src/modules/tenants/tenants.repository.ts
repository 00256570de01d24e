import { type Selectable, sql } from 'kysely';
import type { InvitesTable, TenantsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type TenantRow = Selectable<TenantsTable>;
export type InviteRow = Selectable<InvitesTable>;

export interface MemberRow {
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: Date;
  email: string | null;
  display_name: string;
}

/**
 * Tenants, memberships and invites. Every method that reads or changes one tenant's data takes `tenantId`
 * first and filters by it, so another tenant's row is simply not found.
 */
export class TenantsRepository {
  async create(db: Executor, tenant: { id: string; name: string; slug: string }): Promise<TenantRow> {
    return db.insertInto('tenants').values(tenant).returningAll().executeTakeFirstOrThrow();
  }

  async get(db: Executor, tenantId: string): Promise<TenantRow | undefined> {
    return db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
  }

  async update(
    db: Executor,
    tenantId: string,
    changes: { name?: string; status?: 'active' | 'disabled' },
  ): Promise<TenantRow | undefined> {
    return db
      .updateTable('tenants')
      .set({ ...changes, updated_at: new Date() })
      .where('id', '=', tenantId)
      .returningAll()
      .executeTakeFirst();
  }

  /** All tenants (platform admin), newest first, keyset-paginated by id. */
  async listAll(db: Executor, page: { before?: string; limit: number }): Promise<TenantRow[]> {
    let query = db.selectFrom('tenants').selectAll();
    if (page.before) query = query.where('id', '<', page.before);
    return query.orderBy('id', 'desc').limit(page.limit).execute();
  }

  /** The tenants a user belongs to, with their role, oldest membership first (the personal tenant). */
  async listForUser(db: Executor, userId: string): Promise<(TenantRow & { role: string })[]> {
    return db
      .selectFrom('memberships')
      .innerJoin('tenants', 'tenants.id', 'memberships.tenant_id')
      .selectAll('tenants')
      .select('memberships.role')
      .where('memberships.user_id', '=', userId)
      .orderBy('memberships.created_at', 'asc')
      .orderBy('tenants.id', 'asc')
      .execute();
  }

  async addMember(db: Executor, tenantId: string, userId: string, role: string): Promise<void> {
    await db.insertInto('memberships').values({ tenant_id: tenantId, user_id: userId, role }).execute();
  }

  async getMembership(
    db: Executor,
    tenantId: string,
    userId: string,
  ): Promise<{ role: string; status: string } | undefined> {
    return db
      .selectFrom('memberships')
      .innerJoin('tenants', 'tenants.id', 'memberships.tenant_id')
      .select(['memberships.role', 'tenants.status'])
      .where('memberships.tenant_id', '=', tenantId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
  }

  async listMembers(db: Executor, tenantId: string): Promise<MemberRow[]> {
    return db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'memberships.tenant_id',
        'memberships.user_id',
        'memberships.role',
        'memberships.created_at',
        'users.email',
        'users.display_name',
      ])
      .where('memberships.tenant_id', '=', tenantId)
      .orderBy('memberships.created_at', 'asc')
      .execute();
  }

  async setMemberRole(db: Executor, tenantId: string, userId: string, role: string): Promise<boolean> {
    const result = await db
      .updateTable('memberships')
      .set({ role })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async removeMember(db: Executor, tenantId: string, userId: string): Promise<boolean> {
    const result = await db
      .deleteFrom('memberships')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Locks the tenant's owner memberships until the transaction ends and returns how many there are, so
   * two owners demoting each other at once cannot leave the tenant without one.
   */
  async lockOwners(db: Executor, tenantId: string): Promise<number> {
    const rows = await db
      .selectFrom('memberships')
      .select('user_id')
      .where('tenant_id', '=', tenantId)
      .where('role', '=', 'owner')
      .forUpdate()
      .execute();
    return rows.length;
  }

  async createInvite(
    db: Executor,
    tenantId: string,
    invite: {
      id: string;
      token_hash: string;
      role: string;
      email: string | null;
      created_by: string;
      expires_at: Date;
    },
  ): Promise<InviteRow> {
    return db
      .insertInto('invites')
      .values({ ...invite, tenant_id: tenantId })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async listInvites(db: Executor, tenantId: string): Promise<InviteRow[]> {
    return db
      .selectFrom('invites')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
  }

  async revokeInvite(db: Executor, tenantId: string, inviteId: string): Promise<boolean> {
    const result = await db
      .updateTable('invites')
      .set({ revoked_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', inviteId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Marks a pending, unexpired invite accepted and returns it; undefined when the token is unknown,
   * used, revoked or expired, when the invite names another email than the user's, or when its tenant is
   * disabled (the last two leave the invite pending). The conditional update makes a token usable exactly
   * once, even under races.
   */
  async consumeInvite(db: Executor, tokenHash: string, userId: string): Promise<InviteRow | undefined> {
    return db
      .updateTable('invites')
      .set({ accepted_at: new Date(), accepted_by: userId })
      .where('token_hash', '=', tokenHash)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .where(
        sql<boolean>`(invites.email is null or invites.email = (select lower(users.email) from users where users.id = ${userId}))`,
      )
      .where(
        sql<boolean>`exists (select 1 from tenants where tenants.id = invites.tenant_id and tenants.status = 'active')`,
      )
      .returningAll()
      .executeTakeFirst();
  }
}

import type { Selectable } from 'kysely';
import type { RolesTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type RoleRow = Omit<Selectable<RolesTable>, 'permissions'> & { permissions: string[] };

const parse = (row: Selectable<RolesTable>): RoleRow => ({
  ...row,
  permissions:
    typeof row.permissions === 'string' ? JSON.parse(row.permissions) : (row.permissions as string[]),
});

/** Custom roles, one tenant at a time. */
export class RolesRepository {
  async list(db: Executor, tenantId: string): Promise<RoleRow[]> {
    return (
      await db.selectFrom('roles').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute()
    ).map(parse);
  }

  async get(db: Executor, tenantId: string, roleId: string): Promise<RoleRow | undefined> {
    const row = await db
      .selectFrom('roles')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', roleId)
      .executeTakeFirst();
    return row && parse(row);
  }

  async getByName(db: Executor, tenantId: string, name: string): Promise<RoleRow | undefined> {
    const row = await db
      .selectFrom('roles')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && parse(row);
  }

  async create(
    db: Executor,
    tenantId: string,
    role: { id: string; name: string; description: string; permissions: string[] },
  ): Promise<RoleRow> {
    return parse(
      await db
        .insertInto('roles')
        .values({ ...role, tenant_id: tenantId, permissions: JSON.stringify(role.permissions) })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async update(
    db: Executor,
    tenantId: string,
    roleId: string,
    changes: { description?: string; permissions?: string[] },
  ): Promise<RoleRow | undefined> {
    const row = await db
      .updateTable('roles')
      .set({
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.permissions === undefined ? {} : { permissions: JSON.stringify(changes.permissions) }),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', roleId)
      .returningAll()
      .executeTakeFirst();
    return row && parse(row);
  }

  async delete(db: Executor, tenantId: string, roleId: string): Promise<boolean> {
    const result = await db
      .deleteFrom('roles')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', roleId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async countMembersWithRole(db: Executor, tenantId: string, name: string): Promise<number> {
    const row = await db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('role', '=', name)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Pending (not accepted, revoked or expired) invites that would give this role. */
  async countPendingInvitesWithRole(db: Executor, tenantId: string, name: string): Promise<number> {
    const row = await db
      .selectFrom('invites')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('role', '=', name)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

import type { Selectable } from 'kysely';
import type { UsersTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type UserRow = Selectable<UsersTable>;

export interface NewUser {
  id: string;
  email: string;
  password_hash: string | null;
  display_name: string;
  is_platform_admin?: boolean;
}

/** Users are platform-wide (a user belongs to tenants through memberships), so no tenant scope here. */
export class UsersRepository {
  async findByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
    return db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .executeTakeFirst();
  }

  async countPlatformAdmins(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('is_platform_admin', '=', true)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async create(db: Executor, user: NewUser): Promise<UserRow> {
    return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  }
}

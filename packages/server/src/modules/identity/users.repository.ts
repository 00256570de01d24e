import type { Selectable } from 'kysely';
import type { UsersTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type UserRow = Selectable<UsersTable>;

export interface NewUser {
  id: string;
  email: string | null;
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

  async get(db: Executor, userId: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  }

  async setPasswordHash(db: Executor, userId: string, passwordHash: string): Promise<void> {
    await db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where('id', '=', userId)
      .execute();
  }

  async setStatus(db: Executor, userId: string, status: 'active' | 'disabled'): Promise<UserRow | undefined> {
    return db
      .updateTable('users')
      .set({ status, updated_at: new Date() })
      .where('id', '=', userId)
      .returningAll()
      .executeTakeFirst();
  }

  /** All users (platform admin), newest first, keyset-paginated by id. */
  async listAll(db: Executor, page: { before?: string; limit: number; email?: string }): Promise<UserRow[]> {
    let query = db.selectFrom('users').selectAll();
    if (page.before) query = query.where('id', '<', page.before);
    if (page.email)
      query = query.where((eb) =>
        eb(
          eb.fn('lower', ['email']),
          'like',
          `%${page.email!.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
        ),
      );
    return query.orderBy('id', 'desc').limit(page.limit).execute();
  }

  async findByWechat(db: Executor, appId: string, openId: string): Promise<UserRow | undefined> {
    return db
      .selectFrom('wechat_identities')
      .innerJoin('users', 'users.id', 'wechat_identities.user_id')
      .selectAll('users')
      .where('wechat_identities.app_id', '=', appId)
      .where('wechat_identities.open_id', '=', openId)
      .executeTakeFirst();
  }

  async linkWechat(
    db: Executor,
    identity: { app_id: string; open_id: string; union_id: string | null; user_id: string },
  ): Promise<void> {
    await db.insertInto('wechat_identities').values(identity).execute();
  }

  async updateWechatUnionId(db: Executor, appId: string, openId: string, unionId: string): Promise<void> {
    await db
      .updateTable('wechat_identities')
      .set({ union_id: unionId })
      .where('app_id', '=', appId)
      .where('open_id', '=', openId)
      .execute();
  }
}

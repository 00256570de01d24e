import type { Executor } from '../../platform/db/transaction.js';

/** Single-use password reset tokens, stored only as hashes. */
export class PasswordResetsRepository {
  async create(
    db: Executor,
    reset: { token_hash: string; user_id: string; expires_at: Date },
  ): Promise<void> {
    await db.insertInto('password_resets').values(reset).execute();
  }

  /** The user a pending, unexpired token belongs to, while that user is active. */
  async findPending(
    db: Executor,
    tokenHash: string,
  ): Promise<{ user_id: string; email: string | null } | undefined> {
    return db
      .selectFrom('password_resets')
      .innerJoin('users', 'users.id', 'password_resets.user_id')
      .select(['password_resets.user_id', 'users.email'])
      .where('token_hash', '=', tokenHash)
      .where('users.status', '=', 'active')
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
  }

  /** Uses the token up; false when it was already used (so it works exactly once, even under races). */
  async consume(db: Executor, tokenHash: string): Promise<boolean> {
    const result = await db
      .updateTable('password_resets')
      .set({ used_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Uses up every pending token of a user (after a completed reset or a password change). */
  async consumeAllForUser(db: Executor, userId: string): Promise<void> {
    await db
      .updateTable('password_resets')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
  }
}

import type { Selectable } from 'kysely';
import type { SessionsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type SessionRow = Selectable<SessionsTable>;

/**
 * Device sessions and their refresh tokens. A session is one refresh-token family: every refresh uses
 * up one token and issues the next; presenting a used token again revokes the whole session.
 * Sessions belong to a user, not a tenant, so they are scoped by `userId`.
 */
export class SessionsRepository {
  async create(
    db: Executor,
    session: {
      id: string;
      user_id: string;
      device_name: string;
      ip: string | null;
      user_agent: string | null;
      expires_at: Date;
    },
  ): Promise<SessionRow> {
    return db.insertInto('sessions').values(session).returningAll().executeTakeFirstOrThrow();
  }

  async get(db: Executor, sessionId: string): Promise<SessionRow | undefined> {
    return db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
  }

  async listActive(db: Executor, userId: string): Promise<SessionRow[]> {
    return db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .orderBy('last_seen_at', 'desc')
      .execute();
  }

  /** Revokes sessions of `userId` (all, one, or all but one); returns the ids it revoked. */
  async revoke(
    db: Executor,
    userId: string,
    reason: string,
    scope: { only?: string; except?: string } = {},
  ): Promise<string[]> {
    let query = db
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (scope.only) query = query.where('id', '=', scope.only);
    if (scope.except) query = query.where('id', '!=', scope.except);
    return (await query.returning('id').execute()).map((r) => r.id);
  }

  async touch(db: Executor, sessionId: string, ip: string | null): Promise<void> {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(), ...(ip ? { ip } : {}) })
      .where('id', '=', sessionId)
      .execute();
  }

  async addRefreshToken(db: Executor, sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await db
      .insertInto('refresh_tokens')
      .values({ token_hash: tokenHash, session_id: sessionId, expires_at: expiresAt })
      .execute();
  }

  async findRefreshToken(db: Executor, tokenHash: string) {
    return db
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .select([
        'refresh_tokens.session_id',
        'refresh_tokens.used_at',
        'refresh_tokens.expires_at',
        'sessions.user_id',
        'sessions.revoked_at',
        'sessions.expires_at as session_expires_at',
      ])
      .where('refresh_tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** Marks the token used; false when it already was (a concurrent or replayed refresh). */
  async useRefreshToken(db: Executor, tokenHash: string): Promise<boolean> {
    const result = await db
      .updateTable('refresh_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

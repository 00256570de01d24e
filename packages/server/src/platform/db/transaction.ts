import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** What a repository method runs its SQL on: the database, or a transaction passed down explicitly. */
export type Executor = Kysely<DB> | Transaction<DB>;

/**
 * Runs `work` in one transaction and hands it the transaction to pass on; nested calls reuse it.
 * @example await withTransaction(db, async (trx) => { await users.create(trx, ...); await audit.record(trx, ...); });
 */
export async function withTransaction<T>(
  db: Executor,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<DB>);
  return (db as Kysely<DB>).transaction().execute(work);
}

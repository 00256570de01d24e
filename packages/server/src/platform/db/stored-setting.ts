import { sql } from 'kysely';
import type { Executor } from './transaction.js';

/**
 * The value stored under `key` in the `settings` table, as the driver reads it. When there is none,
 * `initial` (JSON text) is stored first; concurrent first starts of several instances all read the one
 * value the first writer stored. How generated secrets and keys become shared by every instance.
 * @example const value = await storedSettingOrCreate(db, 'jwt_signing_keys', JSON.stringify(generated));
 */
export async function storedSettingOrCreate(db: Executor, key: string, initial: string): Promise<unknown> {
  await db
    .insertInto('settings')
    .values({ key, value: initial })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select(sql<unknown>`value`.as('value'))
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return row.value;
}

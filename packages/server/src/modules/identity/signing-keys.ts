import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/transaction.js';
import type { SigningKey } from './token.service.js';

const SETTING = 'jwt_signing_keys';

/**
 * The JWT signing keys when `JWT_SIGNING_KEYS` is not configured: generated once and kept in the database,
 * so every instance and every restart signs and verifies with the same key.
 */
export async function loadOrCreateSigningKeys(db: Executor): Promise<SigningKey[]> {
  const generated = [{ kid: `k${Date.now().toString(36)}`, secret: randomBytes(32).toString('base64url') }];
  await db
    .insertInto('settings')
    .values({ key: SETTING, value: JSON.stringify(generated) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select(sql<unknown>`value`.as('value'))
    .where('key', '=', SETTING)
    .executeTakeFirstOrThrow();
  const stored = (typeof row.value === 'string' ? JSON.parse(row.value) : row.value) as {
    kid: string;
    secret: string;
  }[];
  return stored.map((k) => ({ kid: k.kid, secret: new TextEncoder().encode(k.secret) }));
}

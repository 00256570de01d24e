import { randomBytes } from 'node:crypto';
import { storedSettingOrCreate } from '../../platform/db/stored-setting.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { SigningKey } from './token.service.js';

const SETTING = 'jwt_signing_keys';

/**
 * The JWT signing keys when `JWT_SIGNING_KEYS` is not configured: generated once and kept in the database,
 * so every instance and every restart signs and verifies with the same key.
 */
export async function loadOrCreateSigningKeys(db: Executor): Promise<SigningKey[]> {
  const generated = [{ kid: `k${Date.now().toString(36)}`, secret: randomBytes(32).toString('base64url') }];
  const value = await storedSettingOrCreate(db, SETTING, JSON.stringify(generated));
  const stored = (typeof value === 'string' ? JSON.parse(value) : value) as {
    kid: string;
    secret: string;
  }[];
  return stored.map((k) => ({ kid: k.kid, secret: new TextEncoder().encode(k.secret) }));
}

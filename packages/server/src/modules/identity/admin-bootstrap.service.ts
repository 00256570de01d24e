import { randomBytes } from 'node:crypto';
import { newId } from '../../ids.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import type { TenantsRepository } from '../tenants/tenants.repository.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UsersRepository } from './users.repository.js';

export interface AdminBootstrapDeps {
  db: Executor;
  users: UsersRepository;
  tenants: TenantsRepository;
  hasher: PasswordHasher;
}

export type AdminBootstrapResult =
  | { created: false; email: string }
  /** `generatedPassword` is set only when no password was configured: it is shown once and never stored. */
  | { created: true; email: string; userId: string; generatedPassword?: string };

/**
 * Makes sure a platform admin exists. On the first start it creates one from `NEXUS_ADMIN_EMAIL` with
 * `NEXUS_ADMIN_PASSWORD`, or a generated password returned once for printing. Idempotent across restarts
 * and safe when several instances start at once (the unique email index decides).
 */
export class AdminBootstrapService {
  constructor(private readonly deps: AdminBootstrapDeps) {}

  async ensureAdmin(email: string, password: string | undefined): Promise<AdminBootstrapResult> {
    const { db, users, tenants, hasher } = this.deps;
    if ((await users.countPlatformAdmins(db)) > 0) return { created: false, email };
    const generatedPassword = password ? undefined : randomBytes(18).toString('base64url');
    const passwordHash = await hasher.hash(password ?? generatedPassword!);
    try {
      return await withTransaction(db, async (trx) => {
        const user = await users.create(trx, {
          id: newId('usr'),
          email,
          password_hash: passwordHash,
          display_name: 'Administrator',
          is_platform_admin: true,
        });
        const tenantId = newId('ten');
        await tenants.create(trx, {
          id: tenantId,
          name: 'Administrator',
          slug: `admin-${tenantId.slice(-8)}`,
        });
        await tenants.addMember(trx, tenantId, user.id, 'owner');
        return {
          created: true as const,
          email,
          userId: user.id,
          ...(generatedPassword ? { generatedPassword } : {}),
        };
      });
    } catch (error) {
      // Another instance created the admin between our check and insert.
      if ((error as { code?: string }).code === '23505') return { created: false, email };
      throw error;
    }
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryDatabase } from '../../../test/support/app.js';
import type { Database } from '../../platform/db/database.js';
import { migrateUp } from '../../platform/db/migrator.js';
import { TenantsRepository } from '../tenants/tenants.repository.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { argon2Hasher } from './password-hasher.js';
import { UsersRepository } from './users.repository.js';

describe('AdminBootstrapService', () => {
  let database: Database;
  let service: AdminBootstrapService;
  beforeAll(async () => {
    database = await openMemoryDatabase();
    await migrateUp(database.db);
    service = new AdminBootstrapService({
      db: database.db,
      users: new UsersRepository(),
      tenants: new TenantsRepository(),
      hasher: argon2Hasher,
    });
  });
  afterAll(() => database.close());

  it('creates the first admin with a generated password, stored only as an argon2id hash', async () => {
    const result = await service.ensureAdmin('Admin@Example.com', undefined);
    expect(result.created).toBe(true);
    const password = result.created ? result.generatedPassword : undefined;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const user = await new UsersRepository().findByEmail(database.db, 'admin@example.com');
    expect(user).toMatchObject({ is_platform_admin: true, status: 'active' });
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
    expect(user!.password_hash).not.toContain(password!);
    expect(await argon2Hasher.verify(user!.password_hash!, password!)).toBe(true);
    expect(await argon2Hasher.verify(user!.password_hash!, 'wrong password')).toBe(false);
    const memberships = await database.db
      .selectFrom('memberships')
      .selectAll()
      .where('user_id', '=', user!.id)
      .execute();
    expect(memberships).toHaveLength(1);
    expect(memberships[0]!.role).toBe('owner');
  });

  it('does nothing on later starts, even with another email or password', async () => {
    const again = await service.ensureAdmin('other@example.com', 'a-configured-password');
    expect(again).toEqual({ created: false, email: 'other@example.com' });
    const admins = await database.db
      .selectFrom('users')
      .select('email')
      .where('is_platform_admin', '=', true)
      .execute();
    expect(admins).toEqual([{ email: 'Admin@Example.com' }]);
  });

  it('uses the configured password and returns none to print', async () => {
    const fresh = await openMemoryDatabase();
    await migrateUp(fresh.db);
    const other = new AdminBootstrapService({
      db: fresh.db,
      users: new UsersRepository(),
      tenants: new TenantsRepository(),
      hasher: argon2Hasher,
    });
    const result = await other.ensureAdmin('root@example.com', 'correct horse battery staple');
    expect(result).toMatchObject({ created: true, email: 'root@example.com' });
    expect('generatedPassword' in result).toBe(false);
    const user = await new UsersRepository().findByEmail(fresh.db, 'root@example.com');
    expect(await argon2Hasher.verify(user!.password_hash!, 'correct horse battery staple')).toBe(true);
    await fresh.close();
  });

  it('treats the argon2 verify of a malformed hash as a mismatch, not a crash', async () => {
    expect(await argon2Hasher.verify('not-a-hash', 'x')).toBe(false);
  });
});

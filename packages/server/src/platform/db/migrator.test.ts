import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryDatabase } from '../../../test/support/app.js';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';
import { migrateDown, migrateUp, migrationStatus } from './migrator.js';
import { withTransaction } from './transaction.js';

describe('migrations on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openMemoryDatabase();
  });
  afterAll(() => database.close());

  const tables = async () =>
    (
      await sql<{
        table_name: string;
      }>`select table_name from information_schema.tables where table_schema = 'public' and table_name not like 'nexus_migrations%' order by 1`.execute(
        database.db,
      )
    ).rows.map((r) => r.table_name);

  it('applies every migration, then has nothing to do', async () => {
    expect(await migrateUp(database.db)).toEqual(Object.keys(migrations));
    expect(await migrateUp(database.db)).toEqual([]);
    expect(await tables()).toEqual(
      expect.arrayContaining([
        'memberships',
        'settings',
        'tenants',
        'users',
        'sessions',
        'api_keys',
        'audit_events',
      ]),
    );
    const status = await migrationStatus(database.db);
    expect(status.every((m) => m.applied && m.applied_at instanceof Date)).toBe(true);
  });

  it('reverts and re-applies the latest migration', async () => {
    const latest = Object.keys(migrations).at(-1)!;
    expect(await migrateDown(database.db)).toEqual([latest]);
    expect((await migrationStatus(database.db)).find((m) => m.name === latest)?.applied).toBe(false);
    expect(await migrateUp(database.db)).toEqual([latest]);
    expect(await tables()).toContain('users');
  });

  it('withTransaction commits together or not at all', async () => {
    await expect(
      withTransaction(database.db, async (trx) => {
        await trx.insertInto('tenants').values({ id: 'ten_a', name: 'A', slug: 'a' }).execute();
        await trx.insertInto('tenants').values({ id: 'ten_b', name: 'B', slug: 'a' }).execute();
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await database.db.selectFrom('tenants').selectAll().execute()).toEqual([]);

    await withTransaction(database.db, async (trx) => {
      await trx.insertInto('tenants').values({ id: 'ten_c', name: 'C', slug: 'c' }).execute();
      // A nested call reuses the transaction it is given.
      await withTransaction(trx, (inner) =>
        inner.insertInto('tenants').values({ id: 'ten_d', name: 'D', slug: 'd' }).execute(),
      );
    });
    const ids = (await database.db.selectFrom('tenants').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    expect(ids).toEqual(['ten_c', 'ten_d']);
  });

  it('serialises concurrent transactions on the single PGlite session', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withTransaction(database.db, async (trx) => {
          await trx
            .insertInto('tenants')
            .values({ id: `ten_p${i}`, name: `P${i}`, slug: `p${i}` })
            .execute();
          if (i % 2 === 1) throw new Error('roll back the odd ones');
        }).catch(() => undefined),
      ),
    );
    const ids = (
      await database.db
        .selectFrom('tenants')
        .select('id')
        .where('id', 'like', 'ten_p%')
        .orderBy('id')
        .execute()
    ).map((r) => r.id);
    expect(ids).toEqual(['ten_p0', 'ten_p2', 'ten_p4', 'ten_p6', 'ten_p8']);
  });

  it('returns counts as numbers', async () => {
    const row = await database.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(typeof row.n).toBe('number');
  });
});

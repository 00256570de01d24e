import { type Selectable, sql } from 'kysely';
import type { ModelCatalogEntriesTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type ModelEntryRow = Omit<Selectable<ModelCatalogEntriesTable>, 'spec'> & {
  spec: Record<string, unknown>;
};

/** The settings row whose version counts catalog changes (instances compare it to know they are current). */
const VERSION_KEY = 'model_catalog';

const parse = (row: Selectable<ModelCatalogEntriesTable>): ModelEntryRow => ({
  ...row,
  spec: typeof row.spec === 'string' ? JSON.parse(row.spec) : row.spec,
});

/**
 * Model catalog entries. A scope is a tenant id, or `null` for the global (platform-wide) entries; every
 * method takes it first and filters by it, so a tenant's entries are reached only through its own id.
 */
export class ModelCatalogRepository {
  /** Every entry of every scope, for the registry each instance keeps in memory. */
  async listAll(db: Executor): Promise<ModelEntryRow[]> {
    return (
      await db.selectFrom('model_catalog_entries').selectAll().orderBy('tenant_id').orderBy('name').execute()
    ).map(parse);
  }

  async list(db: Executor, tenantId: string | null): Promise<ModelEntryRow[]> {
    return (await this.scoped(db, tenantId).selectAll().orderBy('name').execute()).map(parse);
  }

  async get(db: Executor, tenantId: string | null, name: string): Promise<ModelEntryRow | undefined> {
    const row = await this.scoped(db, tenantId).selectAll().where('name', '=', name).executeTakeFirst();
    return row && parse(row);
  }

  async count(db: Executor, tenantId: string | null): Promise<number> {
    const row = await this.scoped(db, tenantId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Creates or replaces the entry `name` in the scope; `created` says which. */
  async upsert(
    db: Executor,
    tenantId: string | null,
    entry: { id: string; name: string; spec: Record<string, unknown>; createdBy: string | null },
  ): Promise<{ row: ModelEntryRow; created: boolean }> {
    const spec = JSON.stringify(entry.spec);
    const row = await db
      .insertInto('model_catalog_entries')
      .values({ id: entry.id, tenant_id: tenantId, name: entry.name, spec, created_by: entry.createdBy })
      // The unique key is `nulls not distinct (tenant_id, name)`, so this also matches global entries.
      .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ spec, updated_at: new Date() }))
      .returningAll()
      .returning(sql<boolean>`xmax = 0`.as('inserted'))
      .executeTakeFirstOrThrow();
    const { inserted, ...rest } = row;
    return { row: parse(rest), created: inserted };
  }

  async delete(db: Executor, tenantId: string | null, name: string): Promise<ModelEntryRow | undefined> {
    const row = await db
      .deleteFrom('model_catalog_entries')
      .where((eb) => (tenantId === null ? eb('tenant_id', 'is', null) : eb('tenant_id', '=', tenantId)))
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row && parse(row);
  }

  /** The catalog version: bumped in the transaction of every change. */
  async bumpVersion(db: Executor): Promise<number> {
    const row = await db
      .insertInto('settings')
      .values({ key: VERSION_KEY, value: '{}' })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          version: sql`settings.version + 1`,
          updated_at: new Date(),
        }),
      )
      .returning('version')
      .executeTakeFirstOrThrow();
    return row.version;
  }

  /** The current catalog version (0 before the first change). */
  async version(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('settings')
      .select('version')
      .where('key', '=', VERSION_KEY)
      .executeTakeFirst();
    return row?.version ?? 0;
  }

  private scoped(db: Executor, tenantId: string | null) {
    return db
      .selectFrom('model_catalog_entries')
      .where((eb) => (tenantId === null ? eb('tenant_id', 'is', null) : eb('tenant_id', '=', tenantId)));
  }
}

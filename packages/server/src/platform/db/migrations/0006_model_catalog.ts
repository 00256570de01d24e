import { type Kysely, sql } from 'kysely';

/**
 * Model catalog entries managed through the API: global ones (`tenant_id` null, platform admins) and a
 * tenant's own (visible and usable only there). `spec` is the catalog's model spec without the name;
 * credentials are environment variable names only. One name per scope: `nulls not distinct` makes the
 * global scope (null tenant) unique too (PostgreSQL 15+; PGlite is 17+).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table model_catalog_entries (
      id text primary key,
      tenant_id text references tenants (id) on delete cascade,
      name text not null,
      spec jsonb not null,
      created_by text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique nulls not distinct (tenant_id, name)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists model_catalog_entries`.execute(db);
  await sql`delete from settings where key = 'model_catalog'`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * Per-tenant gateway settings: whether chat completions go through the response cache (and which kind),
 * and how long cached answers live. A tenant without a row uses the defaults (cache off).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tenant_gateway_settings (
      tenant_id text primary key references tenants (id) on delete cascade,
      response_cache text not null default 'off' check (response_cache in ('off', 'exact', 'semantic')),
      cache_ttl_s integer check (cache_ttl_s > 0),
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists tenant_gateway_settings`.execute(db);
}

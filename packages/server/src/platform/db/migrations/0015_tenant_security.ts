import { type Kysely, sql } from 'kysely';

/**
 * Per-tenant security settings: the IP allowlist (IPv4/IPv6 addresses and CIDR ranges; no row means every
 * address may call) and the opt-in masking of PII in prompts before they leave for a model provider.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tenant_ip_allowlists (
      tenant_id text primary key references tenants (id) on delete cascade,
      entries jsonb not null default '[]'::jsonb,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`alter table tenant_gateway_settings add column pii_masking boolean not null default false`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tenant_gateway_settings drop column if exists pii_masking`.execute(db);
  await sql`drop table if exists tenant_ip_allowlists`.execute(db);
}

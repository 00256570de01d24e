import { type Kysely, sql } from 'kysely';

/**
 * Quotas (docs/quotas.md): plans with token and request budgets per day and per month and a per-request
 * `max_tokens` cap (null: unlimited), a tenant's plan, a user's override plan within a tenant, and
 * top-ups granted for one period. The running counters live in the cache (Redis when shared), keyed by
 * period; these tables hold what the counters are checked against. `free` and `vip` are built in and
 * start unlimited, so nothing is refused until an operator sets budgets.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table quota_plans (
      name text primary key,
      description text not null default '',
      tokens_per_day bigint check (tokens_per_day >= 0),
      tokens_per_month bigint check (tokens_per_month >= 0),
      requests_per_day bigint check (requests_per_day >= 0),
      requests_per_month bigint check (requests_per_month >= 0),
      max_tokens integer check (max_tokens >= 1),
      built_in boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    insert into quota_plans (name, description, built_in) values
      ('free', 'The default plan (unlimited until an operator sets budgets)', true),
      ('vip', 'A plan for paying users (unlimited until an operator sets budgets)', true)`.execute(db);
  await sql`
    create table tenant_quota_plans (
      tenant_id text primary key references tenants (id) on delete cascade,
      plan text not null references quota_plans (name),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table user_quota_plans (
      tenant_id text not null references tenants (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      plan text not null references quota_plans (name),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, user_id)
    )`.execute(db);
  await sql`
    create table quota_top_ups (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      user_id text references users (id) on delete cascade,
      period text not null check (period in ('day', 'month')),
      period_key text not null,
      tokens bigint not null default 0 check (tokens >= 0),
      requests bigint not null default 0 check (requests >= 0),
      reason text,
      created_by text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index quota_top_ups_period_idx on quota_top_ups (tenant_id, period_key)`.execute(db);
}

/** Production migrations are forward-only; this is the documented down path (docs/upgrading.md). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table quota_top_ups`.execute(db);
  await sql`drop table user_quota_plans`.execute(db);
  await sql`drop table tenant_quota_plans`.execute(db);
  await sql`drop table quota_plans`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/** Metering of gateway calls: one row per chat or embeddings call, for usage, cost and latency. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table llm_calls (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      user_id text,
      api_key_id text,
      request_id text,
      endpoint text not null check (endpoint in ('chat', 'embeddings')),
      model text not null,
      deployment text,
      provider text,
      input_tokens integer not null default 0,
      output_tokens integer not null default 0,
      cost numeric(20, 10) not null default 0,
      latency_ms integer not null,
      ttft_ms integer,
      status text not null check (status in ('success', 'error', 'cancelled')),
      error_code text,
      cached boolean not null default false,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index llm_calls_tenant_idx on llm_calls (tenant_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists llm_calls`.execute(db);
}

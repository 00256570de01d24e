import { type Kysely, sql } from 'kysely';

/**
 * Tasks (`POST /v1/invoke`): one row per invocation, synchronous or not. A queued task is claimed by a
 * worker with a lease (`locked_by`, `locked_until`, `FOR UPDATE SKIP LOCKED`); `cancel_requested` tells
 * the instance running it to stop. `principal` is the caller as it was when the task was created, so a
 * worker can act for it later; `file_ids` are the input files held while the task runs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tasks (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      created_by text references users (id) on delete set null,
      api_key_id text,
      principal jsonb not null,
      task_type text not null,
      mode text not null check (mode in ('sync', 'async')),
      status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      input jsonb not null,
      config jsonb not null,
      session_id text,
      metadata jsonb not null default '{}',
      webhook_url text,
      file_ids text[] not null default '{}',
      output jsonb,
      error jsonb,
      usage jsonb,
      attempts integer not null default 0,
      available_at timestamptz not null default now(),
      locked_by text,
      locked_until timestamptz,
      cancel_requested boolean not null default false,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      completed_at timestamptz
    )`.execute(db);
  await sql`create index tasks_owner_idx on tasks (tenant_id, created_by, id desc)`.execute(db);
  await sql`create index tasks_queue_idx on tasks (available_at, id) where status = 'queued'`.execute(db);
  await sql`create index tasks_leases_idx on tasks (locked_until) where status = 'running'`.execute(db);
}

/** Production migrations are forward-only; this is the documented down path (docs/upgrading.md). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table tasks`.execute(db);
}

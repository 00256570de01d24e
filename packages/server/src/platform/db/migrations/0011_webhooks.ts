import { type Kysely, sql } from 'kysely';

/**
 * Webhooks: the signing secret of each tenant (with the previous one kept for a day after a rotation), the
 * durable delivery queue and its attempt log. A delivery stays `pending` between attempts; a worker claims
 * a due one with a lease (`locked_by`, `locked_until`, `FOR UPDATE SKIP LOCKED`), so one instance sends it
 * at a time and an expired lease (a crashed instance) makes it claimable again. `body` is the JSON text
 * exactly as it is sent, so every retry sends (and signs) the same bytes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webhook_secrets (
      tenant_id text primary key references tenants (id) on delete cascade,
      secret text not null,
      previous_secret text,
      previous_expires_at timestamptz,
      created_at timestamptz not null default now(),
      rotated_at timestamptz
    )`.execute(db);
  await sql`
    create table webhook_deliveries (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      subject_type text not null check (subject_type in ('task')),
      subject_id text not null,
      event text not null,
      url text not null,
      body text not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      first_attempt_at timestamptz,
      locked_by text,
      locked_until timestamptz,
      created_at timestamptz not null default now(),
      completed_at timestamptz
    )`.execute(db);
  // One delivery per subject and event: a repeated enqueue (a retried transaction) finds the first one.
  await sql`
    create unique index webhook_deliveries_subject_idx
      on webhook_deliveries (tenant_id, subject_type, subject_id, event)`.execute(db);
  await sql`
    create index webhook_deliveries_due_idx
      on webhook_deliveries (next_attempt_at, id) where status = 'pending'`.execute(db);
  await sql`
    create table webhook_attempts (
      delivery_id text not null references webhook_deliveries (id) on delete cascade,
      tenant_id text not null,
      attempt integer not null,
      status_code integer,
      error text,
      duration_ms integer not null,
      at timestamptz not null,
      primary key (delivery_id, attempt)
    )`.execute(db);
}

/** Production migrations are forward-only; this is the documented down path (docs/upgrading.md). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table webhook_attempts`.execute(db);
  await sql`drop table webhook_deliveries`.execute(db);
  await sql`drop table webhook_secrets`.execute(db);
}

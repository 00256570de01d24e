import { type Kysely, sql } from 'kysely';

/**
 * Idempotency keys (`Idempotency-Key` on POST, docs/tasks.md#idempotency). One row per caller and key:
 * the caller is the tenant plus the credential (`key_…` for an API key, `usr_…` for a user's token); the
 * tenant is '' when a user sent no `X-Nexus-Tenant`. A request claims its key by inserting the row
 * (`running`, with a lease: `lock_token`, `locked_until`, renewed while the request runs), and completes
 * it with the response to replay (`completed`). `replayable` is false for responses that were streamed or
 * too large to keep. Rows past `expires_at` count as absent and are purged in the background.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table idempotency_keys (
      tenant_id text not null,
      caller text not null,
      key text not null,
      fingerprint text not null,
      method text not null,
      path text not null,
      status text not null check (status in ('running', 'completed')),
      lock_token text,
      locked_until timestamptz,
      response_status integer,
      response_headers jsonb,
      response_body bytea,
      replayable boolean,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (tenant_id, caller, key)
    )`.execute(db);
  await sql`create index idempotency_keys_expiry_idx on idempotency_keys (expires_at)`.execute(db);
}

/** Production migrations are forward-only; this is the documented down path (docs/upgrading.md). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists idempotency_keys`.execute(db);
}

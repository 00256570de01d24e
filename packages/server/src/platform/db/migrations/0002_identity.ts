import { type Kysely, sql } from 'kysely';

/**
 * Identity and access: device sessions with rotating refresh tokens, password resets, WeChat identities,
 * custom roles, invites, API keys and the append-only audit log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // WeChat mini-program users have no email until they add one.
  await sql`alter table users alter column email drop not null`.execute(db);
  await sql`
    create table sessions (
      id text primary key,
      user_id text not null references users (id) on delete cascade,
      device_name text not null default '',
      ip text,
      user_agent text,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      revoked_reason text
    )`.execute(db);
  await sql`create index sessions_user_idx on sessions (user_id, created_at)`.execute(db);
  await sql`
    create table refresh_tokens (
      token_hash text primary key,
      session_id text not null references sessions (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    )`.execute(db);
  await sql`create index refresh_tokens_session_idx on refresh_tokens (session_id)`.execute(db);
  await sql`
    create table password_resets (
      token_hash text primary key,
      user_id text not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    )`.execute(db);
  await sql`
    create table wechat_identities (
      app_id text not null,
      open_id text not null,
      union_id text,
      user_id text not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (app_id, open_id)
    )`.execute(db);
  await sql`create index wechat_identities_union_idx on wechat_identities (union_id) where union_id is not null`.execute(
    db,
  );
  await sql`
    create table roles (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      name text not null,
      description text not null default '',
      permissions jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, name)
    )`.execute(db);
  await sql`
    create table invites (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      token_hash text not null unique,
      role text not null,
      email text,
      created_by text not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by text references users (id) on delete set null,
      revoked_at timestamptz
    )`.execute(db);
  await sql`create index invites_tenant_idx on invites (tenant_id, created_at)`.execute(db);
  await sql`
    create table api_keys (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      name text not null,
      prefix text not null,
      secret_hash text not null unique,
      scopes jsonb not null,
      created_by text not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
  await sql`create index api_keys_tenant_idx on api_keys (tenant_id, created_at)`.execute(db);
  await sql`
    create table audit_events (
      id text primary key,
      tenant_id text references tenants (id) on delete set null,
      actor_type text not null,
      actor_id text,
      action text not null,
      target_type text,
      target_id text,
      result text not null check (result in ('success', 'failure')),
      ip text,
      user_agent text,
      request_id text,
      details jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index audit_events_tenant_idx on audit_events (tenant_id, id)`.execute(db);
  await sql`create index audit_events_actor_idx on audit_events (actor_id, id)`.execute(db);
  // Append-only: the database itself refuses to change or remove an audit event.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end
    $$`.execute(db);
  await sql`
    create trigger audit_events_no_change before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists audit_events`.execute(db);
  await sql`drop function if exists audit_events_append_only()`.execute(db);
  for (const table of [
    'api_keys',
    'invites',
    'roles',
    'wechat_identities',
    'password_resets',
    'refresh_tokens',
    'sessions',
  ]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`delete from users where email is null`.execute(db);
  await sql`alter table users alter column email set not null`.execute(db);
}

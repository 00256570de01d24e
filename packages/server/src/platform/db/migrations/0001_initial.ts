import { type Kysely, sql } from 'kysely';

/** Tenants, users and memberships: the rows every later feature hangs off. Plain SQL so PGlite and PostgreSQL run the same text. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tenants (
      id text primary key,
      name text not null,
      slug text not null unique,
      status text not null default 'active' check (status in ('active', 'disabled')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table users (
      id text primary key,
      email text not null,
      password_hash text,
      display_name text not null default '',
      is_platform_admin boolean not null default false,
      status text not null default 'active' check (status in ('active', 'disabled')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index users_email_key on users (lower(email))`.execute(db);
  await sql`
    create table memberships (
      tenant_id text not null references tenants (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      role text not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, user_id)
    )`.execute(db);
  await sql`create index memberships_user_idx on memberships (user_id)`.execute(db);
  await sql`
    create table settings (
      key text primary key,
      value jsonb not null,
      version integer not null default 1,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists settings`.execute(db);
  await sql`drop table if exists memberships`.execute(db);
  await sql`drop table if exists users`.execute(db);
  await sql`drop table if exists tenants`.execute(db);
}

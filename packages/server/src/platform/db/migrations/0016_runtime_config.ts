import { type Kysely, sql } from 'kysely';

/**
 * Versioned runtime config (docs/runtime-config.md): immutable versions (document, author, message, the
 * diff against the previous version) and one state row saying which version is active and which, if
 * any, is in canary for a share of users. `revision` grows with every state change; instances compare it
 * to know they serve the current state.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table runtime_config_versions (
      version integer primary key check (version > 0),
      document jsonb not null,
      diff jsonb not null,
      message text not null,
      author_id text,
      author_email text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table runtime_config_state (
      id boolean primary key default true check (id),
      active_version integer references runtime_config_versions (version),
      canary_version integer references runtime_config_versions (version),
      canary_percent numeric(5, 2) check (canary_percent > 0 and canary_percent <= 100),
      revision bigint not null default 0,
      updated_by text,
      updated_at timestamptz not null default now(),
      check ((canary_version is null) = (canary_percent is null))
    )`.execute(db);
  await sql`insert into runtime_config_state (id) values (true)`.execute(db);
  // Versions are immutable: an update or delete of one is refused by the database itself.
  await sql`
    create function runtime_config_versions_immutable() returns trigger language plpgsql as $$
    begin
      raise exception 'runtime config versions are immutable';
    end $$`.execute(db);
  await sql`
    create trigger runtime_config_versions_immutable
      before update or delete on runtime_config_versions
      for each row execute function runtime_config_versions_immutable()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists runtime_config_state`.execute(db);
  await sql`drop table if exists runtime_config_versions`.execute(db);
  await sql`drop function if exists runtime_config_versions_immutable()`.execute(db);
}

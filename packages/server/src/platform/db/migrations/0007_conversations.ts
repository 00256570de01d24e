import { type Kysely, sql } from 'kysely';

/**
 * Conversations and their messages. Messages are rows that form a tree through `parent_id` (editing a user
 * message or regenerating a reply adds a sibling); `active_leaf_id` names the newest message of the branch
 * the user sees. `search_terms` hold the title / message text segmented into words (Intl.Segmenter, so
 * Chinese and English alike), indexed for full-text search with the language-neutral `simple` config.
 * Conversations are soft-deleted (`deleted_at`) and purged later by a background job.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table conversations (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      title text not null default '',
      title_source text not null default 'default' check (title_source in ('default', 'auto', 'user')),
      model text not null,
      system_prompt text,
      params jsonb not null default '{}',
      knowledge_base_ids jsonb not null default '[]',
      pinned boolean not null default false,
      archived_at timestamptz,
      deleted_at timestamptz,
      active_leaf_id text,
      search_terms text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index conversations_owner_idx on conversations (tenant_id, user_id, updated_at desc, id desc) where deleted_at is null`.execute(
    db,
  );
  await sql`create index conversations_deleted_idx on conversations (deleted_at) where deleted_at is not null`.execute(
    db,
  );
  await sql`create index conversations_search_idx on conversations using gin (to_tsvector('simple', search_terms))`.execute(
    db,
  );

  await sql`
    create table messages (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      conversation_id text not null references conversations (id) on delete cascade,
      parent_id text references messages (id) on delete cascade,
      role text not null check (role in ('system', 'user', 'assistant', 'tool')),
      content text not null default '',
      status text not null default 'completed'
        check (status in ('streaming', 'completed', 'cancelled', 'failed')),
      error jsonb,
      model text,
      usage jsonb,
      context jsonb,
      citations jsonb,
      feedback_rating smallint check (feedback_rating in (-1, 1)),
      feedback_comment text,
      feedback_at timestamptz,
      search_terms text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index messages_conversation_idx on messages (conversation_id, created_at, id)`.execute(db);
  await sql`create index messages_parent_idx on messages (parent_id)`.execute(db);
  await sql`create index messages_streaming_idx on messages (status) where status = 'streaming'`.execute(db);
  await sql`create index messages_search_idx on messages using gin (to_tsvector('simple', search_terms))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists messages`.execute(db);
  await sql`drop table if exists conversations`.execute(db);
}

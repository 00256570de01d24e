import { type Kysely, sql } from 'kysely';

/**
 * Files. Content is stored once per tenant and content (`file_objects`, keyed by tenant and SHA-256);
 * each upload is a `files` row pointing at its object, so the same bytes uploaded twice are one object
 * with two rows. A row is `uploading` while its object is being written and `ready` after: only ready
 * rows are visible. The object row is the lock that keeps uploads and deletes of the same content
 * consistent (see FilesService). `file_holds` records who is using a file (a document being ingested, a
 * running task), which keeps it from being deleted. `tenant_file_settings` holds a tenant's own upload
 * size limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table file_objects (
      tenant_id text not null references tenants (id) on delete cascade,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      bytes bigint not null check (bytes > 0),
      storage_key text not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, sha256)
    )`.execute(db);

  await sql`
    create table files (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      sha256 text not null,
      filename text not null,
      purpose text not null check (purpose in ('document', 'audio', 'image', 'video')),
      format text not null,
      bytes bigint not null check (bytes > 0),
      media_type text not null,
      status text not null default 'uploading' check (status in ('uploading', 'ready')),
      created_by text references users (id) on delete set null,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, sha256) references file_objects (tenant_id, sha256)
    )`.execute(db);
  await sql`create index files_list_idx on files (tenant_id, id desc) where status = 'ready'`.execute(db);
  await sql`create index files_purpose_idx on files (tenant_id, purpose, id desc) where status = 'ready'`.execute(
    db,
  );
  await sql`create index files_object_idx on files (tenant_id, sha256)`.execute(db);
  await sql`create index files_uploading_idx on files (created_at) where status = 'uploading'`.execute(db);

  await sql`
    create table file_holds (
      tenant_id text not null references tenants (id) on delete cascade,
      file_id text not null references files (id) on delete cascade,
      holder text not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, file_id, holder)
    )`.execute(db);

  await sql`
    create table tenant_file_settings (
      tenant_id text primary key references tenants (id) on delete cascade,
      max_file_bytes bigint check (max_file_bytes > 0),
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists tenant_file_settings`.execute(db);
  await sql`drop table if exists file_holds`.execute(db);
  await sql`drop table if exists files`.execute(db);
  await sql`drop table if exists file_objects`.execute(db);
}

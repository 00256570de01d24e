import { type Kysely, sql } from 'kysely';

/**
 * Knowledge bases, their documents (each also an ingestion job: status, lease, attempts) and the chunks
 * the ingestion makes. Chunks carry what both indexes need: the embedding and, for the lexical (BM25F)
 * index, the chunk's weighted term frequencies (`lexical`, JSON) and weighted length.
 *
 * Embeddings: when the `vector` extension is available (PGlite always; PostgreSQL when pgvector is
 * installed) `embedding` is a `vector` and each embedding size gets an HNSW index (cosine) created at run
 * time, a partial index on `(embedding::vector(n)) where dims = n` (HNSW needs a fixed size, a knowledge
 * base may use any model). Without the extension it is `bytea` (float32, little-endian) and search scans
 * exactly, in process. The choice is made here once; the code reads it from the column's type.
 *
 * `kb_index_seq` numbers chunk insertions and removals in one order, per knowledge base in commit order
 * (writers of one knowledge base hold its row lock), so an instance's in-process index catches up by
 * reading what came after the last number it saw.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const vector = await enableVector(db);

  await sql`
    create table knowledge_bases (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      created_by text references users (id) on delete set null,
      name text not null,
      description text not null default '',
      settings jsonb not null,
      settings_version integer not null default 1,
      embedding_version integer not null default 1,
      embedding_dims integer,
      index_generation bigint not null default 0,
      chunk_count integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index knowledge_bases_tenant_idx on knowledge_bases (tenant_id, id desc)`.execute(db);

  await sql`
    create table kb_documents (
      id text primary key,
      tenant_id text not null references tenants (id) on delete cascade,
      kb_id text not null references knowledge_bases (id) on delete cascade,
      source text not null check (source in ('file', 'text', 'url')),
      file_id text,
      url text,
      content text,
      title text not null default '',
      metadata jsonb not null default '{}',
      format text,
      bytes bigint,
      status text not null default 'queued' check (status in ('queued', 'processing', 'ready', 'failed')),
      error_code text,
      error_message text,
      progress jsonb not null default '{}',
      chunk_count integer not null default 0,
      attempts integer not null default 0,
      available_at timestamptz not null default now(),
      locked_by text,
      locked_until timestamptz,
      settings_version integer,
      indexed_at timestamptz,
      created_by text references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index kb_documents_kb_idx on kb_documents (kb_id, id desc)`.execute(db);
  await sql`create index kb_documents_status_idx on kb_documents (kb_id, status)`.execute(db);
  await sql`create index kb_documents_queue_idx on kb_documents (available_at) where status = 'queued'`.execute(
    db,
  );
  await sql`create index kb_documents_leases_idx on kb_documents (locked_until) where status = 'processing'`.execute(
    db,
  );

  await sql`create sequence kb_index_seq`.execute(db);
  await sql`
    create table kb_chunks (
      id text primary key,
      seq bigint not null default nextval('kb_index_seq'),
      tenant_id text not null references tenants (id) on delete cascade,
      kb_id text not null references knowledge_bases (id) on delete cascade,
      document_id text not null references kb_documents (id) on delete cascade,
      ordinal integer not null,
      text text not null,
      start_offset integer not null,
      end_offset integer not null,
      page integer,
      headings jsonb not null default '[]',
      tokens integer not null,
      lexical text not null,
      lexical_length real not null,
      embedding_version integer not null,
      dims integer not null,
      embedding ${sql.raw(vector ? 'vector' : 'bytea')} not null
    )`.execute(db);
  await sql`create unique index kb_chunks_kb_seq_idx on kb_chunks (kb_id, seq)`.execute(db);
  await sql`create index kb_chunks_document_idx on kb_chunks (document_id, ordinal)`.execute(db);

  // What left the index (a document's chunks older than `seq`), for instances catching up.
  await sql`
    create table kb_index_removals (
      seq bigint primary key default nextval('kb_index_seq'),
      tenant_id text not null references tenants (id) on delete cascade,
      kb_id text not null references knowledge_bases (id) on delete cascade,
      document_id text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index kb_index_removals_kb_idx on kb_index_removals (kb_id, seq)`.execute(db);
}

/** Creates the `vector` extension when the server has it; false (and nothing changed) when it cannot. */
async function enableVector(db: Kysely<unknown>): Promise<boolean> {
  const available = await sql<{ n: number }>`
    select count(*)::int as n from pg_available_extensions where name = 'vector'`.execute(db);
  if ((available.rows[0]?.n ?? 0) === 0) return false;
  // Creating an extension needs privileges the database user may lack: a savepoint keeps the migration's
  // transaction usable, and the exact-scan layout is used instead.
  await sql`savepoint nexus_vector`.execute(db);
  try {
    await sql`create extension if not exists vector`.execute(db);
    await sql`release savepoint nexus_vector`.execute(db);
    return true;
  } catch {
    await sql`rollback to savepoint nexus_vector`.execute(db);
    return false;
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists kb_index_removals`.execute(db);
  await sql`drop table if exists kb_chunks`.execute(db);
  await sql`drop sequence if exists kb_index_seq`.execute(db);
  await sql`drop table if exists kb_documents`.execute(db);
  await sql`drop table if exists knowledge_bases`.execute(db);
}

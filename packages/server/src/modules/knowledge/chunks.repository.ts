import { endianness } from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { IndexDeltaRow, ScoredSeq } from './memory-index.js';

/**
 * How this database keeps embeddings (decided by the 0009 migration): `pgvector` — a `vector` column with
 * an HNSW index per embedding size; `bytes` — float32 bytes, searched exactly in process.
 */
export interface VectorStorage {
  kind: 'pgvector' | 'bytes';
  /**
   * How vectors are searched: `hnsw` — pgvector's HNSW indexes (pgvector layout only); `exact` — an exact
   * scan of the embeddings in the in-process index (`KB_VECTOR_SEARCH`, and always without pgvector).
   */
  search: 'hnsw' | 'exact';
  /** pgvector ≥ 0.8: filtered HNSW scans continue until enough rows pass the filter. */
  iterativeScan: boolean;
}

/** A chunk to write, with its embedding and its lexical (BM25F) entry. */
export interface NewChunk {
  id: string;
  ordinal: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
  headings: string[];
  tokens: number;
  /** See `encodeLexical`. */
  lexical: string;
  lexicalLength: number;
  embedding: ArrayLike<number>;
}

/** A chunk as search results show it, with its document's title. */
export interface ChunkHit {
  id: string;
  seq: number;
  kb_id: string;
  document_id: string;
  ordinal: number;
  text: string;
  start_offset: number;
  end_offset: number;
  page: number | null;
  headings: string[];
  tokens: number;
  document_title: string;
  document_source: 'file' | 'text' | 'url';
  document_url: string | null;
  document_file_id: string | null;
  document_metadata: Record<string, unknown>;
}

/** HNSW indexes pgvector can build: `vector` up to 2,000 dimensions, `halfvec` up to 4,000. */
export function hnswType(dims: number): 'vector' | 'halfvec' | null {
  if (dims <= 2000) return 'vector';
  if (dims <= 4000) return 'halfvec';
  return null;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** float32 little-endian bytes, the `bytes` layout. */
export function embeddingBytes(vector: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i]!, i * 4);
  return buffer;
}

export function embeddingFromBytes(bytes: Uint8Array): Float32Array {
  const n = Math.floor(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 4));
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  return Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
}

/** pgvector's binary output (`vector_send`): 2-byte size, 2 unused bytes, big-endian float32s. */
export function embeddingFromVectorSend(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.min(view.getUint16(0), Math.floor((bytes.byteLength - 4) / 4));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 + i * 4);
  return out;
}

/** pgvector's text form: `[0.1,0.2,…]`. */
const vectorLiteral = (vector: ArrayLike<number>) => `[${Array.prototype.join.call(vector, ',')}]`;

/** Rows per insert statement (17 parameters a row, far below PostgreSQL's 65,535). */
const INSERT_BATCH = 500;

/**
 * Chunks and the index bookkeeping around them. Writers of one knowledge base hold its row lock (see
 * KnowledgeRepository.lockBase) while calling {@link replaceDocumentChunks} or {@link removeDocumentChunks},
 * so `seq` numbers of one knowledge base are committed in order — what in-process indexes rely on to
 * catch up (see {@link delta}).
 */
export class ChunksRepository {
  /**
   * Reads the embedding column's type and the pgvector version, once at start-up; `preferred` is the
   * configured search (`hnsw` needs the pgvector layout).
   */
  async vectorStorage(db: Executor, preferred: 'hnsw' | 'exact' = 'hnsw'): Promise<VectorStorage> {
    // to_regclass: a database not migrated yet (NEXUS_MIGRATE_ON_START=false) has no table to read.
    const column = await sql<{ type: string }>`
      select format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = to_regclass('kb_chunks') and attname = 'embedding'`.execute(db);
    if (column.rows[0]?.type !== 'vector') return { kind: 'bytes', search: 'exact', iterativeScan: false };
    const version = await sql<{ v: string }>`
      select extversion as v from pg_extension where extname = 'vector'`.execute(db);
    const [major = 0, minor = 0] = (version.rows[0]?.v ?? '0.0').split('.').map(Number);
    return { kind: 'pgvector', search: preferred, iterativeScan: major > 0 || minor >= 8 };
  }

  /**
   * Creates the HNSW index for `dims`-sized embeddings if it is missing (a partial index on
   * `embedding::vector(dims)` where `dims = dims`); an index left invalid by an interrupted concurrent
   * build is rebuilt. `concurrently` (PostgreSQL) builds without blocking writes; it cannot run in a
   * transaction. False when no HNSW index can serve that size (searches then scan exactly).
   */
  async ensureVectorIndex(db: Executor, dims: number, concurrently: boolean): Promise<boolean> {
    const type = hnswType(dims);
    if (!type || !Number.isInteger(dims) || dims < 1) return false;
    const name = `kb_chunks_hnsw_${dims}`;
    const existing = await sql<{ valid: boolean }>`
      select i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid
      where c.relname = ${name} and c.relkind = 'i'`.execute(db);
    if (existing.rows[0]?.valid) return true;
    const mode = sql.raw(concurrently ? 'concurrently ' : '');
    if (existing.rows.length > 0) await sql`drop index ${mode}if exists ${sql.id(name)}`.execute(db);
    await sql`
      create index ${mode}if not exists ${sql.id(name)} on kb_chunks
      using hnsw ((embedding::${sql.raw(`${type}(${dims})`)}) ${sql.raw(`${type}_cosine_ops`)})
      where dims = ${sql.lit(dims)}`.execute(db);
    return true;
  }

  /**
   * Removes a document's chunks and records the removal (for other instances' indexes). Returns how many
   * went. Call with the knowledge base locked.
   */
  async removeDocumentChunks(
    db: Executor,
    tenantId: string,
    kbId: string,
    documentId: string,
  ): Promise<number> {
    const removed = await db
      .deleteFrom('kb_chunks')
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where('document_id', '=', documentId)
      .executeTakeFirst();
    const count = Number(removed.numDeletedRows);
    if (count > 0)
      await db
        .insertInto('kb_index_removals')
        .values({ tenant_id: tenantId, kb_id: kbId, document_id: documentId })
        .execute();
    return count;
  }

  /** Writes a document's new chunks. Call with the knowledge base locked, after removing the old ones. */
  async insertChunks(
    db: Executor,
    tenantId: string,
    kbId: string,
    documentId: string,
    chunks: readonly NewChunk[],
    options: { storage: VectorStorage; embeddingVersion: number },
  ): Promise<void> {
    for (let from = 0; from < chunks.length; from += INSERT_BATCH) {
      const rows = chunks.slice(from, from + INSERT_BATCH).map((c) => ({
        id: c.id,
        tenant_id: tenantId,
        kb_id: kbId,
        document_id: documentId,
        ordinal: c.ordinal,
        text: c.text,
        start_offset: c.start,
        end_offset: c.end,
        page: c.page,
        headings: JSON.stringify(c.headings),
        tokens: c.tokens,
        lexical: c.lexical,
        lexical_length: c.lexicalLength,
        embedding_version: options.embeddingVersion,
        dims: c.embedding.length,
        embedding:
          options.storage.kind === 'pgvector'
            ? sql`${vectorLiteral(c.embedding)}::vector`
            : embeddingBytes(c.embedding),
      }));
      await db.insertInto('kb_chunks').values(rows).execute();
    }
  }

  /**
   * What changed in a knowledge base's index after `afterSeq`: its chunks and removal records, merged in
   * `seq` order, at most `limit`. Both are read in one repeatable-read transaction (one snapshot, so a
   * removal and the chunks that replaced it arrive together). `vectors` (the storage layout) includes the
   * embeddings, as float32 either way. The page's chunks are picked by `seq` alone before their wide
   * columns are read, so only those rows are converted (and nothing large is sorted).
   */
  async delta(
    db: Executor,
    tenantId: string,
    kbId: string,
    afterSeq: number,
    limit: number,
    vectors: VectorStorage['kind'] | null,
  ): Promise<IndexDeltaRow[]> {
    // pgvector's binary form (a 2-byte size, 2 unused bytes, big-endian float32s) as base64 text: PGlite
    // decodes bytea hex in JavaScript, several times slower than Buffer's native base64.
    const vector =
      vectors === 'bytes'
        ? sql`c.embedding`
        : vectors === 'pgvector'
          ? sql`encode(vector_send(c.embedding), 'base64')`
          : sql`null::bytea`;
    const read = async (trx: Executor) => {
      const chunks = await sql<{
        seq: number;
        document_id: string;
        lexical: string;
        lexical_length: number;
        embedding_version: number;
        embedding: Uint8Array | string | null;
      }>`
        select c.seq, c.document_id, c.lexical, c.lexical_length, c.embedding_version, ${vector} as embedding
        from (
          select seq from kb_chunks where tenant_id = ${tenantId} and kb_id = ${kbId} and seq > ${afterSeq}
          order by seq limit ${limit}
        ) page join kb_chunks c on c.kb_id = ${kbId} and c.seq = page.seq`.execute(trx);
      const removals = await sql<{ seq: number; document_id: string }>`
        select seq, document_id from kb_index_removals
        where tenant_id = ${tenantId} and kb_id = ${kbId} and seq > ${afterSeq}
        order by seq limit ${limit}`.execute(trx);
      return { chunks: chunks.rows, removals: removals.rows };
    };
    const { chunks, removals } = db.isTransaction
      ? await read(db)
      : await (db as Kysely<DB>).transaction().setIsolationLevel('repeatable read').execute(read);
    const rows: IndexDeltaRow[] = [
      ...removals.map(
        (row): IndexDeltaRow => ({ kind: 'removal', seq: Number(row.seq), documentId: row.document_id }),
      ),
      ...chunks.map(
        (row): IndexDeltaRow => ({
          kind: 'chunk',
          seq: Number(row.seq),
          documentId: row.document_id,
          lexical: row.lexical,
          length: Number(row.lexical_length),
          embeddingVersion: Number(row.embedding_version),
          vector:
            row.embedding === null
              ? null
              : typeof row.embedding === 'string'
                ? embeddingFromVectorSend(Buffer.from(row.embedding, 'base64'))
                : embeddingFromBytes(row.embedding),
        }),
      ),
    ];
    // Each list holds its first `limit` after `afterSeq`: the first `limit` of both merged are complete.
    return rows.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /**
   * The `limit` chunks nearest to `vector` (cosine similarity, best first) through the HNSW index of its
   * size (pgvector layout only). Only chunks embedded by the knowledge base's current model
   * (`embeddingVersion`) are compared.
   */
  async vectorSearch(
    db: Executor,
    tenantId: string,
    kbId: string,
    query: {
      vector: ArrayLike<number>;
      embeddingVersion: number;
      limit: number;
      documentIds?: readonly string[] | undefined;
      iterativeScan: boolean;
    },
  ): Promise<ScoredSeq[]> {
    const dims = query.vector.length;
    if (dims === 0 || query.limit <= 0) return [];
    const type = hnswType(dims) ?? 'vector';
    // The expression and the predicate must match the partial index's text for the planner to use it.
    const column = sql.raw(`embedding::${type}(${dims})`);
    const target = sql`${vectorLiteral(query.vector)}::${sql.raw(`${type}(${dims})`)}`;
    const run = async (trx: Executor) => {
      await sql`select set_config('hnsw.ef_search', ${String(Math.min(1000, Math.max(100, query.limit * 2)))}, true)`.execute(
        trx,
      );
      if (query.iterativeScan)
        await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(trx);
      const documents = query.documentIds
        ? sql`and document_id = any(${sql.val([...query.documentIds])}::text[])`
        : sql``;
      const { rows } = await sql<{ seq: number; distance: number }>`
        select seq, ${column} <=> ${target} as distance from kb_chunks
        where dims = ${sql.lit(dims)} and tenant_id = ${tenantId} and kb_id = ${kbId}
          and embedding_version = ${query.embeddingVersion} ${documents}
        order by ${column} <=> ${target}
        limit ${query.limit}`.execute(trx);
      return rows;
    };
    const rows = db.isTransaction ? await run(db) : await db.transaction().execute(run);
    // relaxed_order may return rows slightly out of order.
    return rows
      .map((row) => ({ seq: Number(row.seq), score: 1 - Number(row.distance) }))
      .sort((a, b) => b.score - a.score || a.seq - b.seq);
  }

  /** The stored lexical entries (term frequencies, length) of some chunks of a knowledge base, by seq. */
  async lexicalEntries(
    db: Executor,
    tenantId: string,
    kbId: string,
    seqs: readonly number[],
  ): Promise<Map<number, { lexical: string; length: number }>> {
    if (seqs.length === 0) return new Map();
    const rows = await db
      .selectFrom('kb_chunks')
      .select(['seq', 'lexical', 'lexical_length'])
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where('seq', 'in', [...seqs])
      .execute();
    return new Map(
      rows.map((row) => [Number(row.seq), { lexical: row.lexical, length: Number(row.lexical_length) }]),
    );
  }

  /** The chunks `seqs` of the knowledge bases `kbIds`, with their documents' titles, in no order. */
  async hydrate(
    db: Executor,
    tenantId: string,
    kbIds: readonly string[],
    seqs: readonly number[],
  ): Promise<ChunkHit[]> {
    if (seqs.length === 0 || kbIds.length === 0) return [];
    return db
      .selectFrom('kb_chunks as c')
      .innerJoin('kb_documents as d', 'd.id', 'c.document_id')
      .select([
        'c.id',
        'c.seq',
        'c.kb_id',
        'c.document_id',
        'c.ordinal',
        'c.text',
        'c.start_offset',
        'c.end_offset',
        'c.page',
        'c.headings',
        'c.tokens',
        'd.title as document_title',
        'd.source as document_source',
        'd.url as document_url',
        'd.file_id as document_file_id',
        'd.metadata as document_metadata',
      ])
      .where('c.tenant_id', '=', tenantId)
      .where('c.kb_id', 'in', [...kbIds])
      .where('c.seq', 'in', [...seqs])
      .execute() as Promise<ChunkHit[]>;
  }
}

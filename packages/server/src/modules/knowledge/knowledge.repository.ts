import { type Selectable, sql } from 'kysely';
import type { KbDocumentStatus, KbDocumentsTable, KnowledgeBasesTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type KnowledgeBaseRow = Selectable<KnowledgeBasesTable>;
export type DocumentRow = Selectable<KbDocumentsTable>;

export interface NewKnowledgeBase {
  id: string;
  name: string;
  description: string;
  settings: Record<string, unknown>;
  embeddingDims: number | null;
  createdBy: string | null;
}

export interface KnowledgeBasePatch {
  name?: string | undefined;
  description?: string | undefined;
  settings?: Record<string, unknown> | undefined;
  /** The settings change needs every document re-indexed. */
  reindex?: boolean;
  /** The embedding model changed (its vectors are no longer comparable); the new model's size. */
  embedding?: { dims: number } | undefined;
}

export interface NewDocument {
  id: string;
  source: 'file' | 'text' | 'url';
  fileId?: string | null;
  url?: string | null;
  content?: string | null;
  title: string;
  metadata: Record<string, unknown>;
  bytes?: number | null;
  format?: string | null;
  createdBy: string | null;
}

/** A knowledge base with how many documents it has in each status. */
export type DocumentCounts = Record<KbDocumentStatus, number>;

export const NO_DOCUMENTS: Readonly<DocumentCounts> = Object.freeze({
  queued: 0,
  processing: 0,
  ready: 0,
  failed: 0,
});

/** The columns a document listing reads (the content of text documents stays behind). */
const DOCUMENT_VIEW = [
  'id',
  'tenant_id',
  'kb_id',
  'source',
  'file_id',
  'url',
  'title',
  'metadata',
  'format',
  'bytes',
  'status',
  'error_code',
  'error_message',
  'progress',
  'chunk_count',
  'attempts',
  'available_at',
  'locked_by',
  'locked_until',
  'settings_version',
  'indexed_at',
  'created_by',
  'created_at',
  'updated_at',
] as const;

export type DocumentView = Omit<DocumentRow, 'content'>;

/**
 * Knowledge bases and their documents. Knowledge bases belong to a tenant (every member with `kb:read`
 * sees them); every method takes the tenant first, except the ingestion queue's (claim, reclaim), which
 * serve all tenants and say so.
 */
export class KnowledgeRepository {
  async createBase(db: Executor, tenantId: string, kb: NewKnowledgeBase): Promise<KnowledgeBaseRow> {
    return db
      .insertInto('knowledge_bases')
      .values({
        id: kb.id,
        tenant_id: tenantId,
        created_by: kb.createdBy,
        name: kb.name,
        description: kb.description,
        settings: JSON.stringify(kb.settings),
        embedding_dims: kb.embeddingDims,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async getBase(db: Executor, tenantId: string, id: string): Promise<KnowledgeBaseRow | undefined> {
    return db
      .selectFrom('knowledge_bases')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The knowledge bases `ids` of the tenant that exist (others are left out), in no order. */
  async getBases(db: Executor, tenantId: string, ids: readonly string[]): Promise<KnowledgeBaseRow[]> {
    if (ids.length === 0) return [];
    return db
      .selectFrom('knowledge_bases')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Newest first (ids are time-ordered); keyset after `beforeId`. */
  async listBases(
    db: Executor,
    tenantId: string,
    page: { beforeId?: string | undefined; limit: number },
  ): Promise<KnowledgeBaseRow[]> {
    let query = db.selectFrom('knowledge_bases').selectAll().where('tenant_id', '=', tenantId);
    if (page.beforeId) query = query.where('id', '<', page.beforeId);
    return query.orderBy('id', 'desc').limit(page.limit).execute();
  }

  /** Locks the knowledge base row for an index change (see ChunksRepository); undefined if it is gone. */
  async lockBase(db: Executor, tenantId: string, id: string): Promise<KnowledgeBaseRow | undefined> {
    return db
      .selectFrom('knowledge_bases')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
  }

  async updateBase(
    db: Executor,
    tenantId: string,
    id: string,
    patch: KnowledgeBasePatch,
  ): Promise<KnowledgeBaseRow | undefined> {
    return db
      .updateTable('knowledge_bases')
      .set({
        updated_at: sql`now()`,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.settings !== undefined ? { settings: JSON.stringify(patch.settings) } : {}),
        ...(patch.reindex ? { settings_version: sql`settings_version + 1` } : {}),
        ...(patch.embedding
          ? { embedding_version: sql`embedding_version + 1`, embedding_dims: patch.embedding.dims }
          : {}),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Records an index change: bumps the generation and adjusts the chunk count. */
  async indexChanged(db: Executor, tenantId: string, id: string, chunkDelta: number): Promise<void> {
    await db
      .updateTable('knowledge_bases')
      .set({
        index_generation: sql`index_generation + 1`,
        chunk_count: sql`greatest(0, chunk_count + ${chunkDelta})`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** Deletes the knowledge base with its documents and chunks (cascade); false if it did not exist. */
  async deleteBase(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const result = await db
      .deleteFrom('knowledge_bases')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async insertDocuments(
    db: Executor,
    tenantId: string,
    kbId: string,
    documents: readonly NewDocument[],
  ): Promise<DocumentView[]> {
    if (documents.length === 0) return [];
    const out: DocumentView[] = [];
    // 14 parameters a row: well under PostgreSQL's limit at 1,000 rows a statement.
    for (let from = 0; from < documents.length; from += 1000) {
      const rows = await db
        .insertInto('kb_documents')
        .values(
          documents.slice(from, from + 1000).map((d) => ({
            id: d.id,
            tenant_id: tenantId,
            kb_id: kbId,
            source: d.source,
            file_id: d.fileId ?? null,
            url: d.url ?? null,
            content: d.content ?? null,
            title: d.title,
            metadata: JSON.stringify(d.metadata),
            bytes: d.bytes ?? null,
            format: d.format ?? null,
            progress: JSON.stringify({ stage: 'queued', fraction: 0 }),
            created_by: d.createdBy,
          })),
        )
        .returning(DOCUMENT_VIEW)
        .execute();
      out.push(...rows);
    }
    return out;
  }

  async getDocument(
    db: Executor,
    tenantId: string,
    kbId: string,
    id: string,
  ): Promise<DocumentView | undefined> {
    return db
      .selectFrom('kb_documents')
      .select(DOCUMENT_VIEW)
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** A document with its content, for the ingestion job that holds its lease. */
  async getDocumentForJob(db: Executor, tenantId: string, id: string): Promise<DocumentRow | undefined> {
    return db
      .selectFrom('kb_documents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Locks a document row (inside the index swap transaction). */
  async lockDocument(db: Executor, tenantId: string, id: string): Promise<DocumentView | undefined> {
    return db
      .selectFrom('kb_documents')
      .select(DOCUMENT_VIEW)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  /** Newest first; keyset after `beforeId`; optionally one status. */
  async listDocuments(
    db: Executor,
    tenantId: string,
    kbId: string,
    page: { status?: KbDocumentStatus | undefined; beforeId?: string | undefined; limit: number },
  ): Promise<DocumentView[]> {
    let query = db
      .selectFrom('kb_documents')
      .select(DOCUMENT_VIEW)
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId);
    if (page.status) query = query.where('status', '=', page.status);
    if (page.beforeId) query = query.where('id', '<', page.beforeId);
    return query.orderBy('id', 'desc').limit(page.limit).execute();
  }

  /** How many documents of each knowledge base are in each status. */
  async documentCounts(
    db: Executor,
    tenantId: string,
    kbIds: readonly string[],
  ): Promise<Map<string, DocumentCounts>> {
    const counts = new Map<string, DocumentCounts>(kbIds.map((id) => [id, { ...NO_DOCUMENTS }]));
    if (kbIds.length === 0) return counts;
    const rows = await db
      .selectFrom('kb_documents')
      .select(['kb_id', 'status', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenantId)
      .where('kb_id', 'in', [...kbIds])
      .groupBy(['kb_id', 'status'])
      .execute();
    for (const row of rows) counts.get(row.kb_id)![row.status] = row.n;
    return counts;
  }

  /** The ids of the documents of a knowledge base whose metadata contains `metadata` (jsonb `@>`). */
  async documentIdsMatching(
    db: Executor,
    tenantId: string,
    kbId: string,
    metadata: Record<string, unknown>,
  ): Promise<string[]> {
    const rows = await db
      .selectFrom('kb_documents')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where(sql<boolean>`metadata @> ${JSON.stringify(metadata)}::jsonb`)
      .execute();
    return rows.map((r) => r.id);
  }

  /** The file documents of a knowledge base (their file holds are released when it is deleted). */
  async fileDocuments(
    db: Executor,
    tenantId: string,
    kbId: string,
  ): Promise<{ id: string; file_id: string }[]> {
    const rows = await db
      .selectFrom('kb_documents')
      .select(['id', 'file_id'])
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where('source', '=', 'file')
      .where('file_id', 'is not', null)
      .execute();
    return rows as { id: string; file_id: string }[];
  }

  /**
   * Puts every document of the knowledge base back in the queue (a settings change): a job in progress
   * loses its lease, so its result is discarded. Documents keep their chunks until the new ones replace
   * them, so search keeps answering meanwhile.
   */
  async requeueAll(db: Executor, tenantId: string, kbId: string): Promise<number> {
    const result = await db
      .updateTable('kb_documents')
      .set(requeued())
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async requeueDocument(
    db: Executor,
    tenantId: string,
    kbId: string,
    id: string,
  ): Promise<DocumentView | undefined> {
    return db
      .updateTable('kb_documents')
      .set(requeued())
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where('id', '=', id)
      .returning(DOCUMENT_VIEW)
      .executeTakeFirst();
  }

  async deleteDocument(
    db: Executor,
    tenantId: string,
    kbId: string,
    id: string,
  ): Promise<DocumentView | undefined> {
    return db
      .deleteFrom('kb_documents')
      .where('tenant_id', '=', tenantId)
      .where('kb_id', '=', kbId)
      .where('id', '=', id)
      .returning(DOCUMENT_VIEW)
      .executeTakeFirst();
  }

  // --- The ingestion queue: these serve every tenant (the workers'), and return the rows' tenants. ---

  /**
   * Leases that ran out (the worker crashed or stalled): back to the queue, or `failed` with
   * `ingestion_attempts_exhausted` once `maxAttempts` were used. Returns how many of each. All tenants.
   */
  async reclaimExpired(db: Executor, maxAttempts: number): Promise<{ requeued: number; failed: number }> {
    const failed = await db
      .updateTable('kb_documents')
      .set({
        status: 'failed',
        error_code: 'ingestion_attempts_exhausted',
        error_message: `Ingestion was interrupted ${maxAttempts} times (the worker stopped or timed out)`,
        locked_by: null,
        locked_until: null,
        progress: JSON.stringify({ stage: 'failed', fraction: 0 }),
        updated_at: sql`now()`,
      })
      .where('status', '=', 'processing')
      .where('locked_until', '<', sql<Date>`now()`)
      .where('attempts', '>=', maxAttempts)
      .executeTakeFirst();
    const requeued = await db
      .updateTable('kb_documents')
      .set({
        status: 'queued',
        locked_by: null,
        locked_until: null,
        available_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('status', '=', 'processing')
      .where('locked_until', '<', sql<Date>`now()`)
      .executeTakeFirst();
    return { requeued: Number(requeued.numUpdatedRows), failed: Number(failed.numUpdatedRows) };
  }

  /**
   * Claims the oldest queued document that is due, for `leaseMs`, with `SELECT … FOR UPDATE SKIP LOCKED`
   * so concurrent workers (any instance) never claim the same one. All tenants.
   */
  async claimNext(db: Executor, workerId: string, leaseMs: number): Promise<DocumentRow | undefined> {
    const { rows } = await sql<DocumentRow>`
      update kb_documents set
        status = 'processing',
        attempts = attempts + 1,
        locked_by = ${workerId},
        locked_until = now() + ${leaseMs} * interval '1 millisecond',
        error_code = null,
        error_message = null,
        progress = ${JSON.stringify({ stage: 'fetch', fraction: 0 })}::jsonb,
        updated_at = now()
      where id = (
        select id from kb_documents
        where status = 'queued' and available_at <= now()
        order by available_at, id
        limit 1
        for update skip locked
      )
      returning *`.execute(db);
    return rows[0];
  }

  /**
   * Extends the lease (and records progress) while the job works; false when the job lost it (the
   * document was deleted, re-queued by a settings change, or reclaimed after the lease ran out).
   */
  async heartbeat(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string,
    leaseMs: number,
    progress?: Record<string, unknown>,
  ): Promise<boolean> {
    const result = await db
      .updateTable('kb_documents')
      .set({
        locked_until: sql`now() + ${leaseMs} * interval '1 millisecond'`,
        ...(progress ? { progress: JSON.stringify(progress) } : {}),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Marks the job's document ready (inside the index swap). */
  async completeDocument(
    db: Executor,
    tenantId: string,
    id: string,
    done: {
      chunkCount: number;
      settingsVersion: number;
      title: string;
      format: string | null;
      bytes: number | null;
    },
  ): Promise<void> {
    await db
      .updateTable('kb_documents')
      .set({
        status: 'ready',
        chunk_count: done.chunkCount,
        settings_version: done.settingsVersion,
        title: done.title,
        format: done.format,
        bytes: done.bytes,
        progress: JSON.stringify({ stage: 'done', fraction: 1, chunks: done.chunkCount }),
        indexed_at: sql`now()`,
        locked_by: null,
        locked_until: null,
        error_code: null,
        error_message: null,
        updated_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** Ends the job as failed with a reason, if it still holds the lease. */
  async failDocument(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    const result = await db
      .updateTable('kb_documents')
      .set({
        status: 'failed',
        error_code: error.code,
        error_message: error.message.slice(0, 2000),
        locked_by: null,
        locked_until: null,
        progress: sql`progress || ${JSON.stringify({ stage: 'failed' })}::jsonb`,
        updated_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Gives the job back: to the queue after `delayMs` (a retryable failure, which keeps its reason until
   * the next attempt), or at once without counting the attempt (`refund`: the worker is stopping).
   */
  async releaseJob(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string,
    options: { delayMs: number; refund: boolean; error?: { code: string; message: string } },
  ): Promise<boolean> {
    const result = await db
      .updateTable('kb_documents')
      .set({
        status: 'queued',
        locked_by: null,
        locked_until: null,
        available_at: sql`now() + ${options.delayMs} * interval '1 millisecond'`,
        ...(options.refund ? { attempts: sql`greatest(0, attempts - 1)` } : {}),
        ...(options.error
          ? { error_code: options.error.code, error_message: options.error.message.slice(0, 2000) }
          : {}),
        progress: JSON.stringify({ stage: 'queued', fraction: 0 }),
        updated_at: sql`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function requeued() {
  return {
    status: 'queued' as const,
    locked_by: null,
    locked_until: null,
    attempts: 0,
    available_at: sql<Date>`now()`,
    error_code: null,
    error_message: null,
    progress: JSON.stringify({ stage: 'queued', fraction: 0 }),
    updated_at: sql<Date>`now()`,
  };
}

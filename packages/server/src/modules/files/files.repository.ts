import { type Selectable, sql } from 'kysely';
import type { FileObjectsTable, FilePurposeColumn, FilesTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type FileRow = Selectable<FilesTable>;
export type FileObjectRow = Selectable<FileObjectsTable>;
/** A file with the key of its stored object. */
export type StoredFileRow = FileRow & { storage_key: string };

export interface NewFile {
  id: string;
  sha256: string;
  filename: string;
  purpose: FilePurposeColumn;
  format: string;
  bytes: number;
  mediaType: string;
  createdBy: string | null;
}

/**
 * Files, their stored objects, holds and the tenants' file settings. Every method takes the tenant first
 * and scopes by it; reads of `files` see only `ready` rows unless they say otherwise.
 */
export class FilesRepository {
  /**
   * A ready file of the tenant with its object's storage key, or undefined. `forUpdate` locks the file
   * row until the transaction ends.
   */
  async get(
    db: Executor,
    tenantId: string,
    id: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<StoredFileRow | undefined> {
    let query = db
      .selectFrom('files')
      .innerJoin('file_objects', (join) =>
        join
          .onRef('file_objects.tenant_id', '=', 'files.tenant_id')
          .onRef('file_objects.sha256', '=', 'files.sha256'),
      )
      .selectAll('files')
      .select('file_objects.storage_key')
      .where('files.tenant_id', '=', tenantId)
      .where('files.id', '=', id)
      .where('files.status', '=', 'ready');
    if (options.forUpdate) query = query.forUpdate('files');
    return query.executeTakeFirst();
  }

  /** The tenant's ready files, newest first (id desc: ids sort by creation), after the cursor id. */
  async list(
    db: Executor,
    tenantId: string,
    filter: { purpose?: FilePurposeColumn; before?: string; limit: number },
  ): Promise<FileRow[]> {
    let query = db
      .selectFrom('files')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('status', '=', 'ready');
    if (filter.purpose) query = query.where('purpose', '=', filter.purpose);
    if (filter.before) query = query.where('id', '<', filter.before);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /**
   * Makes sure the object row for this content exists and locks it (an insert, or an update that waits
   * for a concurrent delete of the same content to finish) — the step that orders uploads and deletes.
   */
  async upsertObject(
    db: Executor,
    tenantId: string,
    object: { sha256: string; bytes: number; storageKey: string },
  ): Promise<FileObjectRow> {
    return db
      .insertInto('file_objects')
      .values({
        tenant_id: tenantId,
        sha256: object.sha256,
        bytes: object.bytes,
        storage_key: object.storageKey,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'sha256']).doUpdateSet({ bytes: object.bytes }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The object row, locked until the transaction ends (undefined when there is none). */
  async lockObject(db: Executor, tenantId: string, sha256: string): Promise<FileObjectRow | undefined> {
    return db
      .selectFrom('file_objects')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('sha256', '=', sha256)
      .forUpdate()
      .executeTakeFirst();
  }

  /** How many files (any status) point at the object. */
  async countReferences(db: Executor, tenantId: string, sha256: string): Promise<number> {
    const row = await db
      .selectFrom('files')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteObject(db: Executor, tenantId: string, sha256: string): Promise<void> {
    await db
      .deleteFrom('file_objects')
      .where('tenant_id', '=', tenantId)
      .where('sha256', '=', sha256)
      .execute();
  }

  /** Inserts a file in `uploading` state (invisible until {@link markReady}). */
  async createUploading(db: Executor, tenantId: string, file: NewFile): Promise<FileRow> {
    return db
      .insertInto('files')
      .values({
        id: file.id,
        tenant_id: tenantId,
        sha256: file.sha256,
        filename: file.filename,
        purpose: file.purpose,
        format: file.format,
        bytes: file.bytes,
        media_type: file.mediaType,
        status: 'uploading',
        created_by: file.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async markReady(db: Executor, tenantId: string, id: string): Promise<FileRow> {
    return db
      .updateTable('files')
      .set({ status: 'ready' })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Deletes the file row (any status); its holds go with it. True when there was one. */
  async delete(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const result = await db
      .deleteFrom('files')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Uploads that never finished (the process died mid-upload), oldest first. */
  async staleUploads(
    db: Executor,
    tenantId: string | null,
    olderThan: Date,
    limit: number,
  ): Promise<Pick<FileRow, 'tenant_id' | 'id' | 'sha256'>[]> {
    let query = db
      .selectFrom('files')
      .select(['tenant_id', 'id', 'sha256'])
      .where('status', '=', 'uploading')
      .where('created_at', '<', olderThan);
    // Null: every tenant (the sweeper's one cross-tenant read; it acts on each row in its own tenant).
    if (tenantId !== null) query = query.where('tenant_id', '=', tenantId);
    return query.orderBy('created_at').limit(limit).execute();
  }

  /**
   * Adds a hold (holding twice is one hold). False when the tenant has no ready file by that id. The
   * foreign key check locks the file row (KEY SHARE) until the transaction ends, so a delete of the file
   * either waits for the hold and sees it, or finishes first and makes this insert fail (false).
   */
  async hold(db: Executor, tenantId: string, fileId: string, holder: string): Promise<boolean> {
    let inserted: number;
    try {
      const result = await sql<{ file_id: string }>`
        insert into file_holds (tenant_id, file_id, holder)
        select tenant_id, id, ${holder} from files
        where tenant_id = ${tenantId} and id = ${fileId} and status = 'ready'
        on conflict (tenant_id, file_id, holder) do nothing
        returning file_id`.execute(db);
      inserted = result.rows.length;
    } catch (error) {
      // foreign_key_violation: the file was deleted while the hold was being added.
      if ((error as { code?: string }).code === '23503') return false;
      throw error;
    }
    if (inserted > 0) return true;
    // Already held by this holder (the conflict returned nothing), or no such file.
    const existing = await db
      .selectFrom('file_holds')
      .select('file_id')
      .where('tenant_id', '=', tenantId)
      .where('file_id', '=', fileId)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return existing !== undefined;
  }

  /** Removes a hold; true when there was one. */
  async release(db: Executor, tenantId: string, fileId: string, holder: string): Promise<boolean> {
    const result = await db
      .deleteFrom('file_holds')
      .where('tenant_id', '=', tenantId)
      .where('file_id', '=', fileId)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async holders(db: Executor, tenantId: string, fileId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('file_holds')
      .select('holder')
      .where('tenant_id', '=', tenantId)
      .where('file_id', '=', fileId)
      .orderBy('created_at')
      .limit(20)
      .execute();
    return rows.map((r) => r.holder);
  }

  async getMaxBytes(
    db: Executor,
    tenantId: string,
  ): Promise<{ maxFileBytes: number | null; updatedAt: Date } | undefined> {
    const row = await db
      .selectFrom('tenant_file_settings')
      .select(['max_file_bytes', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row ? { maxFileBytes: row.max_file_bytes, updatedAt: row.updated_at } : undefined;
  }

  async putMaxBytes(
    db: Executor,
    tenantId: string,
    maxFileBytes: number | null,
  ): Promise<{ maxFileBytes: number | null; updatedAt: Date }> {
    const row = await db
      .insertInto('tenant_file_settings')
      .values({ tenant_id: tenantId, max_file_bytes: maxFileBytes })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ max_file_bytes: maxFileBytes, updated_at: sql`now()` }),
      )
      .returning(['max_file_bytes', 'updated_at'])
      .executeTakeFirstOrThrow();
    return { maxFileBytes: row.max_file_bytes, updatedAt: row.updated_at };
  }
}

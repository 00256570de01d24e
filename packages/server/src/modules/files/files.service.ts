import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  BadRequestError,
  FileEmptyError,
  FileInfectedError,
  FileInUseError,
  FileTooLargeError,
  InternalError,
  isAppError,
  NotFoundError,
  RangeNotSatisfiableError,
  ValidationError,
} from '../../errors.js';
import { isId, newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import type { VirusScanner } from '../../platform/scanning/virus-scanner.js';
import {
  type ByteRange,
  type ObjectStorage,
  type RangeRequest,
  resolveRange,
  type StoredObject,
} from '../../platform/storage/object-storage.js';
import { type AccessService, requirePrincipal } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import { cleanFilename, contentDisposition, contentTypeOf } from './content-disposition.js';
import type { DownloadLinkSigner } from './download-links.js';
import { FILE_PURPOSES, type FilePurpose, formatFor, verifyContent } from './file-formats.js';
import type { FileRow, FilesRepository, StoredFileRow } from './files.repository.js';
import { type SpooledUpload, spoolUpload, sweepSpool } from './upload-spool.js';

export class FileNotFoundError extends NotFoundError {
  constructor() {
    super('No such file');
  }
}

export class InvalidFileCursorError extends BadRequestError {
  override readonly code = 'invalid_cursor';
}

/** `POST /v1/files/batch` with more files than `FILES_BATCH_MAX_FILES`; nothing of the batch is stored. */
export class FilesBatchTooLargeError extends BadRequestError {
  override readonly code = 'batch_too_large';
}

export interface FilesSettings {
  /** The upload size limit of tenants without their own (`FILES_MAX_BYTES`). */
  defaultMaxBytes: number;
  /** The most a tenant's own limit may be (`FILES_MAX_BYTES_CEILING`). */
  maxBytesCeiling: number;
  /** Where uploads are written while they arrive (`FILES_SPOOL_DIR`). */
  spoolDir: string;
  /** Uploads still not stored after this long are swept away (their process died). */
  staleUploadMs: number;
  /** How often the sweeper runs; 0 turns the timer off (tests call {@link FilesService.sweep}). */
  sweepIntervalMs: number;
  /** The most files one `POST /v1/files/batch` may carry (`FILES_BATCH_MAX_FILES`, default 20). */
  batchMaxFiles?: number;
}

/** One file of a batch upload, in the order sent: stored, or refused with the error a single upload gets. */
export type BatchUploadItem =
  | { index: number; status: 'succeeded'; file: FileRow }
  | {
      index: number;
      status: 'failed';
      /** The name as it would have been stored (cleaned), or as sent when nothing is left of it. */
      filename: string;
      error: { code: string; message: string; details?: unknown };
    };

/** An upload spooled and checked, not stored yet: commit it or discard it. */
interface CheckedUpload {
  purpose: FilePurpose;
  filename: string;
  format: { name: string; mediaType: string };
  spooled: SpooledUpload;
}

/** A tenant's file settings as the API shows them. */
export interface FileSettingsView {
  /** The limit in force. */
  maxFileBytes: number;
  /** The tenant's own limit; null when the platform default applies. */
  override: number | null;
  defaultMaxBytes: number;
  ceilingBytes: number;
  updatedAt: Date | null;
}

export interface UploadInput {
  /** As sent; checked against {@link FILE_PURPOSES}. */
  purpose: string | undefined;
  /** As sent; cleaned ({@link cleanFilename}) and its extension checked against the purpose's allowlist. */
  filename: string;
  content: Readable;
}

/** A file and its content (or the requested range of it), ready to stream. */
export interface Download {
  file: FileRow;
  /** The content (or the range); null when only the headers were asked for (HEAD). */
  body: Readable | null;
  /** The range served; absent when the whole file is. */
  range?: { start: number; end: number };
  contentType: string;
  contentDisposition: string;
}

/** What to read: a byte range, and whether to open the content at all (not for HEAD). */
export interface DownloadOptions {
  range?: RangeRequest | undefined;
  /** False: headers only, storage is not touched. Default true. */
  body?: boolean;
}

/** A link to a file's content that works without credentials until `expiresAt`. */
export interface DownloadLink {
  url: string;
  expiresAt: Date;
}

/** Longest-lived download link: 7 days (S3's own limit for presigned URLs). */
export const MAX_LINK_TTL_S = 604_800;

/**
 * Files: uploads (streamed to a spool file while hashed and checked, then stored once per tenant and
 * content), listing, download, expiring links, deletion, holds, and a tenant's size limit.
 *
 * Files belong to a tenant: every member with `files:read` sees them, `files:write` uploads and deletes.
 * The methods that take a RequestContext are the API's (they authorise); the ones that take a tenant id
 * ({@link get}, {@link hold}, {@link release}, {@link readContent}, {@link openContent}) are for other
 * services that already authorised their caller (knowledge-base ingestion, tasks).
 *
 * Uploads and deletes of the same content stay consistent through the `file_objects` row: an upload
 * first inserts (or waits for and locks) that row together with its own `uploading` file row, so a
 * delete that runs later sees a reference and keeps the object; a delete locks the row, counts the
 * references and removes the stored object inside its transaction, so an upload that runs later finds no
 * object and writes it again.
 */
export class FilesService {
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Executor;
      files: FilesRepository;
      storage: ObjectStorage;
      scanner: VirusScanner | null;
      access: AccessService;
      audit: AuditService;
      links: DownloadLinkSigner;
      logger: Logger;
      settings: FilesSettings;
    },
  ) {}

  /** Sweeps once now (in the background) and then every `sweepIntervalMs`. */
  start(): void {
    this.sweeping = this.sweep().catch((error) => this.deps.logger.warn({ err: error }, 'file sweep failed'));
    const every = this.deps.settings.sweepIntervalMs;
    if (every > 0) {
      this.sweeper = setInterval(() => {
        this.sweeping = this.sweep().catch((error) =>
          this.deps.logger.warn({ err: error }, 'file sweep failed'),
        );
      }, every);
      this.sweeper.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  /**
   * Removes what interrupted uploads left: spool files and `uploading` rows older than `staleUploadMs`
   * (with their objects when nothing else uses them).
   */
  async sweep(): Promise<{ spoolFiles: number; uploads: number }> {
    const { spoolDir, staleUploadMs } = this.deps.settings;
    const spoolFiles = await sweepSpool(spoolDir, staleUploadMs);
    const stale = await this.deps.files.staleUploads(
      this.deps.db,
      null,
      new Date(Date.now() - staleUploadMs),
      500,
    );
    for (const row of stale) await this.removeRow(row.tenant_id, row.id, row.sha256);
    if (spoolFiles + stale.length > 0)
      this.deps.logger.info({ spoolFiles, uploads: stale.length }, 'swept interrupted uploads');
    return { spoolFiles, uploads: stale.length };
  }

  /**
   * The tenant an upload goes to and its size limit, after checking `files:write`. The edge calls it
   * before reading the body, to cut the multipart parser off at the limit.
   */
  async uploadTarget(ctx: RequestContext): Promise<{ tenantId: string; maxBytes: number }> {
    const tenantId = await this.tenantFor(ctx, 'files:write');
    return { tenantId, maxBytes: await this.maxBytesFor(tenantId) };
  }

  /**
   * Stores an upload. The content is streamed to a spool file (hashed, counted, and for text formats
   * checked as UTF-8 on the way), then checked (0 bytes, type against the declared extension, virus scan)
   * and only then stored: a rejected upload leaves nothing behind. Same content already stored by the
   * tenant: only a new file row is written.
   * @example const file = await files.upload(ctx, { purpose: 'document', filename: 'a.pdf', content: stream });
   */
  async upload(ctx: RequestContext, input: UploadInput): Promise<FileRow> {
    const { tenantId, maxBytes } = await this.uploadTarget(ctx);
    return this.accept(ctx, tenantId, requirePrincipal(ctx).userId, maxBytes, input);
  }

  /**
   * Stores content Nexus made for a caller — a task's generated image or speech — in `tenantId`, with
   * every check an upload gets (size limit, type against the extension, virus scan) but without
   * authorising `ctx`: the service asking has authorised its caller (`tasks:write`).
   * @example const file = await files.storeGenerated(ctx, tenantId, { purpose: 'audio', filename: 'speech.wav', content: wav });
   */
  async storeGenerated(
    ctx: RequestContext,
    tenantId: string,
    input: { purpose: FilePurpose; filename: string; content: Uint8Array },
  ): Promise<FileRow> {
    const maxBytes = await this.maxBytesFor(tenantId);
    return this.accept(ctx, tenantId, ctx.principal?.userId ?? null, maxBytes, {
      purpose: input.purpose,
      filename: input.filename,
      content: Readable.from([input.content]),
    });
  }

  /** The most files one batch upload may carry (`FILES_BATCH_MAX_FILES`). */
  get batchMaxFiles(): number {
    return this.deps.settings.batchMaxFiles ?? 20;
  }

  /**
   * Uploads several files of one purpose (`POST /v1/files/batch`). Each file gets exactly the checks of
   * {@link upload} (streamed to the spool, size limit, type, virus scan) and its own result: a refused
   * file does not stop the others. Every file is checked first and only then are the good ones stored,
   * so a batch with more than {@link batchMaxFiles} files (400 `batch_too_large`), a bad purpose or a
   * broken body stores nothing. The spool holds a whole batch at once.
   * @example const items = await files.uploadBatch(ctx, { purpose: 'document', files: parts });
   */
  async uploadBatch(
    ctx: RequestContext,
    input: { purpose: string | undefined; files: AsyncIterable<{ filename: string; content: Readable }> },
  ): Promise<BatchUploadItem[]> {
    const { tenantId, maxBytes } = await this.uploadTarget(ctx);
    const createdBy = requirePrincipal(ctx).userId;
    const purpose = parsePurpose(input.purpose);
    const limit = this.batchMaxFiles;
    const checked: ({ index: number; filename: string } & (
      | { upload: CheckedUpload }
      | { error: BatchUploadItem & { status: 'failed' } }
    ))[] = [];
    try {
      let index = 0;
      for await (const file of input.files) {
        if (index >= limit)
          throw new FilesBatchTooLargeError(
            `A batch carries at most ${limit} files (FILES_BATCH_MAX_FILES); nothing was stored`,
            { details: { limit } },
          );
        const filename = cleanFilename(file.filename) || file.filename;
        try {
          const upload = await this.check(ctx, tenantId, maxBytes, { purpose, ...file });
          checked.push({ index, filename, upload });
        } catch (error) {
          checked.push({ index, filename, error: this.failedItem(index, filename, error) });
        }
        index++;
      }
      if (index === 0)
        throw new ValidationError('file: no file was sent (one or more fields file, after purpose)', {
          details: [{ location: 'body', path: 'file', message: 'no file was sent', issue: 'invalid_type' }],
        });
      const items: BatchUploadItem[] = [];
      for (const item of checked) {
        if ('error' in item) {
          items.push(item.error);
          continue;
        }
        try {
          const file = await this.commit(ctx, tenantId, createdBy, item.upload);
          items.push({ index: item.index, status: 'succeeded', file });
        } catch (error) {
          items.push(this.failedItem(item.index, item.filename, error));
        }
      }
      return items;
    } finally {
      await Promise.all(
        checked.map((item) => ('upload' in item ? item.upload.spooled.discard() : undefined)),
      );
    }
  }

  private failedItem(
    index: number,
    filename: string,
    error: unknown,
  ): BatchUploadItem & { status: 'failed' } {
    if (!isAppError(error) || error.status >= 500)
      this.deps.logger.error({ err: error, filename }, 'a file of a batch upload failed');
    const shown = isAppError(error)
      ? error
      : new InternalError('Something went wrong on our side while storing this file');
    return {
      index,
      status: 'failed',
      filename,
      error: {
        code: shown.code,
        message: shown.message,
        ...(shown.details === undefined ? {} : { details: shown.details }),
      },
    };
  }

  private async accept(
    ctx: RequestContext,
    tenantId: string,
    createdBy: string | null,
    maxBytes: number,
    input: UploadInput,
  ): Promise<FileRow> {
    const checked = await this.check(ctx, tenantId, maxBytes, input);
    try {
      return await this.commit(ctx, tenantId, createdBy, checked);
    } finally {
      await checked.spooled.discard();
    }
  }

  /**
   * Streams an upload to the spool and runs every check (name and extension, size, 0 bytes, type against
   * the extension, virus scan) without storing it; a refused upload leaves no spool file behind.
   */
  private async check(
    ctx: RequestContext,
    tenantId: string,
    maxBytes: number,
    input: UploadInput,
  ): Promise<CheckedUpload> {
    const purpose = parsePurpose(input.purpose);
    const filename = cleanFilename(input.filename);
    if (!filename)
      throw new ValidationError('The file needs a name (with its extension)', {
        details: [{ location: 'body', path: 'file', message: 'the file name is empty', issue: 'too_small' }],
      });
    const format = formatFor(purpose, filename);
    const spooled = await spoolUpload(input.content, {
      dir: this.deps.settings.spoolDir,
      maxBytes,
      inspectText: format.text !== undefined,
    });
    try {
      if (spooled.size === 0) throw new FileEmptyError('The file is empty (0 bytes)');
      await verifyContent(format, spooled);
      const scanner = this.deps.scanner;
      if (scanner) {
        const verdict = await scanner.scan(createReadStream(spooled.path));
        if (!verdict.clean) {
          await this.deps.audit.record(ctx, {
            action: 'file.upload_infected',
            result: 'failure',
            tenantId,
            target: { type: 'file', id: null },
            details: {
              filename,
              purpose,
              bytes: spooled.size,
              sha256: spooled.sha256,
              signature: verdict.signature,
              scanner: scanner.kind,
            },
          });
          throw new FileInfectedError('The file contains malware and was not stored', {
            details: { signature: verdict.signature },
          });
        }
      }
      return { purpose, filename, format, spooled };
    } catch (error) {
      await spooled.discard();
      throw error;
    }
  }

  /** Stores a checked upload (its spool file stays for the caller to discard) and audits it. */
  private async commit(
    ctx: RequestContext,
    tenantId: string,
    createdBy: string | null,
    checked: CheckedUpload,
  ): Promise<FileRow> {
    const { purpose, filename, format, spooled } = checked;
    const file = await this.store(tenantId, {
      id: newId('file'),
      sha256: spooled.sha256,
      filename,
      purpose,
      format: format.name,
      bytes: spooled.size,
      mediaType: format.mediaType,
      createdBy,
      path: spooled.path,
    });
    await this.deps.audit.record(ctx, {
      action: 'file.upload',
      result: 'success',
      tenantId,
      target: { type: 'file', id: file.id },
      details: { filename, purpose, bytes: file.bytes, sha256: file.sha256 },
    });
    return file;
  }

  /** The tenant's files, newest first, optionally of one purpose; the cursor is opaque. */
  async list(
    ctx: RequestContext,
    query: { purpose?: FilePurpose | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ data: FileRow[]; nextCursor: string | null }> {
    const tenantId = await this.tenantFor(ctx, 'files:read');
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.deps.files.list(this.deps.db, tenantId, {
      limit: query.limit + 1,
      ...(query.purpose ? { purpose: query.purpose } : {}),
      ...(before ? { before } : {}),
    });
    const page = rows.slice(0, query.limit);
    return {
      data: page,
      nextCursor: rows.length > query.limit ? Buffer.from(page.at(-1)!.id).toString('base64url') : null,
    };
  }

  /** One file of the caller's tenant (`files:read`); 404 otherwise. */
  async retrieve(ctx: RequestContext, fileId: string): Promise<FileRow> {
    return publicRow(await this.getStored(await this.tenantFor(ctx, 'files:read'), fileId));
  }

  /**
   * The file's content (or a byte range of it) for the caller (`files:read`). A range starting past the
   * end answers 416 `range_not_satisfiable`.
   */
  async download(ctx: RequestContext, fileId: string, options: DownloadOptions = {}): Promise<Download> {
    const tenantId = await this.tenantFor(ctx, 'files:read');
    return this.downloadIn(tenantId, fileId, options);
  }

  /**
   * The content behind a signed link (no credentials): 403 `download_link_invalid` or
   * `download_link_expired` unless the link is genuine and current; 404 if the file is gone.
   */
  async downloadWithLink(
    link: { tenantId: string; fileId: string; expires: string; signature: string },
    options: DownloadOptions = {},
  ): Promise<Download> {
    this.deps.links.verify(link);
    return this.downloadIn(link.tenantId, link.fileId, options);
  }

  /**
   * A link to the file's content that works without credentials for `expiresInSeconds` (1 s – 7 days):
   * a presigned URL on S3 storage, else a signed Nexus URL under `origin` (HMAC; see download-links.ts).
   */
  async createDownloadLink(
    ctx: RequestContext,
    fileId: string,
    options: { expiresInSeconds: number; origin: string },
  ): Promise<DownloadLink> {
    const tenantId = await this.tenantFor(ctx, 'files:read');
    const file = await this.getStored(tenantId, fileId);
    const ttl = Math.min(Math.max(1, Math.floor(options.expiresInSeconds)), MAX_LINK_TTL_S);
    const expires = Math.floor(Date.now() / 1000) + ttl;
    const presigned = await this.deps.storage.presignGet(file.storage_key, {
      expiresInSeconds: ttl,
      contentType: contentTypeOf(file),
      contentDisposition: contentDisposition(file.filename),
    });
    if (presigned) return { url: presigned, expiresAt: new Date(expires * 1000) };
    const signature = this.deps.links.sign({ tenantId, fileId, expires });
    const url = new URL(`/v1/files/${fileId}/content`, options.origin);
    url.searchParams.set('tenant', tenantId);
    url.searchParams.set('expires', String(expires));
    url.searchParams.set('signature', signature);
    return { url: url.toString(), expiresAt: new Date(expires * 1000) };
  }

  /**
   * Deletes a file (`files:write`): 409 `file_in_use` while something holds it. The stored content goes
   * when no other file of the tenant has the same content.
   */
  async delete(ctx: RequestContext, fileId: string): Promise<void> {
    const tenantId = await this.tenantFor(ctx, 'files:write');
    const db = this.deps.db;
    await withTransaction(db, async (trx) => {
      const file = await this.deps.files.get(trx, tenantId, fileId, { forUpdate: true });
      if (!file) throw new FileNotFoundError();
      const holders = await this.deps.files.holders(trx, tenantId, fileId);
      if (holders.length > 0)
        throw new FileInUseError('The file is in use (a document being ingested or a running task)', {
          details: { holders },
        });
      await this.deps.files.delete(trx, tenantId, fileId);
      await this.dropObjectIfUnused(trx, tenantId, file.sha256);
    });
    await this.deps.audit.record(ctx, {
      action: 'file.delete',
      result: 'success',
      tenantId,
      target: { type: 'file', id: fileId },
    });
  }

  /** The tenant's file settings (`tenant:read` there). */
  async getSettings(ctx: RequestContext, tenantId: string): Promise<FileSettingsView> {
    await this.deps.access.require(ctx, tenantId, 'tenant:read');
    const row = await this.deps.files.getMaxBytes(this.deps.db, tenantId);
    return this.settingsView(row?.maxFileBytes ?? null, row?.updatedAt ?? null);
  }

  /**
   * Sets the tenant's upload size limit (`tenant:update` there: owners and admins); null returns to the
   * platform default. At most `FILES_MAX_BYTES_CEILING`.
   */
  async putSettings(
    ctx: RequestContext,
    tenantId: string,
    input: { maxFileBytes: number | null },
  ): Promise<FileSettingsView> {
    await this.deps.access.require(ctx, tenantId, 'tenant:update');
    const ceiling = this.ceiling();
    if (input.maxFileBytes !== null && (input.maxFileBytes < 1 || input.maxFileBytes > ceiling))
      throw new ValidationError(`max_file_bytes must be between 1 and ${ceiling}`, {
        details: [
          {
            location: 'body',
            path: 'max_file_bytes',
            message: `must be between 1 and ${ceiling} (FILES_MAX_BYTES_CEILING)`,
            issue: 'too_big',
          },
        ],
      });
    const row = await this.deps.files.putMaxBytes(this.deps.db, tenantId, input.maxFileBytes);
    await this.deps.audit.record(ctx, {
      action: 'tenant.file_settings_update',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      details: { max_file_bytes: input.maxFileBytes },
    });
    return this.settingsView(row.maxFileBytes, row.updatedAt);
  }

  // Internal API: for services that have authorised their caller already.

  /**
   * A ready file of the tenant; 404 `not_found` otherwise.
   * @example const file = await files.get(tenantId, 'file_01j...'); file.format // 'pdf'
   */
  async get(tenantId: string, fileId: string): Promise<FileRow> {
    return publicRow(await this.getStored(tenantId, fileId));
  }

  /**
   * Marks the file as used by `holder` (a `doc_…` being ingested, a running `task_…`): DELETE answers 409
   * `file_in_use` until every holder released it. Holding twice is one hold. 404 when there is no such
   * file (also when it is deleted at the same moment: then the delete won).
   * @example await files.hold(tenantId, fileId, documentId); try { ... } finally { await files.release(tenantId, fileId, documentId); }
   */
  async hold(tenantId: string, fileId: string, holder: string): Promise<void> {
    checkHolder(holder);
    if (!isId('file', fileId) || !(await this.deps.files.hold(this.deps.db, tenantId, fileId, holder)))
      throw new FileNotFoundError();
  }

  /** Releases `holder`'s hold; releasing a hold that is not there (or of a deleted file) does nothing. */
  async release(tenantId: string, fileId: string, holder: string): Promise<void> {
    checkHolder(holder);
    await this.deps.files.release(this.deps.db, tenantId, fileId, holder);
  }

  /**
   * The whole content in memory, for files known to be small enough: 413 `file_too_large` when the file
   * is larger than `maxBytes`, 404 when there is no such file.
   * @example const bytes = await files.readContent(tenantId, fileId, { maxBytes: 50 * 1024 * 1024 });
   */
  async readContent(tenantId: string, fileId: string, options: { maxBytes: number }): Promise<Uint8Array> {
    const file = await this.getStored(tenantId, fileId);
    if (file.bytes > options.maxBytes)
      throw new FileTooLargeError(`The file is larger than ${options.maxBytes} bytes`, {
        details: { limit_bytes: options.maxBytes, bytes: file.bytes },
      });
    const object = await this.objectOf(file);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of object.body) {
      size += chunk.length;
      if (size > options.maxBytes) {
        object.body.destroy();
        throw new FileTooLargeError(`The file is larger than ${options.maxBytes} bytes`, {
          details: { limit_bytes: options.maxBytes },
        });
      }
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    return Buffer.concat(chunks, size);
  }

  /**
   * The file and a stream of its content; the caller must consume or destroy the stream.
   * @example const { file, body } = await files.openContent(tenantId, fileId); for await (const chunk of body) ...
   */
  async openContent(tenantId: string, fileId: string): Promise<{ file: FileRow; body: Readable }> {
    const file = await this.getStored(tenantId, fileId);
    const object = await this.objectOf(file);
    return { file: publicRow(file), body: object.body };
  }

  private async downloadIn(tenantId: string, fileId: string, options: DownloadOptions): Promise<Download> {
    const file = await this.getStored(tenantId, fileId);
    const request = options.range;
    let range: { start: number; end: number } | undefined;
    if (request) {
      const resolved = resolveRange(request, file.bytes);
      if (!resolved)
        throw new RangeNotSatisfiableError(`The range is outside the file's ${file.bytes} bytes`, {
          headers: { 'content-range': `bytes */${file.bytes}` },
          details: { bytes: file.bytes },
        });
      // The whole file asked for as a range is served as the whole file.
      if (resolved.start > 0 || resolved.end < file.bytes - 1) range = resolved;
    }
    const object = options.body === false ? null : await this.objectOf(file, range);
    // What storage served counts (it clamps to the object it has); HEAD reports what was computed.
    const served = object ? object.range : range;
    return {
      file: publicRow(file),
      body: object?.body ?? null,
      ...(served ? { range: served } : {}),
      contentType: contentTypeOf(file),
      contentDisposition: contentDisposition(file.filename),
    };
  }

  private async getStored(tenantId: string, fileId: string): Promise<StoredFileRow> {
    if (!isId('file', fileId)) throw new FileNotFoundError();
    const file = await this.deps.files.get(this.deps.db, tenantId, fileId);
    if (!file) throw new FileNotFoundError();
    return file;
  }

  private async objectOf(file: StoredFileRow, range?: ByteRange): Promise<StoredObject> {
    const object = await this.deps.storage.get(file.storage_key, range ? { range } : {});
    if (!object) {
      this.deps.logger.error(
        { fileId: file.id, tenantId: file.tenant_id, key: file.storage_key },
        'stored object of a file is missing',
      );
      throw new InternalError('The file content is missing from storage');
    }
    return object;
  }

  private async tenantFor(ctx: RequestContext, permission: 'files:read' | 'files:write'): Promise<string> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    return tenantId;
  }

  private async maxBytesFor(tenantId: string): Promise<number> {
    const row = await this.deps.files.getMaxBytes(this.deps.db, tenantId);
    return row?.maxFileBytes ?? this.deps.settings.defaultMaxBytes;
  }

  private ceiling(): number {
    return Math.max(this.deps.settings.maxBytesCeiling, this.deps.settings.defaultMaxBytes);
  }

  private settingsView(override: number | null, updatedAt: Date | null): FileSettingsView {
    return {
      maxFileBytes: override ?? this.deps.settings.defaultMaxBytes,
      override,
      defaultMaxBytes: this.deps.settings.defaultMaxBytes,
      ceilingBytes: this.ceiling(),
      updatedAt,
    };
  }

  /**
   * Reserves the content (object row + an `uploading` file row, one transaction), writes the object
   * unless the same content is stored already, then makes the file visible. On failure the reservation
   * is undone.
   */
  private async store(
    tenantId: string,
    input: {
      id: string;
      sha256: string;
      filename: string;
      purpose: FilePurpose;
      format: string;
      bytes: number;
      mediaType: string;
      createdBy: string | null;
      path: string;
    },
  ): Promise<FileRow> {
    const db = this.deps.db;
    const object = await withTransaction(db, async (trx) => {
      const row = await this.deps.files.upsertObject(trx, tenantId, {
        sha256: input.sha256,
        bytes: input.bytes,
        storageKey: objectKey(tenantId, input.sha256),
      });
      await this.deps.files.createUploading(trx, tenantId, input);
      return row;
    });
    try {
      const existing = await this.deps.storage.head(object.storage_key);
      if (existing?.size !== input.bytes)
        await this.deps.storage.putFile(object.storage_key, input.path, { contentType: input.mediaType });
      return await this.deps.files.markReady(db, tenantId, input.id);
    } catch (error) {
      await this.removeRow(tenantId, input.id, input.sha256).catch((cleanup) =>
        this.deps.logger.error({ err: cleanup, fileId: input.id }, 'could not undo a failed upload'),
      );
      throw error;
    }
  }

  /** Deletes a file row whatever its state (no hold check), and its object if nothing else uses it. */
  private async removeRow(tenantId: string, fileId: string, sha256: string): Promise<void> {
    await withTransaction(this.deps.db, async (trx) => {
      await this.deps.files.delete(trx, tenantId, fileId);
      await this.dropObjectIfUnused(trx, tenantId, sha256);
    });
  }

  /**
   * Inside the caller's transaction: locks the object row and, when no file points at it any more,
   * removes the stored object and the row. Removing the stored object before the commit (while holding
   * the lock) is what keeps a concurrent upload of the same content from finding an object that is about
   * to disappear; if storage fails, the whole delete rolls back.
   */
  private async dropObjectIfUnused(trx: Executor, tenantId: string, sha256: string): Promise<void> {
    const object = await this.deps.files.lockObject(trx, tenantId, sha256);
    if (!object) return;
    if ((await this.deps.files.countReferences(trx, tenantId, sha256)) > 0) return;
    await this.deps.storage.delete(object.storage_key);
    await this.deps.files.deleteObject(trx, tenantId, sha256);
  }
}

/** Where a tenant's content lives in storage: `<tenant>/<first two hex digits>/<sha256>`. */
export function objectKey(tenantId: string, sha256: string): string {
  return `${tenantId}/${sha256.slice(0, 2)}/${sha256}`;
}

function publicRow(file: StoredFileRow): FileRow {
  const { storage_key: _key, ...row } = file;
  return row;
}

function parsePurpose(value: string | undefined): FilePurpose {
  if (value !== undefined && (FILE_PURPOSES as readonly string[]).includes(value))
    return value as FilePurpose;
  const message =
    value === undefined
      ? 'send the purpose field before the file'
      : `must be one of ${FILE_PURPOSES.join(', ')}`;
  throw new ValidationError(`purpose: ${message}`, {
    details: [
      {
        location: 'body',
        path: 'purpose',
        message,
        issue: value === undefined ? 'invalid_type' : 'invalid_value',
      },
    ],
  });
}

function checkHolder(holder: string): void {
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(holder))
    throw new RangeError(`A file holder is an id such as doc_… or task_…, got ${JSON.stringify(holder)}`);
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isId('file', id))
    throw new InvalidFileCursorError('The cursor is not one this list returned', {
      details: { param: 'cursor' },
    });
  return id;
}

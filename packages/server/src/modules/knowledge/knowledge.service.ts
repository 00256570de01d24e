import {
  FilePurposeMismatchError,
  isAppError,
  NotFoundError,
  PayloadTooLargeError,
  RerankUnavailableError,
  UrlNotAllowedError,
  ValidationError,
} from '../../errors.js';
import { isId, newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import { SsrfBlockedError, type SsrfPolicy } from '../../platform/net/ssrf-guard.js';
import type { AccessService } from '../access/access.service.js';
import { requirePrincipal } from '../access/access.service.js';
import type { Permission } from '../access/permissions.js';
import type { RequestContext } from '../access/principal.js';
import { InvalidCursorError } from '../conversations/conversations.service.js';
import { ModelKindError } from '../gateway/gateway.service.js';
import { ModelNotFoundError } from '../gateway/router.js';
import type { ChunksRepository } from './chunks.repository.js';
import type { DocumentFormat } from './document-parser.js';
import { documentHolder, type KnowledgeFileSource } from './file-source.js';
import type { IngestionWorker } from './ingestion-worker.js';
import {
  type DocumentCounts,
  type DocumentView,
  type KnowledgeBaseRow,
  type KnowledgeRepository,
  type NewDocument,
  NO_DOCUMENTS,
} from './knowledge.repository.js';
import type {
  EmbedTexts,
  KnowledgeSearch,
  SearchFilters,
  SearchHit,
  SearchOptions,
} from './knowledge-search.js';
import {
  defaultSearchMode,
  type KnowledgeBaseSettings,
  mergeSettings,
  type SearchMode,
  type SettingsInput,
  settingsChange,
  settingsProblem,
  storedSettings,
} from './knowledge-settings.js';
import type { IndexCache } from './memory-index.js';
import type { VectorIndexes } from './vector-indexes.js';

export class KnowledgeBaseNotFoundError extends NotFoundError {
  constructor() {
    super('No such knowledge base');
  }
}

export class DocumentNotFoundError extends NotFoundError {
  constructor() {
    super('No such document in this knowledge base');
  }
}

/** A knowledge base with its resolved settings and document counts. */
export interface KnowledgeBaseView {
  row: KnowledgeBaseRow;
  settings: KnowledgeBaseSettings;
  documents: DocumentCounts;
}

export interface KnowledgeBaseInput {
  name: string;
  description?: string | undefined;
  settings?: SettingsInput | undefined;
}

export interface KnowledgeBaseUpdate {
  name?: string | undefined;
  description?: string | undefined;
  settings?: SettingsInput | undefined;
}

/** Formats a text document may be given in. */
export type TextFormat = Extract<DocumentFormat, 'txt' | 'md' | 'html' | 'json' | 'csv'>;

/** A document to add: raw text, an uploaded file (purpose `document`), or a URL to fetch. */
export type DocumentInput = (
  | { kind: 'text'; text: string; format?: TextFormat | undefined }
  | { kind: 'file'; fileId: string }
  | { kind: 'url'; url: string }
) & {
  /** Default: the file's name, the page's title or URL, or empty for text. */
  title?: string | undefined;
  /** Key/value pairs search can filter on (`filters.metadata`). */
  metadata?: Record<string, string | number | boolean> | undefined;
};

/** A chunk retrieved for a question, with its source and location (what chat cites). */
export interface RetrievedChunk {
  chunkId: string;
  knowledgeBaseId: string;
  documentId: string;
  documentTitle: string;
  text: string;
  score: number;
  page: number | null;
  /** Character offsets of the chunk in the document's extracted text. */
  start: number;
  end: number;
  headings: string[];
}

export interface SearchRequest {
  query: string;
  topK?: number | undefined;
  mode?: SearchMode | undefined;
  scoreThreshold?: number | null | undefined;
  rerank?: boolean | undefined;
  queryExpansion?: boolean | undefined;
  filters?: SearchFilters | undefined;
}

export interface KnowledgeServiceSettings {
  /** Settings a new knowledge base starts from. */
  defaults: KnowledgeBaseSettings;
  /** No search mode is configured: each knowledge base's follows its embedding model (see defaultSearchMode). */
  autoSearchMode: boolean;
  /** The largest document (text, file, fetched URL). */
  maxDocumentBytes: number;
  /** What URL documents may reach (checked again, with DNS, when fetched). */
  urlPolicy: SsrfPolicy;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const MAX_BATCH = 10_000;

/**
 * Knowledge bases: CRUD, documents (text, files, URLs — ingested in the background by the
 * {@link IngestionWorker}), and search. Knowledge bases belong to a tenant: members read them with
 * `kb:read` and change them with `kb:write`; another tenant's knowledge base is 404.
 *
 * Methods taking a RequestContext authorise the caller (the routes use them). Methods taking a tenant id
 * first are for Nexus's own callers that have authorised already (chat retrieval, the evaluation CLI):
 * `createKnowledgeBase`, `addDocument(s)`, `waitForIdle`, `searchKnowledgeBases`, `retrieve`.
 */
export class KnowledgeService {
  constructor(
    private readonly deps: {
      db: Executor;
      knowledge: KnowledgeRepository;
      chunks: ChunksRepository;
      access: AccessService;
      search: KnowledgeSearch;
      cache: IndexCache;
      worker: IngestionWorker;
      embed: EmbedTexts;
      vectorIndexes: VectorIndexes;
      files?: KnowledgeFileSource | undefined;
      logger: Pick<Logger, 'info' | 'warn'>;
      settings: KnowledgeServiceSettings;
    },
  ) {}

  /**
   * The tenant a request acts in and its user, after checking `permission` there.
   * @example const { tenantId } = await knowledge.authorize(ctx, 'kb:read');
   */
  async authorize(
    ctx: RequestContext,
    permission: Permission,
  ): Promise<{ tenantId: string; userId: string }> {
    const principal = requirePrincipal(ctx);
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, permission);
    return { tenantId, userId: principal.userId };
  }

  // --- Knowledge bases ---

  async create(ctx: RequestContext, input: KnowledgeBaseInput): Promise<KnowledgeBaseView> {
    const { tenantId, userId } = await this.authorize(ctx, 'kb:write');
    return this.createKnowledgeBase(tenantId, input, { createdBy: userId, ctx });
  }

  /**
   * Creates a knowledge base for a tenant. The embedding model is checked (and its vector size learnt)
   * with one embedding call.
   * @example const kb = await knowledge.createKnowledgeBase(tenantId, { name: 'Handbook' });
   */
  async createKnowledgeBase(
    tenantId: string,
    input: KnowledgeBaseInput,
    options: { createdBy?: string | null; ctx?: RequestContext } = {},
  ): Promise<KnowledgeBaseView> {
    const settings = this.checkedSettings(
      mergeSettings(this.deps.settings.defaults, input.settings, {
        autoMode: this.deps.settings.autoSearchMode,
      }),
    );
    const dims = await this.probeModel(tenantId, settings.embedding_model, options.ctx);
    const row = await this.deps.knowledge.createBase(this.deps.db, tenantId, {
      id: newId('kb'),
      name: input.name,
      description: input.description ?? '',
      settings: settings as unknown as Record<string, unknown>,
      embeddingDims: dims,
      createdBy: options.createdBy ?? null,
    });
    this.prepareVectorIndex(dims);
    return { row, settings, documents: { ...NO_DOCUMENTS } };
  }

  async list(
    ctx: RequestContext,
    query: { cursor?: string | undefined; limit: number },
  ): Promise<Page<KnowledgeBaseView>> {
    const { tenantId } = await this.authorize(ctx, 'kb:read');
    const rows = await this.deps.knowledge.listBases(this.deps.db, tenantId, {
      beforeId: query.cursor ? decodeCursor(query.cursor, 'kb') : undefined,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const counts = await this.deps.knowledge.documentCounts(
      this.deps.db,
      tenantId,
      page.map((r) => r.id),
    );
    return {
      data: page.map((row) => this.view(row, counts.get(row.id))),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  }

  async get(ctx: RequestContext, id: string): Promise<KnowledgeBaseView> {
    const { tenantId } = await this.authorize(ctx, 'kb:read');
    return this.getKnowledgeBase(tenantId, id);
  }

  /** A tenant's knowledge base with its document counts; 404 when it has none by that id. */
  async getKnowledgeBase(tenantId: string, id: string): Promise<KnowledgeBaseView> {
    const row = await this.baseOrNotFound(tenantId, id);
    const counts = await this.deps.knowledge.documentCounts(this.deps.db, tenantId, [id]);
    return this.view(row, counts.get(id));
  }

  /**
   * Renames, describes, or changes settings. A new embedding model, chunk size or overlap re-queues every
   * document (re-indexed in the background; each keeps answering with its old chunks until its new ones
   * replace them); search defaults apply at once.
   */
  async update(ctx: RequestContext, id: string, patch: KnowledgeBaseUpdate): Promise<KnowledgeBaseView> {
    const { tenantId } = await this.authorize(ctx, 'kb:write');
    const current = await this.baseOrNotFound(tenantId, id);
    const before = this.settingsOf(current);
    // A mode picked automatically follows a new embedding model; one the user chose stays.
    const autoMode =
      this.deps.settings.autoSearchMode && before.search.mode === defaultSearchMode(before.embedding_model);
    const after = patch.settings
      ? this.checkedSettings(mergeSettings(before, patch.settings, { autoMode }))
      : before;
    const change = settingsChange(before, after);
    const dims = change.embedding ? await this.probeModel(tenantId, after.embedding_model, ctx) : undefined;
    const row = await withTransaction(this.deps.db, async (trx) => {
      const locked = await this.deps.knowledge.lockBase(trx, tenantId, id);
      if (!locked) throw new KnowledgeBaseNotFoundError();
      const updated = await this.deps.knowledge.updateBase(trx, tenantId, id, {
        name: patch.name,
        description: patch.description,
        ...(patch.settings ? { settings: after as unknown as Record<string, unknown> } : {}),
        reindex: change.reindex,
        embedding: dims === undefined ? undefined : { dims },
      });
      if (change.reindex) await this.deps.knowledge.requeueAll(trx, tenantId, id);
      return updated!;
    });
    if (dims !== undefined) this.prepareVectorIndex(dims);
    if (change.reindex) {
      this.deps.logger.info(
        { kb_id: id, tenant_id: tenantId },
        'knowledge-base settings changed; re-indexing',
      );
      this.deps.worker.wake();
    }
    const counts = await this.deps.knowledge.documentCounts(this.deps.db, tenantId, [id]);
    return this.view(row, counts.get(id));
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const { tenantId } = await this.authorize(ctx, 'kb:write');
    await this.deleteKnowledgeBase(tenantId, id);
  }

  /** Deletes a knowledge base with its documents and chunks, and releases its files. 404 if missing. */
  async deleteKnowledgeBase(tenantId: string, id: string): Promise<void> {
    const fileDocuments = await this.deps.knowledge.fileDocuments(this.deps.db, tenantId, id);
    if (!(await this.deps.knowledge.deleteBase(this.deps.db, tenantId, id)))
      throw new KnowledgeBaseNotFoundError();
    this.deps.cache.forget(id);
    await Promise.all(fileDocuments.map((d) => this.releaseFile(tenantId, d.file_id, d.id)));
  }

  // --- Documents ---

  async createDocument(ctx: RequestContext, kbId: string, input: DocumentInput): Promise<DocumentView> {
    const { tenantId, userId } = await this.authorize(ctx, 'kb:write');
    if (input.kind === 'file') await this.deps.access.require(ctx, tenantId, 'files:read');
    return this.addDocument(tenantId, kbId, input, { createdBy: userId });
  }

  /**
   * Queues a document for ingestion and wakes this instance's worker. Text is stored with the document;
   * a file is held (not deletable) until its ingestion finishes; a URL is checked now without DNS and
   * again, hop by hop with DNS, when fetched.
   * @example const doc = await knowledge.addDocument(tenantId, kbId, { kind: 'text', text: '…', title: 'FAQ' });
   */
  async addDocument(
    tenantId: string,
    kbId: string,
    input: DocumentInput,
    options: { createdBy?: string | null } = {},
  ): Promise<DocumentView> {
    const [document] = await this.addDocuments(tenantId, kbId, [input], options);
    return document!;
  }

  /**
   * {@link addDocument} for many documents at once (one insert per thousand): how bulk loaders (the
   * evaluation CLI) ingest a corpus. Follow with {@link waitForIdle}.
   */
  async addDocuments(
    tenantId: string,
    kbId: string,
    inputs: readonly DocumentInput[],
    options: { createdBy?: string | null } = {},
  ): Promise<DocumentView[]> {
    if (inputs.length > MAX_BATCH) throw new ValidationError(`At most ${MAX_BATCH} documents at once`);
    await this.baseOrNotFound(tenantId, kbId);
    const rows: NewDocument[] = [];
    for (const input of inputs) rows.push(await this.newDocument(tenantId, input, options.createdBy ?? null));
    const created = await this.deps.knowledge.insertDocuments(this.deps.db, tenantId, kbId, rows);
    const held: DocumentView[] = [];
    try {
      for (const doc of created) {
        if (doc.source === 'file' && doc.file_id) {
          await this.holdFile(tenantId, doc.file_id, doc.id);
        }
        held.push(doc);
      }
    } catch (error) {
      // The file went away between the check and the hold: none of these documents are kept.
      await withTransaction(this.deps.db, async (trx) => {
        for (const doc of created) await this.deps.knowledge.deleteDocument(trx, tenantId, kbId, doc.id);
      });
      await Promise.all(
        held.filter((d) => d.file_id).map((d) => this.releaseFile(tenantId, d.file_id!, d.id)),
      );
      throw error;
    }
    this.deps.worker.wake();
    return created;
  }

  async listDocuments(
    ctx: RequestContext,
    kbId: string,
    query: { status?: DocumentView['status'] | undefined; cursor?: string | undefined; limit: number },
  ): Promise<Page<DocumentView>> {
    const { tenantId } = await this.authorize(ctx, 'kb:read');
    await this.baseOrNotFound(tenantId, kbId);
    const rows = await this.deps.knowledge.listDocuments(this.deps.db, tenantId, kbId, {
      status: query.status,
      beforeId: query.cursor ? decodeCursor(query.cursor, 'doc') : undefined,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      data: page,
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  }

  async getDocument(ctx: RequestContext, kbId: string, documentId: string): Promise<DocumentView> {
    const { tenantId } = await this.authorize(ctx, 'kb:read');
    const doc = await this.deps.knowledge.getDocument(this.deps.db, tenantId, kbId, documentId);
    if (!doc) throw new DocumentNotFoundError();
    return doc;
  }

  /** Deletes a document and its chunks (search stops finding them at once). */
  async deleteDocument(ctx: RequestContext, kbId: string, documentId: string): Promise<void> {
    const { tenantId } = await this.authorize(ctx, 'kb:write');
    const deleted = await withTransaction(this.deps.db, async (trx) => {
      const kb = await this.deps.knowledge.lockBase(trx, tenantId, kbId);
      if (!kb) return undefined;
      // Chunks first (recording the removal for other instances): the document's cascade would take them
      // silently.
      const removed = await this.deps.chunks.removeDocumentChunks(trx, tenantId, kbId, documentId);
      const doc = await this.deps.knowledge.deleteDocument(trx, tenantId, kbId, documentId);
      if (!doc) return undefined;
      if (removed > 0) await this.deps.knowledge.indexChanged(trx, tenantId, kbId, -removed);
      return doc;
    });
    if (!deleted) throw new DocumentNotFoundError();
    if (deleted.source === 'file' && deleted.file_id)
      await this.releaseFile(tenantId, deleted.file_id, deleted.id);
  }

  /** Queues a document again (its chunks keep answering until the new ones replace them). */
  async reindexDocument(ctx: RequestContext, kbId: string, documentId: string): Promise<DocumentView> {
    const { tenantId } = await this.authorize(ctx, 'kb:write');
    const doc = await this.deps.knowledge.requeueDocument(this.deps.db, tenantId, kbId, documentId);
    if (!doc) throw new DocumentNotFoundError();
    if (doc.source === 'file' && doc.file_id)
      await this.holdFile(tenantId, doc.file_id, doc.id).catch(() => undefined);
    this.deps.worker.wake();
    return doc;
  }

  /** How many of a knowledge base's documents are in each status. 404 if it does not exist. */
  async documentCounts(tenantId: string, kbId: string): Promise<DocumentCounts> {
    await this.baseOrNotFound(tenantId, kbId);
    const counts = await this.deps.knowledge.documentCounts(this.deps.db, tenantId, [kbId]);
    return counts.get(kbId) ?? { ...NO_DOCUMENTS };
  }

  /**
   * Resolves when no document of the knowledge base is queued or processing (every one is ready or
   * failed), with the final counts. Rejects on `timeoutMs` or `signal`.
   * @example await knowledge.addDocuments(tenantId, kbId, docs); const counts = await knowledge.waitForIdle(tenantId, kbId);
   */
  async waitForIdle(
    tenantId: string,
    kbId: string,
    options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
  ): Promise<DocumentCounts> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    const pollMs = options.pollMs ?? 50;
    for (;;) {
      options.signal?.throwIfAborted();
      const counts = await this.documentCounts(tenantId, kbId);
      if (counts.queued === 0 && counts.processing === 0) return counts;
      if (Date.now() > deadline)
        throw new Error(
          `Knowledge base ${kbId} still has ${counts.queued} queued and ${counts.processing} processing documents`,
        );
      this.deps.worker.wake();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  // --- Search ---

  async search(
    ctx: RequestContext,
    kbId: string,
    request: SearchRequest,
  ): Promise<{ hits: SearchHit[]; reranked: boolean; mode: SearchMode }> {
    const { tenantId } = await this.authorize(ctx, 'kb:read');
    const row = await this.baseOrNotFound(tenantId, kbId);
    if (request.rerank && !this.deps.search.rerankAvailable)
      throw new RerankUnavailableError('No rerank provider is configured (KB_RERANK_BASE_URL)', {
        details: { param: 'rerank' },
      });
    const settings = this.settingsOf(row);
    const mode = request.mode ?? settings.search.mode;
    const result = await this.deps.search.search(tenantId, [{ row, settings }], request.query, {
      topK: request.topK,
      mode,
      scoreThreshold: request.scoreThreshold,
      rerank: request.rerank,
      queryExpansion: request.queryExpansion,
      filters: request.filters,
      ctx,
    });
    return { ...result, mode };
  }

  /**
   * Searches several of a tenant's knowledge bases at once (those that do not exist are skipped), best
   * first across all of them.
   */
  async searchKnowledgeBases(
    tenantId: string,
    kbIds: readonly string[],
    query: string,
    options: SearchOptions = {},
  ): Promise<{ hits: SearchHit[]; reranked: boolean }> {
    const rows = await this.deps.knowledge.getBases(this.deps.db, tenantId, [...new Set(kbIds)]);
    const bases = rows.map((row) => ({ row, settings: this.settingsOf(row) }));
    return this.deps.search.search(tenantId, bases, query, options);
  }

  /**
   * The chunks of a tenant's knowledge bases that best answer `query` (deleted knowledge bases are
   * skipped), best first: what a conversation with knowledge bases cites. Defaults come from the
   * knowledge bases' search settings.
   * @example const sources = await knowledge.retrieve(tenantId, ['kb_01j…'], 'How do I reset my password?');
   */
  async retrieve(
    tenantId: string,
    kbIds: readonly string[],
    query: string,
    options: SearchOptions = {},
  ): Promise<RetrievedChunk[]> {
    const { hits } = await this.searchKnowledgeBases(tenantId, kbIds, query, options);
    return hits.map(({ chunk, score }) => ({
      chunkId: chunk.id,
      knowledgeBaseId: chunk.kb_id,
      documentId: chunk.document_id,
      documentTitle: chunk.document_title,
      text: chunk.text,
      score,
      page: chunk.page,
      start: chunk.start_offset,
      end: chunk.end_offset,
      headings: chunk.headings,
    }));
  }

  // --- Internals ---

  private view(row: KnowledgeBaseRow, counts: DocumentCounts | undefined): KnowledgeBaseView {
    return { row, settings: this.settingsOf(row), documents: counts ?? { ...NO_DOCUMENTS } };
  }

  private settingsOf(row: KnowledgeBaseRow): KnowledgeBaseSettings {
    return storedSettings(row.settings, this.deps.settings.defaults);
  }

  private async baseOrNotFound(tenantId: string, id: string): Promise<KnowledgeBaseRow> {
    const row = await this.deps.knowledge.getBase(this.deps.db, tenantId, id);
    if (!row) throw new KnowledgeBaseNotFoundError();
    return row;
  }

  private checkedSettings(settings: KnowledgeBaseSettings): KnowledgeBaseSettings {
    const problem = settingsProblem(settings);
    if (problem)
      throw new ValidationError(`Invalid knowledge base settings: ${problem.path} ${problem.message}`, {
        details: [{ location: 'body', ...problem }],
      });
    return settings;
  }

  /** Embeds a probe text with `model`: checks it is an embedding model the tenant can use, and its size. */
  private async probeModel(
    tenantId: string,
    model: string,
    ctx: RequestContext | undefined,
  ): Promise<number> {
    let vectors: number[][];
    try {
      vectors = await this.deps.embed(tenantId, model, ['dimension probe'], AbortSignal.timeout(60_000), ctx);
    } catch (error) {
      if (error instanceof ModelNotFoundError || error instanceof ModelKindError)
        throw new ModelKindError(`"${model}" is not an embedding model you can use: ${error.message}`, {
          details: { param: 'settings.embedding_model', model },
        });
      throw error;
    }
    const dims = vectors[0]?.length ?? 0;
    if (dims === 0)
      throw new ModelKindError(`"${model}" returned no embedding`, {
        details: { param: 'settings.embedding_model', model },
      });
    return dims;
  }

  /** Builds the HNSW index for `dims` in the background (see {@link VectorIndexes}). */
  private prepareVectorIndex(dims: number): void {
    void this.deps.vectorIndexes
      .ensure(dims)
      .catch((error: unknown) =>
        this.deps.logger.warn(
          { err: error, dims },
          'could not build the vector index; searches scan exactly',
        ),
      );
  }

  private async newDocument(
    tenantId: string,
    input: DocumentInput,
    createdBy: string | null,
  ): Promise<NewDocument> {
    const base = {
      id: newId('doc'),
      title: input.title?.trim() ?? '',
      metadata: input.metadata ?? {},
      createdBy,
    };
    if (input.kind === 'text') {
      const bytes = Buffer.byteLength(input.text, 'utf8');
      if (bytes > this.deps.settings.maxDocumentBytes)
        throw new PayloadTooLargeError(
          `The text has ${bytes} bytes; the limit is ${this.deps.settings.maxDocumentBytes}`,
          { details: { param: 'text', limit_bytes: this.deps.settings.maxDocumentBytes } },
        );
      return { ...base, source: 'text', content: input.text, format: input.format ?? 'txt', bytes };
    }
    if (input.kind === 'url') {
      try {
        this.deps.settings.urlPolicy.checkUrl(input.url);
      } catch (error) {
        if (error instanceof SsrfBlockedError)
          throw new UrlNotAllowedError(error.message, { details: { param: 'url', reason: error.reason } });
        throw error;
      }
      return { ...base, source: 'url', url: input.url };
    }
    const files = this.deps.files;
    if (!files) throw new NotFoundError('No such file', { details: { param: 'file_id' } });
    let file: Awaited<ReturnType<KnowledgeFileSource['get']>>;
    try {
      file = await files.get(tenantId, input.fileId);
    } catch (error) {
      if (isAppError(error) && error.status === 404)
        throw new NotFoundError('No such file', { details: { param: 'file_id' } });
      throw error;
    }
    if (file.purpose !== 'document')
      throw new FilePurposeMismatchError(
        `The file's purpose is "${file.purpose}"; documents need purpose "document"`,
        {
          details: { param: 'file_id', purpose: file.purpose },
        },
      );
    if (file.bytes > this.deps.settings.maxDocumentBytes)
      throw new PayloadTooLargeError(
        `The file has ${file.bytes} bytes; the limit is ${this.deps.settings.maxDocumentBytes}`,
        { details: { param: 'file_id', limit_bytes: this.deps.settings.maxDocumentBytes } },
      );
    return {
      ...base,
      title: base.title || file.filename,
      source: 'file',
      fileId: file.id,
      bytes: file.bytes,
    };
  }

  private async holdFile(tenantId: string, fileId: string, documentId: string): Promise<void> {
    try {
      await this.deps.files?.hold(tenantId, fileId, documentHolder(documentId));
    } catch (error) {
      if (isAppError(error) && error.status === 404)
        throw new NotFoundError('No such file', { details: { param: 'file_id' } });
      throw error;
    }
  }

  private async releaseFile(tenantId: string, fileId: string, documentId: string): Promise<void> {
    await this.deps.files
      ?.release(tenantId, fileId, documentHolder(documentId))
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, document_id: documentId }, 'file hold release failed'),
      );
  }
}

/** Keyset cursors are the last id of a page, opaque to clients. */
function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeCursor(cursor: string, prefix: 'kb' | 'doc'): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isId(prefix, id))
    throw new InvalidCursorError('The cursor is not one this list returned', {
      details: { param: 'cursor' },
    });
  return id;
}

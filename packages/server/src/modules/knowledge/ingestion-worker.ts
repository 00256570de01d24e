import { randomBytes } from 'node:crypto';
import { DocumentParseError, isAppError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import { isDatabaseUnavailable } from '../../platform/db/db-errors.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import { ClaimLoop } from '../../platform/jobs/claim-loop.js';
import { GuardedFetchError, guardedFetch } from '../../platform/net/guarded-fetch.js';
import type { SsrfPolicy } from '../../platform/net/ssrf-guard.js';
import { ContextLengthExceededError } from '../gateway/gateway.service.js';
import { chunkDocument, type DocumentChunk } from './chunker.js';
import type { ChunksRepository, NewChunk, VectorStorage } from './chunks.repository.js';
import {
  type DocumentFormat,
  formatFromExtension,
  formatFromMediaType,
  type ParseLimits,
  parseDocument,
} from './document-parser.js';
import { documentHolder, type KnowledgeFileSource } from './file-source.js';
import type { DocumentRow, KnowledgeRepository } from './knowledge.repository.js';
import type { EmbedTexts } from './knowledge-search.js';
import { type KnowledgeBaseSettings, storedSettings } from './knowledge-settings.js';
import { fieldTermFrequencies } from './lexical-analyzer.js';
import { encodeLexical } from './memory-index.js';

export interface IngestionSettings {
  /** Documents processed at once by this instance. */
  concurrency: number;
  /** How often an idle worker looks for queued documents (enqueueing here wakes it at once). */
  pollMs: number;
  /** How long a claim lasts without a heartbeat; the job renews it every third of that. */
  leaseMs: number;
  /** Attempts before a document that keeps failing retryably (or keeps losing its worker) fails. */
  maxAttempts: number;
  /** Chunks per embedding call. */
  embedBatchSize: number;
  /** The largest source (file, URL body, text) read. */
  maxDocumentBytes: number;
  /** Limits for URL documents. */
  url: { policy: SsrfPolicy; timeoutMs: number; maxRedirects: number };
  parseLimits?: ParseLimits;
}

/** A job's failure with a stable code; `retryable` ones go back to the queue (until attempts run out). */
export class IngestionFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IngestionFailure';
  }
}

/** The job no longer owns its document (deleted, re-queued by a settings change, or reclaimed). */
class LeaseLostError extends Error {}

/** What the fetch stage hands to the parser. */
interface Source {
  bytes: Uint8Array;
  format: DocumentFormat;
  filename?: string | undefined;
  /** A title the source itself suggests (file name, URL). */
  title?: string | undefined;
}

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60_000;
/**
 * Progress is written at most this often: a small document goes from claim to ready without a progress
 * write (each costs a statement), a large one shows its stages and embedding batches as they come.
 */
const PROGRESS_EVERY_MS = 500;

/**
 * The ingestion worker, one per instance: claims queued documents from the database with a lease
 * (`FOR UPDATE SKIP LOCKED`, so instances never take the same one), runs fetch → parse → chunk → embed →
 * index for up to `concurrency` documents at once, renews the lease while it works, and swaps the
 * document's chunks in one transaction. Expired leases (a crashed instance) go back to the queue; a
 * document that fails for good is `failed` with a code and message, and the worker goes on with the next.
 */
export class IngestionWorker {
  readonly id = `worker_${randomBytes(6).toString('hex')}`;
  private readonly loop: ClaimLoop<DocumentRow>;

  constructor(
    private readonly deps: {
      db: Executor;
      knowledge: KnowledgeRepository;
      chunks: ChunksRepository;
      storage: () => VectorStorage;
      /** Makes sure the HNSW index for an embedding size exists before chunks of that size are written. */
      ensureVectorIndex: (dims: number) => Promise<void>;
      embed: EmbedTexts;
      files?: KnowledgeFileSource | undefined;
      defaults: KnowledgeBaseSettings;
      logger: Pick<Logger, 'info' | 'warn' | 'error'>;
      settings: IngestionSettings;
    },
  ) {
    const { db, knowledge, settings, logger } = deps;
    this.loop = new ClaimLoop({
      pollMs: settings.pollMs,
      concurrency: settings.concurrency,
      idOf: (job) => job.id,
      housekeeping: async () => {
        const reclaimed = await knowledge.reclaimExpired(db, settings.maxAttempts);
        if (reclaimed.requeued + reclaimed.failed > 0)
          logger.warn(reclaimed, 'knowledge-base ingestion leases expired; documents reclaimed');
      },
      claim: async (free) => {
        const claimed: DocumentRow[] = [];
        while (claimed.length < free) {
          const job = await knowledge.claimNext(db, this.id, settings.leaseMs);
          if (!job) break;
          claimed.push(job);
        }
        return claimed;
      },
      run: (job, signal) => this.run(job, signal),
      onError: (error) =>
        logger.warn({ err: error }, 'knowledge-base ingestion could not claim work; retrying later'),
    });
  }

  /** Starts polling (idempotent). */
  start(): void {
    this.loop.start();
  }

  /** Looks for work now (called when a document is queued on this instance). */
  wake(): void {
    this.loop.wake();
  }

  /** Jobs in progress on this instance. */
  get active(): number {
    return this.loop.active;
  }

  /**
   * Stops claiming, aborts the jobs in progress (each gives its document back to the queue without
   * counting the attempt, for this or another instance to take) and waits for them.
   */
  async stop(): Promise<void> {
    this.loop.stopClaiming();
    this.loop.abortAll(new Error('the ingestion worker is stopping'));
    await this.loop.settled();
  }

  private async run(job: DocumentRow, signal: AbortSignal): Promise<void> {
    // The job's own controller: a lost lease aborts it too, besides the loop's stop.
    const controller = new AbortController();
    const stop = () => controller.abort(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    const { db, knowledge, settings, logger } = this.deps;
    const tenantId = job.tenant_id;
    let progress: Record<string, unknown> = { stage: 'fetch', fraction: 0 };
    // The claim wrote the first progress.
    let lastWrite = Date.now();
    let lost = false;
    const beat = async (force: boolean) => {
      if (!force && Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
      lastWrite = Date.now();
      const held = await knowledge.heartbeat(db, tenantId, job.id, this.id, settings.leaseMs, progress);
      if (!held && !lost) {
        lost = true;
        controller.abort(new LeaseLostError('lease lost'));
      }
    };
    const heartbeat = setInterval(
      () => {
        void beat(true).catch((error: unknown) =>
          logger.warn({ err: error, document_id: job.id }, 'lease renewal failed'),
        );
      },
      Math.max(100, Math.floor(settings.leaseMs / 3)),
    );
    heartbeat.unref();
    const stage = async (
      name: string,
      fraction: number,
      extra: Record<string, unknown> = {},
      force = false,
    ) => {
      controller.signal.throwIfAborted();
      progress = { stage: name, fraction: Math.round(fraction * 1000) / 1000, ...extra };
      await beat(force);
      controller.signal.throwIfAborted();
    };
    // The file stays held while the document may still be ingested (queued again, retried); it is
    // released when the document is ready or failed for good (deleting a document releases it too).
    let finished = false;
    try {
      await this.ingest(job, controller.signal, stage);
      finished = true;
    } catch (error) {
      finished = await this.settle(job, error, controller.signal, lost);
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', stop);
      if (finished && job.source === 'file' && job.file_id && this.deps.files)
        await this.deps.files
          .release(tenantId, job.file_id, documentHolder(job.id))
          .catch((error: unknown) =>
            logger.warn({ err: error, document_id: job.id }, 'file hold release failed'),
          );
    }
  }

  private async ingest(
    job: DocumentRow,
    signal: AbortSignal,
    stage: (
      name: string,
      fraction: number,
      extra?: Record<string, unknown>,
      force?: boolean,
    ) => Promise<void>,
  ): Promise<void> {
    const { db, knowledge, settings } = this.deps;
    const tenantId = job.tenant_id;
    const kb = await knowledge.getBase(db, tenantId, job.kb_id);
    if (!kb) throw new LeaseLostError('knowledge base deleted');
    const kbSettings = storedSettings(kb.settings, this.deps.defaults);

    await stage('fetch', 0.02);
    const source = await this.fetchSource(job, signal);

    await stage('parse', 0.1);
    const parsed = await parseDocument(
      {
        bytes: source.bytes,
        format: source.format,
        ...(source.filename ? { filename: source.filename } : {}),
      },
      { maxBytes: settings.maxDocumentBytes, ...settings.parseLimits },
    );
    const title = job.title || parsed.title?.trim() || source.title || '';

    await stage('chunk', 0.2);
    const pieces = chunkDocument(parsed, {
      chunkTokens: kbSettings.chunk_tokens,
      overlapTokens: kbSettings.overlap_tokens,
    });
    if (pieces.length === 0)
      throw new DocumentParseError('document_empty', 'The document has no text to index');

    const total = pieces.length;
    await stage('embed', 0.25, { chunks_total: total, chunks_embedded: 0 });
    const vectors: number[][] = [];
    const ctx = { principal: null, ip: '', userAgent: null, requestId: `kb-ingest:${job.id}` };
    for (let from = 0; from < total; from += settings.embedBatchSize) {
      const batch = pieces.slice(from, from + settings.embedBatchSize);
      const embedded = await this.embedBatch(
        tenantId,
        kbSettings.embedding_model,
        batch.map((p) => embeddingText(title, p)),
        signal,
        ctx,
      );
      if (embedded.length !== batch.length)
        throw new IngestionFailure(
          'embedding_failed',
          `The embedding model returned ${embedded.length} vectors for ${batch.length} inputs`,
        );
      vectors.push(...embedded);
      await stage(
        'embed',
        0.25 + 0.65 * (vectors.length / total),
        { chunks_total: total, chunks_embedded: vectors.length },
        false,
      );
    }
    const dims = vectors[0]!.length;
    if (vectors.some((v) => v.length !== dims) || (kb.embedding_dims !== null && dims !== kb.embedding_dims))
      throw new IngestionFailure(
        'embedding_dimensions_changed',
        `The embedding model "${kbSettings.embedding_model}" returned ${dims}-dimensional vectors; the knowledge base expects ${kb.embedding_dims}`,
      );

    await stage('index', 0.92, { chunks_total: total, chunks_embedded: total });
    const rows: NewChunk[] = pieces.map((piece, i) => {
      const { tf, length } = fieldTermFrequencies({ title, headings: piece.headings, body: piece.text });
      return {
        id: newId('chunk'),
        ordinal: piece.index,
        text: piece.text,
        start: piece.start,
        end: piece.end,
        page: piece.page ?? null,
        headings: [...piece.headings],
        tokens: piece.tokens,
        lexical: encodeLexical(tf),
        lexicalLength: length,
        embedding: vectors[i]!,
      };
    });
    const storage = this.deps.storage();
    await this.deps.ensureVectorIndex(dims);
    signal.throwIfAborted();
    const outcome = await withTransaction(db, async (trx) => {
      const locked = await knowledge.lockBase(trx, tenantId, job.kb_id);
      if (!locked) return 'lost';
      const doc = await knowledge.lockDocument(trx, tenantId, job.id);
      if (doc?.status !== 'processing' || doc.locked_by !== this.id) return 'lost';
      // A document indexed before has chunks to replace (chunk_count is set with them, in one transaction).
      const removed =
        doc.chunk_count > 0
          ? await this.deps.chunks.removeDocumentChunks(trx, tenantId, job.kb_id, job.id)
          : 0;
      await this.deps.chunks.insertChunks(trx, tenantId, job.kb_id, job.id, rows, {
        storage,
        embeddingVersion: locked.embedding_version,
      });
      await knowledge.indexChanged(trx, tenantId, job.kb_id, rows.length - removed);
      await knowledge.completeDocument(trx, tenantId, job.id, {
        chunkCount: rows.length,
        settingsVersion: locked.settings_version,
        title,
        format: source.format,
        bytes: source.bytes.byteLength,
      });
      return 'done';
    });
    if (outcome === 'lost') throw new LeaseLostError('lease lost before the index swap');
  }

  private async embedBatch(
    tenantId: string,
    model: string,
    texts: string[],
    signal: AbortSignal,
    ctx: { principal: null; ip: string; userAgent: null; requestId: string },
  ): Promise<number[][]> {
    try {
      return await this.deps.embed(tenantId, model, texts, signal, ctx);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof ContextLengthExceededError)
        throw new IngestionFailure(
          'chunk_too_long',
          `A chunk is longer than the embedding model "${model}" accepts; lower chunk_tokens (${error.message})`,
        );
      if (isAppError(error))
        throw new IngestionFailure(
          error.isRetryable ? 'embedding_unavailable' : 'embedding_failed',
          `Embedding with "${model}" failed: ${error.message}`,
          error.isRetryable,
          { cause: error },
        );
      throw error;
    }
  }

  /** Reads the document's bytes and decides its format. */
  private async fetchSource(job: DocumentRow, signal: AbortSignal): Promise<Source> {
    const { settings } = this.deps;
    if (job.source === 'text') {
      const bytes = new TextEncoder().encode(job.content ?? '');
      return { bytes, format: (job.format as DocumentFormat | null) ?? 'txt' };
    }
    if (job.source === 'file') return this.fetchFile(job);
    try {
      const page = await guardedFetch(job.url ?? '', {
        policy: settings.url.policy,
        maxBytes: settings.maxDocumentBytes,
        timeoutMs: settings.url.timeoutMs,
        maxRedirects: settings.url.maxRedirects,
        signal,
        accept:
          'text/html, text/markdown, text/plain, application/pdf, application/json, text/csv, */*;q=0.5',
      });
      const format =
        (page.mediaType ? formatFromMediaType(page.mediaType) : undefined) ??
        (page.filename ? formatFromExtension(page.filename) : undefined);
      if (!format)
        throw new IngestionFailure(
          'url_unsupported_type',
          `The URL answered ${page.mediaType ?? 'without a content type'}, which is not a document format Nexus reads`,
        );
      return { bytes: page.bytes, format, filename: page.filename ?? undefined, title: page.url };
    } catch (error) {
      if (error instanceof GuardedFetchError) {
        const retryable =
          error.code === 'url_timeout' ||
          error.code === 'url_fetch_failed' ||
          (error.code === 'url_http_error' && Number(error.details.status) >= 500);
        throw new IngestionFailure(error.code, error.message, retryable, { cause: error });
      }
      throw error;
    }
  }

  private async fetchFile(job: DocumentRow): Promise<Source> {
    const files = this.deps.files;
    const fileId = job.file_id ?? '';
    if (!files)
      throw new IngestionFailure('file_not_found', 'File storage is not available on this instance');
    const holder = documentHolder(job.id);
    let file: Awaited<ReturnType<KnowledgeFileSource['get']>>;
    try {
      file = await files.get(job.tenant_id, fileId);
      await files.hold(job.tenant_id, fileId, holder);
    } catch (error) {
      if (isAppError(error) && error.status === 404)
        throw new IngestionFailure('file_not_found', `The file ${fileId} no longer exists`);
      throw error;
    }
    const format =
      (file.format ? formatFromExtension(file.format) : undefined) ??
      formatFromExtension(file.filename) ??
      formatFromMediaType(file.media_type);
    if (!format)
      throw new IngestionFailure(
        'document_unsupported',
        `${file.filename} (${file.media_type}) is not a document format Nexus reads`,
      );
    if (file.bytes > this.deps.settings.maxDocumentBytes)
      throw new DocumentParseError(
        'document_too_large',
        `${file.filename} has ${file.bytes} bytes (limit ${this.deps.settings.maxDocumentBytes})`,
      );
    const bytes = await files.readContent(job.tenant_id, fileId, {
      maxBytes: this.deps.settings.maxDocumentBytes,
    });
    return { bytes, format, filename: file.filename, title: file.filename };
  }

  /**
   * Ends a job that did not complete: failed (returns true: the document is finished), back to the queue,
   * or — the lease was lost — nothing.
   */
  private async settle(
    job: DocumentRow,
    error: unknown,
    signal: AbortSignal,
    lost: boolean,
  ): Promise<boolean> {
    const { db, knowledge, settings, logger } = this.deps;
    const tenantId = job.tenant_id;
    if (lost || error instanceof LeaseLostError || signal.reason instanceof LeaseLostError) {
      logger.info({ document_id: job.id }, 'knowledge-base ingestion gave up a document it no longer owns');
      return false;
    }
    try {
      if (signal.aborted) {
        // The worker is stopping: the document goes back to the queue as if this attempt never started.
        await knowledge.releaseJob(db, tenantId, job.id, this.id, { delayMs: 0, refund: true });
        return false;
      }
      const failure = classify(error);
      if (failure.retryable && job.attempts < settings.maxAttempts) {
        const delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (job.attempts - 1));
        logger.warn(
          { err: error, document_id: job.id, attempt: job.attempts, retry_in_ms: delayMs },
          'knowledge-base ingestion will retry',
        );
        await knowledge.releaseJob(db, tenantId, job.id, this.id, { delayMs, refund: false, error: failure });
        return false;
      }
      if (failure.code === 'internal_error')
        logger.error({ err: error, document_id: job.id }, 'knowledge-base ingestion failed');
      return await knowledge.failDocument(db, tenantId, job.id, this.id, failure);
    } catch (settleError) {
      // The database is away: the lease runs out and the document is reclaimed.
      logger.warn(
        { err: settleError, document_id: job.id },
        'knowledge-base ingestion could not record its outcome',
      );
      return false;
    }
  }
}

/** The stable code, message and retryability of a job's failure. */
export function classify(error: unknown): { code: string; message: string; retryable: boolean } {
  if (error instanceof IngestionFailure)
    return { code: error.code, message: error.message, retryable: error.retryable };
  if (error instanceof DocumentParseError)
    return { code: error.code, message: error.message, retryable: false };
  if (isDatabaseUnavailable(error))
    return { code: 'database_unavailable', message: 'The database was unavailable', retryable: true };
  if (isAppError(error)) return { code: error.code, message: error.message, retryable: error.isRetryable };
  return { code: 'internal_error', message: 'Ingestion failed unexpectedly', retryable: false };
}

/** What is embedded for a chunk: its document's title and heading path give the text its context. */
export function embeddingText(title: string, chunk: Pick<DocumentChunk, 'headings' | 'text'>): string {
  const context = [title, ...chunk.headings]
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' › ');
  return context ? `${context}\n${chunk.text}` : chunk.text;
}

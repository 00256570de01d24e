import type { Uploadable } from '../core/multipart.js';
import { PagePromise } from '../core/pagination.js';
import { pollUntil, type WaitOptions } from '../core/poll.js';
import type { RequestOptions, Transport } from '../core/transport.js';
import { NexusValidationError } from '../errors.js';
import type {
  DocumentCreateBody,
  DocumentListParams,
  KnowledgeBase,
  KnowledgeBaseCreateParams,
  KnowledgeBaseDocument,
  KnowledgeBaseListParams,
  KnowledgeBaseUpdateParams,
  KnowledgeSearchParams,
  KnowledgeSearchResponse,
} from '../types.js';
import type { Files } from './files.resource.js';
import { APIResource, seg } from './resource.js';

/** Title and metadata any document may have (`title`: default the file name, the page's title, or the document's own; `metadata`: up to 32 string, number or boolean values that searches can filter on). */
type DocumentCommon = Pick<DocumentCreateBody, 'title' | 'metadata'>;

/**
 * A document to add, from one source:
 * - `text` (with `format`: `txt` by default, or `md`, `html`, `json`, `csv`);
 * - `file_id`: a file uploaded with purpose `document`;
 * - `url`: an http(s) page or document fetched by the ingestion job;
 * - `file`: anything `files.upload` takes (a path, bytes, a Blob, a stream) — uploaded first with purpose
 *   `document`, then added by its id.
 */
export type DocumentUploadParams = DocumentCommon &
  (
    | { text: string; format?: DocumentCreateBody['format'] }
    | { file_id: string }
    | { url: string }
    | { file: Uploadable; filename?: string }
  );

/** The statuses a document does not leave (until it is re-indexed). */
const FINAL_DOCUMENT_STATUSES = ['ready', 'failed'];

/**
 * A knowledge base's documents.
 * @example const page = await client.knowledgeBases.documents.list(kb.id, { status: 'failed' });
 */
export class Documents extends APIResource {
  /**
   * `GET /v1/knowledge-bases/:id/documents`: newest first. Await for one page, or `for await` for all.
   * @example for await (const d of client.knowledgeBases.documents.list(kb.id)) console.log(d.title, d.status);
   */
  list(
    knowledgeBaseId: string,
    params: DocumentListParams = {},
    options?: RequestOptions,
  ): PagePromise<KnowledgeBaseDocument> {
    return new PagePromise((cursor) =>
      this.transport.json(
        {
          method: 'GET',
          path: `/v1/knowledge-bases/${seg(knowledgeBaseId)}/documents`,
          query: { ...params, ...(cursor ? { cursor } : {}) },
        },
        options,
      ),
    );
  }

  /**
   * `GET /v1/knowledge-bases/:id/documents/:docId`: status, progress, and the error when it failed.
   * @example const doc = await client.knowledgeBases.documents.retrieve(kb.id, 'doc_…');
   */
  retrieve(
    knowledgeBaseId: string,
    documentId: string,
    options?: RequestOptions,
  ): Promise<KnowledgeBaseDocument> {
    return this.transport.json<KnowledgeBaseDocument>(
      { method: 'GET', path: `/v1/knowledge-bases/${seg(knowledgeBaseId)}/documents/${seg(documentId)}` },
      options,
    );
  }

  /**
   * `DELETE /v1/knowledge-bases/:id/documents/:docId`: search stops finding it at once.
   * @example await client.knowledgeBases.documents.delete(kb.id, doc.id);
   */
  async delete(knowledgeBaseId: string, documentId: string, options?: RequestOptions): Promise<void> {
    await this.transport.json(
      { method: 'DELETE', path: `/v1/knowledge-bases/${seg(knowledgeBaseId)}/documents/${seg(documentId)}` },
      options,
    );
  }

  /**
   * Polls a document until it is `ready` or `failed` and answers it (a failed one is answered, not
   * thrown: check `status` and `error`). Rejects with `WaitTimeoutError` after `timeout`.
   * @example const doc = await client.knowledgeBases.documents.waitFor(kb.id, queued.id, { pollInterval: 250 });
   */
  waitFor(
    knowledgeBaseId: string,
    documentId: string,
    options: WaitOptions & { requestOptions?: RequestOptions } = {},
  ): Promise<KnowledgeBaseDocument> {
    return pollUntil(
      (signal) =>
        this.retrieve(knowledgeBaseId, documentId, {
          ...options.requestOptions,
          ...(signal ? { signal } : {}),
        }),
      (doc) => FINAL_DOCUMENT_STATUSES.includes(doc.status),
      options,
      `Document ${documentId}`,
    );
  }
}

/**
 * Knowledge bases: create, list, read, update, delete, add documents, search (`kb:read`, `kb:write`).
 * @example
 * const kb = await client.knowledgeBases.create({ name: 'Handbook' });
 * const doc = await client.knowledgeBases.uploadDocument(kb.id, { file: './handbook.pdf' });
 * await client.knowledgeBases.documents.waitFor(kb.id, doc.id);
 * const { data } = await client.knowledgeBases.search(kb.id, { query: 'How many days of holiday?' });
 */
export class KnowledgeBases extends APIResource {
  /** The documents of a knowledge base. */
  readonly documents: Documents = new Documents(this.transport);

  constructor(
    transport: Transport,
    private readonly files: Files,
  ) {
    super(transport);
  }

  /**
   * `POST /v1/knowledge-bases` (the embedding model is checked with one call).
   * @example const kb = await client.knowledgeBases.create({ name: 'Handbook', settings: { chunk_tokens: 256 } });
   */
  create(params: KnowledgeBaseCreateParams, options?: RequestOptions): Promise<KnowledgeBase> {
    return this.transport.json<KnowledgeBase>(
      { method: 'POST', path: '/v1/knowledge-bases', body: params },
      options,
    );
  }

  /**
   * `GET /v1/knowledge-bases`: newest first. Await for one page, or `for await` for all.
   * @example for await (const kb of client.knowledgeBases.list()) console.log(kb.name, kb.chunk_count);
   */
  list(params: KnowledgeBaseListParams = {}, options?: RequestOptions): PagePromise<KnowledgeBase> {
    return new PagePromise((cursor) =>
      this.transport.json(
        { method: 'GET', path: '/v1/knowledge-bases', query: { ...params, ...(cursor ? { cursor } : {}) } },
        options,
      ),
    );
  }

  /**
   * `GET /v1/knowledge-bases/:id`: with document counts by status and the chunk count.
   * @example const kb = await client.knowledgeBases.retrieve('kb_01jd8x3k5q9v7w2m4n6p8r0s1t');
   */
  retrieve(id: string, options?: RequestOptions): Promise<KnowledgeBase> {
    return this.transport.json<KnowledgeBase>(
      { method: 'GET', path: `/v1/knowledge-bases/${seg(id)}` },
      options,
    );
  }

  /**
   * `PATCH /v1/knowledge-bases/:id`: a new embedding model or chunking re-indexes every document.
   * @example await client.knowledgeBases.update(kb.id, { description: 'HR policies' });
   */
  update(id: string, params: KnowledgeBaseUpdateParams, options?: RequestOptions): Promise<KnowledgeBase> {
    return this.transport.json<KnowledgeBase>(
      { method: 'PATCH', path: `/v1/knowledge-bases/${seg(id)}`, body: params },
      options,
    );
  }

  /**
   * `DELETE /v1/knowledge-bases/:id`: with its documents and chunks.
   * @example await client.knowledgeBases.delete(kb.id);
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `/v1/knowledge-bases/${seg(id)}` }, options);
  }

  /**
   * `POST /v1/knowledge-bases/:id/documents`: adds a document from text, a URL, an uploaded file's id, or
   * a file to upload first. Answers it `queued`: ingestion runs in the background (`documents.waitFor`).
   * @example
   * await client.knowledgeBases.uploadDocument(kb.id, { text: '# Leave\nTwenty-five days.', format: 'md', title: 'Leave' });
   * await client.knowledgeBases.uploadDocument(kb.id, { url: 'https://example.com/guide.html' });
   * await client.knowledgeBases.uploadDocument(kb.id, { file: './handbook.pdf', metadata: { team: 'hr' } });
   */
  async uploadDocument(
    knowledgeBaseId: string,
    params: DocumentUploadParams,
    options?: RequestOptions,
  ): Promise<KnowledgeBaseDocument> {
    const sources = (['text', 'file_id', 'url', 'file'] as const).filter(
      (key) => (params as unknown as Record<string, unknown>)[key] !== undefined,
    );
    if (sources.length !== 1)
      throw new NexusValidationError(
        'validation_failed',
        `Give exactly one of text, file_id, url or file (got ${sources.length === 0 ? 'none' : sources.join(', ')})`,
        { param: 'source' },
      );
    let body: DocumentCreateBody;
    if ('file' in params && params.file !== undefined) {
      const { file, filename, ...rest } = params;
      const uploaded = await this.files.upload(
        { file, purpose: 'document', ...(filename ? { filename } : {}) },
        options,
      );
      body = { ...rest, file_id: uploaded.id };
    } else {
      body = params as DocumentCreateBody;
    }
    return this.transport.json<KnowledgeBaseDocument>(
      { method: 'POST', path: `/v1/knowledge-bases/${seg(knowledgeBaseId)}/documents`, body },
      options,
    );
  }

  /**
   * `POST /v1/knowledge-bases/:id/search`: chunks, best first, with scores, document and location.
   * @example
   * const result = await client.knowledgeBases.search(kb.id, { query: 'holiday allowance', top_k: 3 });
   * for (const hit of result.data) console.log(hit.score, hit.document.title, hit.text);
   */
  search(
    id: string,
    params: KnowledgeSearchParams,
    options?: RequestOptions,
  ): Promise<KnowledgeSearchResponse> {
    return this.transport.json<KnowledgeSearchResponse>(
      { method: 'POST', path: `/v1/knowledge-bases/${seg(id)}/search`, body: params },
      options,
    );
  }
}

import { multipartBody, toUploadPart, type Uploadable } from '../core/multipart.js';
import { PagePromise } from '../core/pagination.js';
import type { RequestOptions } from '../core/transport.js';
import { NexusValidationError } from '../errors.js';
import type { FileBatchResult, FileDownloadLink, FileListParams, FileObject, FilePurpose } from '../types.js';
import { assertFileType } from '../validation.js';
import { APIResource, seg } from './resource.js';

/** `files.upload`: what to upload and what it is for. */
export interface FileUploadParams {
  /**
   * A path (Node only), a `Uint8Array`/`Buffer`/`ArrayBuffer`, a `Blob`/`File`, a Node `Readable` or a
   * web `ReadableStream`. Streams are sent as they are read and never retried.
   */
  file: Uploadable;
  /** What the file is for; decides which types are accepted ({@link SUPPORTED_FILE_TYPES}). */
  purpose: FilePurpose;
  /** The file name (its extension must suit the purpose); default: the path's or File's own name. */
  filename?: string;
}

/** One file of `files.uploadBatch`: the content, with a name when it has none of its own. */
export type FileBatchEntry = Uploadable | { file: Uploadable; filename?: string };

/** `files.uploadBatch`: several files with one purpose. */
export interface FileBatchUploadParams {
  files: FileBatchEntry[];
  purpose: FilePurpose;
}

/**
 * Files: upload (one or a batch), list, read, download, link, delete (`files:read`, `files:write`).
 * @example
 * const file = await client.files.upload({ file: './handbook.pdf', purpose: 'document' });
 * const bytes = new Uint8Array(await (await client.files.content(file.id)).arrayBuffer());
 */
export class Files extends APIResource {
  /**
   * `POST /v1/files` (multipart: `purpose`, then `file`). The purpose and the file name's extension are
   * checked before anything is sent (`NexusValidationError` listing the accepted types).
   * @example
   * await client.files.upload({ file: './notes.md', purpose: 'document' });                 // Node: a path
   * await client.files.upload({ file: new TextEncoder().encode('# Hi'), filename: 'hi.md', purpose: 'document' });
   * await client.files.upload({ file: input.files[0], purpose: 'image' });                  // browser: a File
   * await client.files.upload({ file: fs.createReadStream('talk.mp3'), purpose: 'audio' }); // streamed
   */
  async upload(params: FileUploadParams, options?: RequestOptions): Promise<FileObject> {
    const part = await toUploadPart(params.file, params.filename);
    assertFileType(params.purpose, part.filename);
    return this.transport.json<FileObject>(
      {
        method: 'POST',
        path: '/v1/files',
        multipart: multipartBody({ purpose: params.purpose }, 'file', [part]),
      },
      options,
    );
  }

  /**
   * `POST /v1/files/batch`: several files of one purpose in one request; one result per file, in order
   * (a file the server refuses fails alone). Every name is checked before anything is sent.
   * @example
   * const result = await client.files.uploadBatch({ purpose: 'document', files: ['./a.pdf', './b.md'] });
   * for (const item of result.data) console.log(item.index, item.status);
   */
  async uploadBatch(params: FileBatchUploadParams, options?: RequestOptions): Promise<FileBatchResult> {
    if (!Array.isArray(params?.files) || params.files.length === 0)
      throw new NexusValidationError('validation_failed', 'files must be a non-empty array', {
        param: 'files',
      });
    const parts = [];
    for (const entry of params.files) {
      const isEntry = typeof entry === 'object' && entry !== null && 'file' in entry;
      const part = isEntry ? await toUploadPart(entry.file, entry.filename) : await toUploadPart(entry);
      assertFileType(params.purpose, part.filename);
      parts.push(part);
    }
    return this.transport.json<FileBatchResult>(
      {
        method: 'POST',
        path: '/v1/files/batch',
        multipart: multipartBody({ purpose: params.purpose }, 'file', parts),
      },
      options,
    );
  }

  /**
   * `GET /v1/files`: the tenant's files, newest first. Await for one page, or `for await` for all.
   * @example for await (const f of client.files.list({ purpose: 'document' })) console.log(f.filename, f.bytes);
   */
  list(params: FileListParams = {}, options?: RequestOptions): PagePromise<FileObject> {
    return new PagePromise((cursor) =>
      this.transport.json(
        { method: 'GET', path: '/v1/files', query: { ...params, ...(cursor ? { cursor } : {}) } },
        options,
      ),
    );
  }

  /**
   * `GET /v1/files/:id`: the file's metadata.
   * @example const file = await client.files.retrieve('file_01jd8x3k5q9v7w2m4n6p8r0s1t');
   */
  retrieve(id: string, options?: RequestOptions): Promise<FileObject> {
    return this.transport.json<FileObject>({ method: 'GET', path: `/v1/files/${seg(id)}` }, options);
  }

  /**
   * `GET /v1/files/:id/content`: the content as a fetch `Response` (read it with `arrayBuffer()`,
   * `text()`, `blob()` or stream `body`). `range` asks for one byte range (`206`), as in
   * `{ range: 'bytes=0-99' }`.
   * @example
   * const response = await client.files.content(file.id);
   * const text = await response.text();
   */
  async content(
    id: string,
    params: { range?: string } = {},
    options: RequestOptions = {},
  ): Promise<Response> {
    const headers = { ...options.headers, ...(params.range ? { range: params.range } : {}) };
    const open = await this.transport.open(
      { method: 'GET', path: `/v1/files/${seg(id)}/content`, accept: '*/*' },
      { ...options, headers },
    );
    return open.response;
  }

  /**
   * `POST /v1/files/:id/download-url`: a link that works without credentials until `expires_at`.
   * @example const { url } = await client.files.createDownloadUrl(file.id, { expires_in: 600 });
   */
  createDownloadUrl(
    id: string,
    params: { expires_in?: number } = {},
    options?: RequestOptions,
  ): Promise<FileDownloadLink> {
    return this.transport.json<FileDownloadLink>(
      { method: 'POST', path: `/v1/files/${seg(id)}/download-url`, body: params },
      options,
    );
  }

  /**
   * `DELETE /v1/files/:id`. `ConflictError` (`file_in_use`) while a task or an ingestion holds it.
   * @example await client.files.delete(file.id);
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `/v1/files/${seg(id)}` }, options);
  }
}

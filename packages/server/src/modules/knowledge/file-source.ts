/** A stored file as knowledge bases see it. */
export interface KnowledgeFile {
  id: string;
  purpose: string;
  filename: string;
  media_type: string;
  bytes: number;
  /** The format the files module detected from the bytes (`pdf`, `docx`, `md`, …). */
  format?: string | undefined;
}

/**
 * What knowledge bases need of the files module (FilesService satisfies it): read a tenant's file, and
 * hold it while a document made from it is queued or being ingested, so it is not deleted under the job.
 * `holder` names who holds (one hold per holder).
 */
export interface KnowledgeFileSource {
  /** The file, or a rejection (not found: NotFoundError) when the tenant has no such file. */
  get(tenantId: string, fileId: string): Promise<KnowledgeFile>;
  readContent(tenantId: string, fileId: string, options: { maxBytes: number }): Promise<Uint8Array>;
  hold(tenantId: string, fileId: string, holder: string): Promise<void>;
  release(tenantId: string, fileId: string, holder: string): Promise<void>;
}

/** The holder name of a document's hold on its file: the document's id. */
export const documentHolder = (documentId: string) => documentId;

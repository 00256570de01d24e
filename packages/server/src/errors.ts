/**
 * The one error hierarchy. Services throw these; the edge handler maps them to
 * `{"error":{"code","message","request_id","details"}}`. Codes are stable strings listed in docs/errors.md.
 */
export type ErrorDetails = Record<string, unknown> | readonly unknown[];

export interface AppErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
  /** Extra response headers the edge should set (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Whether repeating the same request later may succeed. */
  readonly isRetryable: boolean = false;
  readonly details: ErrorDetails | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export class BadRequestError extends AppError {
  readonly code: string = 'bad_request';
  readonly status: number = 400;
}

export class InvalidJsonError extends BadRequestError {
  override readonly code = 'invalid_json';
}

export class ValidationError extends BadRequestError {
  override readonly code = 'validation_failed';
}

export class InvalidIdError extends BadRequestError {
  override readonly code = 'invalid_id';
}

/** A `Last-Event-ID` (header or `last_event_id` parameter) that is malformed or not an id of this stream log. */
export class InvalidLastEventIdError extends BadRequestError {
  override readonly code = 'invalid_last_event_id';
}

export class UnauthorizedError extends AppError {
  readonly code: string = 'unauthorized';
  readonly status: number = 401;
}

export class ForbiddenError extends AppError {
  readonly code: string = 'forbidden';
  readonly status: number = 403;
}

export class NotFoundError extends AppError {
  readonly code: string = 'not_found';
  readonly status: number = 404;
}

export class RouteNotFoundError extends NotFoundError {
  override readonly code = 'route_not_found';
}

export class ConflictError extends AppError {
  readonly code: string = 'conflict';
  readonly status: number = 409;
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
}

export class RateLimitedError extends AppError {
  readonly code: string = 'rate_limited';
  readonly status: number = 429;
  override readonly isRetryable: boolean = true;
}

export class QuotaExceededError extends RateLimitedError {
  override readonly code = 'quota_exceeded';
  override readonly isRetryable = false;
}

export class InternalError extends AppError {
  readonly code = 'internal_error';
  readonly status = 500;
}

export class ProviderUnavailableError extends AppError {
  readonly code = 'provider_unavailable';
  readonly status = 502;
  override readonly isRetryable = true;
}

export class ServiceUnavailableError extends AppError {
  readonly code: string = 'service_unavailable';
  readonly status: number = 503;
  override readonly isRetryable = true;
}

export class ShuttingDownError extends ServiceUnavailableError {
  override readonly code = 'shutting_down';
}

// Files (docs/files.md).

/** An upload of zero bytes. */
export class FileEmptyError extends BadRequestError {
  override readonly code = 'file_empty';
}

/** The file's extension is not one the purpose accepts (or it has none). */
export class FileTypeNotAllowedError extends BadRequestError {
  override readonly code = 'file_type_not_allowed';
}

/** The bytes are not what the file's extension says (a PNG named `.pdf`, a zip named `.docx`, binary `.txt`). */
export class FileTypeMismatchError extends BadRequestError {
  override readonly code = 'file_type_mismatch';
}

/** A file over the tenant's size limit (an upload is cut off as soon as it passes the limit). */
export class FileTooLargeError extends AppError {
  readonly code = 'file_too_large';
  readonly status = 413;
}

/** The virus scanner found malware; nothing was stored. */
export class FileInfectedError extends AppError {
  readonly code = 'file_infected';
  readonly status = 422;
}

/** A file still held by a running task or a document being ingested. */
export class FileInUseError extends ConflictError {
  override readonly code = 'file_in_use';
}

/** A download link whose signature does not match (tampered, or for another file). */
export class DownloadLinkInvalidError extends ForbiddenError {
  override readonly code = 'download_link_invalid';
}

/** A download link past its expiry. */
export class DownloadLinkExpiredError extends ForbiddenError {
  override readonly code = 'download_link_expired';
}

/** A `Range` header that asks for bytes past the end of the file. */
export class RangeNotSatisfiableError extends AppError {
  readonly code = 'range_not_satisfiable';
  readonly status = 416;
}

/** The virus scanner could not give a verdict (unreachable, timed out, failed): uploads fail closed. */
export class VirusScanUnavailableError extends ServiceUnavailableError {
  override readonly code = 'virus_scan_unavailable';
}

// Knowledge-base documents (docs/knowledge.md).

export type DocumentParseErrorCode =
  | 'document_corrupt'
  | 'document_empty'
  | 'document_too_large'
  | 'document_unsupported';

/**
 * A document that cannot be turned into text: damaged (`document_corrupt`), without any text
 * (`document_empty`), over a parse limit or a decompression bomb (`document_too_large`), or in a form the
 * parser does not read, such as an encrypted PDF (`document_unsupported`). Ingestion records the code and
 * message as a `failed` document's reason; a synchronous route answers 422.
 */
export class DocumentParseError extends AppError {
  readonly status = 422;
  readonly code: DocumentParseErrorCode;

  constructor(code: DocumentParseErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}

/** A knowledge-base URL document whose URL may not be fetched (scheme, credentials, a non-public address). */
export class UrlNotAllowedError extends BadRequestError {
  override readonly code = 'url_not_allowed';
}

/** A file used for a knowledge-base document whose purpose is not `document`. */
export class FilePurposeMismatchError extends BadRequestError {
  override readonly code = 'file_purpose_mismatch';
}

/** A search asked for reranking, and no rerank provider is configured (`KB_RERANK_BASE_URL`). */
export class RerankUnavailableError extends BadRequestError {
  override readonly code = 'rerank_unavailable';
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

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

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

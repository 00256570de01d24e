import { AppError, type AppErrorOptions, BadRequestError, ConflictError } from '../../errors.js';

/** An `Idempotency-Key` header that is empty, longer than 255 characters or not printable ASCII. */
export class InvalidIdempotencyKeyError extends BadRequestError {
  override readonly code = 'invalid_idempotency_key';
}

/** The key was first used with another request (method, path or body): a client bug, never retried. */
export class IdempotencyKeyMismatchError extends AppError {
  readonly code = 'idempotency_key_mismatch';
  readonly status = 422;
}

/** The first request with this key is still running (on this or another instance). */
export class IdempotencyKeyInUseError extends ConflictError {
  override readonly code = 'idempotency_key_in_use';
  override readonly isRetryable = true;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, { ...options, headers: { 'retry-after': '1', ...options.headers } });
  }
}

/**
 * The first request with this key answered with a stream (server-sent events, a download) or a body too
 * large to keep: it ran, but its answer cannot be sent again.
 */
export class IdempotencyStreamNotReplayableError extends ConflictError {
  override readonly code = 'idempotency_stream_not_replayable';
}

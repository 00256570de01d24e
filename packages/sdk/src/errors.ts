/**
 * The SDK's errors. Everything it throws is a {@link NexusError}: an {@link APIError} (the server answered
 * an error, or no answer came) or a {@link NexusValidationError} (refused before anything was sent).
 *
 * Server errors keep the server's stable `code` and `message` unchanged (see docs/errors.md), whichever of
 * the two error shapes the route uses: Nexus's `{"error":{"code","message","request_id","details"}}` or,
 * on the OpenAI-compatible routes, OpenAI's `{"error":{"message","type","param","code"}}`.
 */

/**
 * The base of every error this SDK throws.
 * @example
 * try { await client.files.retrieve('file_…'); } catch (e) { if (e instanceof NexusError) console.error(e.message); }
 */
export class NexusError extends Error {
  override name = 'NexusError';
}

/** What {@link APIError}'s constructor takes. */
export interface APIErrorInit {
  status?: number | undefined;
  code: string;
  message: string;
  requestId?: string | null | undefined;
  details?: unknown;
  headers?: Headers | undefined;
  retryCount?: number | undefined;
  /** OpenAI-shaped errors only: OpenAI's error `type` (e.g. `invalid_request_error`). */
  type?: string | null | undefined;
  /** OpenAI-shaped errors only: the parameter the error is about. */
  param?: string | null | undefined;
  cause?: unknown;
}

/**
 * An error the server answered (or, for {@link APIConnectionError}, no answer at all).
 * Use `instanceof` on the subclasses to branch on the status, and `code` for the exact reason.
 * @example
 * try {
 *   await client.conversations.retrieve('conv_01jd8x3k5q9v7w2m4n6p8r0s1t');
 * } catch (e) {
 *   if (e instanceof NotFoundError) console.log(e.code, e.requestId); // 'not_found', 'req_…'
 *   else throw e;
 * }
 */
export class APIError extends NexusError {
  override name = 'APIError';
  /** The HTTP status; undefined when no response came (connection errors, timeouts). */
  readonly status: number | undefined;
  /** The server's stable error code (`not_found`, `validation_failed`, …) or the SDK's own (`connection_error`, `timeout`). */
  readonly code: string;
  /** The server's `x-request-id` (or the body's `request_id`): quote it when reporting a problem. */
  readonly requestId: string | null;
  /** The server's `details` (validation issues, limits, ids), unchanged. */
  readonly details: unknown;
  /** The response headers, when a response came. */
  readonly headers: Headers | undefined;
  /** How many times the request had been retried when this error was thrown. */
  readonly retryCount: number;
  /** OpenAI-compatible routes: OpenAI's error `type`. */
  readonly type: string | null;
  /** OpenAI-compatible routes: the parameter the error is about. */
  readonly param: string | null;

  constructor(init: APIErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.details = init.details;
    this.headers = init.headers;
    this.retryCount = init.retryCount ?? 0;
    this.type = init.type ?? null;
    this.param = init.param ?? null;
  }

  /**
   * Whether sending the same request again may succeed: no answer, 408, 409 `idempotency_key_in_use`,
   * 429, and 5xx other than 501. The client retries these by itself (`maxRetries`).
   */
  get isRetryable(): boolean {
    // Without a status only a failed connection (or timeout) is worth another try; an error event in a
    // stream that had started, or the caller's abort, is not.
    if (this.status === undefined) return this instanceof APIConnectionError;
    return isRetryableStatus(this.status, this.code);
  }

  /**
   * The error for a response: the class from the status, `code`/`message`/`details` from the body (either
   * shape), `requestId` from the body or the `x-request-id` header.
   * @example const error = APIError.fromResponse(404, { error: { code: 'not_found', message: 'No such file', request_id: 'req_1' } }, new Headers());
   */
  static fromResponse(status: number, body: unknown, headers: Headers, retryCount = 0): APIError {
    const parsed = parseErrorBody(body);
    const init: APIErrorInit = {
      status,
      code: parsed.code ?? defaultCode(status),
      message: parsed.message ?? `The server answered ${status} without an error message`,
      requestId: parsed.requestId ?? headers.get('x-request-id'),
      details: parsed.details,
      headers,
      retryCount,
      type: parsed.type,
      param: parsed.param,
    };
    switch (true) {
      case status === 400:
        return new BadRequestError(init);
      case status === 401:
        return new AuthenticationError(init);
      case status === 403:
        return new PermissionDeniedError(init);
      case status === 404:
        return new NotFoundError(init);
      case status === 409:
        return new ConflictError(init);
      case status === 422:
        return new UnprocessableEntityError(init);
      case status === 429:
        return new RateLimitError(init, retryAfterSeconds(headers));
      case status >= 500:
        return new InternalServerError(init);
      default:
        return new APIError(init);
    }
  }
}

/** 400: the request is wrong (`validation_failed`, `unsupported_task_type`, `invalid_id`, …). @example if (e instanceof BadRequestError) console.log(e.details); */
export class BadRequestError extends APIError {
  override name = 'BadRequestError';
}
/** 401: missing, invalid, expired or revoked credentials. @example if (e instanceof AuthenticationError) promptForKey(); */
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
/** 403: the credentials lack a permission or scope (`permission_denied`, `insufficient_scope`). @example if (e instanceof PermissionDeniedError) console.log(e.details); */
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
/** 404: no such object, or another tenant's (`not_found`). @example if (e instanceof NotFoundError) return null; */
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
/** 409: the object's state forbids it (`file_in_use`, `task_not_cancellable`, `reply_in_progress`, …). @example if (e instanceof ConflictError && e.code === 'file_in_use') retryLater(); */
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
/** 422: understood but refused (`idempotency_key_mismatch`, `file_infected`). @example if (e instanceof UnprocessableEntityError) console.log(e.code); */
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
}

/**
 * 429: rate limited or throttled. `retryAfter` is the server's `Retry-After` in seconds (null when absent).
 * @example if (e instanceof RateLimitError) await new Promise((r) => setTimeout(r, (e.retryAfter ?? 1) * 1000));
 */
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
  /** Seconds the server asked to wait (`Retry-After`, seconds or an HTTP date), or null. */
  readonly retryAfter: number | null;
  constructor(init: APIErrorInit, retryAfter: number | null = null) {
    super(init);
    this.retryAfter = retryAfter;
  }
}

/** 500 and above: a server-side failure (`internal_error`, `provider_unavailable`, `service_unavailable`). @example if (e instanceof InternalServerError) console.log(e.requestId); */
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
}

/**
 * No response: the connection failed (refused, reset, DNS, TLS). Retried by the client.
 * @example if (e instanceof APIConnectionError) console.log('Is Nexus running?', e.cause);
 */
export class APIConnectionError extends APIError {
  override name = 'APIConnectionError';
  constructor(init: Partial<APIErrorInit> & { cause?: unknown } = {}) {
    super({
      code: 'connection_error',
      message: 'Could not reach the Nexus server',
      ...init,
      status: undefined,
    });
  }
}

/**
 * No response within the request's `timeout`. Retried by the client.
 * @example const client = new NexusAI({ timeout: 5_000 }); // throws APITimeoutError after 5 s without an answer
 */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
  constructor(init: Partial<APIErrorInit> = {}) {
    super({ code: 'timeout', message: 'The request timed out', ...init });
  }
}

/**
 * The caller aborted the request through its `signal`. Never retried.
 * @example controller.abort(); // a pending call rejects with APIUserAbortError
 */
export class APIUserAbortError extends APIError {
  override name = 'APIUserAbortError';
  constructor(init: Partial<APIErrorInit> = {}) {
    super({ code: 'aborted', message: 'The request was aborted', ...init, status: undefined });
  }
}

/**
 * Refused by the SDK before anything was sent: an unsupported `task_type`, a file type its purpose does
 * not accept, a missing API key. `code` mirrors the server's code for the same mistake where there is one
 * (`unsupported_task_type`, `file_type_not_allowed`, `validation_failed`); the message lists what is
 * supported.
 * @example
 * try { await client.invoke({ task_type: 'telepathy', input: {} } as never); }
 * catch (e) { if (e instanceof NexusValidationError) console.log(e.code, e.details); }
 */
export class NexusValidationError extends NexusError {
  override name = 'NexusValidationError';
  readonly code: string;
  readonly details: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/**
 * {@link waitFor} gave up: the task had not finished within its `timeout`. `task` is the last state seen.
 * @example catch (e) { if (e instanceof WaitTimeoutError) console.log(e.task?.status); }
 */
export class WaitTimeoutError extends NexusError {
  override name = 'WaitTimeoutError';
  readonly code = 'wait_timeout';
  constructor(
    message: string,
    readonly task: unknown,
  ) {
    super(message);
  }
}

/**
 * Whether an answer with this status and code may succeed when sent again.
 * @example isRetryableStatus(503, 'service_unavailable') // true; isRetryableStatus(501, 'x') // false
 */
export function isRetryableStatus(status: number, code?: string): boolean {
  if (status === 408 || status === 429) return true;
  if (status === 409) return code === 'idempotency_key_in_use';
  return status >= 500 && status !== 501;
}

const MAX_RETRY_AFTER_S = 24 * 60 * 60;

/**
 * `Retry-After` in seconds: delta-seconds or an HTTP date (past dates give 0); null when absent or unparsable.
 * @example retryAfterSeconds(new Headers({ 'retry-after': '3' })) // 3
 */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | null {
  const value = headers?.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(Number(value), MAX_RETRY_AFTER_S);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, (at - now) / 1000), MAX_RETRY_AFTER_S);
}

interface ParsedErrorBody {
  code: string | null;
  message: string | null;
  requestId: string | null;
  details: unknown;
  type: string | null;
  param: string | null;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Reads either error shape; anything else (HTML from a proxy, plain text) gives nulls, or its text as the message. */
function parseErrorBody(body: unknown): ParsedErrorBody {
  const empty: ParsedErrorBody = {
    code: null,
    message: null,
    requestId: null,
    details: undefined,
    type: null,
    param: null,
  };
  if (typeof body === 'string') return { ...empty, message: str(body.trim().slice(0, 1000)) };
  if (typeof body !== 'object' || body === null) return empty;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return { ...empty, message: error };
  if (typeof error !== 'object' || error === null) {
    const flat = body as Record<string, unknown>;
    return { ...empty, code: str(flat.code), message: str(flat.message) };
  }
  const e = error as Record<string, unknown>;
  const type = str(e.type);
  return {
    // OpenAI's shape may have a null code; its `type` is the next best machine-readable reason.
    code: str(e.code) ?? type,
    message: str(e.message),
    requestId: str(e.request_id),
    details: e.details,
    type,
    param: str(e.param),
  };
}

function defaultCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'permission_denied',
    404: 'not_found',
    409: 'conflict',
    422: 'unprocessable_entity',
    429: 'rate_limited',
  };
  return codes[status] ?? (status >= 500 ? 'internal_error' : `http_${status}`);
}

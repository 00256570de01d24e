import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  NexusValidationError,
} from '../errors.js';
import { SDK_VERSION } from '../version.js';
import type { MultipartBody } from './multipart.js';
import { retryDelayMs } from './retry-policy.js';
import { isNode, randomUUID, sleep } from './runtime.js';

/** The `fetch` the client calls: the global one by default, or any compatible implementation. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Options every method takes as its last argument; they override the client's for that one call.
 * @example await client.files.retrieve(id, { timeout: 5_000, maxRetries: 0 });
 */
export interface RequestOptions {
  /** Retries after a retryable failure (default: the client's `maxRetries`, 2). */
  maxRetries?: number;
  /** Milliseconds to wait for each attempt's answer (default: the client's `timeout`). */
  timeout?: number;
  /** Aborts the call (and its stream) when it fires; the call rejects with `APIUserAbortError`. */
  signal?: AbortSignal;
  /**
   * The `Idempotency-Key` of a POST (1–255 printable ASCII characters). By default every POST gets a
   * random `nexus-sdk-<uuid>`, the same on each retry, so a retried POST never does the work twice.
   */
  idempotencyKey?: string;
  /** Extra headers; `null` removes a default header. */
  headers?: Record<string, string | null | undefined>;
}

/** One HTTP call, as the resources describe it. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path under the base URL, starting with `/v1/`. */
  path: string;
  query?: Record<string, string | number | boolean | null | undefined> | undefined;
  /** A JSON body. */
  body?: unknown;
  /** A multipart body (uploads). A streamed one is sent once: never retried. */
  multipart?: MultipartBody;
  /** The `Accept` header (default `application/json`). */
  accept?: string;
}

/** The settings a transport runs with (resolved client options). */
export interface TransportSettings {
  baseURL: string;
  apiKey: string;
  maxRetries: number;
  timeout: number;
  fetch: FetchLike;
  defaultHeaders: Record<string, string | null | undefined>;
  tenant: string | undefined;
}

/** A response whose body is still to be read, with the request's bookkeeping. */
export interface OpenResponse {
  response: Response;
  /** Aborts the underlying request (and so the body). */
  abort: () => void;
  /** Retries made before this response came. */
  retryCount: number;
}

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * Sends requests: URL and headers, the per-attempt timeout, retries with back-off, and errors built from
 * the status. Resources call {@link json} and {@link open}; nothing here knows about Nexus's resources.
 */
export class Transport {
  constructor(readonly settings: TransportSettings) {}

  /**
   * Sends `spec` and answers the parsed JSON body (undefined for 204, the text for non-JSON answers).
   * The timeout covers reading the body too.
   */
  async json<T>(spec: RequestSpec, options: RequestOptions = {}): Promise<T> {
    const open = await this.send(spec, options, { keepTimeoutForBody: true });
    try {
      const { response } = open;
      if (response.status === 204 || response.status === 205) {
        await response.body?.cancel().catch(() => undefined);
        return undefined as T;
      }
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      if (!type.includes('json')) return text as T;
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      throw this.failure(error, options.signal, open, open.retryCount);
    } finally {
      open.done();
    }
  }

  /**
   * Sends `spec` and answers the response with its body unread (streams, downloads). The timeout covers
   * the wait for the response headers only; `options.signal` still aborts the body.
   */
  async open(spec: RequestSpec, options: RequestOptions = {}): Promise<OpenResponse> {
    const open = await this.send(spec, options, { keepTimeoutForBody: false });
    return { response: open.response, abort: open.abort, retryCount: open.retryCount };
  }

  /** The full URL of `path` with `query`. */
  url(path: string, query?: RequestSpec['query']): string {
    const url = `${this.settings.baseURL}${path}`;
    if (!query) return url;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      params.append(key, String(value));
    }
    const search = params.toString();
    return search ? `${url}?${search}` : url;
  }

  private async send(
    spec: RequestSpec,
    options: RequestOptions,
    mode: { keepTimeoutForBody: boolean },
  ): Promise<OpenResponse & { done: () => void; timedOut: () => boolean }> {
    const headers = this.headers(spec, options);
    const url = this.url(spec.path, spec.query);
    // A streamed body is gone once sent: it cannot be replayed, so it is never retried.
    const replayable = spec.multipart?.kind !== 'stream';
    const maxRetries = replayable ? Math.max(0, options.maxRetries ?? this.settings.maxRetries) : 0;
    const timeout = options.timeout ?? this.settings.timeout;

    for (let retry = 0; ; retry++) {
      const attempt = this.attempt(options.signal, timeout);
      let response: Response;
      try {
        const init: RequestInit & { duplex?: 'half' } = {
          method: spec.method,
          headers,
          signal: attempt.signal,
        };
        if (spec.multipart?.kind === 'form') init.body = spec.multipart.form;
        else if (spec.multipart?.kind === 'stream') {
          init.body = spec.multipart.stream;
          init.duplex = 'half';
        } else if (spec.body !== undefined) init.body = JSON.stringify(spec.body);
        response = await this.settings.fetch(url, init);
      } catch (cause) {
        attempt.done();
        const error = this.failure(cause, options.signal, attempt, retry);
        if (error.isRetryable && retry < maxRetries) {
          await this.pause(retry + 1, undefined, options.signal, retry);
          continue;
        }
        throw error;
      }

      if (!response.ok) {
        let body: unknown;
        try {
          const text = await response.text();
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        } catch (cause) {
          attempt.done();
          throw this.failure(cause, options.signal, attempt, retry);
        }
        attempt.done();
        const error = APIError.fromResponse(response.status, body, response.headers, retry);
        if (error.isRetryable && retry < maxRetries) {
          await this.pause(retry + 1, response.headers, options.signal, retry);
          continue;
        }
        throw error;
      }

      if (!mode.keepTimeoutForBody) attempt.clearTimer();
      return { response, retryCount: retry, ...attempt };
    }
  }

  /** One attempt's abort controller: the caller's signal and the timeout, whichever fires first. */
  private attempt(userSignal: AbortSignal | undefined, timeout: number) {
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort(userSignal?.reason);
    if (userSignal?.aborted) controller.abort(userSignal.reason);
    else userSignal?.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined =
      timeout > 0 && Number.isFinite(timeout)
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new Error(`timed out after ${timeout} ms`));
          }, timeout)
        : undefined;
    const clearTimer = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    return {
      signal: controller.signal,
      timeoutMs: timeout,
      abort: () => controller.abort(),
      timedOut: () => timedOut,
      clearTimer,
      done: () => {
        clearTimer();
        userSignal?.removeEventListener('abort', onAbort);
      },
    };
  }

  /** The SDK error for a thrown `cause`: the caller aborted, the timeout fired, or the connection failed. */
  failure(
    cause: unknown,
    userSignal: AbortSignal | undefined,
    attempt: { timedOut: () => boolean; timeoutMs?: number },
    retryCount: number,
  ): APIError {
    if (cause instanceof APIError) return cause;
    if (userSignal?.aborted) return new APIUserAbortError({ cause, retryCount });
    if (attempt.timedOut())
      return new APITimeoutError({
        cause,
        retryCount,
        message: `The request timed out (no answer within ${attempt.timeoutMs ?? this.settings.timeout} ms)`,
      });
    if (cause instanceof SyntaxError)
      return new APIError({
        code: 'invalid_response',
        message: `The server's answer is not valid JSON: ${cause.message}`,
        cause,
        retryCount,
      });
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    const detail = reason?.code ?? reason?.message ?? (cause as Error)?.message;
    return new APIConnectionError({
      cause,
      retryCount,
      message: `Could not reach ${this.settings.baseURL}${detail ? ` (${detail})` : ''}`,
    });
  }

  private async pause(
    retry: number,
    headers: Headers | undefined,
    signal: AbortSignal | undefined,
    retryCount: number,
  ): Promise<void> {
    try {
      await sleep(retryDelayMs(retry, headers), signal);
    } catch (cause) {
      throw new APIUserAbortError({ cause, retryCount });
    }
  }

  private headers(spec: RequestSpec, options: RequestOptions): Record<string, string> {
    const s = this.settings;
    const headers: Record<string, string | null | undefined> = {
      accept: spec.accept ?? 'application/json',
      authorization: `Bearer ${s.apiKey}`,
    };
    if (spec.body !== undefined && !spec.multipart) headers['content-type'] = 'application/json';
    if (spec.multipart?.kind === 'stream') headers['content-type'] = spec.multipart.contentType;
    if (s.tenant) headers['x-nexus-tenant'] = s.tenant;
    // Browsers refuse to let scripts set User-Agent; elsewhere it names the SDK in the server's logs.
    if (isNode()) headers['user-agent'] = `nexus-sdk-typescript/${SDK_VERSION}`;
    if (spec.method === 'POST' || options.idempotencyKey !== undefined) {
      const key = options.idempotencyKey ?? `nexus-sdk-${randomUUID()}`;
      if (!IDEMPOTENCY_KEY.test(key))
        throw new NexusValidationError(
          'validation_failed',
          'idempotencyKey must be 1–255 printable ASCII characters',
          { param: 'idempotencyKey' },
        );
      headers['idempotency-key'] = key;
    }
    for (const source of [s.defaultHeaders, options.headers]) {
      for (const [name, value] of Object.entries(source ?? {})) headers[name.toLowerCase()] = value;
    }
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (value != null) result[name] = value;
    return result;
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NexusAI,
  NexusError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from '../src/index.js';
import { json, MisbehavingServer, nexusError } from './support/misbehaving-server.js';
import { type RunningNexus, startNexus } from './support/nexus.js';

/**
 * Errors are built from the status (class) and the body (code, message, details, request id), for both
 * error shapes the server uses, and surface the server's code and message unchanged. The mapping table
 * runs through a small server that answers each status (the real Nexus cannot produce every status on
 * demand); the real Nexus then shows the same on its own errors.
 */

const MAPPING: [status: number, cls: new (...args: never[]) => APIError, retryable: boolean][] = [
  [400, BadRequestError, false],
  [401, AuthenticationError, false],
  [403, PermissionDeniedError, false],
  [404, NotFoundError, false],
  [405, APIError, false],
  [408, APIError, true],
  [409, ConflictError, false],
  [413, APIError, false],
  [422, UnprocessableEntityError, false],
  [429, RateLimitError, true],
  [500, InternalServerError, true],
  [501, InternalServerError, false],
  [502, InternalServerError, true],
  [503, InternalServerError, true],
  [504, InternalServerError, true],
];

describe('the error mapping table (a server answering each status)', () => {
  let server: MisbehavingServer;
  let client: NexusAI;

  beforeAll(async () => {
    // Answers the status named by the x-status header; with x-no-body-id the body has no request_id.
    server = await MisbehavingServer.start((_i, req, res) => {
      const status = Number(req.headers['x-status']);
      const body = nexusError(`code_${status}`, `Message for ${status}: ünïcödé`, `req_body_${status}`, {
        param: 'x',
      });
      if (req.headers['x-no-body-id']) delete (body.error as { request_id?: string }).request_id;
      json(res, status, body, { 'x-request-id': `req_header_${status}` });
    });
    client = new NexusAI({ apiKey: 'nx-test', baseURL: server.url, maxRetries: 0 });
  });
  afterAll(() => server?.close());

  it.each(MAPPING)(
    '%i → %o (retryable: %s), code/message/requestId/details preserved',
    async (status, cls, retryable) => {
      const error = (await client.files
        .retrieve('file_01jd8x3k5q9v7w2m4n6p8r0s1t', { headers: { 'x-status': String(status) } })
        .catch((e: unknown) => e)) as APIError;
      expect(error).toBeInstanceOf(cls);
      if (cls !== APIError) expect(error.constructor).toBe(cls);
      expect(error.status).toBe(status);
      expect(error.code).toBe(`code_${status}`);
      expect(error.message).toBe(`Message for ${status}: ünïcödé`);
      expect(error.requestId).toBe(`req_body_${status}`);
      expect(error.details).toEqual({ param: 'x' });
      expect(error.headers?.get('x-request-id')).toBe(`req_header_${status}`);
      expect(error.retryCount).toBe(0);
      expect(error.isRetryable).toBe(retryable);
    },
  );

  it('takes the request id from the x-request-id header when the body has none', async () => {
    const error = (await client.files
      .retrieve('file_01jd8x3k5q9v7w2m4n6p8r0s1t', { headers: { 'x-status': '404', 'x-no-body-id': '1' } })
      .catch((e: unknown) => e)) as APIError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.requestId).toBe('req_header_404');
  });
});

/** The same table through APIError.fromResponse, the function the transport uses for every answer. */
describe('APIError.fromResponse', () => {
  it.each(MAPPING)('%i → the right class, with everything the server said', (status, cls, retryable) => {
    const headers = new Headers({ 'x-request-id': 'req_header_1' });
    const error = APIError.fromResponse(
      status,
      nexusError(`code_${status}`, `Message ${status}`, `req_body_${status}`, [{ path: 'input.prompt' }]),
      headers,
      2,
    );
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toBeInstanceOf(NexusError);
    if (cls !== APIError) expect(error.constructor).toBe(cls);
    expect(error.status).toBe(status);
    expect(error.code).toBe(`code_${status}`);
    expect(error.message).toBe(`Message ${status}`);
    // The body's request id wins over the header (they are the same on a real Nexus).
    expect(error.requestId).toBe(`req_body_${status}`);
    expect(error.details).toEqual([{ path: 'input.prompt' }]);
    expect(error.headers).toBe(headers);
    expect(error.retryCount).toBe(2);
    expect(error.isRetryable).toBe(retryable);
  });

  it('409 is retryable only for idempotency_key_in_use', () => {
    const busy = APIError.fromResponse(409, nexusError('idempotency_key_in_use', 'busy'), new Headers());
    const conflict = APIError.fromResponse(409, nexusError('file_in_use', 'held'), new Headers());
    expect([busy.isRetryable, conflict.isRetryable]).toEqual([true, false]);
  });

  it("reads OpenAI's error shape (the gateway routes) and falls back to its type when code is null", () => {
    const headers = new Headers({ 'x-request-id': 'req_from_header' });
    const withCode = APIError.fromResponse(
      400,
      {
        error: {
          message: 'model is required',
          type: 'invalid_request_error',
          param: 'model',
          code: 'validation_failed',
        },
      },
      headers,
    );
    expect(withCode).toBeInstanceOf(BadRequestError);
    expect([withCode.code, withCode.message, withCode.type, withCode.param]).toEqual([
      'validation_failed',
      'model is required',
      'invalid_request_error',
      'model',
    ]);
    // OpenAI's shape has no request_id: the x-request-id header gives it.
    expect(withCode.requestId).toBe('req_from_header');
    const nullCode = APIError.fromResponse(
      429,
      { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: null } },
      headers,
    );
    expect(nullCode.code).toBe('rate_limit_error');
  });

  it.each([
    [
      'an HTML page from a proxy',
      '<html>Bad Gateway</html>',
      502,
      'internal_error',
      '<html>Bad Gateway</html>',
    ],
    ['an empty body', '', 404, 'not_found', 'The server answered 404 without an error message'],
    [
      'JSON without an error object',
      { nope: true },
      400,
      'bad_request',
      'The server answered 400 without an error message',
    ],
    ['a string error', { error: 'boom' }, 500, 'internal_error', 'boom'],
    ['an unknown status', '', 418, 'http_418', 'The server answered 418 without an error message'],
  ])('a body that is %s still gives a usable error', (_what, body, status, code, message) => {
    const error = APIError.fromResponse(status, body, new Headers());
    expect([error.status, error.code, error.message, error.requestId]).toEqual([status, code, message, null]);
  });

  it.each([
    ['delta seconds', '7', 7],
    ['a fraction', '1.5', 1.5],
    ['an HTTP date 30 s ahead', new Date(Date.parse('2026-01-01T00:00:30Z')).toUTCString(), 30],
    ['an HTTP date in the past', 'Thu, 01 Jan 2025 00:00:00 GMT', 0],
    ['garbage', 'soon', null],
  ])('RateLimitError.retryAfter from Retry-After as %s', (_what, value, expected) => {
    const realNow = Date.now;
    Date.now = () => Date.parse('2026-01-01T00:00:00Z');
    try {
      const error = APIError.fromResponse(
        429,
        nexusError('rate_limited', 'x'),
        new Headers({ 'retry-after': value }),
      );
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).retryAfter).toBe(expected);
    } finally {
      Date.now = realNow;
    }
  });

  it('connection and timeout errors have no status, their own codes, and are retryable', () => {
    const connection = new APIConnectionError();
    const timeout = new APITimeoutError();
    expect(timeout).toBeInstanceOf(APIConnectionError);
    expect([connection.status, connection.code, connection.isRetryable]).toEqual([
      undefined,
      'connection_error',
      true,
    ]);
    expect([timeout.status, timeout.code, timeout.isRetryable]).toEqual([undefined, 'timeout', true]);
  });
});

describe('errors from a real Nexus keep its code, message and request id', () => {
  let nexus: RunningNexus;
  beforeAll(async () => {
    nexus = await startNexus();
  });
  afterAll(() => nexus?.close());

  it('404 not_found for a missing conversation, with the x-request-id header as requestId', async () => {
    const error = (await nexus
      .client()
      .conversations.retrieve('conv_01jd8x3k5q9v7w2m4n6p8r0s1t')
      .catch((e: unknown) => e)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.status).toBe(404);
    expect(error.code).toBe('not_found');
    expect(error.requestId).toMatch(/^req_/);
    expect(error.requestId).toBe(error.headers?.get('x-request-id'));
    expect(error.isRetryable).toBe(false);
  });

  it('401 for a wrong key, 400 invalid_id for a malformed id, 400 validation_failed with details', async () => {
    const bad = nexus.client({ apiKey: 'nx-not-a-real-key' });
    const unauthorized = (await bad.conversations.list().then(
      () => undefined,
      (e: unknown) => e,
    )) as AuthenticationError;
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.code).toMatch(/^invalid_api_key|unauthorized$/);

    const client = nexus.client();
    const invalidId = (await client.files.retrieve('not-an-id').catch((e: unknown) => e)) as BadRequestError;
    expect(invalidId).toBeInstanceOf(BadRequestError);
    expect(invalidId.code).toBe('invalid_id');

    const invalid = (await client.conversations
      .create({ model: 'local', title: 'x'.repeat(201) })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(invalid).toBeInstanceOf(BadRequestError);
    expect(invalid.code).toBe('validation_failed');
    expect(invalid.message).toContain('title');
    expect(invalid.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'title' })]));
  });

  it("the gateway's OpenAI-shaped errors map the same way", async () => {
    const bad = nexus.client({ apiKey: 'nx-not-a-real-key' });
    const error = (await bad.models.list().then(
      () => undefined,
      (e: unknown) => e,
    )) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.type).toBe('authentication_error');
    expect(error.code).not.toBe('');
    expect(error.requestId).toMatch(/^req_/);
  });
});

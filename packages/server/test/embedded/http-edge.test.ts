import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../../src/errors.js';
import { idSchema, newId } from '../../src/ids.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { createTestApp, type TestApp } from '../support/app.js';

const LATEST_MIGRATION = Object.keys(migrations).at(-1)!;
const MIGRATION_COUNT = Object.keys(migrations).length;

/** Routes that exercise the edge the way feature routes will: strict schemas, ids, thrown errors. */
function registerProbeRoutes(root: FastifyInstance): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/v1/test/echo',
    { schema: { body: z.object({ name: z.string().min(1), count: z.number().int().min(0) }).strict() } },
    async (request) => ({ received: request.body }),
  );
  app.get(
    '/v1/test/items',
    {
      schema: {
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }).strict(),
      },
    },
    async (request) => ({ limit: request.query.limit ?? 20 }),
  );
  app.get(
    '/v1/test/users/:id',
    { schema: { params: z.object({ id: idSchema('usr') }) } },
    async (request) => ({
      id: request.params.id,
    }),
  );
  app.get(
    '/v1/test/public-user',
    { schema: { response: { 200: z.object({ id: z.string(), email: z.string() }) } } },
    async () => ({ id: 'usr_1', email: 'a@example.com', password_hash: '$argon2id$secret' }) as never,
  );
  app.get('/v1/test/conflict', async () => {
    throw new ConflictError('Already streaming', { details: { conversation_id: 'conv_x' } });
  });
  app.get('/v1/test/crash', async () => {
    throw new Error('secret internal detail: password=hunter2 at /srv/app.js:12');
  });
  app.get('/v1/test/db-down', async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  });
}

describe('HTTP edge on the embedded stack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' }, register: registerProbeRoutes });
  });
  afterAll(() => t.close());

  const validUser = newId('usr');
  const badInputs: {
    name: string;
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    url: string;
    headers?: Record<string, string>;
    payload?: string;
    status: number;
    code: string;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "a",',
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'JSON with trailing garbage',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a","count":1} x',
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'empty JSON body',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '',
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'wrong content type (text/plain)',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'wrong content type (form)',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'body over the limit',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(4096), count: 1 }),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'missing required field',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a"}',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'wrong field type',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a","count":"many"}',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'unknown body field on a strict route',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a","count":1,"admin":true}',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'JSON array instead of object',
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '[1,2]',
      status: 400,
      code: 'validation_failed',
    },
    { name: 'unknown route', method: 'GET', url: '/v1/nothing-here', status: 404, code: 'route_not_found' },
    {
      name: 'unknown route with POST',
      method: 'POST',
      url: '/v1/nothing-here',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
      status: 404,
      code: 'route_not_found',
    },
    {
      name: 'wrong method on a known path',
      method: 'DELETE',
      url: '/healthz',
      status: 404,
      code: 'route_not_found',
    },
    {
      name: 'unknown query parameter on a strict route',
      method: 'GET',
      url: '/v1/test/items?limit=5&sort=desc',
      status: 400,
      code: 'unknown_parameter',
    },
    {
      name: 'unknown query parameter on /v1/status',
      method: 'GET',
      url: '/v1/status?verbose=1',
      status: 400,
      code: 'unknown_parameter',
    },
    {
      name: 'out-of-range query value',
      method: 'GET',
      url: '/v1/test/items?limit=1000',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'non-numeric query value',
      method: 'GET',
      url: '/v1/test/items?limit=ten',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'id with the wrong prefix',
      method: 'GET',
      url: `/v1/test/users/${validUser.replace('usr_', 'ten_')}`,
      status: 400,
      code: 'invalid_id',
    },
    { name: 'id too short', method: 'GET', url: '/v1/test/users/usr_123', status: 400, code: 'invalid_id' },
    {
      name: 'id with SQL in it',
      method: 'GET',
      url: `/v1/test/users/${encodeURIComponent("usr_1' or '1'='1")}`,
      status: 400,
      code: 'invalid_id',
    },
    {
      name: 'service error keeps its code',
      method: 'GET',
      url: '/v1/test/conflict',
      status: 409,
      code: 'conflict',
    },
    {
      name: 'database unreachable',
      method: 'GET',
      url: '/v1/test/db-down',
      status: 503,
      code: 'service_unavailable',
    },
  ];

  it.each(badInputs)('$name → $status $code', async ({ method, url, headers, payload, status, code }) => {
    const response = await t.app.inject({
      method,
      url,
      ...(headers ? { headers } : {}),
      ...(payload === undefined ? {} : { payload }),
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(body.error.request_id).toBe(response.headers['x-request-id']);
  });

  it('names the offending fields in validation details', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/test/echo',
      payload: { name: '', count: -1, extra: 1 },
    });
    const details = response.json().error.details as { location: string; path: string }[];
    expect(details.map((d) => d.path).sort()).toEqual(['count', 'extra', 'name']);
    expect(details.every((d) => d.location === 'body')).toBe(true);
  });

  it('names unknown query parameters', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/test/items?sort=1&page=2' });
    expect(response.json().error.message).toMatch(/sort, page|page, sort/);
  });

  it('accepts good input on the same routes', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/test/echo', payload: { name: 'a', count: 2 } })).json(),
    ).toEqual({
      received: { name: 'a', count: 2 },
    });
    expect((await t.app.inject({ method: 'GET', url: '/v1/test/items?limit=5' })).json()).toEqual({
      limit: 5,
    });
    expect((await t.app.inject({ method: 'GET', url: `/v1/test/users/${validUser}` })).json()).toEqual({
      id: validUser,
    });
  });

  it('drops fields the response schema does not declare, so handlers cannot leak them', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/test/public-user' });
    expect(response.json()).toEqual({ id: 'usr_1', email: 'a@example.com' });
    expect(response.body).not.toContain('argon2');
  });

  it('probes ignore query parameters (load balancers add cache busters)', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz?ts=123' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz?ts=123' })).statusCode).toBe(200);
  });

  it('turns an unknown error into a 500 without leaking internals, and logs it', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/test/crash' });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body.error.code).toBe('internal_error');
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('/srv/app.js');
    const logged = t.logs.lines.find((l) => l.request_id === body.error.request_id && l.level === 'error');
    expect(logged).toBeDefined();
  });

  it('answers 503 with Retry-After when the database is unreachable', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/test/db-down' });
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json().error.details).toEqual({ dependency: 'database' });
  });
});

describe('request ids and logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('puts a request id on every response and every log line of the request', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/status' });
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^req_[0-9a-f]{12}[0-9a-z]{8,}$/);
    const lines = t.logs.lines.filter((l) => l.request_id === id);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      method: 'GET',
      url: '/v1/status',
      status_code: 200,
    });
  });

  it.each([
    ['abc-123', 'abc-123'],
    ['trace.id:7_x', 'trace.id:7_x'],
  ])('keeps a sane incoming x-request-id %j', async (incoming, expected) => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': incoming },
    });
    expect(response.headers['x-request-id']).toBe(expected);
  });

  it.each([['x'.repeat(200)], ['has space'], ['inject\nnewline'], ['<script>']])(
    'replaces an unsafe incoming x-request-id %j',
    async (incoming) => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': incoming },
      });
      expect(response.headers['x-request-id']).toMatch(/^req_/);
    },
  );

  it('never logs the Authorization header or secret query values', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/v1/status?token=leaky-token',
      headers: { authorization: 'Bearer super-secret-token', cookie: 'sid=cookie-secret' },
    });
    expect(t.logs.text).not.toContain('super-secret-token');
    expect(t.logs.text).not.toContain('cookie-secret');
    expect(t.logs.text).not.toContain('leaky-token');
  });
});

describe('ops endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('healthz and readyz answer ok with each dependency checked', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      failing: [],
      checks: { database: { status: 'ok' }, cache: { status: 'ok' } },
    });
  });

  it('status reads the schema version from the database', async () => {
    const body = (await t.app.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(body).toMatchObject({
      database: { kind: 'pglite', schema_version: LATEST_MIGRATION, migrations_applied: MIGRATION_COUNT },
      cache: { kind: 'memory' },
    });
  });

  it('serves OpenAPI 3.1 generated from the route schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/status']));
    expect(doc.paths['/v1/status'].get.responses['200']).toBeDefined();
    expect(doc.paths['/readyz'].get.responses['503']).toBeDefined();
    expect(Object.keys(doc.paths).some((p: string) => p.startsWith('/docs'))).toBe(false);
  });

  it('serves the interactive docs', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger');
  });

  it('readyz answers 503 naming the dependency that fails', async () => {
    const other = await createTestApp();
    await other.container.cache.close();
    const response = await other.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'unavailable',
      failing: ['cache'],
      checks: { cache: { status: 'error' }, database: { status: 'ok' } },
    });
    await other.close();
  });
});

describe('generated request ids', () => {
  it('are unique across many requests', async () => {
    const { requestIdFor } = await import('../../src/http/request-id.js');
    const ids = new Set(Array.from({ length: 10_000 }, () => requestIdFor({ headers: {} } as never)));
    expect(ids.size).toBe(10_000);
  });
});

import { describe, expect, it } from 'vitest';
import { documentIdempotencyKey } from './idempotency.js';

describe('documentIdempotencyKey', () => {
  const input = {
    openapi: '3.1.0',
    paths: {
      '/v1/things': {
        get: { parameters: [{ name: 'limit', in: 'query' }], responses: { 200: { description: 'ok' } } },
        post: {
          parameters: [{ name: 'x-nexus-tenant', in: 'header' }],
          responses: { 201: { description: 'created' }, 400: { $ref: '#/components/responses/Bad' } },
        },
      },
      '/v1/other': {
        post: { responses: { 200: { description: 'ok', headers: { 'X-Own': { schema: {} } } } } },
      },
    },
    components: { schemas: { Error: { type: 'object' } } },
  };
  const doc = documentIdempotencyKey(input) as unknown as {
    paths: Record<string, Record<string, { parameters?: unknown[]; responses: Record<string, unknown> }>>;
    components: Record<string, Record<string, unknown>>;
  };
  const ref = { $ref: '#/components/parameters/IdempotencyKey' };
  const header = { $ref: '#/components/headers/IdempotentReplayed' };

  it('adds the shared parameter to every POST operation, after its own', () => {
    expect(doc.paths['/v1/things']!.post!.parameters).toEqual([
      { name: 'x-nexus-tenant', in: 'header' },
      ref,
    ]);
    expect(doc.paths['/v1/other']!.post!.parameters).toEqual([ref]);
  });

  it('leaves other methods alone', () => {
    expect(doc.paths['/v1/things']!.get).toEqual(input.paths['/v1/things'].get);
  });

  it('documents Idempotent-Replayed on inline responses, keeping their own headers', () => {
    expect(doc.paths['/v1/things']!.post!.responses['201']).toEqual({
      description: 'created',
      headers: { 'Idempotent-Replayed': header },
    });
    expect(doc.paths['/v1/things']!.post!.responses['400']).toEqual({ $ref: '#/components/responses/Bad' });
    expect(doc.paths['/v1/other']!.post!.responses['200']).toMatchObject({
      headers: { 'X-Own': { schema: {} }, 'Idempotent-Replayed': header },
    });
  });

  it('defines the parameter and the header once, keeping the other components', () => {
    expect(doc.components.schemas).toEqual({ Error: { type: 'object' } });
    expect(doc.components.parameters!.IdempotencyKey).toMatchObject({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
    expect(doc.components.headers!.IdempotentReplayed).toBeDefined();
  });

  it('does not change its input', () => {
    expect(input.paths['/v1/other'].post).toEqual({
      responses: { 200: { description: 'ok', headers: { 'X-Own': { schema: {} } } } },
    });
    expect('parameters' in input.components).toBe(false);
  });

  it('its key pattern accepts and refuses what the server does', () => {
    const pattern = new RegExp(
      (doc.components.parameters!.IdempotencyKey as { schema: { pattern: string } }).schema.pattern,
    );
    expect(pattern.test('5c2f3a5e-0b8e-4d7a')).toBe(true);
    expect(pattern.test('a b')).toBe(true);
    expect(pattern.test(' a')).toBe(false);
    expect(pattern.test('café')).toBe(false);
  });
});

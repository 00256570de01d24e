import { describe, expect, it } from 'vitest';
import { InvalidIdempotencyKeyError } from './idempotency.errors.js';
import { parseIdempotencyKey, requestFingerprint } from './idempotency.service.js';

describe('parseIdempotencyKey', () => {
  it.each([
    ['one character', 'a'],
    ['255 characters', 'k'.repeat(255)],
    ['a UUID', '5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44'],
    ['spaces inside', 'order 17 retry'],
    ['every printable ASCII symbol', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  ])('accepts %s', (_label, key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([
    ['empty', '', 'length'],
    ['256 characters', 'k'.repeat(256), 'length'],
    ['only spaces', '   ', 'characters'],
    ['a leading space', ' key', 'characters'],
    ['a trailing space', 'key ', 'characters'],
    ['a tab', 'a\tb', 'characters'],
    ['a non-ASCII letter', 'café', 'characters'],
    ['a control character', 'a\u0001b', 'characters'],
    ['DEL', 'a\u007fb', 'characters'],
    ['an emoji', 'key🔑', 'characters'],
  ])('refuses %s with invalid_idempotency_key', (_label, key, reason) => {
    let thrown: unknown;
    try {
      parseIdempotencyKey(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidIdempotencyKeyError);
    expect((thrown as InvalidIdempotencyKeyError).code).toBe('invalid_idempotency_key');
    expect((thrown as InvalidIdempotencyKeyError).status).toBe(400);
    expect((thrown as InvalidIdempotencyKeyError).details).toMatchObject({ reason });
  });

  it('refuses a repeated header', () => {
    expect(() => parseIdempotencyKey(['a', 'b'])).toThrow(InvalidIdempotencyKeyError);
  });
});

describe('requestFingerprint', () => {
  const json = (sha256: string) => ({ kind: 'json', sha256 }) as const;
  const base = requestFingerprint('POST', '/v1/conversations', json('a'.repeat(64)));

  it('is a SHA-256 hex digest and stable', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint('POST', '/v1/conversations', json('a'.repeat(64)))).toBe(base);
  });

  it.each([
    ['another method', requestFingerprint('PUT', '/v1/conversations', json('a'.repeat(64)))],
    ['another path', requestFingerprint('POST', '/v1/files', json('a'.repeat(64)))],
    ['another query string', requestFingerprint('POST', '/v1/conversations?x=1', json('a'.repeat(64)))],
    ['another body', requestFingerprint('POST', '/v1/conversations', json('b'.repeat(64)))],
    ['no body', requestFingerprint('POST', '/v1/conversations', { kind: 'none' })],
    [
      'a streamed body',
      requestFingerprint('POST', '/v1/conversations', { kind: 'stream', mediaType: 'multipart/form-data' }),
    ],
  ])('changes with %s', (_label, other) => {
    expect(other).not.toBe(base);
  });
});

import { describe, expect, it } from 'vitest';
import { idSchema, isId, newId } from './ids.js';

describe('ids', () => {
  it('are prefixed, lower-case and sortable by creation', () => {
    const ids = Array.from({ length: 100 }, () => newId('usr'));
    for (const id of ids) expect(id).toMatch(/^usr_[0-9a-z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(100);
  });

  it.each([
    ['ten_01jd8x3k5q9v7w2m4n6p8r0s1t', 'usr'],
    ['usr_01jd8x3k5q9v7w2m4n6p8r0s1', 'usr'],
    ['usr_01jd8x3k5q9v7w2m4n6p8r0s1tt', 'usr'],
    ['usr_01JD8X3K5Q9V7W2M4N6P8R0S1T', 'usr'],
    ['usr_01jd8x3k5q9v7w2m4n6p8r0s1i', 'usr'],
    ['usr-01jd8x3k5q9v7w2m4n6p8r0s1t', 'usr'],
    ["usr_01jd8x3k5q9v7w2m4n6p8r0s1'", 'usr'],
    ['', 'usr'],
  ] as const)('rejects %j as a %s id', (value, prefix) => {
    expect(isId(prefix, value)).toBe(false);
    expect(idSchema(prefix).safeParse(value).success).toBe(false);
  });

  it('accepts what it makes', () => {
    const id = newId('conv');
    expect(isId('conv', id)).toBe(true);
    expect(idSchema('conv').parse(id)).toBe(id);
  });
});

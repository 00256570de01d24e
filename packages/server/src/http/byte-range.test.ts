import { describe, expect, it } from 'vitest';
import { resolveRange } from '../platform/storage/object-storage.js';
import { parseRangeHeader } from './byte-range.js';

describe('parseRangeHeader', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100 }],
    ['bytes=-500', { suffix: 500 }],
    [' bytes=5-5 ', { start: 5, end: 5 }],
  ])('%j → %j', (header, range) => {
    expect(parseRangeHeader(header)).toEqual(range);
  });

  it.each([
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'bytes=5-2',
    'bytes=0-1,5-6',
    'items=0-1',
    'bytes=a-b',
    'bytes=1e3-',
  ])('ignores %j', (header) => {
    expect(parseRangeHeader(header)).toBeNull();
  });
});

describe('resolveRange', () => {
  it.each([
    [{ start: 0, end: 3 }, 10, { start: 0, end: 3 }],
    [{ start: 8, end: 100 }, 10, { start: 8, end: 9 }],
    [{ start: 4 }, 10, { start: 4, end: 9 }],
    [{ suffix: 3 }, 10, { start: 7, end: 9 }],
    [{ suffix: 30 }, 10, { start: 0, end: 9 }],
    [{ start: 10 }, 10, null],
    [{ suffix: 0 }, 10, null],
  ])('%j of %d bytes → %j', (request, size, expected) => {
    expect(resolveRange(request, size)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { applyDiff, jsonDiff } from './json-diff.js';

describe('jsonDiff', () => {
  it('answers nothing for equal documents', () => {
    const doc = { a: 1, b: { c: [1, { d: 'x' }] }, e: null };
    expect(jsonDiff(doc, structuredClone(doc))).toEqual([]);
  });

  it.each([
    [
      'a changed scalar',
      { rag: { top_k: 5 } },
      { rag: { top_k: 8 } },
      [{ op: 'replace', path: '/rag/top_k', from: 5, value: 8 }],
    ],
    [
      'an added key',
      { flags: {} },
      { flags: { beta: { enabled: true } } },
      [{ op: 'add', path: '/flags/beta', value: { enabled: true } }],
    ],
    [
      'a removed key',
      { flags: { beta: 1 } },
      { flags: {} },
      [{ op: 'remove', path: '/flags/beta', from: 1 }],
    ],
    ['null to a value', { p: null }, { p: 'hi' }, [{ op: 'replace', path: '/p', from: null, value: 'hi' }]],
    [
      'an object replaced by an array',
      { x: { a: 1 } },
      { x: [1] },
      [{ op: 'replace', path: '/x', from: { a: 1 }, value: [1] }],
    ],
    ['an array element appended', { l: [1] }, { l: [1, 2] }, [{ op: 'add', path: '/l/1', value: 2 }]],
    [
      'array elements removed from the end',
      { l: [1, 2, 3] },
      { l: [1] },
      [
        { op: 'remove', path: '/l/2', from: 3 },
        { op: 'remove', path: '/l/1', from: 2 },
      ],
    ],
    [
      'a key with / and ~ is escaped',
      { m: { 'a/b~c': 1 } },
      { m: { 'a/b~c': 2 } },
      [{ op: 'replace', path: '/m/a~1b~0c', from: 1, value: 2 }],
    ],
  ])('%s', (_name, before, after, expected) => {
    expect(jsonDiff(before, after)).toEqual(expected);
  });

  it('orders changes by key, so the output is stable', () => {
    expect(jsonDiff({ b: 1, a: 1 }, { a: 2, b: 2 }).map((c) => c.path)).toEqual(['/a', '/b']);
  });

  it.each([
    [{}, { flags: { x: { enabled: true, rules: [{ type: 'ip', cidrs: ['10.0.0.0/8'] }] } } }],
    [
      { a: [1, 2, 3, { b: 4 }], c: 'x' },
      { a: [9, 2], d: { e: [true] } },
    ],
    [
      { models: { aliases: { fast: 'local' } } },
      { models: { aliases: {} }, prompts: { default_system: 'Be brief' } },
    ],
  ])('applying the diff to the old document gives the new one (%#)', (before, after) => {
    expect(applyDiff(before, jsonDiff(before, after))).toEqual(after);
  });
});

import { describe, expect, it } from 'vitest';
import { csvToBlocks, jsonToBlocks } from './data-text.js';

const texts = (blocks: Array<{ text: string }>) => blocks.map((block) => block.text);

describe('jsonToBlocks', () => {
  it.each([
    [
      'an object: one block per key',
      { name: 'Ada', tags: ['x', 'y'], meta: { born: 1815, alive: false } },
      ['name: Ada', 'tags[0]: x\ntags[1]: y', 'meta.born: 1815\nmeta.alive: false'],
    ],
    [
      'an array: one block per element',
      [{ id: 1 }, { id: 2, note: null }],
      ['[0].id: 1', '[1].id: 2\n[1].note: null'],
    ],
    ['a scalar', 'just text', ['just text']],
    ['keys that need quoting', { 'a b': 1, 'x.y': 2, 中文: 3 }, ['"a b": 1', '"x.y": 2', '中文: 3']],
    ['empty containers and strings are left out', { a: [], b: {}, c: '', d: 'kept' }, ['d: kept']],
    ['nothing at all', [], []],
  ])('%s', (_, value, expected) => {
    expect(texts(jsonToBlocks(value))).toEqual(expected);
  });

  it('handles very deep nesting without recursion', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) value = [value];
    const [block] = jsonToBlocks(value);
    expect(block!.text.endsWith('[0]: leaf')).toBe(true);
  });
});

describe('csvToBlocks', () => {
  it.each([
    ['header: value per row', 'name,age\nAda,36\nAlan,41\n', ['name: Ada\nage: 36', 'name: Alan\nage: 41']],
    [
      'quotes, escaped quotes, delimiters and newlines in fields',
      'a,b\n"x, y","say ""hi""\nthere"',
      ['a: x, y\nb: say "hi"\nthere'],
    ],
    ['semicolons', 'a;b\n1;2', ['a: 1\nb: 2']],
    ['tabs', 'a\tb\n1\t2', ['a: 1\nb: 2']],
    ['empty cells are left out, extra cells named', 'a,,c\n1,2,,4\n,,', ['a: 1\ncolumn 2: 2\ncolumn 4: 4']],
    ['CRLF line endings (already unified) and blank lines', 'a,b\n\n1,2\n', ['a: 1\nb: 2']],
    ['only a header', 'a,b,c', ['a | b | c']],
    ['an unterminated quote runs to the end', 'a\n"open', ['a: open']],
    ['empty', '', []],
  ])('%s', (_, csv, expected) => {
    expect(texts(csvToBlocks(csv))).toEqual(expected);
  });

  it('rows are table blocks', () => {
    expect(csvToBlocks('a\n1')[0]!.kind).toBe('table');
  });
});

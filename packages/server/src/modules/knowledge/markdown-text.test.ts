import { describe, expect, it } from 'vitest';
import { inlineText, markdownToBlocks } from './markdown-text.js';

const blocksOf = (markdown: string) =>
  markdownToBlocks(markdown).blocks.map((block) =>
    block.kind === 'heading' ? [block.kind, block.text, block.level] : [block.kind, block.text],
  );

describe('markdownToBlocks', () => {
  it.each([
    [
      'ATX headings',
      '# One\n## Two ##\n###### Six',
      [
        ['heading', 'One', 1],
        ['heading', 'Two', 2],
        ['heading', 'Six', 6],
      ],
    ],
    [
      'setext headings',
      'Title\n=====\n\nSub\n---',
      [
        ['heading', 'Title', 1],
        ['heading', 'Sub', 2],
      ],
    ],
    [
      'soft line breaks join a paragraph',
      'one\ntwo\n\nthree',
      [
        ['paragraph', 'one two'],
        ['paragraph', 'three'],
      ],
    ],
    ['CJK soft breaks join without a space', '机器\n学习', [['paragraph', '机器学习']]],
    [
      'fenced code keeps its lines',
      '```js\nconst a = 1;\n  b();\n```\nafter',
      [
        ['code', 'const a = 1;\n  b();'],
        ['paragraph', 'after'],
      ],
    ],
    [
      'tilde fences and an unclosed fence',
      '~~~\nx\n~~~\n```\nopen',
      [
        ['code', 'x'],
        ['code', 'open'],
      ],
    ],
    [
      'indented code',
      'para\n\n    code line\n    more',
      [
        ['paragraph', 'para'],
        ['code', 'code line\nmore'],
      ],
    ],
    [
      'lists: bullets, numbers, continuation, nesting',
      '- a\n- b\n  continued\n  - nested\n1. c\n\nafter',
      [
        ['list', '- a\n- b continued\n- nested\n- c'],
        ['paragraph', 'after'],
      ],
    ],
    ['tables', '| h1 | h2 |\n|:---|---:|\n| a | b \\| c |\n| d |', [['table', 'h1 | h2\na | b | c\nd']]],
    [
      'block quotes hold Markdown',
      '> # Quoted\n> text\n\nout',
      [
        ['heading', 'Quoted', 1],
        ['paragraph', 'text'],
        ['paragraph', 'out'],
      ],
    ],
    [
      'rules and link definitions are dropped',
      'a\n\n---\n\n[ref]: https://x.y\n\nb',
      [
        ['paragraph', 'a'],
        ['paragraph', 'b'],
      ],
    ],
    ['front matter is skipped', '---\ntitle: x\n---\nbody', [['paragraph', 'body']]],
    [
      'HTML lines lose their tags',
      '<div align="center">\n<b>Bold</b> text\n</div>',
      [['paragraph', 'Bold text']],
    ],
    ['empty', '', []],
  ])('%s', (_, markdown, expected) => {
    expect(blocksOf(markdown)).toEqual(expected);
  });

  it('the title is the first level-1 heading', () => {
    expect(markdownToBlocks('## Sub\n\n# Main\n\n# Other').title).toBe('Main');
    expect(markdownToBlocks('text only').title).toBeUndefined();
  });

  it('deeply nested quotes do not recurse without end', () => {
    const blocks = markdownToBlocks(`${'> '.repeat(100_000)}deep`).blocks;
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.text.endsWith('deep')).toBe(true);
  });
});

describe('inlineText', () => {
  it.each([
    ['**bold**, __strong__, *em*, _em_ and ~~struck~~', 'bold, strong, em, em and struck'],
    ['snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['[link](https://x.y "title") and ![alt](img.png) and [ref][1]', 'link and alt and ref'],
    ['`code *not em*` and ``a ` b``', 'code *not em* and a ` b'],
    ['<https://x.y> and <span>inline</span> html', 'https://x.y and inline html'],
    ['\\*escaped\\* &amp; entity', '*escaped* & entity'],
  ])('%j', (input, output) => {
    expect(inlineText(input)).toBe(output);
  });

  it('stays linear on adversarial input', () => {
    expect(inlineText('`'.repeat(3_000)).length).toBeLessThanOrEqual(3_000);
    expect(inlineText(`**${'a'.repeat(100_000)}`)).toBe('a'.repeat(100_000));
  });
});

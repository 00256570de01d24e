import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToBlocks } from './html-text.js';

const kindsAndTexts = (html: string) => htmlToBlocks(html).blocks.map((block) => [block.kind, block.text]);

describe('htmlToBlocks', () => {
  it('headings with levels, paragraphs, inline markup joined', () => {
    const { blocks, title } = htmlToBlocks(
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title> My  Page </title></head><body><h1>Top</h1><p>Hello <b>bold</b> <a href="/x">link</a>.</p><h3 class="x">Deep</h3><div>Div text</div></body></html>',
    );
    expect(title).toBe('My Page');
    expect(blocks).toEqual([
      { kind: 'heading', text: 'Top', level: 1 },
      { kind: 'paragraph', text: 'Hello bold link.' },
      { kind: 'heading', text: 'Deep', level: 3 },
      { kind: 'paragraph', text: 'Div text' },
    ]);
  });

  it.each([
    [
      'script, style, noscript, template, svg and nav are skipped',
      '<p>a</p><script>var x = "<p>no</p>";</script><style>p{}</style><noscript>no</noscript><template><p>no</p></template><svg><text>no</text></svg><nav>menu</nav><p>b</p>',
      [
        ['paragraph', 'a'],
        ['paragraph', 'b'],
      ],
    ],
    ['comments and CDATA', '<p>a<!-- <p>hidden</p> -->b <![CDATA[raw]]></p>', [['paragraph', 'ab raw']]],
    [
      'lists, nested and with implied ends',
      '<ul><li>one<li>two<ol><li>inner</ol></li></ul>',
      [['list', '- one\n- two\n- inner']],
    ],
    [
      'tables with th/td and implied ends',
      '<table><tr><th>h1<th>h2<tr><td>a<td>b</table>',
      [['table', 'h1 | h2\na | b']],
    ],
    [
      'br is a line break',
      '<p>line one<br>line two<br/>three</p>',
      [['paragraph', 'line one\nline two\nthree']],
    ],
    ['pre keeps whitespace', '<pre>  a\n    b</pre>', [['code', '  a\n    b']]],
    ['img alt text', '<p>see <img src="x.png" alt="a chart"> here</p>', [['paragraph', 'see a chart here']]],
    ['a < that starts no tag is text', '<p>1 < 2 and a<3 b</p>', [['paragraph', '1 < 2 and a<3 b']]],
    ['quoted > inside attributes', '<p title="a > b">text</p>', [['paragraph', 'text']]],
    [
      'unclosed elements at the end',
      '<p>open <ul><li>item',
      [
        ['paragraph', 'open'],
        ['list', '- item'],
      ],
    ],
    ['stray end tags', '</div></p><p>x</p></li></td>', [['paragraph', 'x']]],
    ['whitespace between CJK lines disappears', '<p>机器\n学习</p>', [['paragraph', '机器学习']]],
    ['self-closing skipped element', '<p>a<svg/>b</p>', [['paragraph', 'ab']]],
    ['empty', '', []],
  ])('%s', (_, html, expected) => {
    expect(kindsAndTexts(html)).toEqual(expected);
  });

  it('a paragraph inside a list item stays in the item', () => {
    expect(kindsAndTexts('<ul><li><p>para</p> tail</li></ul>')).toEqual([['list', '- para tail']]);
  });

  it('survives a long run of "<" without a tag', () => {
    expect(htmlToBlocks(`<p>${'<a'.repeat(50_000)}`).blocks).toHaveLength(0);
  });
});

describe('decodeEntities', () => {
  it.each([
    ['&amp; &lt; &gt; &quot; &apos; &nbsp;', '& < > " \' \u00a0'],
    ['&#20013;&#x6587; &#X41;', '中文 A'],
    ['&#0; &#xD800; &#x110000;', '\ufffd \ufffd \ufffd'],
    ['&amp &copy2024', '& ©2024'],
    ['&unknown; &eacute &hellip;', '&unknown; &eacute …'],
    ['no entities', 'no entities'],
  ])('%j', (input, output) => {
    expect(decodeEntities(input)).toBe(output);
  });
});

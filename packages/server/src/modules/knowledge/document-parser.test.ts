import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { minimalDocx, minimalPdf, withDeclaredSize } from '../../../test/support/documents.js';
import { DocumentParseError, type DocumentParseErrorCode } from '../../errors.js';
import {
  type DocumentFormat,
  decodeText,
  formatFromExtension,
  formatFromMediaType,
  type ParsedDocument,
  type ParseLimits,
  parseDocument,
} from './document-parser.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const parse = (text: string | Uint8Array, format: DocumentFormat, limits?: ParseLimits) =>
  parseDocument({ bytes: typeof text === 'string' ? utf8(text) : text, format }, limits);

/** Every block's text is where its offsets say, and blocks are joined by a blank line. */
function expectConsistent(doc: ParsedDocument): void {
  for (const block of doc.blocks) expect(doc.text.slice(block.start, block.end)).toBe(block.text);
  expect(doc.blocks.map((block) => block.text).join('\n\n')).toBe(doc.text);
}

describe('formats', () => {
  it.each([
    ['report.PDF', 'pdf'],
    ['a.b.docx', 'docx'],
    ['README.md', 'md'],
    ['notes.markdown', 'md'],
    ['page.htm', 'html'],
    ['x.txt', 'txt'],
    ['data.json', 'json'],
    ['table.csv', 'csv'],
    ['csv', 'csv'],
    ['.json', 'json'],
    ['image.png', undefined],
    ['noextension', undefined],
    ['constructor', undefined],
  ])('formatFromExtension(%j) → %j', (name, format) => {
    expect(formatFromExtension(name)).toBe(format);
  });

  it.each([
    ['application/pdf', 'pdf'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
    ['text/markdown; charset=utf-8', 'md'],
    ['TEXT/HTML', 'html'],
    ['text/plain', 'txt'],
    ['application/ld+json', 'json'],
    ['text/csv', 'csv'],
    ['image/png', undefined],
    ['', undefined],
  ])('formatFromMediaType(%j) → %j', (type, format) => {
    expect(formatFromMediaType(type)).toBe(format);
  });
});

describe('parseDocument', () => {
  it('TXT: paragraphs at blank lines, line breaks inside kept, whitespace and line endings cleaned', async () => {
    const doc = await parse(
      '\uFEFFFirst  line\r\nsecond\tline\r\n\r\n \r\nNext\u0007 paragraph\u00a0here.\n',
      'txt',
    );
    expect(doc.blocks.map((block) => [block.kind, block.text])).toEqual([
      ['paragraph', 'First line\nsecond line'],
      ['paragraph', 'Next paragraph here.'],
    ]);
    expectConsistent(doc);
    expect(doc.title).toBeUndefined();
  });

  it('NFKC where safe: full-width letters normalised, Chinese punctuation and ellipsis kept', async () => {
    const doc = await parse('ＧＰＴ４ ﬁne 模型，很好！等等……', 'txt');
    expect(doc.text).toBe('GPT4 fine 模型，很好！等等……');
  });

  it('repairs mojibake', async () => {
    expect(
      (await parse(new Uint8Array([...utf8('Itâ'), 0xc2, 0x80, 0xc2, 0x99, ...utf8('s 20Â°C')]), 'txt')).text,
    ).toBe('It’s 20°C');
  });

  it('Markdown: headings, lists, code, tables; title from the first level-1 heading', async () => {
    const doc = await parse(
      '# Guide\n\nSome *text*.\n\n## Setup\n\n- one\n- two\n\n```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |',
      'md',
    );
    expect(doc.blocks.map((block) => [block.kind, block.text, block.level])).toEqual([
      ['heading', 'Guide', 1],
      ['paragraph', 'Some text.', undefined],
      ['heading', 'Setup', 2],
      ['list', '- one\n- two', undefined],
      ['code', 'code', undefined],
      ['table', 'a | b\n1 | 2', undefined],
    ]);
    expect(doc.title).toBe('Guide');
    expectConsistent(doc);
  });

  it('HTML: <title>, headings, entities; script and style dropped', async () => {
    const doc = await parse(
      '<html><head><title>T &amp; C</title><style>p{}</style></head><body><h2>Terms</h2><script>alert(1)</script><p>Read &lt;this&gt;.</p></body></html>',
      'html',
    );
    expect(doc.title).toBe('T & C');
    expect(doc.text).toBe('Terms\n\nRead <this>.');
    expect(doc.blocks[0]).toMatchObject({ kind: 'heading', level: 2 });
  });

  it('JSON and CSV: one value per line with its name', async () => {
    expect((await parse('{"a":{"b":[1,"x"]},"c":true}', 'json')).text).toBe(
      'a.b[0]: 1\na.b[1]: x\n\nc: true',
    );
    expect((await parse('name,age\nAda,36\n"Lovelace, A",""', 'csv')).text).toBe(
      'name: Ada\nage: 36\n\nname: Lovelace, A',
    );
  });

  it('GBK-encoded text is decoded', async () => {
    expect((await parse(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]), 'txt')).text).toBe('你好');
    expect(decodeText(new Uint8Array([0xff, 0xfe, 0x41, 0x00]))).toBe('A');
    expect(decodeText(new Uint8Array([0xfe, 0xff, 0x00, 0x41]))).toBe('A');
  });

  it('PDF: page text and numbers, running headers and page numbers removed, metadata title', async () => {
    const pages = [1, 2, 3].map((n) => [
      'ACME Handbook',
      `Page ${n} starts here and goes on`,
      'across lines of the same paragraph',
      'until it ends with a full stop here.',
      `Short end ${n}.`,
      `Page ${n} of 3`,
    ]);
    const doc = await parse(minimalPdf(pages, { title: 'Handbook' }), 'pdf');
    expect(doc.pages).toBe(3);
    expect(doc.title).toBe('Handbook');
    expect(doc.text).not.toContain('ACME');
    expect(doc.blocks.map((block) => [block.page, block.text])).toEqual(
      [1, 2, 3].map((n) => [
        n,
        `Page ${n} starts here and goes on across lines of the same paragraph until it ends with a full stop here. Short end ${n}.`,
      ]),
    );
    expectConsistent(doc);
  });

  it('PDF: does not consume the caller’s buffer', async () => {
    const bytes = minimalPdf([['Hello.']]);
    await parse(bytes, 'pdf');
    expect(bytes.byteLength).toBeGreaterThan(0);
  });

  it('DOCX: headings from styles, paragraphs and tables, via HTML', async () => {
    const doc = await parse(
      minimalDocx([
        { text: 'Annual Report', style: 'Heading1' },
        { text: 'Revenue grew.' },
        { text: 'Costs', style: 'Heading2' },
        {
          table: [
            ['item', 'cost'],
            ['rent', '10'],
          ],
        },
      ]),
      'docx',
    );
    expect(doc.blocks.map((block) => [block.kind, block.text, block.level])).toEqual([
      ['heading', 'Annual Report', 1],
      ['paragraph', 'Revenue grew.', undefined],
      ['heading', 'Costs', 2],
      ['table', 'item | cost\nrent | 10', undefined],
    ]);
    expect(doc.title).toBe('Annual Report');
  });

  it('an enormous single line is parsed without blowing up', async () => {
    const doc = await parse('x'.repeat(10_000_000), 'txt');
    expect(doc.text).toHaveLength(10_000_000);
    expect(doc.blocks).toHaveLength(1);
  });
});

describe('bad input', () => {
  const zeroes = new Uint8Array(20 * 1024 * 1024);
  const cases: Array<[string, () => Promise<unknown>, DocumentParseErrorCode, RegExp]> = [
    ['0 bytes', () => parse(new Uint8Array(), 'txt'), 'document_empty', /0 bytes/],
    ['only whitespace', () => parse(' \n\t\r\n ', 'txt'), 'document_empty', /no text/],
    ['Markdown with no text', () => parse('---\n\n***\n', 'md'), 'document_empty', /no text/],
    ['HTML with only a script', () => parse('<script>x()</script>', 'html'), 'document_empty', /no text/],
    ['over maxBytes', () => parse('hello', 'txt', { maxBytes: 4 }), 'document_too_large', /limit 4/],
    ['over maxChars', () => parse('hello world', 'txt', { maxChars: 5 }), 'document_too_large', /limit 5/],
    [
      'binary data as text',
      () => parse(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2]), 'txt'),
      'document_corrupt',
      /binary/,
    ],
    ['invalid JSON', () => parse('{"a":', 'json'), 'document_corrupt', /invalid JSON/],
    ['not a PDF', () => parse('hello', 'pdf'), 'document_corrupt', /not a PDF/],
    ['a corrupt PDF', () => parse('%PDF-1.4\ngarbage', 'pdf'), 'document_corrupt', /cannot be read/],
    [
      'a truncated PDF',
      () => parse(minimalPdf([['Hello']]).slice(0, 150), 'pdf'),
      'document_corrupt',
      /cannot be read/,
    ],
    ['a PDF without text', () => parse(minimalPdf([[]]), 'pdf'), 'document_empty', /no text layer/],
    [
      'a PDF over maxPages',
      () => parse(minimalPdf([['a'], ['b']]), 'pdf', { maxPages: 1 }),
      'document_too_large',
      /2 pages/,
    ],
    [
      'not a ZIP as DOCX',
      () => parse('just text, not a zip archive', 'docx'),
      'document_corrupt',
      /not a ZIP/,
    ],
    [
      'a ZIP without word/document.xml',
      () => parse(zipSync({ 'a.txt': utf8('hi') }), 'docx'),
      'document_corrupt',
      /not a Word document/,
    ],
    [
      'a truncated DOCX',
      async () => {
        const docx = minimalDocx([{ text: 'Hello' }]);
        return parse(docx.slice(0, docx.length - 40), 'docx');
      },
      'document_corrupt',
      /ZIP|central directory/,
    ],
    [
      'a DOCX with damaged compressed data',
      async () => {
        const docx = minimalDocx([{ text: 'Hello '.repeat(200) }]);
        const at = indexOf(docx, utf8('word/document.xml')) + 'word/document.xml'.length;
        docx.fill(0xff, at + 2, at + 40);
        return parse(docx, 'docx');
      },
      'document_corrupt',
      /damaged|size/,
    ],
    [
      'a decompression bomb in a DOCX (ratio)',
      () => parse(minimalDocx([{ text: 'x' }], { 'word/bomb.xml': zeroes }, 9), 'docx'),
      'document_too_large',
      /decompression bomb/,
    ],
    [
      'a DOCX whose XML inflates past maxUncompressedBytes',
      () => parse(minimalDocx([{ text: 'word '.repeat(50_000) }]), 'docx', { maxUncompressedBytes: 100_000 }),
      'document_too_large',
      /limit 100000/,
    ],
    [
      'a DOCX entry that lies about its size',
      () =>
        parse(
          withDeclaredSize(minimalDocx([{ text: 'x'.repeat(100_000) }]), 'word/document.xml', 1_000),
          'docx',
        ),
      'document_too_large',
      /past its declared size/,
    ],
    ['an unknown format', () => parse('x', 'rtf' as DocumentFormat), 'document_unsupported', /unsupported/],
  ];

  it.each(cases)('%s → %s', async (_, run, code, message) => {
    const error = await run().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DocumentParseError);
    expect((error as DocumentParseError).code).toBe(code);
    expect((error as DocumentParseError).status).toBe(422);
    expect((error as Error).message).toMatch(message);
  });

  it('names the file in the message when given', async () => {
    await expect(
      parseDocument({ bytes: new Uint8Array(), format: 'txt', filename: 'a.txt' }),
    ).rejects.toThrow(/^a\.txt: /);
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

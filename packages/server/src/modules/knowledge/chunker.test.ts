import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import {
  chunkDocument,
  DEFAULT_CHUNK_OPTIONS,
  type DocumentChunk,
  estimateTokens,
  forEachSentence,
} from './chunker.js';
import type { DocumentBlock, ParsedDocument } from './document-parser.js';

/** A parsed document from blocks, laid out as the parser does (joined by a blank line). */
function documentOf(blocks: Array<Omit<DocumentBlock, 'start' | 'end'>>): ParsedDocument {
  let offset = 0;
  const laid: DocumentBlock[] = blocks.map((block, i) => {
    if (i > 0) offset += 2;
    const start = offset;
    offset += block.text.length;
    return { ...block, start, end: offset };
  });
  return { text: blocks.map((block) => block.text).join('\n\n'), blocks: laid };
}

function expectWellFormed(doc: ParsedDocument, chunks: DocumentChunk[], chunkTokens: number): void {
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(doc.text.slice(chunk.start, chunk.end)).toBe(chunk.text);
    expect(chunk.tokens).toBe(estimateTokens(chunk.text));
    expect(chunk.tokens).toBeLessThanOrEqual(chunkTokens);
    expect(chunk.text).toBe(chunk.text.trim());
    if (i > 0) expect(chunk.start).toBeGreaterThan(chunks[i - 1]!.start);
  });
}

/** Every non-space character of the text is in some chunk. */
function expectCovered(doc: ParsedDocument, chunks: DocumentChunk[]): void {
  const covered = new Uint8Array(doc.text.length);
  for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
  for (let i = 0; i < doc.text.length; i++) if (!/\s/.test(doc.text[i]!)) expect(covered[i]).toBe(1);
}

const sentence = (n: number) => `Sentence number ${n} talks about retrieval and chunking quality.`;

describe('chunkDocument', () => {
  it('keeps a short document in one chunk', () => {
    const doc = documentOf([{ kind: 'paragraph', text: 'Hello world.' }]);
    expect(chunkDocument(doc, DEFAULT_CHUNK_OPTIONS)).toEqual([
      { index: 0, text: 'Hello world.', start: 0, end: 12, headings: [], tokens: 3 },
    ]);
  });

  it('starts a section at each heading and carries the heading path', () => {
    const doc = documentOf([
      { kind: 'heading', text: 'Guide', level: 1 },
      { kind: 'paragraph', text: 'Intro.' },
      { kind: 'heading', text: 'Install', level: 2 },
      { kind: 'paragraph', text: 'Run it.' },
      { kind: 'heading', text: 'Usage', level: 2 },
      { kind: 'list', text: '- a\n- b' },
      { kind: 'heading', text: 'FAQ', level: 1 },
      { kind: 'paragraph', text: 'None yet.' },
    ]);
    const chunks = chunkDocument(doc, DEFAULT_CHUNK_OPTIONS);
    expect(chunks.map((chunk) => [chunk.headings, chunk.text])).toEqual([
      [['Guide'], 'Intro.'],
      [['Guide', 'Install'], 'Run it.'],
      [['Guide', 'Usage'], '- a\n- b'],
      [['FAQ'], 'None yet.'],
    ]);
    expectWellFormed(doc, chunks, 512);
  });

  it('keeps the words of a heading without body text, but not of a heading with subsections', () => {
    const doc = documentOf([
      { kind: 'heading', text: 'Manual', level: 1 },
      { kind: 'heading', text: 'Empty section', level: 2 },
      { kind: 'heading', text: 'Next', level: 2 },
      { kind: 'paragraph', text: 'Body.' },
    ]);
    expect(chunkDocument(doc, DEFAULT_CHUNK_OPTIONS).map((chunk) => [chunk.headings, chunk.text])).toEqual([
      [['Manual', 'Empty section'], 'Empty section'],
      [['Manual', 'Next'], 'Body.'],
    ]);
  });

  it('packs paragraphs, cuts at sentence ends, and overlaps consecutive chunks', () => {
    const text = Array.from({ length: 60 }, (_, i) => sentence(i)).join(' ');
    const doc = documentOf([{ kind: 'paragraph', text }]);
    const chunks = chunkDocument(doc, { chunkTokens: 100, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(5);
    expectWellFormed(doc, chunks, 100);
    expectCovered(doc, chunks);
    for (let i = 1; i < chunks.length; i++) {
      // Overlap: the chunk starts before the previous one ends, with at most ~20 tokens shared.
      expect(chunks[i]!.start).toBeLessThan(chunks[i - 1]!.end);
      expect(estimateTokens(doc.text, chunks[i]!.start, chunks[i - 1]!.end)).toBeLessThanOrEqual(21);
      // Chunks end at sentence ends.
      expect(chunks[i - 1]!.text.endsWith('.')).toBe(true);
    }
  });

  it('without overlap, chunks partition the text', () => {
    const doc = documentOf(
      Array.from({ length: 30 }, (_, i) => ({ kind: 'paragraph' as const, text: sentence(i) })),
    );
    const chunks = chunkDocument(doc, { chunkTokens: 64, overlapTokens: 0 });
    expectWellFormed(doc, chunks, 64);
    expectCovered(doc, chunks);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThan(chunks[i - 1]!.end);
  });

  it('splits Chinese at 。！？；… and keeps CJK overlap at character boundaries', () => {
    const text =
      '机器学习是人工智能的一个分支。它研究计算机怎样模拟人类的学习行为！效果如何？还要看数据；以及算法……'.repeat(
        20,
      );
    const doc = documentOf([{ kind: 'paragraph', text }]);
    const chunks = chunkDocument(doc, { chunkTokens: 60, overlapTokens: 10 });
    expectWellFormed(doc, chunks, 60);
    expectCovered(doc, chunks);
    expect(chunks.slice(0, -1).every((chunk) => /[。！？；…]$/.test(chunk.text))).toBe(true);
  });

  it('cuts an oversized sentence between words', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i % 10}`).join(' ');
    const doc = documentOf([{ kind: 'paragraph', text: words }]);
    const chunks = chunkDocument(doc, { chunkTokens: 128, overlapTokens: 16 });
    expectWellFormed(doc, chunks, 128);
    expectCovered(doc, chunks);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^word\d .* word\d$/);
  });

  it('splits a 10 MB line with no spaces or punctuation', () => {
    const line = 'a'.repeat(10 * 1024 * 1024);
    const doc = documentOf([{ kind: 'paragraph', text: line }]);
    const chunks = chunkDocument(doc, DEFAULT_CHUNK_OPTIONS);
    expect(chunks.length).toBeGreaterThan(1000);
    expect(chunks.every((chunk) => chunk.tokens <= 512)).toBe(true);
    expect(chunks[0]!.start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(line.length);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeLessThanOrEqual(chunks[i - 1]!.end);
  });

  it('never cuts a surrogate pair', () => {
    const doc = documentOf([{ kind: 'paragraph', text: '😀'.repeat(5000) }]);
    for (const chunk of chunkDocument(doc, { chunkTokens: 50, overlapTokens: 0 })) {
      expect(chunk.text.codePointAt(0)).toBe(0x1f600);
      expect(/[\ud800-\udbff]$/.test(chunk.text)).toBe(false);
    }
  });

  it('carries the page of the first block', () => {
    const doc = documentOf([
      { kind: 'paragraph', text: 'One.', page: 1 },
      { kind: 'paragraph', text: 'Two.', page: 2 },
      { kind: 'paragraph', text: sentence(1).repeat(30), page: 3 },
    ]);
    const chunks = chunkDocument(doc, { chunkTokens: 64, overlapTokens: 0 });
    expect(chunks[0]).toMatchObject({ page: 1, text: 'One.\n\nTwo.' });
    expect(chunks.slice(1).every((chunk) => chunk.page === 3)).toBe(true);
  });

  it('returns no chunks for a document without blocks', () => {
    expect(chunkDocument({ text: '', blocks: [] }, DEFAULT_CHUNK_OPTIONS)).toEqual([]);
  });

  it.each([
    [{ chunkTokens: 4, overlapTokens: 0 }],
    [{ chunkTokens: Number.NaN, overlapTokens: 0 }],
    [{ chunkTokens: 100, overlapTokens: -1 }],
    [{ chunkTokens: 100, overlapTokens: 51 }],
  ])('rejects %j', (options) => {
    expect(() => chunkDocument(documentOf([{ kind: 'paragraph', text: 'x' }]), options)).toThrow(RangeError);
  });
});

describe('forEachSentence', () => {
  const sentences = (text: string) => {
    const out: string[] = [];
    forEachSentence(text, 0, text.length, (start, end) => out.push(text.slice(start, end)));
    return out;
  };

  it.each([
    ['Hi there. How are you? Fine!', ['Hi there.', 'How are you?', 'Fine!']],
    ['He said "stop." Then left.', ['He said "stop."', 'Then left.']],
    ['Pi is 3.14 exactly... or not', ['Pi is 3.14 exactly...', 'or not']],
    [
      '你好。今天天气怎么样？很好！分号；省略……完',
      ['你好。', '今天天气怎么样？', '很好！', '分号；', '省略……', '完'],
    ],
    ['「引用。」后面', ['「引用。」', '后面']],
    ['line one\nline two', ['line one', 'line two']],
    ['  \n  ', []],
  ])('%j', (text, expected) => {
    expect(sentences(text)).toEqual(expected);
  });
});

describe('estimateTokens', () => {
  it('is close to gpt-tokenizer and errs high on English and Chinese prose', () => {
    const english =
      'Retrieval-augmented generation grounds a language model in documents: the question is searched, the best passages are put into the prompt, and the answer cites them. Chunking decides what a passage is.';
    const chinese =
      '检索增强生成让语言模型以文档为依据：先检索问题，再把最相关的段落放进提示词，回答时引用它们。分块决定了段落的边界。';
    for (const text of [english, chinese]) {
      const exact = countTokens(text);
      const estimate = estimateTokens(text);
      expect(estimate).toBeGreaterThanOrEqual(exact * 0.95);
      expect(estimate).toBeLessThanOrEqual(exact * 1.4);
    }
  });

  it('counts ranges and edge cases', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('   ')).toBe(0);
    expect(estimateTokens('hello world', 6)).toBe(1);
    expect(estimateTokens('123456')).toBe(2);
    expect(estimateTokens('a\n\nb')).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { pdfPagesToBlocks } from './pdf-text.js';

const paragraphs = (pages: string[]) => pdfPagesToBlocks(pages).map((block) => [block.page, block.text]);

describe('pdfPagesToBlocks', () => {
  it('removes running headers and footers on at least half the pages, and bare page numbers', () => {
    const pages = [1, 2, 3, 4].map((n) =>
      [
        'Company Confidential',
        `Body of page ${n} with some words in it and more words.`,
        `Page ${n} of 4`,
      ].join('\n'),
    );
    expect(paragraphs(pages)).toEqual(
      [1, 2, 3, 4].map((n) => [n, `Body of page ${n} with some words in it and more words.`]),
    );
    expect(paragraphs(['Intro text here.\n- 1 -', 'More text there.\n2'])).toEqual([
      [1, 'Intro text here.'],
      [2, 'More text there.'],
    ]);
  });

  it('keeps repeated lines on fewer than three pages, and long lines that differ only in numbers', () => {
    expect(paragraphs(['Header\nOne.', 'Header\nTwo.'])).toEqual([
      [1, 'Header One.'],
      [2, 'Header Two.'],
    ]);
    const pages = [1, 2, 3].map(
      (n) =>
        `In ${n} weeks the project delivered its ${n}th milestone on time.\nA body line, long enough, that is unique to page ${n}.`,
    );
    expect(paragraphs(pages).map(([, text]) => text)).toEqual(
      [1, 2, 3].map(
        (n) =>
          `In ${n} weeks the project delivered its ${n}th milestone on time. A body line, long enough, that is unique to page ${n}.`,
      ),
    );
  });

  it('groups lines into paragraphs at blank lines, bullets and short sentence-ending lines', () => {
    const page = [
      'A long first line of a paragraph that wraps around',
      'and ends here.',
      'Second paragraph starts on this line and it is long',
      'enough to wrap.',
      '',
      '• bullet one',
      '• bullet two',
      '中文第一行没有空格',
      '第二行。',
    ].join('\n');
    expect(paragraphs([page]).map(([, text]) => text)).toEqual([
      'A long first line of a paragraph that wraps around and ends here.',
      'Second paragraph starts on this line and it is long enough to wrap.',
      '• bullet one',
      '• bullet two中文第一行没有空格第二行。',
    ]);
  });

  it('produces nothing for empty pages', () => {
    expect(pdfPagesToBlocks(['', '  \n ', ''])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { SEARCHABLE_CHARS, searchQueryOf, searchTermsOf, snippetOf, wordsOf } from './conversation-search.js';

/**
 * Segmentation as Node's ICU actually does it (these are observed results, not wishes): Chinese is split
 * into dictionary words, English on word boundaries, everything lower-cased, punctuation dropped.
 */
describe('searchTermsOf', () => {
  it.each([
    ['我喜欢机器学习', '我 喜欢 机器 学习'],
    ['机器学习', '机器 学习'],
    ['深度学习很有趣', '深度 学习 很 有趣'],
    ['我们在北京大学读书', '我们 在 北京 大学 读书'],
    ['自然语言处理', '自然 语言 处理'],
    ['机器人', '机器 人'],
    ['Hello, World!', 'hello world'],
    ["Don't PANIC.", "don't panic"],
    ['Machine Learning 机器学习模型', 'machine learning 机器 学习 模型'],
    ['version 3.14 of e-mail', 'version 3.14 of e mail'],
    ['  ！？。，  ', ''],
    ['', ''],
  ])('%j → %j', (text, terms) => {
    expect(searchTermsOf(text)).toBe(terms);
  });

  it('segments a query the same way as the text, so every query word is a word of the text', () => {
    const text = new Set(wordsOf('我喜欢机器学习'));
    for (const q of ['机器学习', '学习', '喜欢机器']) {
      for (const word of searchQueryOf(q).split(' ')) expect(text.has(word)).toBe(true);
    }
  });

  it('cuts long text into pieces without changing the words (pieces end at spaces or punctuation)', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
    for (const text of [
      '我喜欢机器学习，深度学习很有趣。The quick brown fox jumps over the lazy dog. '.repeat(60),
      `${'前'.repeat(700)}，机器学习${' word'.repeat(400)} end`,
    ]) {
      const whole = [...segmenter.segment(text)]
        .filter((p) => p.isWordLike)
        .map((p) => p.segment.toLowerCase());
      expect(text.length).toBeGreaterThan(2_000);
      expect(wordsOf(text)).toEqual(whole);
    }
  });

  it('never splits a surrogate pair, even in a piece without any boundary', () => {
    const text = '😀'.repeat(1_500);
    expect(wordsOf(`${text} 𠮷野家`).join('')).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it(`reads only the first ${SEARCHABLE_CHARS} characters`, () => {
    const text = `${'a '.repeat(SEARCHABLE_CHARS / 2)}needle`;
    expect(searchTermsOf(text)).not.toContain('needle');
    expect(searchTermsOf('needle')).toBe('needle');
  });
});

describe('snippetOf', () => {
  it('returns short text whole, with whitespace folded', () => {
    expect(snippetOf('a\n\n  short   text', ['short'])).toBe('a short text');
  });

  it('cuts around the first match, with ellipses where it cut', () => {
    const text = `${'前面的文字。'.repeat(40)}我喜欢机器学习${'后面的文字。'.repeat(40)}`;
    const snippet = snippetOf(text, ['机器', '学习'], 60);
    expect(snippet).toContain('机器学习');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.length).toBe(62);
  });

  it('matches case-insensitively and falls back to the start', () => {
    const text = `${'x'.repeat(300)} Kyoto ${'y'.repeat(300)}`;
    expect(snippetOf(text, ['kyoto'], 40)).toContain('Kyoto');
    expect(snippetOf(text, ['osaka'], 40)).toBe(`${'x'.repeat(40)}…`);
  });
});

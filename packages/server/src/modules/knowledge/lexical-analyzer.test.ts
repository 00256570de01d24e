import { describe, expect, it } from 'vitest';
import {
  analyze,
  DEFAULT_FIELD_WEIGHTS,
  fieldTermFrequencies,
  MAX_TERM_LENGTH,
  wordsOf,
} from './lexical-analyzer.js';

describe('analyze', () => {
  it.each([
    [
      'stems English words and drops stopwords',
      'The runners were running to the store',
      ['runner', 'were', 'run', 'store'],
    ],
    ['segments Chinese into words', '我喜欢机器学习', ['我', '喜欢', '机器', '学习']],
    ['mixed scripts', 'GPT模型 works', ['gpt', '模型', 'work']],
    ['NFKC: full-width letters and digits, ligatures', 'ＡＢＣ１２３ ﬁle', ['abc123', 'file']],
    ['drops the possessive', "Fahrenheit's scale", ['fahrenheit', 'scale']],
    [
      'keeps numbers, without thousands separators',
      'pay 1,000.50 or 3.14 in 2024',
      ['pai', '1000.50', '3.14', '2024'],
    ],
    ['punctuation only', '?! — …', []],
    ['stopwords only', 'the and of', []],
    ['empty', '', []],
  ])('%s', (_, text, terms) => {
    expect(analyze(text)).toEqual(terms);
  });

  it('makes queries and documents meet: plural, case and inflection', () => {
    expect(analyze('Definitions of Hypertrophy')).toEqual(analyze('definition hypertrophies'));
  });

  it('options turn off stemming and stopwords, and add CJK bigrams', () => {
    expect(analyze('The runners', { stem: false, stopwords: false })).toEqual(['the', 'runners']);
    expect(analyze('机器学习', { cjkBigrams: true })).toEqual(['机器', '学习', '机器', '器学', '学习']);
  });

  it('cuts very long terms: a 10,000-letter run is segmented in 1,000-character pieces, each cut short', () => {
    const terms = analyze('x'.repeat(10_000));
    expect(terms).toHaveLength(10);
    expect(terms.every((term) => term.length === MAX_TERM_LENGTH)).toBe(true);
  });

  it('handles long Chinese text (segmented in pieces)', () => {
    const terms = analyze('机器学习是人工智能的一个分支。'.repeat(2_000));
    expect(terms.filter((term) => term === '机器')).toHaveLength(2_000);
  });
});

describe('wordsOf', () => {
  const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
  const icuWords = (text: string) =>
    Array.from(segmenter.segment(text))
      .filter((part) => part.isWordLike)
      .map((part) => part.segment);

  it('cuts words exactly as Intl.Segmenter, on its fast paths too (seeded random strings)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabets = ['abz09 .,;:\'_-"!?@#/()\t\n', "ab1 .,'_é中文ü\u0301。，-"];
    for (const alphabet of alphabets) {
      for (let n = 0; n < 5_000; n++) {
        let text = '';
        const length = 1 + Math.floor(random() * 24);
        for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
        expect(wordsOf(text), JSON.stringify(text)).toEqual(icuWords(text));
      }
    }
  });

  it.each([["don't stop u.s. e.g. 1,000.50 3.14 a_b __ _ x:y"], ['café au lait, naïve 中文 words']])(
    '%j',
    (text) => {
      expect(wordsOf(text)).toEqual(icuWords(text));
    },
  );
});

describe('fieldTermFrequencies', () => {
  it('weights title and heading terms, and the length with them', () => {
    const { tf, length } = fieldTermFrequencies(
      { title: 'Kafka', headings: ['Streams'], body: 'Kafka streams records' },
      { title: 3, headings: 2, body: 1 },
    );
    expect(Object.fromEntries(tf)).toEqual({ kafka: 4, stream: 3, record: 1 });
    expect(length).toBe(3 + 2 + 3);
  });

  it('uses the default weights, and ignores missing or zero-weight fields', () => {
    const { tf, length } = fieldTermFrequencies({ title: 'Kafka', body: 'log' });
    expect(tf.get('kafka')).toBe(DEFAULT_FIELD_WEIGHTS.title);
    expect(length).toBe(DEFAULT_FIELD_WEIGHTS.title + 1);
    expect(
      fieldTermFrequencies({ title: 'Kafka', body: 'log' }, { title: 0, headings: 0, body: 1 }).length,
    ).toBe(1);
    expect(fieldTermFrequencies({ body: '' }).length).toBe(0);
  });
});

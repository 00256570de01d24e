import { stemmer } from 'stemmer';

/**
 * The lexical analyzer of knowledge-base search: the one function that turns text into index terms, used
 * alike for chunks at ingestion and for queries, so both sides agree on what a term is.
 *
 * Pipeline: Unicode NFKC (full-width "ＡＢＣ１２３" becomes "ABC123", ligatures split) → lower case →
 * `Intl.Segmenter` words (ICU's dictionary-based breaker, which splits Chinese into words and English at
 * spaces and punctuation) → English possessive "'s" dropped → a small English stopword list → Porter
 * stemming of plain a–z words. Numbers are kept, without thousands separators ("1,000" → "1000"). Chinese words are kept as the segmenter
 * cut them; overlapping character bigrams can be added (`cjkBigrams`), but measurement
 * (docs/knowledge.md, "Retrieval quality") found they do not help, so they are off by default.
 */

export interface AnalyzerOptions {
  /** Porter-stem plain a–z words ("running" → "run"). Default true. */
  stem?: boolean;
  /** Drop the English stopwords of {@link ENGLISH_STOPWORDS}. Default true. */
  stopwords?: boolean;
  /** Also emit overlapping character bigrams of every CJK run ("机器学习" → 机器, 器学, 学习). Default false. */
  cjkBigrams?: boolean;
}

export const DEFAULT_ANALYZER_OPTIONS: Readonly<Required<AnalyzerOptions>> = Object.freeze({
  stem: true,
  stopwords: true,
  cjkBigrams: false,
});

/**
 * Lucene's (and so Elasticsearch's and Anserini's) default English stopword set: 33 function words that
 * carry no topic. Deliberately small: longer lists remove words such as "how" or "where" that users
 * search for.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

/** Longer terms are cut to this many UTF-16 units: a 10 MB run of letters must not become a 10 MB key. */
export const MAX_TERM_LENGTH = 64;

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/**
 * V8's segment iterator slows down with the length of the string it walks (100,000 Chinese characters
 * take minutes in one piece, well under a second in pieces of 1,000), so text is fed to it in pieces cut
 * at a space or punctuation mark, where no word can straddle the cut.
 */
const PIECE_CHARS = 1_000;
const SPACE = /\s/;
const BOUNDARY = /[\s\p{P}]/u;

/**
 * ICU's word rules (UAX #29) restricted to ASCII, as one regular expression: letters, digits and `_` join;
 * `.` `'` `:` join letters ("u.s", "don't"), `.` `,` `;` `'` join digits ("1,000.5"). Five times faster than
 * the segmenter, and verified identical to it on every ASCII-only MS MARCO passage and 200,000 random
 * ASCII strings (lexical-analyzer.test.ts keeps a sample). A lone `_` is not a word, `__` is (as in ICU).
 */
const ASCII_WORD = /[a-z0-9_]+(?:(?:(?<=[a-z])[.':](?=[a-z])|(?<=[0-9])[.,;'](?=[0-9]))[a-z0-9_]+)*/g;
const ASCII_ONLY = /^[^\u0080-\uffff]*$/;

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const PLAIN_WORD = /^[a-z]+$/;
const GROUPED_NUMBER = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/**
 * The index terms of `text`, in order, repeated as often as they occur.
 * @example analyze('The runners were running to 北京大学') // ['runner', 'were', 'run', '北京', '大学']
 */
export function analyze(text: string, options: AnalyzerOptions = {}): string[] {
  const stem = options.stem ?? DEFAULT_ANALYZER_OPTIONS.stem;
  const stopwords = options.stopwords ?? DEFAULT_ANALYZER_OPTIONS.stopwords;
  const bigrams = options.cjkBigrams ?? DEFAULT_ANALYZER_OPTIONS.cjkBigrams;
  const normalized = text.normalize('NFKC').toLowerCase();
  const terms: string[] = [];
  for (const piece of pieces(normalized)) {
    for (const word of wordsOf(piece)) {
      const term = termOf(word, stem, stopwords);
      if (term !== undefined) terms.push(term);
    }
  }
  if (bigrams) {
    for (const match of normalized.matchAll(CJK_RUN)) {
      const chars = Array.from(match[0]);
      for (let i = 0; i + 1 < chars.length; i++) terms.push(chars[i]! + chars[i + 1]!);
    }
  }
  return terms;
}

/** Stems of recent words: Porter is a chain of suffix rules, and a vocabulary repeats. Bounded. */
const stems = new Map<string, string>();
const MAX_CACHED_STEMS = 50_000;

function stemOf(word: string): string {
  let stem = stems.get(word);
  if (stem === undefined) {
    if (stems.size >= MAX_CACHED_STEMS) stems.clear();
    stem = stemmer(word);
    stems.set(word, stem);
  }
  return stem;
}

/**
 * The words of a lower-cased piece of text, exactly as `Intl.Segmenter` cuts them. ASCII text takes the
 * {@link ASCII_WORD} path; other text is split at whitespace first (always a word boundary), so only
 * the space-separated tokens that are not ASCII go through the segmenter.
 */
export function wordsOf(piece: string): string[] {
  const words: string[] = [];
  if (ASCII_ONLY.test(piece)) {
    asciiWords(piece, words);
    return words;
  }
  let ascii = '';
  for (const token of piece.split(/\s+/)) {
    if (ASCII_ONLY.test(token)) {
      ascii += ` ${token}`;
      continue;
    }
    if (ascii !== '') {
      asciiWords(ascii, words);
      ascii = '';
    }
    for (const part of segmenter.segment(token)) if (part.isWordLike) words.push(part.segment);
  }
  if (ascii !== '') asciiWords(ascii, words);
  return words;
}

function asciiWords(text: string, out: string[]): void {
  for (const match of text.matchAll(ASCII_WORD)) if (match[0] !== '_') out.push(match[0]);
}

function termOf(word: string, stem: boolean, stopwords: boolean): string | undefined {
  let term = word;
  // English possessive, as Lucene's EnglishPossessiveFilter: "fahrenheit's" → "fahrenheit".
  if (term.length > 2 && (term.endsWith("'s") || term.endsWith('’s'))) term = term.slice(0, -2);
  if (stopwords && ENGLISH_STOPWORDS.has(term)) return undefined;
  if (stem && term.length > 2 && PLAIN_WORD.test(term)) term = stemOf(term);
  // "1,000" and "1000" are the same number.
  else if (GROUPED_NUMBER.test(term)) term = term.replaceAll(',', '');
  if (term.length > MAX_TERM_LENGTH) term = term.slice(0, MAX_TERM_LENGTH);
  return term;
}

function* pieces(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + PIECE_CHARS);
    if (end < text.length) end = cutPoint(text, start, end);
    yield text.slice(start, end);
    start = end;
  }
}

/** Where to end a piece: after a space if there is one in the second half, else after punctuation. */
function cutPoint(text: string, start: number, end: number): number {
  const floor = start + PIECE_CHARS / 2;
  for (let cut = end; cut > floor; cut--) if (SPACE.test(text[cut - 1]!)) return cut;
  for (let cut = end; cut > floor; cut--) if (BOUNDARY.test(text[cut - 1]!)) return cut;
  // Never split a surrogate pair.
  return isHighSurrogate(text.charCodeAt(end - 1)) ? end - 1 : end;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The text fields of one indexed unit (a chunk): its document's title, its heading path and its text. */
export interface FieldText {
  title?: string | undefined;
  headings?: readonly string[] | undefined;
  body: string;
}

/** How much one occurrence of a term in each field counts, relative to the body. */
export interface FieldWeights {
  title: number;
  headings: number;
  body: number;
}

/**
 * Chosen by measurement (docs/knowledge.md, "Retrieval quality"): on cmrc2018-trial, whose documents have
 * titles, hit@1 rises from weight 1 to 3 and stays flat up to 8, so 3 — the start of the plateau — for
 * titles, and the same for headings, which play the same role for a section (the sets have none).
 */
export const DEFAULT_FIELD_WEIGHTS: Readonly<FieldWeights> = Object.freeze({
  title: 3,
  headings: 3,
  body: 1,
});

/**
 * Term frequencies and length of a unit for BM25F in its simple form (Robertson, Zaragoza & Taylor 2004):
 * each field's term counts and length are multiplied by the field's weight and summed, and BM25 then
 * scores the weighted counts against the weighted length as if they came from one field.
 * @example fieldTermFrequencies({ title: 'Kafka', body: 'Kafka streams' }) // tf kafka → 4, stream → 1; length 5
 */
export function fieldTermFrequencies(
  fields: FieldText,
  weights: Readonly<FieldWeights> = DEFAULT_FIELD_WEIGHTS,
  options: AnalyzerOptions = {},
): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  let length = 0;
  const addField = (text: string | undefined, weight: number) => {
    if (!text || weight === 0) return;
    for (const term of analyze(text, options)) {
      tf.set(term, (tf.get(term) ?? 0) + weight);
      length += weight;
    }
  };
  addField(fields.title, weights.title);
  for (const heading of fields.headings ?? []) addField(heading, weights.headings);
  addField(fields.body, weights.body);
  return { tf, length };
}

/**
 * Full-text search across conversation titles and message text, for Chinese and English alike.
 *
 * PostgreSQL's parsers split on whitespace and punctuation, which leaves a Chinese sentence as one token.
 * So text is segmented into words here, with `Intl.Segmenter` (ICU's dictionary-based word breaker, which
 * splits "我喜欢机器学习" into 我 / 喜欢 / 机器 / 学习), and stored space-separated in `search_terms`; the
 * database indexes `to_tsvector('simple', search_terms)` and queries go through the same segmentation, so
 * both sides agree on what a word is.
 */

/** Only this much of a text is segmented: a tsvector has a size limit, and nobody searches for page 90. */
export const SEARCHABLE_CHARS = 100_000;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * V8's segment iterator slows down with the length of the string it walks (observed: 100,000 Chinese
 * characters take minutes in one piece, ~0.15 s in pieces of 1,000), so text is fed to it in pieces cut
 * at a space or punctuation mark, where no word can straddle the cut.
 */
const PIECE_CHARS = 1_000;
const BOUNDARY = /[\s\p{P}]/u;

function* pieces(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + PIECE_CHARS);
    if (end < text.length) {
      let cut = end;
      while (cut > start + PIECE_CHARS / 2 && !BOUNDARY.test(text[cut - 1]!)) cut--;
      if (cut > start + PIECE_CHARS / 2) end = cut;
      // Never split a surrogate pair.
      else if (/[\ud800-\udbff]/.test(text[end - 1]!)) end--;
    }
    yield text.slice(start, end);
    start = end;
  }
}

/** The words of `text`, lower-cased, in order (punctuation and spaces dropped). */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const piece of pieces(text.slice(0, SEARCHABLE_CHARS))) {
    for (const part of segmenter.segment(piece)) {
      if (part.isWordLike) words.push(part.segment.toLowerCase());
    }
  }
  return words;
}

/**
 * The `search_terms` column value for a title or a message's content: its words joined by spaces.
 * The messages repository fills it on insert and on content updates; call it yourself only when writing
 * `search_terms` by other means.
 * @example searchTermsOf('我喜欢机器学习, Machine Learning!') // '我 喜欢 机器 学习 machine learning'
 */
export function searchTermsOf(text: string): string {
  return wordsOf(text).join(' ');
}

/**
 * A query's words, for `plainto_tsquery('simple', ...)`: every word must occur in the same title or
 * message (in any order). Empty when the query has no words at all (only punctuation or spaces).
 * @example searchQueryOf('机器学习') // '机器 学习'
 */
export function searchQueryOf(query: string): string {
  return searchTermsOf(query);
}

/**
 * A short excerpt of `text` around the first occurrence of any of `words` (case-insensitive), with an
 * ellipsis where it was cut; the start of the text when no word occurs verbatim.
 * @example snippetOf('… a long text about machine learning …', ['learning'], 20)
 */
export function snippetOf(text: string, words: readonly string[], width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  const lower = flat.toLowerCase();
  let at = -1;
  for (const word of words) {
    const i = lower.indexOf(word);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) return `${flat.slice(0, width)}…`;
  const start = Math.max(0, at - Math.floor(width / 3));
  const end = Math.min(flat.length, start + width);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

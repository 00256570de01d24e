/**
 * Text clean-up shared by the document parsers: line endings, control characters, Unicode
 * compatibility forms and whitespace. Everything here is linear in the length of the text.
 */

/** Han, kana, CJK symbols and punctuation, full-width forms: scripts written without spaces between words. */
const CJK_CHAR =
  /[\u2e80-\u2fff\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/;

export function isCjkChar(char: string | undefined): boolean {
  return char !== undefined && CJK_CHAR.test(char);
}

/** `\r\n`, `\r`, form feed, vertical tab and the Unicode line/paragraph separators all become `\n`. */
export function unifyLineEndings(text: string): string {
  return text.replace(/\r\n?|[\f\v\u2028\u2029\u0085]/g, '\n');
}

/** Windows-1252's characters in 0x80–0x9F, which mojibake shows instead of the C1 control characters. */
const CP1252: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};
const CONTINUATION = '[\\u0080-\\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]';
/** A UTF-8 lead byte read as Latin-1/Windows-1252, then the continuation bytes it needs. */
const MOJIBAKE = new RegExp(
  `[\\u00c2-\\u00df]${CONTINUATION}|[\\u00e0-\\u00ef]${CONTINUATION}{2}|[\\u00f0-\\u00f4]${CONTINUATION}{3}`,
  'g',
);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Repairs mojibake: UTF-8 text that was once decoded as Latin-1 or Windows-1252, so that "it’s" reads
 * "itâ€™s" and "°" reads "Â°" (common in web crawls and spreadsheet exports; a fifth of the MS MARCO
 * passages have it). A sequence is replaced only when its characters, taken back as bytes, are valid
 * UTF-8 — a lead byte followed by exactly the continuation bytes it needs — which ordinary text in any
 * language practically never contains.
 * @example repairMojibake('Itâ€™s 20Â°C') // 'It’s 20°C'
 */
export function repairMojibake(text: string): string {
  if (!/[\u00c2-\u00f4]/.test(text)) return text;
  return text.replace(MOJIBAKE, (sequence) => {
    const bytes = new Uint8Array(sequence.length);
    for (let i = 0; i < sequence.length; i++) {
      const char = sequence[i]!;
      const code = char.charCodeAt(0);
      bytes[i] = code <= 0xff ? code : CP1252[char]!;
    }
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return sequence;
    }
  });
}

/**
 * Drops C0/C1 control characters other than tab and newline, byte-order marks and non-characters, and
 * replaces lone surrogates with U+FFFD (they cannot be stored as UTF-8).
 */
export function removeControlChars(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const kept = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f\ufeff\ufffe\uffff]/g, '');
  return /[\ud800-\udfff]/.test(kept) ? kept.replace(LONE_SURROGATE, '\ufffd') : kept;
}

/**
 * The first clean-up of any extracted or decoded text: line endings unified, mojibake repaired, control
 * characters dropped (in that order: mojibake contains C1 control characters).
 */
export function cleanInput(text: string): string {
  return removeControlChars(repairMojibake(unifyLineEndings(text)));
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Full-width punctuation (，！？；：（） …) and the ellipsis are kept as written: NFKC would turn a
 * Chinese "，" into "," and "……" into "......", which changes how the text reads in a citation and hides
 * sentence ends from the chunker. Everything else is NFKC-normalised: full-width letters and digits,
 * ligatures, compatibility ideographs, no-break and ideographic spaces.
 */
const KEEP_AS_WRITTEN = /[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2026]+/g;

export function normalizeCompatibility(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(KEEP_AS_WRITTEN)) {
    out += text.slice(last, match.index).normalize('NFKC') + match[0];
    last = match.index + match[0].length;
  }
  return last === 0 ? text.normalize('NFKC') : out + text.slice(last).normalize('NFKC');
}

/** Horizontal whitespace of any kind (spaces, tabs, no-break, ideographic, thin, …). */
const HORIZONTAL_SPACE = /[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/g;

/**
 * Collapses every run of whitespace to one space, as HTML renders it, except that a run containing a line
 * break between two CJK characters disappears: Chinese wraps lines inside words, and a space there would
 * split a word for search and look wrong.
 * @example collapseWhitespace('机器\n学习  and\n  more') // '机器学习 and more'
 */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, (run, offset: number) => {
    if (run.includes('\n') && isCjkChar(text[offset - 1]) && isCjkChar(text[offset + run.length])) return '';
    return ' ';
  });
}

/**
 * Joins visual lines of one paragraph (PDF, Markdown soft breaks): with a space, or with nothing when a
 * CJK character is on either side of the break, or when the first line ends with a hyphen after a letter
 * (the hyphen is kept: "well-" + "known" → "well-known").
 */
export function joinLines(lines: readonly string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (out === '') {
      out = line;
      continue;
    }
    const before = out[out.length - 1];
    const glue = isCjkChar(before) || isCjkChar(line[0]) || /\p{L}-$/u.test(out.slice(-2)) ? '' : ' ';
    out += glue + line;
  }
  return out;
}

export type CleanKind = 'heading' | 'paragraph' | 'list' | 'table' | 'code';

/**
 * The final clean-up of one block's text. Code keeps its indentation and inner blank lines (only
 * control characters and trailing spaces go). Other kinds are normalised (see
 * {@link normalizeCompatibility}), runs of horizontal whitespace become one space, lines are trimmed
 * and blank lines dropped: a block is one paragraph, list or table, and blocks are separated by a blank
 * line in the document text.
 */
export function cleanBlockText(text: string, kind: CleanKind): string {
  const unified = cleanInput(text);
  if (kind === 'code') {
    const lines = unified.split('\n').map((line) => line.replace(/[ \t]+$/, ''));
    while (lines.length > 0 && lines[0] === '') lines.shift();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }
  const normalized = normalizeCompatibility(unified).replace(HORIZONTAL_SPACE, ' ');
  const lines: string[] = [];
  for (const line of normalized.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '') lines.push(trimmed);
  }
  return kind === 'heading' ? lines.join(' ') : lines.join('\n');
}

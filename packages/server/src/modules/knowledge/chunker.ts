import type { DocumentBlock, ParsedDocument } from './document-parser.js';

/**
 * Splits a parsed document into token-sized chunks by its structure: a heading starts a new section
 * (and every chunk carries its heading path), blocks of a section are packed together, a block too large
 * for a chunk is cut at sentence ends (English `.?!`, CJK `。！？；…`, line breaks), and a sentence too
 * large is cut between words — or between characters, for text without spaces such as Chinese or a
 * 10 MB line of base64. Consecutive chunks of a section overlap by about `overlapTokens`. Offsets point
 * into `doc.text`, so `doc.text.slice(chunk.start, chunk.end) === chunk.text`.
 *
 * Tokens are estimated (see {@link estimateTokens}), not counted with a tokenizer: counting costs about a
 * second per million tokens, too slow for a 100 MB upload, and the estimate is calibrated to err high.
 */

export interface ChunkOptions {
  /** Most tokens per chunk (estimated). At least 8. */
  chunkTokens: number;
  /** Tokens shared by consecutive chunks of a section. From 0 to half of `chunkTokens`. */
  overlapTokens: number;
}

/**
 * 512 tokens with 64 of overlap: a passage-sized unit, as BM25 and embedding models are trained and
 * evaluated on, small enough that five to ten of them fit a prompt, and under the 512-token input limit
 * of common embedding models (bge, e5). Measured in docs/knowledge.md ("Retrieval quality").
 */
export const DEFAULT_CHUNK_OPTIONS: Readonly<ChunkOptions> = Object.freeze({
  chunkTokens: 512,
  overlapTokens: 64,
});

export interface DocumentChunk {
  /** Position in the document, from 0. */
  index: number;
  /** `doc.text.slice(start, end)`. */
  text: string;
  start: number;
  end: number;
  /** The page the chunk starts on (PDF only). */
  page?: number;
  /** Texts of the headings the chunk is under, outermost first. */
  headings: string[];
  /** Estimated tokens of `text`. */
  tokens: number;
}

interface Atom {
  start: number;
  end: number;
  tokens: number;
  page: number | undefined;
}

interface Section {
  headings: string[];
  blocks: DocumentBlock[];
}

/**
 * Chunks a parsed document. Throws `RangeError` for options out of range.
 * @example chunkDocument(await parseDocument({ bytes, format: 'md' }), DEFAULT_CHUNK_OPTIONS)
 */
export function chunkDocument(doc: ParsedDocument, options: ChunkOptions): DocumentChunk[] {
  const { chunkTokens, overlapTokens } = options;
  if (!Number.isFinite(chunkTokens) || chunkTokens < 8)
    throw new RangeError('chunkTokens must be at least 8');
  if (!Number.isFinite(overlapTokens) || overlapTokens < 0 || overlapTokens > chunkTokens / 2)
    throw new RangeError('overlapTokens must be between 0 and half of chunkTokens');
  // A piece cut out of an oversized sentence leaves room for the overlap in front of it.
  const pieceTokens = Math.max(1, chunkTokens - overlapTokens);
  const chunks: DocumentChunk[] = [];
  for (const section of sectionsOf(doc.blocks)) {
    const atoms: Atom[] = [];
    for (const block of section.blocks) atomsOf(doc.text, block, pieceTokens, atoms);
    packSection(doc.text, atoms, section.headings, chunkTokens, overlapTokens, chunks);
  }
  return chunks;
}

/** Splits blocks into sections at headings. A heading without body text is its own section's text. */
function sectionsOf(blocks: readonly DocumentBlock[]): Section[] {
  const sections: Section[] = [];
  const stack: Array<{ level: number; text: string }> = [];
  let current: Section | undefined;
  blocks.forEach((block, i) => {
    if (block.kind === 'heading') {
      if (current && current.blocks.length > 0) sections.push(current);
      const level = block.level ?? 1;
      while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
      stack.push({ level, text: block.text });
      current = { headings: stack.map((heading) => heading.text), blocks: [] };
      const next = blocks[i + 1];
      // A heading followed by a sibling or a higher heading (or nothing) has no body: keep its words.
      if (!next || (next.kind === 'heading' && (next.level ?? 1) <= level)) current.blocks.push(block);
      return;
    }
    current ??= { headings: [], blocks: [] };
    current.blocks.push(block);
  });
  if (current && current.blocks.length > 0) sections.push(current);
  return sections;
}

/** Sentences of a block, oversized ones cut into pieces of at most `pieceTokens`. */
function atomsOf(text: string, block: DocumentBlock, pieceTokens: number, out: Atom[]): void {
  const page = block.page;
  forEachSentence(text, block.start, block.end, (start, end) => {
    const tokens = estimateTokens(text, start, end);
    if (tokens <= pieceTokens) {
      out.push({ start, end, tokens, page });
      return;
    }
    hardSplit(text, start, end, pieceTokens, (pieceStart, pieceEnd) => {
      out.push({
        start: pieceStart,
        end: pieceEnd,
        tokens: estimateTokens(text, pieceStart, pieceEnd),
        page,
      });
    });
  });
}

function packSection(
  text: string,
  atoms: readonly Atom[],
  headings: readonly string[],
  chunkTokens: number,
  overlapTokens: number,
  chunks: DocumentChunk[],
): void {
  let i = 0;
  let carry: Atom[] = [];
  while (i < atoms.length) {
    let members = carry;
    let total = sum(members);
    if (total + atoms[i]!.tokens > chunkTokens) {
      members = [];
      total = 0;
    }
    members.push(atoms[i]!);
    total += atoms[i]!.tokens;
    i++;
    while (i < atoms.length && total + atoms[i]!.tokens <= chunkTokens) {
      members.push(atoms[i]!);
      total += atoms[i]!.tokens;
      i++;
    }
    const first = members[0]!;
    const last = members[members.length - 1]!;
    const chunk: DocumentChunk = {
      index: chunks.length,
      text: text.slice(first.start, last.end),
      start: first.start,
      end: last.end,
      headings: [...headings],
      tokens: estimateTokens(text, first.start, last.end),
    };
    if (first.page !== undefined) chunk.page = first.page;
    chunks.push(chunk);
    carry =
      i < atoms.length && overlapTokens > 0
        ? overlapOf(text, members, Math.min(overlapTokens, chunkTokens - atoms[i]!.tokens))
        : [];
  }
}

/**
 * The tail of a chunk to repeat at the start of the next: whole atoms from the end while they fit the
 * budget, then the end of the atom before them, cut at a word (or CJK character) boundary. Never the
 * whole chunk, so every chunk moves forward.
 */
function overlapOf(text: string, members: readonly Atom[], budget: number): Atom[] {
  const carry: Atom[] = [];
  let left = budget;
  for (let k = members.length - 1; k >= 0 && left > 0; k--) {
    const atom = members[k]!;
    if (atom.tokens <= left && k > 0) {
      carry.unshift(atom);
      left -= atom.tokens;
      continue;
    }
    const cut = tailStart(text, atom.start, atom.end, left);
    if (cut > atom.start && cut < atom.end)
      carry.unshift({
        start: cut,
        end: atom.end,
        tokens: estimateTokens(text, cut, atom.end),
        page: atom.page,
      });
    break;
  }
  return carry;
}

/** The earliest word or CJK-character boundary in [start, end) whose tail costs at most `budget` tokens. */
function tailStart(text: string, start: number, end: number, budget: number): number {
  const boundaries: number[] = [];
  const costs: number[] = [];
  forEachRun(text, start, end, (runStart, _runEnd, cost, kind) => {
    if (kind === SPACE || kind === CJK) boundaries.push(kind === SPACE ? _runEnd : runStart);
    else boundaries.push(-1);
    costs.push(cost);
  });
  let tail = 0;
  let best = end;
  for (let r = costs.length - 1; r >= 0; r--) {
    tail += costs[r]!;
    if (tail > budget) break;
    const boundary = boundaries[r]!;
    if (boundary !== -1) best = boundary;
  }
  // Skip the whitespace the cut starts on.
  while (best < end && isSpaceCode(text.charCodeAt(best))) best++;
  return best;
}

function sum(atoms: readonly Atom[]): number {
  let total = 0;
  for (const atom of atoms) total += atom.tokens;
  return total;
}

// ---------------------------------------------------------------------------------------------------
// Sentences

const CLOSERS = new Set(Array.from('"\')]}”’」』）》】〉〕', (char) => char.charCodeAt(0)));
const CJK_TERMINATORS = new Set(Array.from('。！？；…｡︒', (char) => char.charCodeAt(0)));
const FULL_STOP = 46;
const QUESTION = 63;
const EXCLAMATION = 33;
const NEWLINE = 10;

/**
 * Calls `visit` with the trimmed range of each sentence of `text[start, end)`: a line break ends one, so
 * does `.`, `?` or `!` followed by a space or the end (closing quotes and brackets stay with the
 * sentence), and so do the CJK terminators `。！？；…` with or without a space after them.
 */
export function forEachSentence(
  text: string,
  start: number,
  end: number,
  visit: (start: number, end: number) => void,
): void {
  const emit = (from: number, to: number) => {
    let s = from;
    let e = to;
    while (s < e && isSpaceCode(text.charCodeAt(s))) s++;
    while (e > s && isSpaceCode(text.charCodeAt(e - 1))) e--;
    if (s < e) visit(s, e);
  };
  let sentenceStart = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) {
      emit(sentenceStart, i);
      sentenceStart = i + 1;
    } else if (c === FULL_STOP || c === QUESTION || c === EXCLAMATION) {
      let j = i + 1;
      while (j < end && (text.charCodeAt(j) === c || CLOSERS.has(text.charCodeAt(j)))) j++;
      if (j === end || isSpaceCode(text.charCodeAt(j))) {
        emit(sentenceStart, j);
        sentenceStart = j;
        i = j - 1;
      }
    } else if (c > 0x2000 && CJK_TERMINATORS.has(c)) {
      let j = i + 1;
      while (j < end && (CJK_TERMINATORS.has(text.charCodeAt(j)) || CLOSERS.has(text.charCodeAt(j)))) j++;
      emit(sentenceStart, j);
      sentenceStart = j;
      i = j - 1;
    }
  }
  emit(sentenceStart, end);
}

/**
 * Cuts `text[start, end)` into pieces of at most `budget` estimated tokens: after the last space (or
 * before the last CJK character) that keeps a piece within budget; a run longer than the budget (a word
 * of a million letters) is cut into equal slices, never inside a surrogate pair.
 */
function hardSplit(
  text: string,
  start: number,
  end: number,
  budget: number,
  visit: (start: number, end: number) => void,
): void {
  let pieceStart = start;
  let pieceCost = 0;
  let breakAt = -1;
  let costAtBreak = 0;
  const emit = (from: number, to: number) => {
    let s = from;
    let e = to;
    while (s < e && isSpaceCode(text.charCodeAt(s))) s++;
    while (e > s && isSpaceCode(text.charCodeAt(e - 1))) e--;
    if (s < e) visit(s, e);
  };
  forEachRun(text, start, end, (runStart, runEnd, cost, kind) => {
    if (cost > budget) {
      emit(pieceStart, runStart);
      const length = runEnd - runStart;
      const step = Math.max(1, Math.floor((length * budget) / cost));
      let at = runStart;
      while (runEnd - at > step) {
        let cut = at + step;
        if (isHighSurrogate(text.charCodeAt(cut - 1))) cut++;
        visit(at, cut);
        at = cut;
      }
      pieceStart = at;
      pieceCost = (cost * (runEnd - at)) / length;
      breakAt = -1;
      return;
    }
    if (kind === CJK) {
      breakAt = runStart;
      costAtBreak = pieceCost;
    }
    while (pieceCost + cost > budget && pieceCost > 0) {
      if (breakAt > pieceStart) {
        emit(pieceStart, breakAt);
        pieceStart = breakAt;
        pieceCost -= costAtBreak;
      } else {
        emit(pieceStart, runStart);
        pieceStart = runStart;
        pieceCost = 0;
      }
      breakAt = -1;
    }
    pieceCost += cost;
    if (kind === SPACE) {
      breakAt = runEnd;
      costAtBreak = pieceCost;
    }
  });
  emit(pieceStart, end);
}

// ---------------------------------------------------------------------------------------------------
// Token estimate

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const CJK = 4;
const OTHER_LETTER = 5;
const SYMBOL = 6;
type RunKind = typeof LETTER | typeof DIGIT | typeof SPACE | typeof CJK | typeof OTHER_LETTER | typeof SYMBOL;

/**
 * Calibrated against gpt-tokenizer (o200k_base) on the evaluation sets and Markdown docs; see
 * docs/knowledge.md. A Han or kana character is about 0.9 tokens; an English word of up to six letters
 * is one token, longer ones a fifth of a token more per letter; digits go in threes; punctuation is one
 * token each; spaces join the next word, but a line break is a token.
 */
const CJK_COST = 0.9;
const NON_LATIN_LETTER_COST = 0.4;

const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_KIND[c] =
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      ? LETTER
      : c >= 48 && c <= 57
        ? DIGIT
        : c === 32 || (c >= 9 && c <= 13)
          ? SPACE
          : SYMBOL;
}
const UNICODE_LETTER = /[\p{L}\p{M}]/u;

function isSpaceCode(c: number): boolean {
  return c < 128
    ? ASCII_KIND[c] === SPACE
    : c === 0xa0 ||
        c === 0x3000 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function kindOf(text: string, i: number, c: number): RunKind {
  if (c < 128) return ASCII_KIND[c] as RunKind;
  if (isSpaceCode(c)) return SPACE;
  if (
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xac00 && c <= 0xd7af)
  )
    return CJK;
  if (isHighSurrogate(c)) {
    const cp = text.codePointAt(i)!;
    return cp >= 0x20000 && cp <= 0x3ffff ? CJK : SYMBOL;
  }
  if ((c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xffef)) return SYMBOL;
  return UNICODE_LETTER.test(text[i]!) ? OTHER_LETTER : SYMBOL;
}

/**
 * Calls `visit` for each run of `text[start, end)`: a run of ASCII letters, of digits, of whitespace or
 * of other letters, or a single CJK character or symbol (a surrogate pair stays together), with its
 * estimated token cost.
 */
function forEachRun(
  text: string,
  start: number,
  end: number,
  visit: (start: number, end: number, cost: number, kind: RunKind) => void,
): void {
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    const kind = kindOf(text, i, c);
    let j = i + 1;
    if (kind === CJK || kind === SYMBOL) {
      if (isHighSurrogate(c) && j < end) j++;
      visit(i, j, kind === CJK ? CJK_COST : 1, kind);
      i = j;
      continue;
    }
    let newline = c === 10;
    while (j < end) {
      const d = text.charCodeAt(j);
      if (d < 128 ? ASCII_KIND[d] !== kind : kind !== OTHER_LETTER && kind !== SPACE) break;
      if (d >= 128 && kindOf(text, j, d) !== kind) break;
      if (d === 10) newline = true;
      j++;
    }
    const length = j - i;
    const cost =
      kind === LETTER
        ? length <= 6
          ? 1
          : 1 + (length - 6) * 0.2
        : kind === DIGIT
          ? Math.ceil(length / 3)
          : kind === SPACE
            ? newline
              ? 1
              : 0
            : 1 + (length - 1) * NON_LATIN_LETTER_COST;
    visit(i, j, cost, kind);
    i = j;
  }
}

/**
 * Estimated tokens of `text[start, end)` for OpenAI-style BPE tokenizers (o200k_base): linear time, no
 * allocation per character, calibrated to be a little above the exact count for English and Chinese
 * prose (see docs/knowledge.md).
 * @example estimateTokens('Hello world') // 2
 */
export function estimateTokens(text: string, start = 0, end = text.length): number {
  // The common case — ASCII letters, digits, spaces, punctuation — inline; anything else as forEachRun.
  let total = 0;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      let j = i + 1;
      while (j < end && text.charCodeAt(j) >= 128) j++;
      forEachRun(text, i, j, (_s, _e, cost) => {
        total += cost;
      });
      i = j;
      continue;
    }
    const kind = ASCII_KIND[c]!;
    let j = i + 1;
    if (kind === SYMBOL) {
      total += 1;
      i = j;
      continue;
    }
    let newline = c === 10;
    while (j < end) {
      const d = text.charCodeAt(j);
      if (d >= 128 || ASCII_KIND[d] !== kind) break;
      if (d === 10) newline = true;
      j++;
    }
    const length = j - i;
    total +=
      kind === LETTER
        ? length <= 6
          ? 1
          : 1 + (length - 6) * 0.2
        : kind === DIGIT
          ? Math.ceil(length / 3)
          : newline
            ? 1
            : 0;
    i = j;
  }
  return Math.ceil(total);
}

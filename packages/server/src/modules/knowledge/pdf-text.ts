import { PDFParse } from 'pdf-parse';
import type { RawBlock } from './document-parser.js';
import { joinLines } from './text-cleaning.js';

/**
 * PDF to text blocks with pdf-parse (pdf.js): page text → lines → paragraphs, with repeated page
 * headers/footers and bare page numbers removed.
 */

export type PdfProblem = 'corrupt' | 'encrypted' | 'too_many_pages';

export class PdfReadError extends Error {
  constructor(
    readonly problem: PdfProblem,
    message: string,
    readonly pages?: number,
  ) {
    super(message);
    this.name = 'PdfReadError';
  }
}

export interface PdfText {
  /** Text of each page, in order (page 1 first). */
  pages: string[];
  title?: string;
}

/**
 * Extracts the text of every page. The bytes are copied first: pdf.js takes ownership of (detaches) the
 * buffer it is given. Throws {@link PdfReadError}.
 */
export async function readPdf(bytes: Uint8Array, maxPages: number): Promise<PdfText> {
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: 0 });
  try {
    const info = await parser.getInfo();
    if (info.total > maxPages)
      throw new PdfReadError(
        'too_many_pages',
        `the PDF has ${info.total} pages (limit ${maxPages})`,
        info.total,
      );
    const result = await parser.getText({ pageJoiner: '', cellSeparator: ' ' });
    const pages = [...result.pages].sort((x, y) => x.num - y.num).map((page) => page.text);
    const rawTitle = (info.info as { Title?: unknown } | undefined)?.Title;
    const title = typeof rawTitle === 'string' ? rawTitle.trim() : '';
    return title ? { pages, title } : { pages };
  } catch (error) {
    if (error instanceof PdfReadError) throw error;
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException')
      throw new PdfReadError('encrypted', 'the PDF is encrypted with a password');
    const detail = error instanceof Error ? error.message : String(error);
    throw new PdfReadError('corrupt', `the PDF cannot be read: ${detail}`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

const PAGE_NUMBER =
  /^(?:[-–—]\s*)?(?:page\s*)?\d{1,5}(?:\s*(?:of|\/)\s*\d{1,5})?(?:\s*[-–—])?$|^第\s*\d{1,5}\s*页(?:\s*[,，/]?\s*共\s*\d{1,5}\s*页)?$/i;
/** Lines at the top and bottom of a page compared as written, for running headers and footers. */
const EDGE_LINES = 2;
/** Short first/last lines are also compared with digits masked ("Page 3 of 9" matches "Page 4 of 9"). */
const MAX_MASKED_LINE = 40;

/**
 * Paragraph blocks from page texts. Running headers and footers are removed: a line among the first or
 * last two of at least half the pages (and of at least three) — compared as written, or, for a page's
 * very first or last line when it is short, with its digits masked — and bare page numbers at a page's
 * edges. Lines are then grouped into paragraphs: a blank line, a bullet, or a short line ending a
 * sentence closes one.
 */
export function pdfPagesToBlocks(pages: readonly string[]): RawBlock[] {
  const pageLines = pages.map((text) =>
    text
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' ').trim())
      .filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== '')),
  );
  const edges = pageLines.map(edgesOf);
  const running = runningKeys(pageLines, edges);
  const blocks: RawBlock[] = [];
  pageLines.forEach((lines, p) => {
    const { outer, inner } = edges[p]!;
    const kept = lines.filter((line, i) => {
      if (outer.has(i) && (PAGE_NUMBER.test(line) || running.has(maskedKey(line)))) return false;
      return !(inner.has(i) && running.has(exactKey(line)));
    });
    for (const paragraph of paragraphs(kept))
      blocks.push({ kind: 'paragraph', text: paragraph, page: p + 1 });
  });
  return blocks;
}

function exactKey(line: string): string {
  return `=${line.toLowerCase()}`;
}

function maskedKey(line: string): string {
  return line.length <= MAX_MASKED_LINE ? `#${line.toLowerCase().replace(/\d+/g, '#')}` : exactKey(line);
}

/** `outer`: the first and last non-blank line; `inner`: the first and last {@link EDGE_LINES}. */
function edgesOf(lines: readonly string[]): { outer: Set<number>; inner: Set<number> } {
  const nonBlank: number[] = [];
  lines.forEach((line, i) => {
    if (line !== '') nonBlank.push(i);
  });
  const outer = new Set([...nonBlank.slice(0, 1), ...nonBlank.slice(-1)]);
  const inner = new Set([...nonBlank.slice(0, EDGE_LINES), ...nonBlank.slice(-EDGE_LINES)]);
  return { outer, inner };
}

function runningKeys(
  pageLines: readonly string[][],
  edges: ReadonlyArray<{ outer: Set<number>; inner: Set<number> }>,
): Set<string> {
  const running = new Set<string>();
  if (pageLines.length < 3) return running;
  const counts = new Map<string, number>();
  pageLines.forEach((lines, p) => {
    const keys = new Set<string>();
    for (const i of edges[p]!.inner) keys.add(exactKey(lines[i]!));
    for (const i of edges[p]!.outer) keys.add(maskedKey(lines[i]!));
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const needed = Math.max(3, Math.ceil(pageLines.length / 2));
  for (const [key, count] of counts) if (count >= needed) running.add(key);
  return running;
}

const SENTENCE_END = /[.!?。！？…:：;；"”’」』)）]$/;
const BULLET = /^(?:[•·▪‣◦●○■□\-*–]\s|\(?\d{1,3}[.)]\s|[a-z][.)]\s)/;

function* paragraphs(lines: readonly string[]): Generator<string> {
  const longest = lines.reduce((max, line) => Math.max(max, line.length), 0);
  let current: string[] = [];
  const end = function* () {
    if (current.length > 0) {
      const text = joinLines(current);
      current = [];
      if (text !== '') yield text;
    }
  };
  for (const line of lines) {
    if (line === '') {
      yield* end();
      continue;
    }
    if (BULLET.test(line)) yield* end();
    current.push(line);
    if (SENTENCE_END.test(line) && line.length < longest * 0.8) yield* end();
  }
  yield* end();
}

import type { RawBlock } from './document-parser.js';
import { decodeEntities } from './html-text.js';
import { joinLines } from './text-cleaning.js';

/**
 * Markdown (CommonMark and GitHub tables) to text blocks, line by line: ATX and setext headings, fenced
 * and indented code, lists, pipe tables, block quotes and paragraphs. Inline markup is reduced to its
 * text: emphasis markers, code spans, link and image syntax (the link text and the image's alt text are
 * kept, URLs dropped), inline HTML tags. YAML front matter is skipped.
 */

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const LINK_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*\S+/;
const HTML_LINE = /^ {0,3}<\/?[a-zA-Z][^>]*>/;
const INDENTED = /^(?: {4}|\t)/;

export interface MarkdownText {
  blocks: RawBlock[];
  /** The text of the first level-1 heading, if any. */
  title?: string;
}

/**
 * Parses Markdown into blocks.
 * @example markdownToBlocks('# Guide\n\nSome *text*.\n\n- one\n- two').blocks.map((b) => b.kind) // heading, paragraph, list
 */
export function markdownToBlocks(markdown: string): MarkdownText {
  const blocks = parseBlocks(markdown, 0);
  const first = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return first ? { blocks, title: first.text } : { blocks };
}

/** Block quotes nest; deeper than this, `>` is read as text (no recursion on a line of a million `>`). */
const MAX_QUOTE_DEPTH = 8;

function parseBlocks(markdown: string, depth: number): RawBlock[] {
  const lines = markdown.split('\n');
  const blocks: RawBlock[] = [];
  let paragraph: string[] = [];
  let i = skipFrontMatter(lines);

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const text = inlineText(joinLines(paragraph));
    paragraph = [];
    if (text.trim() !== '') blocks.push({ kind: 'paragraph', text });
  };

  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      flushParagraph();
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence && !(fence[1]![0] === '`' && fence[2]!.includes('`'))) {
      flushParagraph();
      const marker = fence[1]!;
      const indent = line.length - line.trimStart().length;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const closing = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
        if (closing.test(lines[i]!)) {
          i++;
          break;
        }
        body.push(removeIndent(lines[i]!, indent));
        i++;
      }
      if (body.some((codeLine) => codeLine.trim() !== ''))
        blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flushParagraph();
      const text = inlineText(atx[2] ?? '');
      if (text.trim() !== '') blocks.push({ kind: 'heading', text, level: atx[1]!.length });
      i++;
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && paragraph.length > 0) {
      const text = inlineText(joinLines(paragraph));
      paragraph = [];
      if (text.trim() !== '') blocks.push({ kind: 'heading', text, level: setext[1]![0] === '=' ? 1 : 2 });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      flushParagraph();
      i++;
      continue;
    }
    if (paragraph.length === 0 && line.includes('|') && TABLE_DELIMITER.test(lines[i + 1] ?? '')) {
      const rows: string[] = [];
      rows.push(tableRow(line));
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes('|')) {
        rows.push(tableRow(lines[i]!));
        i++;
      }
      const text = rows.filter((row) => row.replace(/[|\s]/g, '') !== '').join('\n');
      if (text !== '') blocks.push({ kind: 'table', text });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item && (paragraph.length === 0 || item[3] !== undefined)) {
      flushParagraph();
      i = readList(lines, i, blocks);
      continue;
    }
    const quote = depth < MAX_QUOTE_DEPTH ? QUOTE.exec(line) : null;
    if (quote) {
      flushParagraph();
      const quoted: string[] = [];
      while (i < lines.length) {
        const match = QUOTE.exec(lines[i]!);
        if (match) quoted.push(match[1]!);
        else if (lines[i]!.trim() !== '' && quoted.length > 0) quoted.push(lines[i]!);
        else break;
        i++;
      }
      // A quote holds Markdown itself; its blocks are parsed like the document's.
      for (const block of parseBlocks(quoted.join('\n'), depth + 1)) blocks.push(block);
      continue;
    }
    if (paragraph.length === 0 && INDENTED.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (INDENTED.test(lines[i]!) || lines[i]!.trim() === '')) {
        body.push(removeIndent(lines[i]!, 4));
        i++;
      }
      if (body.some((codeLine) => codeLine.trim() !== ''))
        blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    if (LINK_DEFINITION.test(line) && paragraph.length === 0) {
      i++;
      continue;
    }
    paragraph.push(HTML_LINE.test(line) ? stripTags(line) : line);
    i++;
  }
  flushParagraph();
  return blocks;
}

/** Reads a list starting at `start`; items become lines "- text" of one list block. Returns the next line. */
function readList(lines: readonly string[], start: number, blocks: RawBlock[]): number {
  const items: string[][] = [];
  let i = start;
  let blank = false;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      blank = true;
      i++;
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item && !FENCE.test(line) && !RULE.test(line)) {
      items.push([item[3] ?? '']);
      blank = false;
      i++;
      continue;
    }
    const indented = /^[ \t]{2,}/.test(line);
    // Continuation: an indented line, or a lazy line right after the item's text.
    if (indented || (!blank && !ATX.test(line) && !FENCE.test(line) && !QUOTE.test(line))) {
      items[items.length - 1]!.push(line.trim());
      blank = false;
      i++;
      continue;
    }
    break;
  }
  const text = items
    .map((item) => inlineText(joinLines(item)))
    .filter((item) => item.trim() !== '')
    .map((item) => `- ${item}`)
    .join('\n');
  if (text !== '') blocks.push({ kind: 'list', text });
  return i;
}

function tableRow(line: string): string {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row
    .split(/(?<!\\)\|/)
    .map((cell) => inlineText(cell.replace(/\\\|/g, '|')).trim())
    .join(' | ');
}

function removeIndent(line: string, indent: number): string {
  let removed = 0;
  let at = 0;
  while (at < line.length && removed < indent) {
    if (line[at] === ' ') removed++;
    else if (line[at] === '\t') removed += 4;
    else break;
    at++;
  }
  return line.slice(at);
}

function skipFrontMatter(lines: readonly string[]): number {
  if (lines[0]?.trim() !== '---') return 0;
  for (let i = 1; i < Math.min(lines.length, 200); i++) {
    const line = lines[i]!.trim();
    if (line === '---' || line === '...') return i + 1;
  }
  return 0;
}

function stripTags(text: string): string {
  return text.replace(/<\/?[a-zA-Z][^>]{0,2000}>/g, ' ').replace(/ {2,}/g, ' ');
}

/** Longer runs of text skip the markup regexes: they are not linear in the worst case. */
const MAX_INLINE_CHARS = 4_000;

/**
 * The visible text of inline Markdown. Every pattern bounds how far it looks ahead, so adversarial input
 * (a megabyte of backticks) stays cheap; text longer than {@link MAX_INLINE_CHARS} only loses its
 * emphasis markers.
 * @example inlineText('**Bold** and [a link](https://x.y) with `code` ![logo](l.png)') // 'Bold and a link with code logo'
 */
export function inlineText(text: string): string {
  if (text.length > MAX_INLINE_CHARS) return decodeEntities(text.replace(/\*\*|__|~~/g, ''));
  // Code spans and backslash escapes first: their content is literal.
  const spans: string[] = [];
  let out = text.replace(/(`{1,8})([^`]|[^`][\s\S]{0,1000}?[^`])\1(?!`)/g, (_, _ticks, code: string) => {
    spans.push(code.trim());
    return `\u0000${spans.length - 1}\u0000`;
  });
  out = out.replace(/\\([!-/:-@[-`{-~])/g, (_, char: string) => {
    spans.push(char);
    return `\u0000${spans.length - 1}\u0000`;
  });
  out = out
    .replace(/!\[([^\]]{0,500})\]\([^)]{0,2000}\)/g, '$1')
    .replace(/!\[([^\]]{0,500})\]\[[^\]]{0,200}\]/g, '$1')
    .replace(/\[([^\]]{1,500})\]\((?:[^()]|\([^)]{0,500}\)){0,2000}\)/g, '$1')
    .replace(/\[([^\]]{1,500})\]\[[^\]]{0,200}\]/g, '$1')
    .replace(/<((?:https?|mailto|ftp):[^>\s]{1,2000})>/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]{0,2000}>/g, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]{0,1000}?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*]{0,1000}?\S)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w_])_(?=\S)([^_]{0,1000}?\S)_(?![\w_])/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]{0,1000}?\S)~~/g, '$1');
  out = decodeEntities(out);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: placeholders of code spans
  return out.replace(/\u0000(\d+)\u0000/g, (_, n: string) => spans[Number(n)] ?? '');
}

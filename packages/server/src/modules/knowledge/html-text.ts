import type { RawBlock } from './document-parser.js';
import { collapseWhitespace } from './text-cleaning.js';

/**
 * HTML to text blocks, with a small tokenizer (no DOM): headings, paragraphs, list items, table cells
 * and preformatted text become blocks; `script`, `style` and other non-content elements are skipped;
 * character references are decoded. Lenient like a browser: unclosed `p`, `li`, `td` and `tr` are closed
 * by the next one, stray end tags are ignored, and malformed markup never throws.
 */

export interface HtmlText {
  blocks: RawBlock[];
  /** The `<title>`, if any. */
  title?: string;
}

/** Elements whose content is never text for a reader. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'select',
  'button',
  'nav',
]);
/** Elements whose content is raw text up to their end tag (no markup inside). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'plaintext']);
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/** Elements that end the current paragraph. */
const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'main',
  'nav',
  'p',
  'section',
  'summary',
]);
const HEADING = /^h([1-6])$/;
const LINE_BREAK = '\ue000';

interface TableState {
  rows: string[];
  cells: string[] | undefined;
  cell: string | undefined;
}

/**
 * Parses HTML into blocks.
 * @example htmlToBlocks('<h1>Title</h1><p>Hello <b>world</b></p>').blocks // heading "Title", paragraph "Hello world"
 */
export function htmlToBlocks(html: string): HtmlText {
  const blocks: RawBlock[] = [];
  let title: string | undefined;
  let text = '';
  let headingLevel = 0;
  let preDepth = 0;
  let skipDepth = 0;
  let skipName = '';
  let listDepth = 0;
  let listItems: string[] = [];
  let item: string | undefined;
  const tables: TableState[] = [];

  const table = () => tables[tables.length - 1];

  /** Ends the current run of inline text: into the open cell, list item, or as a block of its own. */
  const flush = () => {
    const raw = text;
    text = '';
    const content =
      preDepth > 0
        ? raw.replaceAll(LINE_BREAK, '\n')
        : collapseWhitespace(raw).trim().replaceAll(LINE_BREAK, '\n');
    if (content.replace(/\s+/g, '') === '') return;
    const open = table();
    if (open) {
      if (open.cell !== undefined) open.cell = joinText(open.cell, content);
      else open.rows.push(content);
    } else if (listDepth > 0) {
      item = joinText(item ?? '', content);
    } else if (headingLevel > 0) {
      blocks.push({ kind: 'heading', text: content, level: headingLevel });
    } else {
      blocks.push({ kind: preDepth > 0 ? 'code' : 'paragraph', text: content });
    }
  };
  const endItem = () => {
    flush();
    if (item !== undefined && item.trim() !== '') listItems.push(`- ${item.trim()}`);
    item = undefined;
  };
  const endCell = () => {
    flush();
    const open = table();
    if (!open || open.cell === undefined) return;
    open.cells ??= [];
    open.cells.push(open.cell.replace(/\s+/g, ' ').trim());
    open.cell = undefined;
  };
  const endRow = () => {
    endCell();
    const open = table();
    if (!open?.cells) return;
    const cells = open.cells;
    open.cells = undefined;
    if (cells.some((cell) => cell !== '')) open.rows.push(cells.join(' | '));
  };

  const onStart = (name: string, selfClosing: boolean) => {
    if (SKIPPED.has(name)) {
      if (!selfClosing) {
        skipDepth = 1;
        skipName = name;
      }
      return;
    }
    const level = HEADING.exec(name)?.[1];
    if (level) {
      flush();
      headingLevel = Number(level);
    } else if (name === 'br') {
      // A private-use placeholder survives whitespace collapsing; it becomes a line break in flush().
      text += table()?.cell !== undefined ? ' ' : LINE_BREAK;
    } else if (name === 'pre') {
      flush();
      preDepth++;
    } else if (name === 'ul' || name === 'ol' || name === 'menu') {
      if (listDepth > 0) endItem();
      else flush();
      listDepth++;
    } else if (name === 'li') {
      if (listDepth === 0) {
        flush();
        listDepth = 1;
        listItems = [];
      }
      endItem();
      item = '';
    } else if (name === 'table') {
      if (table()?.cell !== undefined) {
        text += ' ';
        tables.push({ rows: [], cells: undefined, cell: undefined });
        return;
      }
      flush();
      tables.push({ rows: [], cells: undefined, cell: undefined });
    } else if (name === 'tr') {
      endRow();
    } else if (name === 'td' || name === 'th') {
      endCell();
      const open = table();
      if (open) open.cell = '';
    } else if (BLOCK.has(name)) {
      if (table()?.cell !== undefined) text += ' ';
      else flush();
    }
    // Inline elements (a, b, span, …) continue the current text.
  };

  const onEnd = (name: string) => {
    if (HEADING.test(name)) {
      flush();
      headingLevel = 0;
    } else if (name === 'pre') {
      flush();
      preDepth = Math.max(0, preDepth - 1);
    } else if (name === 'li') {
      endItem();
    } else if (name === 'ul' || name === 'ol' || name === 'menu') {
      endItem();
      listDepth = Math.max(0, listDepth - 1);
      if (listDepth === 0 && listItems.length > 0) {
        const listText = listItems.join('\n');
        listItems = [];
        const open = table();
        if (open) {
          if (open.cell !== undefined) open.cell = joinText(open.cell, listText.replace(/\n/g, ' '));
          else open.rows.push(listText);
        } else blocks.push({ kind: 'list', text: listText });
      }
    } else if (name === 'td' || name === 'th') {
      endCell();
    } else if (name === 'tr') {
      endRow();
    } else if (name === 'table') {
      const open = table();
      if (!open) return;
      endRow();
      tables.pop();
      const tableText = open.rows.join('\n');
      const outer = table();
      if (outer && outer.cell !== undefined) outer.cell = joinText(outer.cell, tableText.replace(/\n/g, ' '));
      else if (tableText.trim() !== '') blocks.push({ kind: 'table', text: tableText });
    } else if (BLOCK.has(name)) {
      if (table()?.cell !== undefined) text += ' ';
      else flush();
    }
  };

  const length = html.length;
  let i = 0;
  while (i < length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt === -1 ? length : lt;
    if (textEnd > i) {
      if (skipDepth === 0) text += decodeEntities(html.slice(i, textEnd));
      i = textEnd;
    }
    if (lt === -1) break;
    // Comment, doctype, processing instruction, CDATA.
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close === -1 ? length : close + 3;
      continue;
    }
    if (html.startsWith('<![CDATA[', lt)) {
      const close = html.indexOf(']]>', lt + 9);
      if (skipDepth === 0) text += html.slice(lt + 9, close === -1 ? length : close);
      i = close === -1 ? length : close + 3;
      continue;
    }
    const next = html[lt + 1];
    if (next === '!' || next === '?') {
      const close = html.indexOf('>', lt + 2);
      i = close === -1 ? length : close + 1;
      continue;
    }
    const isEnd = next === '/';
    const nameMatch = /^[a-zA-Z][a-zA-Z0-9:-]*/.exec(
      html.slice(lt + (isEnd ? 2 : 1), lt + (isEnd ? 2 : 1) + 40),
    );
    if (!nameMatch) {
      // A "<" that starts no tag is text ("a < b").
      if (skipDepth === 0) text += '<';
      i = lt + 1;
      continue;
    }
    const name = nameMatch[0].toLowerCase();
    const tagEnd = findTagEnd(html, lt + 1 + nameMatch[0].length);
    const attributes = html.slice(lt + 1 + (isEnd ? 1 : 0) + nameMatch[0].length, tagEnd);
    i = tagEnd === length ? length : tagEnd + 1;
    if (skipDepth > 0) {
      if (name === skipName) skipDepth += isEnd ? -1 : attributes.trimEnd().endsWith('/') ? 0 : 1;
      continue;
    }
    if (isEnd) {
      onEnd(name);
      continue;
    }
    if (name === 'img') {
      const alt = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes);
      const altText = alt?.[1] ?? alt?.[2] ?? alt?.[3];
      if (altText) text += ` ${decodeEntities(altText)} `;
      continue;
    }
    if (RAW_TEXT.has(name) && !attributes.trimEnd().endsWith('/')) {
      const close = indexOfIgnoreCase(html, `</${name}`, i);
      const content = html.slice(i, close === -1 ? length : close);
      const closeEnd = close === -1 ? length : html.indexOf('>', close);
      i = closeEnd === -1 ? length : closeEnd + 1;
      if (name === 'title') {
        const value = collapseWhitespace(decodeEntities(content)).trim();
        if (value && title === undefined) title = value;
      } else if (name === 'textarea' || name === 'xmp' || name === 'plaintext') {
        flush();
        text = decodeEntities(content);
        preDepth++;
        flush();
        preDepth--;
      }
      continue;
    }
    onStart(name, VOID.has(name) || attributes.trimEnd().endsWith('/'));
  }
  flush();
  while (tables.length > 0) onEnd('table');
  if (listDepth > 0) {
    listDepth = 1;
    onEnd('ul');
  }
  return title === undefined ? { blocks } : { blocks, title };
}

function joinText(before: string, after: string): string {
  if (before === '') return after;
  return `${before} ${after}`;
}

/** The index of the `>` that ends a tag, skipping quoted attribute values; the text length if none. */
function findTagEnd(html: string, from: number): number {
  let quote = '';
  for (let i = from; i < html.length; i++) {
    const c = html[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return html.length;
}

function indexOfIgnoreCase(haystack: string, needle: string, from: number): number {
  const lower = needle.toLowerCase();
  let at = haystack.indexOf('</', from);
  while (at !== -1) {
    if (haystack.slice(at, at + needle.length).toLowerCase() === lower) return at;
    at = haystack.indexOf('</', at + 2);
  }
  return -1;
}

/** The named character references worth knowing; unknown names are left as written. */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
  zwnj: '\u200c',
  zwj: '\u200d',
  shy: '\u00ad',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  minus: '−',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  laquo: '«',
  raquo: '»',
  lsaquo: '‹',
  rsaquo: '›',
  bull: '•',
  middot: '·',
  para: '¶',
  sect: '§',
  deg: '°',
  plusmn: '±',
  times: '×',
  divide: '÷',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  sup1: '¹',
  sup2: '²',
  sup3: '³',
  micro: 'µ',
  cent: '¢',
  pound: '£',
  yen: '¥',
  euro: '€',
  curren: '¤',
  iexcl: '¡',
  iquest: '¿',
  dagger: '†',
  Dagger: '‡',
  permil: '‰',
  prime: '′',
  Prime: '″',
  larr: '←',
  rarr: '→',
  uarr: '↑',
  darr: '↓',
  harr: '↔',
  le: '≤',
  ge: '≥',
  ne: '≠',
  asymp: '≈',
  infin: '∞',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  pi: 'π',
  sigma: 'σ',
  mu: 'μ',
  lambda: 'λ',
  Omega: 'Ω',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  euml: 'ë',
  aacute: 'á',
  agrave: 'à',
  acirc: 'â',
  auml: 'ä',
  aring: 'å',
  atilde: 'ã',
  ccedil: 'ç',
  iacute: 'í',
  iuml: 'ï',
  ntilde: 'ñ',
  oacute: 'ó',
  ocirc: 'ô',
  ouml: 'ö',
  oslash: 'ø',
  uacute: 'ú',
  ugrave: 'ù',
  uuml: 'ü',
  szlig: 'ß',
  Eacute: 'É',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
};
/** Names a browser also decodes without the closing semicolon. */
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

/**
 * Decodes character references: `&name;`, `&#123;`, `&#x1F600;` (invalid code points become U+FFFD),
 * and the legacy `&amp` family without a semicolon.
 * @example decodeEntities('Tom &amp; Jerry &#8212; &lt;3') // 'Tom & Jerry — <3'
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,9}|[a-zA-Z][a-zA-Z0-9]{1,31})(;?)/g,
    (all, ref: string, semi) => {
      if (ref.startsWith('#')) {
        const code =
          ref[1] === 'x' || ref[1] === 'X'
            ? Number.parseInt(ref.slice(2), 16)
            : Number.parseInt(ref.slice(1), 10);
        if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
        return String.fromCodePoint(code);
      }
      const value = Object.hasOwn(NAMED_ENTITIES, ref) ? NAMED_ENTITIES[ref] : undefined;
      if (value !== undefined && (semi === ';' || LEGACY.has(ref))) return value;
      // "&copy2024": a legacy name needs no semicolon, even with letters or digits after it.
      if (semi !== ';')
        for (const name of LEGACY)
          if (ref.startsWith(name)) return NAMED_ENTITIES[name]! + ref.slice(name.length);
      return all;
    },
  );
}

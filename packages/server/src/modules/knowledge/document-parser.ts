import mammoth from 'mammoth';
import { DocumentParseError } from '../../errors.js';
import { csvToBlocks, jsonToBlocks } from './data-text.js';
import { htmlToBlocks } from './html-text.js';
import { markdownToBlocks } from './markdown-text.js';
import { PdfReadError, pdfPagesToBlocks, readPdf } from './pdf-text.js';
import { cleanBlockText, cleanInput, collapseWhitespace, normalizeCompatibility } from './text-cleaning.js';
import { checkZip, ZipGuardError } from './zip-guard.js';

/**
 * Documents to clean text with structure: the first step of knowledge-base ingestion. Every format ends
 * as a list of blocks (headings, paragraphs, lists, tables, code), cleaned the same way and joined by a
 * blank line into `text`; each block knows its offsets in `text` (and its page, for PDFs), so chunks and
 * citations can point back into the document. Database-free and pure apart from the PDF/DOCX libraries.
 */

export type DocumentFormat = 'pdf' | 'docx' | 'md' | 'html' | 'txt' | 'json' | 'csv';

export const DOCUMENT_FORMATS: readonly DocumentFormat[] = [
  'pdf',
  'docx',
  'md',
  'html',
  'txt',
  'json',
  'csv',
];

export type DocumentBlockKind = 'heading' | 'paragraph' | 'list' | 'table' | 'code';

export interface DocumentBlock {
  kind: DocumentBlockKind;
  /** The block's cleaned text, exactly `ParsedDocument.text.slice(start, end)`. */
  text: string;
  /** Heading level 1–6 (headings only). */
  level?: number;
  /** 1-based page (PDF only). */
  page?: number;
  /** UTF-16 offset of the block's first character in `ParsedDocument.text`. */
  start: number;
  /** UTF-16 offset just past the block's last character. */
  end: number;
}

/** A block as a format reader produces it, before cleaning and offsets. */
export type RawBlock = Omit<DocumentBlock, 'start' | 'end'>;

export interface ParsedDocument {
  /** The cleaned text: the blocks' texts joined by `\n\n`. */
  text: string;
  blocks: DocumentBlock[];
  /** Number of pages (PDF only). */
  pages?: number;
  /** The document's own title: PDF metadata, HTML `<title>`, else the first level-1 heading. */
  title?: string;
}

export interface ParseLimits {
  /** Largest input in bytes. */
  maxBytes?: number;
  /** Most characters of text, extracted or decoded. */
  maxChars?: number;
  /** Most pages of a PDF. */
  maxPages?: number;
  /** Most bytes the XML parts of a DOCX may inflate to. */
  maxUncompressedBytes?: number;
  /** Largest compression ratio of a DOCX entry over 1 MiB. */
  maxCompressionRatio?: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<Required<ParseLimits>> = Object.freeze({
  maxBytes: 100 * 1024 * 1024,
  maxChars: 100_000_000,
  maxPages: 5_000,
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxCompressionRatio: 100,
});

const EXTENSIONS: Record<string, DocumentFormat> = {
  pdf: 'pdf',
  docx: 'docx',
  md: 'md',
  markdown: 'md',
  mdown: 'md',
  mkd: 'md',
  mkdn: 'md',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  txt: 'txt',
  text: 'txt',
  json: 'json',
  csv: 'csv',
};

/**
 * The format of a file name's extension (case-insensitive; a bare extension works too), or undefined.
 * @example formatFromExtension('Report.PDF') // 'pdf'
 */
export function formatFromExtension(name: string): DocumentFormat | undefined {
  const base = name.trim().toLowerCase();
  const dot = base.lastIndexOf('.');
  const extension = dot === -1 ? base : base.slice(dot + 1);
  return Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined;
}

const MEDIA_TYPES: Record<string, DocumentFormat> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/markdown': 'md',
  'text/x-markdown': 'md',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/plain': 'txt',
  'application/json': 'json',
  'text/json': 'json',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
};

/**
 * The format of a media type (parameters ignored; `+json` types are JSON), or undefined.
 * @example formatFromMediaType('text/markdown; charset=utf-8') // 'md'
 */
export function formatFromMediaType(type: string): DocumentFormat | undefined {
  const essence = type.split(';')[0]!.trim().toLowerCase();
  if (Object.hasOwn(MEDIA_TYPES, essence)) return MEDIA_TYPES[essence];
  if (/^application\/[\w.-]+\+json$/.test(essence)) return 'json';
  return undefined;
}

/**
 * Parses a document into cleaned text and blocks.
 *
 * Throws {@link DocumentParseError}: `document_empty` (no bytes, or no text after cleaning — a scanned
 * PDF without a text layer ends here), `document_too_large` (over `maxBytes`, `maxChars`, `maxPages`, or
 * a DOCX that inflates past `maxUncompressedBytes` or `maxCompressionRatio`: checked before inflating),
 * `document_corrupt` (damaged PDF/DOCX, invalid JSON, binary data in a text format),
 * `document_unsupported` (an encrypted PDF, an unknown format).
 * @example
 * const doc = await parseDocument({ bytes: new TextEncoder().encode('# Hi\n\nThere.'), format: 'md' });
 * doc.blocks; // [{ kind: 'heading', text: 'Hi', level: 1, start: 0, end: 2 }, { kind: 'paragraph', text: 'There.', start: 4, end: 10 }]
 */
export async function parseDocument(
  input: { bytes: Uint8Array; format: DocumentFormat; filename?: string },
  limits: ParseLimits = {},
): Promise<ParsedDocument> {
  const limit = { ...DEFAULT_PARSE_LIMITS, ...definedOnly(limits) };
  const { bytes, format } = input;
  const name = input.filename ? `${input.filename}: ` : '';
  if (!DOCUMENT_FORMATS.includes(format))
    throw new DocumentParseError(
      'document_unsupported',
      `${name}unsupported document format "${String(format)}"`,
    );
  if (bytes.byteLength === 0)
    throw new DocumentParseError('document_empty', `${name}the document is empty (0 bytes)`);
  if (bytes.byteLength > limit.maxBytes)
    throw new DocumentParseError(
      'document_too_large',
      `${name}the document has ${bytes.byteLength} bytes (limit ${limit.maxBytes})`,
      { details: { limit_bytes: limit.maxBytes, size_bytes: bytes.byteLength } },
    );

  let raw: RawBlock[];
  let title: string | undefined;
  let pages: number | undefined;
  if (format === 'pdf') {
    ({ raw, title, pages } = await parsePdf(bytes, limit, name));
  } else if (format === 'docx') {
    ({ raw, title } = await parseDocx(bytes, limit, name));
  } else {
    const text = prepareText(decodeText(bytes), limit, name);
    if (format === 'md') ({ blocks: raw, title } = markdownToBlocks(text));
    else if (format === 'html') ({ blocks: raw, title } = htmlToBlocks(text));
    else if (format === 'json') raw = jsonToBlocks(parseJson(text, name));
    else if (format === 'csv') raw = csvToBlocks(text);
    else raw = plainTextBlocks(text);
  }

  const assembled = assemble(raw);
  if (assembled.text.length > limit.maxChars)
    throw new DocumentParseError(
      'document_too_large',
      `${name}the document has ${assembled.text.length} characters of text (limit ${limit.maxChars})`,
      { details: { limit_chars: limit.maxChars } },
    );
  if (assembled.blocks.length === 0)
    throw new DocumentParseError(
      'document_empty',
      format === 'pdf'
        ? `${name}the PDF has no text layer (a scan? OCR is not supported)`
        : `${name}the document has no text`,
    );
  const document: ParsedDocument = { text: assembled.text, blocks: assembled.blocks };
  if (pages !== undefined) document.pages = pages;
  const cleanTitle = title === undefined ? '' : cleanTitleText(title);
  if (cleanTitle !== '') document.title = cleanTitle;
  return document;
}

function definedOnly(limits: ParseLimits): ParseLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

async function parsePdf(
  bytes: Uint8Array,
  limit: Required<ParseLimits>,
  name: string,
): Promise<{ raw: RawBlock[]; title?: string; pages: number }> {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  if (!head.includes('%PDF-'))
    throw new DocumentParseError('document_corrupt', `${name}not a PDF (no %PDF- header)`);
  try {
    const pdf = await readPdf(bytes, limit.maxPages);
    const chars = pdf.pages.reduce((sum, page) => sum + page.length, 0);
    if (chars > limit.maxChars)
      throw new DocumentParseError(
        'document_too_large',
        `${name}the PDF has ${chars} characters of text (limit ${limit.maxChars})`,
        { details: { limit_chars: limit.maxChars } },
      );
    const raw = pdfPagesToBlocks(pdf.pages.map(cleanInput));
    return pdf.title === undefined
      ? { raw, pages: pdf.pages.length }
      : { raw, title: pdf.title, pages: pdf.pages.length };
  } catch (error) {
    if (!(error instanceof PdfReadError)) throw error;
    if (error.problem === 'too_many_pages')
      throw new DocumentParseError('document_too_large', `${name}${error.message}`, {
        details: { limit_pages: limit.maxPages, pages: error.pages },
      });
    if (error.problem === 'encrypted')
      throw new DocumentParseError('document_unsupported', `${name}${error.message}`);
    throw new DocumentParseError('document_corrupt', `${name}${error.message}`);
  }
}

/** Parts of a DOCX that mammoth never inflates when images are not converted. */
const DOCX_MEDIA = /^word\/media\/|\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|webp|wdp|bin)$/i;

async function parseDocx(
  bytes: Uint8Array,
  limit: Required<ParseLimits>,
  name: string,
): Promise<{ raw: RawBlock[]; title?: string }> {
  try {
    const entries = checkZip(
      bytes,
      {
        maxUncompressedBytes: limit.maxUncompressedBytes,
        maxCompressionRatio: limit.maxCompressionRatio,
        maxEntries: 10_000,
      },
      (entry) => !DOCX_MEDIA.test(entry.name) && !entry.name.endsWith('/'),
    );
    if (!entries.some((entry) => entry.name === 'word/document.xml'))
      throw new DocumentParseError('document_corrupt', `${name}not a Word document (no word/document.xml)`);
  } catch (error) {
    if (!(error instanceof ZipGuardError)) throw error;
    const code =
      error.problem.kind === 'too_large'
        ? 'document_too_large'
        : error.problem.kind === 'unsupported'
          ? 'document_unsupported'
          : 'document_corrupt';
    throw new DocumentParseError(code, `${name}${error.message}`, {
      details:
        code === 'document_too_large'
          ? { limit_bytes: limit.maxUncompressedBytes, limit_ratio: limit.maxCompressionRatio }
          : undefined,
    });
  }
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        // Images are neither read nor inlined: only their alt text is kept.
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
        externalFileAccess: false,
        ignoreEmptyParagraphs: true,
      },
    );
    html = result.value;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DocumentParseError('document_corrupt', `${name}the DOCX cannot be read: ${detail}`);
  }
  if (html.length > limit.maxChars * 4)
    throw new DocumentParseError(
      'document_too_large',
      `${name}the DOCX has too much text (limit ${limit.maxChars})`,
    );
  const { blocks, title } = htmlToBlocks(html);
  const heading = blocks.find((block) => block.kind === 'heading' && block.level === 1)?.text;
  const docTitle = title ?? heading;
  return docTitle === undefined ? { raw: blocks } : { raw: blocks, title: docTitle };
}

/**
 * Bytes of a text format to a string: UTF-8 (BOM or not), UTF-16 with a BOM, and — when the bytes are
 * not valid UTF-8 but are valid GB18030 (GBK, GB2312), as Chinese text files often are — GB18030.
 * Anything else is read as UTF-8 with U+FFFD for the invalid bytes.
 * @example decodeText(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3])) // '你好' (GBK)
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    try {
      return new TextDecoder('gb18030', { fatal: true }).decode(bytes);
    } catch {
      return new TextDecoder('utf-8').decode(bytes);
    }
  }
}

/** Checks size and binary content, then unifies line endings and drops control characters. */
function prepareText(decoded: string, limit: Required<ParseLimits>, name: string): string {
  if (decoded.length > limit.maxChars)
    throw new DocumentParseError(
      'document_too_large',
      `${name}the document has ${decoded.length} characters (limit ${limit.maxChars})`,
      { details: { limit_chars: limit.maxChars } },
    );
  const sample = decoded.slice(0, 8192);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: counting them is the point
  const controls = sample.match(/[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/g)?.length ?? 0;
  if (sample.includes('\u0000') || controls > sample.length * 0.1)
    throw new DocumentParseError('document_corrupt', `${name}binary data, not text`);
  return cleanInput(decoded);
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DocumentParseError('document_corrupt', `${name}invalid JSON: ${detail}`);
  }
}

/** Plain text: paragraphs separated by blank lines; line breaks inside a paragraph are kept. */
function plainTextBlocks(text: string): RawBlock[] {
  const blocks: RawBlock[] = [];
  for (const paragraph of text.split(/\n[ \t\u00a0\u3000]*\n/)) {
    if (paragraph.trim() !== '') blocks.push({ kind: 'paragraph', text: paragraph });
  }
  return blocks;
}

/** Cleans every block, drops the empty ones and lays them out in one text, separated by a blank line. */
function assemble(raw: readonly RawBlock[]): { text: string; blocks: DocumentBlock[] } {
  const blocks: DocumentBlock[] = [];
  const parts: string[] = [];
  let offset = 0;
  for (const block of raw) {
    const text = cleanBlockText(block.text, block.kind);
    if (text === '') continue;
    if (parts.length > 0) offset += 2;
    const cleaned: DocumentBlock = { kind: block.kind, text, start: offset, end: offset + text.length };
    if (block.kind === 'heading') cleaned.level = block.level ?? 1;
    if (block.page !== undefined) cleaned.page = block.page;
    blocks.push(cleaned);
    parts.push(text);
    offset += text.length;
  }
  return { text: parts.join('\n\n'), blocks };
}

function cleanTitleText(title: string): string {
  return collapseWhitespace(normalizeCompatibility(cleanInput(title)))
    .trim()
    .slice(0, 500);
}

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { FileTypeMismatchError, FileTypeNotAllowedError } from '../../errors.js';

/** What a file is for; each purpose accepts its own formats. */
export const FILE_PURPOSES = ['document', 'audio', 'image', 'video'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** How a text format (no magic number) is checked beyond "UTF-8 without NUL". */
type TextKind = 'plain' | 'html' | 'json';

export interface FileFormat {
  /** The canonical name (also the usual extension). */
  name: string;
  purpose: FilePurpose;
  /** Extensions a file of this format may be named with (lower case, no dot). */
  extensions: readonly string[];
  /** The media type Nexus stores and serves. */
  mediaType: string;
  /** Binary formats: the `file-type` results that count as this format. */
  detectedAs?: readonly string[];
  /** Text formats: how the text is checked. */
  text?: TextKind;
}

/**
 * The allowlist: every format Nexus accepts, by purpose. Binary formats are recognised from their bytes
 * by `file-type`; text formats have no magic number and are recognised as UTF-8 text (see
 * {@link verifyContent}). Some formats are reported under several names by `file-type`: an M4A may carry
 * a generic MP4 brand, Ogg audio may be Vorbis, Opus, FLAC-in-Ogg or Speex, an animated PNG is `apng`.
 */
export const FILE_FORMATS: readonly FileFormat[] = [
  { name: 'mp3', purpose: 'audio', extensions: ['mp3'], mediaType: 'audio/mpeg', detectedAs: ['mp3'] },
  { name: 'wav', purpose: 'audio', extensions: ['wav'], mediaType: 'audio/wav', detectedAs: ['wav'] },
  { name: 'm4a', purpose: 'audio', extensions: ['m4a'], mediaType: 'audio/mp4', detectedAs: ['m4a', 'mp4'] },
  { name: 'flac', purpose: 'audio', extensions: ['flac'], mediaType: 'audio/flac', detectedAs: ['flac'] },
  { name: 'aac', purpose: 'audio', extensions: ['aac'], mediaType: 'audio/aac', detectedAs: ['aac'] },
  {
    name: 'ogg',
    purpose: 'audio',
    extensions: ['ogg', 'oga', 'opus'],
    mediaType: 'audio/ogg',
    detectedAs: ['ogg', 'oga', 'opus', 'spx'],
  },
  {
    name: 'jpg',
    purpose: 'image',
    extensions: ['jpg', 'jpeg'],
    mediaType: 'image/jpeg',
    detectedAs: ['jpg'],
  },
  { name: 'png', purpose: 'image', extensions: ['png'], mediaType: 'image/png', detectedAs: ['png', 'apng'] },
  { name: 'gif', purpose: 'image', extensions: ['gif'], mediaType: 'image/gif', detectedAs: ['gif'] },
  { name: 'webp', purpose: 'image', extensions: ['webp'], mediaType: 'image/webp', detectedAs: ['webp'] },
  { name: 'bmp', purpose: 'image', extensions: ['bmp'], mediaType: 'image/bmp', detectedAs: ['bmp'] },
  {
    name: 'mp4',
    purpose: 'video',
    extensions: ['mp4', 'm4v'],
    mediaType: 'video/mp4',
    detectedAs: ['mp4', 'm4v'],
  },
  { name: 'mov', purpose: 'video', extensions: ['mov'], mediaType: 'video/quicktime', detectedAs: ['mov'] },
  {
    name: 'mkv',
    purpose: 'video',
    extensions: ['mkv'],
    mediaType: 'video/x-matroska',
    detectedAs: ['mkv', 'webm'],
  },
  { name: 'webm', purpose: 'video', extensions: ['webm'], mediaType: 'video/webm', detectedAs: ['webm'] },
  {
    name: 'pdf',
    purpose: 'document',
    extensions: ['pdf'],
    mediaType: 'application/pdf',
    detectedAs: ['pdf'],
  },
  {
    name: 'docx',
    purpose: 'document',
    extensions: ['docx'],
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    detectedAs: ['docx'],
  },
  { name: 'txt', purpose: 'document', extensions: ['txt', 'text'], mediaType: 'text/plain', text: 'plain' },
  {
    name: 'md',
    purpose: 'document',
    extensions: ['md', 'markdown'],
    mediaType: 'text/markdown',
    text: 'plain',
  },
  { name: 'html', purpose: 'document', extensions: ['html', 'htm'], mediaType: 'text/html', text: 'html' },
  { name: 'json', purpose: 'document', extensions: ['json'], mediaType: 'application/json', text: 'json' },
  { name: 'csv', purpose: 'document', extensions: ['csv'], mediaType: 'text/csv', text: 'plain' },
];

/** Every `file-type` result that is one of the binary formats above. A text file must not be one of these. */
const BINARY_DETECTIONS = new Set(FILE_FORMATS.flatMap((f) => f.detectedAs ?? []));

/** JSON up to this size is parsed completely; larger JSON must at least start like an object or array. */
export const JSON_PARSE_MAX_BYTES = 16 * 1024 * 1024;

/** The lower-case extension of a file name (`Report.PDF` → `pdf`), or null when it has none. */
export function extensionOf(filename: string): string | null {
  const match = /\.([A-Za-z0-9]{1,16})$/.exec(filename);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * The format a file named `filename` must have for `purpose`; 400 `file_type_not_allowed` when the
 * extension is missing or not accepted for that purpose. Known before a byte of content is read.
 * @example formatFor('document', 'notes.md').mediaType // 'text/markdown'
 */
export function formatFor(purpose: FilePurpose, filename: string): FileFormat {
  const extension = extensionOf(filename);
  const allowed = FILE_FORMATS.filter((f) => f.purpose === purpose);
  const format = extension ? allowed.find((f) => f.extensions.includes(extension)) : undefined;
  if (!format)
    throw new FileTypeNotAllowedError(
      extension
        ? `Files with purpose "${purpose}" cannot be .${extension} files`
        : `The file name must end with its extension (purpose "${purpose}")`,
      {
        details: {
          purpose,
          extension,
          allowed: allowed.flatMap((f) => f.extensions),
        },
      },
    );
  return format;
}

/**
 * Follows a stream of bytes and tells whether it is UTF-8 text: valid UTF-8 throughout (checked with
 * Node's native `isUtf8`, a sequence split across chunks carried over) and free of NUL bytes. Keeps the
 * first {@link TextProbe.PREFIX_BYTES} bytes for the format checks. Constant memory whatever the size.
 */
export class TextProbe {
  static readonly PREFIX_BYTES = 4096;
  private carry = Buffer.alloc(0);
  private prefixChunks: Buffer[] = [];
  private prefixLength = 0;
  private ok = true;
  private reason: string | null = null;

  update(chunk: Buffer): void {
    if (this.prefixLength < TextProbe.PREFIX_BYTES) {
      const piece = chunk.subarray(0, TextProbe.PREFIX_BYTES - this.prefixLength);
      this.prefixChunks.push(Buffer.from(piece));
      this.prefixLength += piece.length;
    }
    if (!this.ok) return;
    if (chunk.includes(0)) {
      this.fail('it contains NUL bytes (binary data, or UTF-16 text)');
      return;
    }
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTailStart(data);
    if (!isUtf8(data.subarray(0, cut))) {
      this.fail('it is not valid UTF-8');
      return;
    }
    this.carry = Buffer.from(data.subarray(cut));
  }

  /** The verdict once the stream has ended. */
  finish(): TextProfile {
    if (this.ok && this.carry.length > 0) this.fail('it ends in the middle of a UTF-8 character');
    return { isText: this.ok, reason: this.reason, prefix: Buffer.concat(this.prefixChunks) };
  }

  private fail(reason: string): void {
    this.ok = false;
    this.reason = reason;
    this.carry = Buffer.alloc(0);
  }
}

/** What {@link TextProbe} found. */
export interface TextProfile {
  isText: boolean;
  /** Why it is not text. */
  reason: string | null;
  /** The first bytes of the file. */
  prefix: Buffer;
}

/** Where an incomplete UTF-8 sequence at the end of `data` starts (data.length when it ends complete). */
function incompleteTailStart(data: Buffer): number {
  for (let i = data.length - 1; i >= Math.max(0, data.length - 4); i--) {
    const byte = data[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return data.length - i < need ? i : data.length;
  }
  return data.length;
}

/** The evidence about a stored upload that {@link verifyContent} judges. */
export interface ContentEvidence {
  /** Where the bytes are (the upload spool). */
  path: string;
  size: number;
  /** Present for text formats. */
  text?: TextProfile;
}

/**
 * Checks that the bytes are what the declared format says; 400 `file_type_mismatch` otherwise.
 *
 * - Binary formats: `file-type` must recognise the bytes as the format (a PNG named `.pdf`, a plain zip
 *   named `.docx`, or unrecognisable bytes all fail).
 * - Text formats (txt, md, csv, html, json): the whole file must be UTF-8 without NUL bytes, and must not
 *   be recognised as one of the binary formats above (an ASCII-only PDF named `.txt` fails). `file-type`
 *   results that textual content can trigger (`<?xml`, a text starting with `BM` or `FORM`) are ignored.
 *   HTML must start with a tag (`<`, after an optional BOM and whitespace). JSON up to
 *   {@link JSON_PARSE_MAX_BYTES} must parse; larger JSON must start with `{` or `[`.
 *
 * Resolves to the `file-type` extension detected (or null), for the record.
 */
export async function verifyContent(format: FileFormat, evidence: ContentEvidence): Promise<string | null> {
  const detected = (await fileTypeFromFile(evidence.path))?.ext ?? null;
  const mismatch = (reason: string) =>
    new FileTypeMismatchError(`The content is not a .${format.name} file: ${reason}`, {
      details: { declared: format.name, detected, reason },
    });
  if (format.detectedAs) {
    if (detected === null) throw mismatch('its bytes are not a recognised file type');
    if (!format.detectedAs.includes(detected)) throw mismatch(`its bytes are a ${detected} file`);
    return detected;
  }
  const text = evidence.text;
  if (!text) throw new Error(`text format ${format.name} verified without a text profile`);
  if (detected !== null && BINARY_DETECTIONS.has(detected))
    throw mismatch(`its bytes are a ${detected} file`);
  if (!text.isText) throw mismatch(text.reason ?? 'it is not UTF-8 text');
  const start = text.prefix
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (format.text === 'html' && !start.startsWith('<')) throw mismatch('HTML must start with a tag');
  if (format.text === 'json') {
    if (evidence.size <= JSON_PARSE_MAX_BYTES) {
      try {
        JSON.parse((await readFile(evidence.path, 'utf8')).replace(/^\uFEFF/, ''));
      } catch {
        throw mismatch('it is not valid JSON');
      }
    } else if (!start.startsWith('{') && !start.startsWith('[')) {
      throw mismatch('JSON this large must be an object or an array');
    }
  }
  return detected;
}

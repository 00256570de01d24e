import { Inflate } from 'fflate';

/**
 * A check of a ZIP archive (DOCX) before a library inflates it: a decompression bomb — a few kilobytes
 * that inflate to gigabytes — must be refused without being inflated.
 *
 * The central directory is read by hand (declared sizes, methods, entry count), then every entry that
 * will be read is inflated in a streaming fashion, in small input slices, counting output and stopping
 * as soon as it exceeds what the entry declared or the limit: declared sizes can lie.
 */

export interface ZipLimits {
  /** Most bytes all checked entries may inflate to, together. */
  maxUncompressedBytes: number;
  /** Largest uncompressed/compressed ratio of an entry over 1 MiB (real documents stay far below 100). */
  maxCompressionRatio: number;
  /** Most entries in the archive. */
  maxEntries: number;
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export type ZipProblem =
  | { kind: 'corrupt'; reason: string }
  | { kind: 'too_large'; reason: string }
  | { kind: 'unsupported'; reason: string };

export class ZipGuardError extends Error {
  constructor(readonly problem: ZipProblem) {
    super(problem.reason);
    this.name = 'ZipGuardError';
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const RATIO_FLOOR_BYTES = 1 << 20;
/** Input slice per push: deflate expands at most ~1032×, so one push yields at most ~16 MiB. */
const SLICE = 16 * 1024;

/** Reads the central directory. Throws {@link ZipGuardError} when the bytes are not a ZIP archive. */
export function readZipDirectory(bytes: Uint8Array, maxEntries = 10_000): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (reason: string) => new ZipGuardError({ kind: 'corrupt', reason });
  if (bytes.length < 22) throw corrupt('not a ZIP archive (too short)');
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd === -1) throw corrupt('not a ZIP archive (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  const offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff)
    throw new ZipGuardError({ kind: 'unsupported', reason: 'ZIP64 archives are not supported' });
  if (count > maxEntries)
    throw new ZipGuardError({
      kind: 'too_large',
      reason: `the archive has ${count} entries (limit ${maxEntries})`,
    });
  if (offset + size > eocd) throw corrupt('central directory out of bounds');
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL)
      throw corrupt('damaged central directory');
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > bytes.length) throw corrupt('damaged central directory');
    entries.push({
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Checks the archive's declared sizes and ratios, then inflates each entry `shouldInflate` selects (by
 * default all) with a hard cap, without keeping the output. Throws {@link ZipGuardError}: `too_large` for
 * a bomb or an oversized archive, `corrupt` for damaged data, `unsupported` for an unknown compression.
 * @example checkZip(docxBytes, { maxUncompressedBytes: 100 << 20, maxCompressionRatio: 100, maxEntries: 10_000 })
 */
export function checkZip(
  bytes: Uint8Array,
  limits: ZipLimits,
  shouldInflate: (entry: ZipEntry) => boolean = () => true,
): ZipEntry[] {
  const entries = readZipDirectory(bytes, limits.maxEntries);
  const tooLarge = (reason: string) => new ZipGuardError({ kind: 'too_large', reason });
  let declared = 0;
  for (const entry of entries) {
    if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff)
      throw new ZipGuardError({ kind: 'unsupported', reason: 'ZIP64 entries are not supported' });
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES) {
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (ratio > limits.maxCompressionRatio)
        throw tooLarge(
          `${entry.name} inflates ${Math.round(ratio)}× (limit ${limits.maxCompressionRatio}×): a decompression bomb`,
        );
    }
    if (shouldInflate(entry)) declared += entry.uncompressedSize;
  }
  if (declared > limits.maxUncompressedBytes)
    throw tooLarge(`the archive inflates to ${declared} bytes (limit ${limits.maxUncompressedBytes})`);
  let inflated = 0;
  for (const entry of entries) {
    if (!shouldInflate(entry)) continue;
    inflated += inflatedSize(bytes, entry, limits.maxUncompressedBytes - inflated);
  }
  return entries;
}

/** Inflates one entry, counting bytes; throws once it passes its declared size or `budget`. */
function inflatedSize(bytes: Uint8Array, entry: ZipEntry, budget: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL)
    throw new ZipGuardError({ kind: 'corrupt', reason: `${entry.name}: damaged local header` });
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipGuardError({ kind: 'corrupt', reason: `${entry.name}: truncated` });
  const cap = Math.min(entry.uncompressedSize, budget);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize)
      throw new ZipGuardError({ kind: 'corrupt', reason: `${entry.name}: stored entry with two sizes` });
    if (entry.uncompressedSize > budget)
      throw new ZipGuardError({ kind: 'too_large', reason: `${entry.name}: over the uncompressed limit` });
    return entry.uncompressedSize;
  }
  if (entry.method !== 8)
    throw new ZipGuardError({
      kind: 'unsupported',
      reason: `${entry.name}: compression method ${entry.method}`,
    });
  let total = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    total += chunk.length;
    if (final) ended = true;
    if (total > cap)
      throw new ZipGuardError({
        kind: 'too_large',
        reason:
          total > entry.uncompressedSize
            ? `${entry.name} inflates past its declared size of ${entry.uncompressedSize} bytes: a decompression bomb`
            : `${entry.name}: over the uncompressed limit`,
      });
  });
  try {
    for (let offset = start; offset < end && !ended; offset += SLICE) {
      const sliceEnd = Math.min(end, offset + SLICE);
      inflate.push(bytes.subarray(offset, sliceEnd), sliceEnd === end);
    }
  } catch (error) {
    if (error instanceof ZipGuardError) throw error;
    throw new ZipGuardError({ kind: 'corrupt', reason: `${entry.name}: damaged compressed data` });
  }
  if (total !== entry.uncompressedSize)
    throw new ZipGuardError({ kind: 'corrupt', reason: `${entry.name}: size does not match its header` });
  return total;
}

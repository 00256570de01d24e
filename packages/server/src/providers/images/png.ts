import zlib from 'node:zlib';

/**
 * A minimal PNG encoder: 8-bit RGB, one IDAT chunk deflated with node:zlib, optional tEXt chunks. Enough
 * for the offline provider's test images; no dependency.
 */

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO-HDLC, what PNG uses): node:zlib's when this Node has it (20.15+), else {@link tableCrc32}. */
export function crc32(data: Uint8Array): number {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(data) >>> 0 : tableCrc32(data);
}

/** CRC-32 with a 256-entry table, for Node versions without zlib.crc32. */
export function tableCrc32(data: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A tEXt keyword: 1–79 printable Latin-1 characters, no leading, trailing or double spaces. */
function isKeyword(keyword: string): boolean {
  return (
    keyword.length >= 1 &&
    keyword.length <= 79 &&
    /^[\x20-\x7e\xa1-\xff]+$/.test(keyword) &&
    !keyword.startsWith(' ') &&
    !keyword.endsWith(' ') &&
    !keyword.includes('  ')
  );
}

function textChunk(keyword: string, text: string): Uint8Array {
  if (!isKeyword(keyword)) throw new Error(`Not a PNG tEXt keyword: ${JSON.stringify(keyword)}`);
  // tEXt is Latin-1; anything else becomes "?".
  const latin1 = Buffer.from(`${keyword}\u0000${text.replace(/[^\n\x20-\x7e\xa0-\xff]/g, '?')}`, 'latin1');
  return chunk('tEXt', latin1);
}

/**
 * An RGB image (3 bytes a pixel, rows top to bottom) as a PNG file.
 * @example const png = encodePng({ width: 2, height: 1, rgb: Uint8Array.of(255, 0, 0, 0, 0, 255) });
 */
export function encodePng(image: {
  width: number;
  height: number;
  rgb: Uint8Array;
  text?: Readonly<Record<string, string>>;
}): Uint8Array {
  const { width, height, rgb } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`Bad PNG size ${width}x${height}`);
  if (rgb.length !== width * height * 3) throw new Error('The pixel data does not match the size');
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  // compression, filter method and interlace stay 0.
  // Each row gets the Sub filter (each byte minus the one a pixel to the left): gradients compress well.
  const stride = width * 3;
  const filtered = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    const source = y * stride;
    filtered[row] = 1;
    for (let i = 0; i < stride; i++)
      filtered[row + 1 + i] = (rgb[source + i]! - (i >= 3 ? rgb[source + i - 3]! : 0)) & 0xff;
  }
  const parts = [
    SIGNATURE,
    chunk('IHDR', header),
    ...Object.entries(image.text ?? {}).map(([keyword, text]) => textChunk(keyword, text)),
    chunk('IDAT', new Uint8Array(zlib.deflateSync(filtered))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Width and height from a PNG's IHDR, or undefined for bytes that are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(12) !== 0x49484452) return undefined; // "IHDR"
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

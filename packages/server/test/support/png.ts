import zlib from 'node:zlib';

/**
 * A PNG reader for tests, independent of the encoder under test (providers/images/png.ts): 8-bit RGB,
 * the signature and every chunk's CRC checked (CRC computed bit by bit, as the PNG specification's
 * reference code does), all five row filters undone. Throws on anything malformed.
 */

/** CRC-32 written out here, independently of the module (the PNG specification's reference algorithm). */
export function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  text: Record<string, string>;
  rgb: Uint8Array;
  chunkTypes: string[];
}

/** Decodes an 8-bit RGB PNG; throws on a bad signature, CRC, filter or length. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  if (Buffer.from(bytes.subarray(0, 8)).toString('hex') !== '89504e470d0a1a0a')
    throw new Error('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkTypes: string[] = [];
  const text: Record<string, string> = {};
  const idat: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colourType = 0;
  let offset = 8;
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = Buffer.from(bytes.subarray(offset + 4, offset + 8)).toString('latin1');
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    const crc = view.getUint32(offset + 8 + length);
    if (crc !== referenceCrc(bytes.subarray(offset + 4, offset + 8 + length)))
      throw new Error(`bad CRC in ${type}`);
    chunkTypes.push(type);
    if (type === 'IHDR') {
      const ihdr = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = ihdr.getUint32(0);
      height = ihdr.getUint32(4);
      bitDepth = data[8]!;
      colourType = data[9]!;
      if (data[10] !== 0 || data[11] !== 0 || data[12] !== 0)
        throw new Error('unsupported compression, filter method or interlace');
    } else if (type === 'tEXt') {
      const zero = data.indexOf(0);
      text[Buffer.from(data.subarray(0, zero)).toString('latin1')] = Buffer.from(
        data.subarray(zero + 1),
      ).toString('latin1');
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  if (offset !== bytes.length) throw new Error('bytes after the last chunk');
  if (bitDepth !== 8 || colourType !== 2)
    throw new Error(`only 8-bit RGB is read (got ${bitDepth}/${colourType})`);
  const raw = new Uint8Array(zlib.inflateSync(Buffer.concat(idat)));
  const stride = width * 3;
  if (raw.length !== (stride + 1) * height) throw new Error('image data of the wrong length');
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    if (filter > 4) throw new Error(`row ${y}: filter type ${filter}`);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= 3 ? rgb[y * stride + i - 3]! : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + i]! : 0;
      const c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      rgb[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, bitDepth, colourType, text, rgb, chunkTypes };
}

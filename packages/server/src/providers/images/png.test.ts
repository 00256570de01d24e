import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import { decodePng, referenceCrc } from '../../../test/support/png.js';
import { crc32, encodePng, pngSize, tableCrc32 } from './png.js';

describe('CRC-32', () => {
  it.each([
    ['', 0],
    ['123456789', 0xcbf43926],
    ['IEND', 0xae426082],
  ])('of %j is %i', (text, expected) => {
    expect(crc32(new Uint8Array(Buffer.from(text)))).toBe(expected);
    expect(tableCrc32(new Uint8Array(Buffer.from(text)))).toBe(expected);
    expect(referenceCrc(new Uint8Array(Buffer.from(text)))).toBe(expected);
  });
});

it('computes the same CRC with the table as with node:zlib, over every byte value', () => {
  const all = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) & 0xff);
  expect(tableCrc32(all)).toBe(referenceCrc(all));
  expect(crc32(all)).toBe(referenceCrc(all));
});

describe('PNG encoding', () => {
  const pixels = (width: number, height: number) =>
    Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + (i >> 5)) & 0xff);

  it.each([
    [1, 1],
    [2, 1],
    [3, 5],
    [64, 48],
  ])('writes a %i×%i image that decodes to the same pixels', async (width, height) => {
    const rgb = pixels(width, height);
    const png = encodePng({ width, height, rgb, text: { Title: 'Test', Description: 'a ✓ b' } });
    const decoded = decodePng(png);
    expect(decoded).toMatchObject({ width, height, bitDepth: 8, colourType: 2 });
    expect(decoded.chunkTypes).toEqual(['IHDR', 'tEXt', 'tEXt', 'IDAT', 'IEND']);
    expect(decoded.text).toEqual({ Title: 'Test', Description: 'a ? b' });
    expect(Buffer.from(decoded.rgb).equals(Buffer.from(rgb))).toBe(true);
    expect(await fileTypeFromBuffer(png)).toEqual({ ext: 'png', mime: 'image/png' });
    expect(pngSize(png)).toEqual({ width, height });
  });

  it.each<[string, Parameters<typeof encodePng>[0], RegExp]>([
    ['zero width', { width: 0, height: 1, rgb: new Uint8Array(0) }, /size/],
    ['a fractional height', { width: 1, height: 1.5, rgb: new Uint8Array(3) }, /size/],
    ['too few pixels', { width: 2, height: 2, rgb: new Uint8Array(11) }, /does not match/],
    ['an empty tEXt keyword', { width: 1, height: 1, rgb: new Uint8Array(3), text: { '': 'x' } }, /keyword/],
    [
      'a tEXt keyword with a trailing space',
      { width: 1, height: 1, rgb: new Uint8Array(3), text: { 'Title ': 'x' } },
      /keyword/,
    ],
    [
      'an 80-character tEXt keyword',
      { width: 1, height: 1, rgb: new Uint8Array(3), text: { ['k'.repeat(80)]: 'x' } },
      /keyword/,
    ],
  ])('refuses %s', (_name, image, message) => {
    expect(() => encodePng(image)).toThrow(message);
  });

  it('reads no size from bytes that are not a PNG', () => {
    expect(pngSize(new Uint8Array(Buffer.from('GIF89a............................')))).toBeUndefined();
  });
});

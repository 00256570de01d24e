import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { withDeclaredSize } from '../../../test/support/documents.js';
import { checkZip, readZipDirectory, ZipGuardError, type ZipLimits } from './zip-guard.js';

const limits: ZipLimits = {
  maxUncompressedBytes: 10 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxEntries: 100,
};
const text = (size: number) =>
  new TextEncoder().encode('lorem ipsum dolor sit amet '.repeat(size / 27 + 1).slice(0, size));

/** The archive without its last bytes (part of the central directory and the end record). */
const cutOff = (zip: Uint8Array) => zip.slice(0, zip.length - 30);

function problemOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof ZipGuardError) return error.problem.kind;
    throw error;
  }
}

describe('zip guard', () => {
  it('reads the central directory', () => {
    const zip = zipSync({
      'a.xml': [text(1000), { level: 6 }],
      'dir/b.bin': [new Uint8Array([1, 2, 3]), { level: 0 }],
    });
    const entries = readZipDirectory(zip);
    expect(entries.map((entry) => [entry.name, entry.uncompressedSize, entry.method])).toEqual([
      ['a.xml', 1000, 8],
      ['dir/b.bin', 3, 0],
    ]);
  });

  it('accepts an ordinary archive, stored and deflated entries alike', () => {
    const zip = zipSync({ 'a.xml': text(200_000), 'b.png': [new Uint8Array(5000), { level: 0 }] });
    expect(checkZip(zip, limits)).toHaveLength(2);
  });

  it.each([
    [
      'a high compression ratio (a bomb)',
      () =>
        checkZip(zipSync({ 'bomb.xml': new Uint8Array(20 * 1024 * 1024) }), {
          ...limits,
          maxUncompressedBytes: 1e9,
        }),
      'too_large',
    ],
    [
      'too many uncompressed bytes declared',
      () => checkZip(zipSync({ 'a.xml': text(2_000_000) }), { ...limits, maxUncompressedBytes: 1_000_000 }),
      'too_large',
    ],
    [
      'an entry that inflates past its declared size',
      () => checkZip(withDeclaredSize(zipSync({ 'a.xml': text(100_000) }), 'a.xml', 100), limits),
      'too_large',
    ],
    [
      'an entry that inflates short of its declared size',
      () => checkZip(withDeclaredSize(zipSync({ 'a.xml': text(100_000) }), 'a.xml', 200_000), limits),
      'corrupt',
    ],
    [
      'too many entries',
      () =>
        checkZip(
          zipSync(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, new Uint8Array(1)]))),
          limits,
        ),
      'too_large',
    ],
    [
      'not a ZIP',
      () => checkZip(new TextEncoder().encode('hello, this is not an archive at all'), limits),
      'corrupt',
    ],
    ['too short', () => checkZip(new Uint8Array(10), limits), 'corrupt'],
    [
      'a cut-off archive',
      () => checkZip(cutOff(zipSync({ 'a.xml': text(10_000), 'b.xml': text(10) })), limits),
      'corrupt',
    ],
  ])('refuses %s', (_, run, kind) => {
    expect(problemOf(run)).toBe(kind);
  });

  it('only inflates the entries it is asked to', () => {
    const zip = withDeclaredSize(
      zipSync({ 'a.xml': text(1000), 'media/x.bin': text(100_000) }),
      'media/x.bin',
      10,
    );
    expect(
      problemOf(() => checkZip(zip, limits, (entry) => !entry.name.startsWith('media/'))),
    ).toBeUndefined();
    expect(problemOf(() => checkZip(zip, limits))).toBe('too_large');
  });
});

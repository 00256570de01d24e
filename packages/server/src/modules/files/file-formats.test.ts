import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docx, EICAR, pdf, SAMPLES, sampleOf, zip } from '../../../test/fixtures/files/samples.js';
import { FILE_FORMATS, type FilePurpose, formatFor, TextProbe, verifyContent } from './file-formats.js';
import { spoolUpload } from './upload-spool.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nexus-file-formats-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The whole upload path up to storage: name check, spool (hash, size, text probe), content check. */
async function check(purpose: FilePurpose, filename: string, bytes: Buffer, chunkSize = 1000) {
  const format = formatFor(purpose, filename);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  const spooled = await spoolUpload(Readable.from(chunks), {
    dir,
    maxBytes: 10_000_000,
    inspectText: format.text !== undefined,
  });
  try {
    const detected = await verifyContent(format, spooled);
    return { format, detected, spooled };
  } finally {
    await spooled.discard();
  }
}

describe('accepted formats (a genuine sample of each)', () => {
  it('has a sample of every format in the allowlist', () => {
    expect(new Set(SAMPLES.map((s) => s.format))).toEqual(new Set(FILE_FORMATS.map((f) => f.name)));
  });

  it.each(SAMPLES.map((s) => [s.filename, s.purpose, s] as const))(
    '%s is accepted as %s',
    async (_name, purpose, sample) => {
      const { format, spooled } = await check(purpose, sample.filename, sample.bytes);
      expect(format.name).toBe(sample.format);
      expect(spooled.size).toBe(sample.bytes.length);
      expect(spooled.sha256).toBe(createHash('sha256').update(sample.bytes).digest('hex'));
    },
  );

  it('accepts the EICAR test string as text (scanning, not typing, is what catches it)', async () => {
    await expect(check('document', 'eicar.txt', Buffer.from(EICAR))).resolves.toBeDefined();
  });

  it('accepts text whose multi-byte characters are split across chunks', async () => {
    const text = Buffer.from('数据'.repeat(1000));
    await expect(check('document', 'chinese.txt', text, 7)).resolves.toBeDefined();
  });
});

const png = sampleOf('png').bytes;
const mismatches: [string, FilePurpose, string, Buffer][] = [
  ['a PNG named .pdf', 'document', 'image.pdf', png],
  ['a PNG named .txt', 'document', 'image.txt', png],
  ['a plain zip named .docx', 'document', 'archive.docx', zip()],
  ['an ASCII-only PDF named .txt', 'document', 'paper.txt', pdf()],
  ['a DOCX named .pdf', 'document', 'letter.pdf', docx()],
  ['a PDF named .png', 'image', 'paper.png', pdf()],
  ['a JPEG named .png', 'image', 'photo.png', sampleOf('jpg').bytes],
  ['a GIF named .webp', 'image', 'anim.webp', sampleOf('gif').bytes],
  ['an MP4 named .mov', 'video', 'movie.mov', sampleOf('mp4').bytes],
  ['a WebM named .mp4', 'video', 'movie.mp4', sampleOf('webm').bytes],
  ['a WAV named .mp3', 'audio', 'voice.mp3', sampleOf('wav').bytes],
  ['an Ogg named .flac', 'audio', 'sound.flac', sampleOf('ogg').bytes],
  ['unrecognisable bytes named .mp3', 'audio', 'noise.mp3', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])],
  ['text named .png', 'image', 'notes.png', Buffer.from('just some text')],
  ['text with a NUL byte named .txt', 'document', 'nul.txt', Buffer.from('abc\0def')],
  ['invalid UTF-8 named .csv', 'document', 'latin1.csv', Buffer.from([0x6e, 0x61, 0xef, 0x76, 0x65])],
  ['UTF-16 text named .txt', 'document', 'utf16.txt', Buffer.from('\uFEFFhello', 'utf16le')],
  ['text ending mid-character named .md', 'document', 'cut.md', Buffer.from('数据').subarray(0, 4)],
  ['plain text named .html', 'document', 'page.html', Buffer.from('hello, not html')],
  ['broken JSON named .json', 'document', 'data.json', Buffer.from('{"a": [1, 2')],
  ['a JPEG named .json', 'document', 'photo.json', sampleOf('jpg').bytes],
];

describe('content that does not match its extension → file_type_mismatch', () => {
  it.each(mismatches)('%s', async (_case, purpose, filename, bytes) => {
    await expect(check(purpose, filename, bytes)).rejects.toMatchObject({
      code: 'file_type_mismatch',
      status: 400,
      details: { declared: formatFor(purpose, filename).name },
    });
  });

  it('names what the bytes are', async () => {
    await expect(check('document', 'image.pdf', png)).rejects.toMatchObject({
      details: { declared: 'pdf', detected: 'png' },
    });
  });
});

describe('extensions a purpose does not accept → file_type_not_allowed', () => {
  it.each([
    ['image', 'paper.pdf'],
    ['document', 'setup.exe'],
    ['document', 'archive.zip'],
    ['document', 'photo.png'],
    ['video', 'song.mp3'],
    ['audio', 'movie.mp4'],
    ['audio', 'no-extension'],
    ['document', 'trailing-dot.'],
    ['image', '.png-is-not-an-extension-here.'],
  ] as const)('%s: %s', (purpose, filename) => {
    expect(() => formatFor(purpose, filename)).toThrowError(
      expect.objectContaining({ code: 'file_type_not_allowed', status: 400 }),
    );
  });

  it('is case-insensitive about extensions', () => {
    expect(formatFor('image', 'PHOTO.JPG').name).toBe('jpg');
    expect(formatFor('document', 'Notes.Markdown').name).toBe('md');
  });
});

describe('spoolUpload', () => {
  it('stops at the limit with file_too_large and keeps nothing', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'nexus-spool-'));
    try {
      let produced = 0;
      const endless = new Readable({
        read() {
          produced += 65_536;
          this.push(Buffer.alloc(65_536, 1));
        },
      });
      await expect(
        spoolUpload(endless, { dir: own, maxBytes: 200_000, inspectText: false }),
      ).rejects.toMatchObject({ code: 'file_too_large', status: 413, details: { limit_bytes: 200_000 } });
      expect(endless.destroyed).toBe(true);
      // Reading stopped right after the limit, not at the end of the (endless) stream.
      expect(produced).toBeLessThan(2_000_000);
      expect(await readdir(own)).toEqual([]);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('accepts exactly the limit', async () => {
    const spooled = await spoolUpload(Readable.from([Buffer.alloc(1000)]), {
      dir,
      maxBytes: 1000,
      inspectText: false,
    });
    expect(spooled.size).toBe(1000);
    await spooled.discard();
  });

  it('counts an empty upload as 0 bytes', async () => {
    const spooled = await spoolUpload(Readable.from([]), { dir, maxBytes: 1000, inspectText: true });
    expect(spooled.size).toBe(0);
    expect(spooled.sha256).toBe(createHash('sha256').digest('hex'));
    await spooled.discard();
  });

  it('leaves nothing behind when the source fails', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'nexus-spool-'));
    try {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000));
          this.destroy(new Error('client went away'));
        },
      });
      await expect(
        spoolUpload(failing, { dir: own, maxBytes: 1e9, inspectText: false }),
      ).rejects.toMatchObject({
        code: 'bad_request',
        status: 400,
        cause: expect.objectContaining({ message: 'client went away' }),
      });
      expect(await readdir(own)).toEqual([]);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});

describe('TextProbe', () => {
  it('keeps the first 4 KiB and judges the rest without keeping it', () => {
    const probe = new TextProbe();
    for (let i = 0; i < 100; i++) probe.update(Buffer.from('x'.repeat(1000)));
    const profile = probe.finish();
    expect(profile.isText).toBe(true);
    expect(profile.prefix.length).toBe(TextProbe.PREFIX_BYTES);
  });

  it('fails on a NUL byte far into the stream', () => {
    const probe = new TextProbe();
    probe.update(Buffer.from('a'.repeat(10_000)));
    probe.update(Buffer.from([0x61, 0x00]));
    expect(probe.finish()).toMatchObject({ isText: false, reason: expect.stringContaining('NUL') });
  });
});

import { describe, expect, it } from 'vitest';
import {
  decodeWav,
  downmix,
  encodeWav16,
  fixWavSizes,
  isWav,
  readWavHeader,
  resample,
  toSpeechRecognitionWav,
  type WavErrorKind,
  WavFormatError,
} from './wav.js';

interface WavSpec {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  /** Raw sample bytes (interleaved). */
  data: Uint8Array;
  extensible?: boolean;
  /** The `data` size to declare (default: the real size). */
  declaredData?: number;
  /** A chunk to put between fmt and data (with its real size, odd sizes padded). */
  extraChunk?: Uint8Array;
  blockAlign?: number;
  fmtSize?: number;
}

/** A WAV file built byte by byte, independently of the module under test. */
function wav(spec: WavSpec): Uint8Array {
  const channels = spec.channels ?? 1;
  const bits = spec.bits ?? 16;
  const rate = spec.rate ?? 8000;
  const format = spec.format ?? 1;
  const fmt: number[] = [];
  const u16 = (n: number, into = fmt) => into.push(n & 0xff, (n >> 8) & 0xff);
  const u32 = (n: number, into = fmt) =>
    into.push(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  u16(spec.extensible ? 0xfffe : format);
  u16(channels);
  u32(rate);
  u32((rate * channels * bits) / 8);
  u16(spec.blockAlign ?? (channels * bits) / 8);
  u16(bits);
  if (spec.extensible) {
    u16(22);
    u16(bits);
    u32(0);
    u16(format);
    fmt.push(0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71);
  }
  const fmtBody = spec.fmtSize === undefined ? fmt : fmt.slice(0, spec.fmtSize);
  const out: number[] = [];
  const text = (s: string) => out.push(...Buffer.from(s, 'latin1'));
  text('RIFF');
  u32(0, out);
  text('WAVE');
  text('fmt ');
  u32(fmtBody.length, out);
  out.push(...fmtBody);
  if (spec.extraChunk) {
    text('LIST');
    u32(spec.extraChunk.length, out);
    out.push(...spec.extraChunk);
    if (spec.extraChunk.length % 2) out.push(0);
  }
  text('data');
  u32(spec.declaredData ?? spec.data.length, out);
  out.push(...spec.data);
  const bytes = Uint8Array.from(out);
  new DataView(bytes.buffer).setUint32(4, bytes.length - 8, true);
  return bytes;
}

function bytesOf(
  values: number[],
  write: (view: DataView, at: number, value: number) => void,
  width: number,
) {
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    write(view, i * width, v);
  });
  return bytes;
}

const int24 = (view: DataView, at: number, v: number) => {
  view.setUint8(at, v & 0xff);
  view.setUint8(at + 1, (v >> 8) & 0xff);
  view.setInt8(at + 2, v >> 16);
};

describe('WAV decoding', () => {
  it.each<[string, WavSpec, number[]]>([
    ['8-bit unsigned PCM', { bits: 8, data: Uint8Array.from([128, 255, 0, 192]) }, [0, 127 / 128, -1, 0.5]],
    [
      '16-bit PCM',
      { data: bytesOf([0, 32767, -32768, 16384], (v, a, x) => v.setInt16(a, x, true), 2) },
      [0, 32767 / 32768, -1, 0.5],
    ],
    [
      '24-bit PCM',
      { bits: 24, data: bytesOf([0, 8_388_607, -8_388_608, 4_194_304], int24, 3) },
      [0, 8_388_607 / 8_388_608, -1, 0.5],
    ],
    [
      '32-bit PCM',
      {
        bits: 32,
        data: bytesOf(
          [0, 2_147_483_647, -2_147_483_648, 1_073_741_824],
          (v, a, x) => v.setInt32(a, x, true),
          4,
        ),
      },
      [0, 2_147_483_647 / 2_147_483_648, -1, 0.5],
    ],
    [
      '32-bit float',
      { format: 3, bits: 32, data: bytesOf([0, 0.25, -0.75, 2], (v, a, x) => v.setFloat32(a, x, true), 4) },
      [0, 0.25, -0.75, 1],
    ],
    [
      '64-bit float',
      { format: 3, bits: 64, data: bytesOf([0, 0.25, -0.75, -3], (v, a, x) => v.setFloat64(a, x, true), 8) },
      [0, 0.25, -0.75, -1],
    ],
    [
      'WAVE_FORMAT_EXTENSIBLE 16-bit PCM',
      { extensible: true, data: bytesOf([0, 16384, -16384, 0], (v, a, x) => v.setInt16(a, x, true), 2) },
      [0, 0.5, -0.5, 0],
    ],
    [
      'an odd-sized chunk before data (padding skipped)',
      {
        extraChunk: Uint8Array.from([1, 2, 3]),
        data: bytesOf([100, -100, 0, 0], (v, a, x) => v.setInt16(a, x, true), 2),
      },
      [100 / 32768, -100 / 32768, 0, 0],
    ],
    [
      'a streaming writer’s huge declared data size (clamped to the bytes present)',
      {
        declaredData: 0x7ffff000,
        data: bytesOf([0, 16384, 0, -16384], (v, a, x) => v.setInt16(a, x, true), 2),
      },
      [0, 0.5, 0, -0.5],
    ],
  ])('reads %s', (_name, spec, expected) => {
    const bytes = wav(spec);
    expect(isWav(bytes)).toBe(true);
    const audio = decodeWav(bytes);
    expect(audio.sampleRate).toBe(8000);
    expect(audio.channels).toHaveLength(1);
    expect(Array.from(audio.channels[0]!)).toEqual(expected.map((v) => expect.closeTo(v, 6)));
    expect(audio.durationSeconds).toBeCloseTo(expected.length / 8000, 9);
  });

  it('keeps channels apart and downmixes them by averaging', () => {
    // Left 0.5, right -0.25, for two frames.
    const data = bytesOf([16384, -8192, 16384, -8192], (v, a, x) => v.setInt16(a, x, true), 2);
    const audio = decodeWav(wav({ channels: 2, data }));
    expect(Array.from(audio.channels[0]!)).toEqual([0.5, 0.5]);
    expect(Array.from(audio.channels[1]!)).toEqual([-0.25, -0.25]);
    expect(Array.from(downmix(audio.channels))).toEqual([0.125, 0.125]);
  });

  it('drops a trailing partial frame', () => {
    const header = readWavHeader(wav({ channels: 2, data: Uint8Array.from([0, 0, 0, 0, 1, 2]) }));
    expect(header.frames).toBe(1);
  });

  it.each<[string, Uint8Array, WavErrorKind, RegExp]>([
    ['empty input', new Uint8Array(0), 'not_wav', /RIFF/],
    [
      'an MP3 header',
      Uint8Array.from(Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000hello')),
      'not_wav',
      /RIFF/,
    ],
    [
      'RIFF that is not WAVE',
      Uint8Array.from(Buffer.from('RIFF\u0004\u0000\u0000\u0000AVI LIST')),
      'not_wav',
      /RIFF/,
    ],
    [
      'WAVE without chunks',
      Uint8Array.from(Buffer.from('RIFF\u0004\u0000\u0000\u0000WAVE')),
      'malformed',
      /fmt/,
    ],
    ['a short fmt chunk', wav({ fmtSize: 10, data: new Uint8Array(4) }), 'malformed', /shorter than 16/],
    [
      'ADPCM',
      wav({ format: 2, bits: 4, blockAlign: 1, data: new Uint8Array(4) }),
      'unsupported',
      /format code 2/,
    ],
    ['µ-law', wav({ format: 7, bits: 8, data: new Uint8Array(4) }), 'unsupported', /format code 7/],
    ['12-bit PCM', wav({ bits: 12, blockAlign: 2, data: new Uint8Array(4) }), 'unsupported', /12-bit pcm/],
    ['16-bit float', wav({ format: 3, bits: 16, data: new Uint8Array(4) }), 'unsupported', /16-bit float/],
    [
      'zero channels',
      wav({ channels: 0, blockAlign: 2, data: new Uint8Array(4) }),
      'malformed',
      /0 channels/,
    ],
    ['a 10 Hz sample rate', wav({ rate: 10, data: new Uint8Array(4) }), 'malformed', /sample rate of 10 Hz/],
    [
      'a block size that does not fit',
      wav({ blockAlign: 3, data: new Uint8Array(6) }),
      'malformed',
      /block size 3/,
    ],
    [
      'no data chunk',
      (() => {
        const bytes = wav({ data: new Uint8Array(0) });
        return bytes.subarray(0, bytes.length - 8);
      })(),
      'malformed',
      /no data chunk/,
    ],
  ])('refuses %s', (_name, bytes, kind, message) => {
    let caught: unknown;
    try {
      decodeWav(bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WavFormatError);
    expect((caught as WavFormatError).kind).toBe(kind);
    expect((caught as WavFormatError).message).toMatch(message);
  });
});

describe('resampling', () => {
  const sine = (frequency: number, rate: number, seconds: number, phase = 0) =>
    Float32Array.from(
      { length: Math.round(rate * seconds) },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * frequency * i) / rate + phase),
    );
  /** RMS of `a - b` over the middle of the signal (the edges see a truncated kernel). */
  const rmsError = (a: Float32Array, b: Float32Array) => {
    const from = Math.floor(a.length * 0.1);
    const to = Math.floor(a.length * 0.9);
    let sum = 0;
    for (let i = from; i < to; i++) sum += (a[i]! - b[i]!) ** 2;
    return Math.sqrt(sum / (to - from));
  };
  const rms = (a: Float32Array) => rmsError(a, new Float32Array(a.length));

  it.each([
    [44_100, 16_000, 1000],
    [22_050, 16_000, 440],
    [48_000, 16_000, 3000],
    [8_000, 16_000, 1000],
    [11_025, 16_000, 2500],
  ])('%i Hz → %i Hz keeps a %i Hz tone', async (from, to, frequency) => {
    const input = sine(frequency, from, 0.5);
    const out = await resample(input, from, to);
    expect(out.length).toBe(Math.round((input.length * to) / from));
    expect(rmsError(out, sine(frequency, to, 0.5))).toBeLessThan(0.01);
  });

  it('filters out what the new rate cannot carry instead of aliasing it', async () => {
    // 12 kHz is above 16 kHz's Nyquist frequency: it would alias to 4 kHz unfiltered.
    const out = await resample(sine(12_000, 44_100, 0.5), 44_100, 16_000);
    expect(rms(sine(12_000, 44_100, 0.5))).toBeGreaterThan(0.3);
    expect(rms(out)).toBeLessThan(0.01);
  });

  it('returns the same samples when the rates match', async () => {
    const input = sine(440, 16_000, 0.1);
    expect(await resample(input, 16_000, 16_000)).toBe(input);
  });
});

describe('WAV writing', () => {
  it('writes 16-bit mono PCM that reads back', () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 1, -1, 2]);
    const bytes = encodeWav16(samples, 16_000);
    expect(bytes.length).toBe(44 + 12);
    const header = readWavHeader(bytes);
    expect(header).toMatchObject({
      encoding: 'pcm',
      sampleRate: 16_000,
      channels: 1,
      bitsPerSample: 16,
      frames: 6,
    });
    expect(Array.from(decodeWav(bytes).channels[0]!)).toEqual(
      [0, 0.5, -0.5, 1, -1, 1].map((v) => expect.closeTo(v, 4)),
    );
  });

  it('makes any WAV into 16 kHz mono 16-bit for speech recognition', async () => {
    const stereo44k = new Uint8Array(44_100 * 4 * 0.2);
    const bytes = await toSpeechRecognitionWav(wav({ channels: 2, rate: 44_100, data: stereo44k }));
    expect(readWavHeader(bytes)).toMatchObject({
      sampleRate: 16_000,
      channels: 1,
      bitsPerSample: 16,
      frames: 3200,
    });
  });

  it('fixes the sizes a streaming writer left unknown, and cuts what follows the samples', () => {
    const data = bytesOf([1, 2, 3], (v, a, x) => v.setInt16(a, x, true), 2);
    const streamed = wav({ declaredData: 0x7ffff000, data: Uint8Array.from([...data, 9]) });
    const { bytes, header } = fixWavSizes(streamed);
    expect(header.frames).toBe(3);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes.length).toBe(header.dataOffset + 6);
    expect(view.getUint32(4, true)).toBe(bytes.length - 8);
    expect(view.getUint32(header.dataOffset - 4, true)).toBe(6);
  });
});

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * WAV (RIFF/WAVE) reading and writing for the offline speech engines: pocketsphinx wants 16 kHz mono
 * 16-bit PCM, and clients send whatever their recorder makes. Reads PCM (8-bit unsigned, 16/24/32-bit
 * signed) and IEEE float (32/64-bit) in plain or WAVE_FORMAT_EXTENSIBLE form, any channel count and
 * rate; downmixes, resamples (windowed sinc) and writes 16-bit PCM. Compressed WAV (ADPCM, µ-law, ...)
 * is left to sox.
 */

export type WavErrorKind = 'not_wav' | 'malformed' | 'unsupported';

/** Why bytes are not WAV audio this module can read. */
export class WavFormatError extends Error {
  constructor(
    readonly kind: WavErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'WavFormatError';
  }
}

export interface WavHeader {
  encoding: 'pcm' | 'float';
  sampleRate: number;
  channels: number;
  /** Bits per sample as stored (the container size). */
  bitsPerSample: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
  /** Where the samples start, and how many whole frames there are (clamped to the bytes present). */
  dataOffset: number;
  frames: number;
  durationSeconds: number;
}

export interface DecodedAudio {
  sampleRate: number;
  /** One array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
  durationSeconds: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Whether the bytes start like a WAV file (`RIFF....WAVE`). */
export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';
}

/**
 * The header of a WAV file. The `data` chunk's declared size is clamped to the bytes present: streaming
 * writers (espeak-ng --stdout among them) declare a huge size because they cannot seek back.
 * @example const { durationSeconds } = readWavHeader(bytes);
 */
export function readWavHeader(bytes: Uint8Array): WavHeader {
  if (!isWav(bytes)) throw new WavFormatError('not_wav', 'not a WAV file (no RIFF/WAVE header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Omit<WavHeader, 'dataOffset' | 'frames' | 'durationSeconds'> | undefined;
  let data: { offset: number; declared: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length && !(fmt && data)) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') fmt = readFmt(view, body, Math.min(size, bytes.length - body));
    else if (id === 'data') data = { offset: body, declared: size };
    // Chunks are padded to an even length.
    offset = body + size + (size % 2);
  }
  if (!fmt) throw new WavFormatError('malformed', 'the WAV file has no fmt chunk');
  if (!data) throw new WavFormatError('malformed', 'the WAV file has no data chunk');
  const available = Math.max(0, Math.min(data.declared, bytes.length - data.offset));
  const frames = Math.floor(available / fmt.blockAlign);
  return { ...fmt, dataOffset: data.offset, frames, durationSeconds: frames / fmt.sampleRate };
}

function readFmt(
  view: DataView,
  at: number,
  size: number,
): Omit<WavHeader, 'dataOffset' | 'frames' | 'durationSeconds'> {
  if (size < 16) throw new WavFormatError('malformed', 'the WAV fmt chunk is shorter than 16 bytes');
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (format === FORMAT_EXTENSIBLE) {
    if (size < 40) throw new WavFormatError('malformed', 'the WAVE_FORMAT_EXTENSIBLE fmt chunk is too short');
    // The sub-format GUID starts with the plain format code.
    format = view.getUint16(at + 24, true);
  }
  if (format !== FORMAT_PCM && format !== FORMAT_FLOAT)
    throw new WavFormatError(
      'unsupported',
      `WAV format code ${format} (compressed audio) is not supported; send PCM or float WAV`,
    );
  const encoding = format === FORMAT_PCM ? 'pcm' : 'float';
  const bitsOk =
    encoding === 'pcm' ? [8, 16, 24, 32].includes(bitsPerSample) : [32, 64].includes(bitsPerSample);
  if (!bitsOk)
    throw new WavFormatError('unsupported', `${bitsPerSample}-bit ${encoding} WAV is not supported`);
  if (channels < 1 || channels > 64)
    throw new WavFormatError('malformed', `the WAV file declares ${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 768_000)
    throw new WavFormatError('malformed', `the WAV file declares a sample rate of ${sampleRate} Hz`);
  if (blockAlign !== channels * (bitsPerSample / 8))
    throw new WavFormatError(
      'malformed',
      `the WAV block size ${blockAlign} does not match ${channels} channels of ${bitsPerSample} bits`,
    );
  return { encoding, sampleRate, channels, bitsPerSample, blockAlign };
}

/**
 * The samples of a WAV file, one Float32Array per channel in [-1, 1].
 * @example const audio = decodeWav(bytes); audio.channels[0][0];
 */
export function decodeWav(bytes: Uint8Array, header: WavHeader = readWavHeader(bytes)): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { channels: count, frames, blockAlign, bitsPerSample, encoding, dataOffset } = header;
  const channels = Array.from({ length: count }, () => new Float32Array(frames));
  const width = bitsPerSample / 8;
  const read = sampleReader(view, encoding, bitsPerSample);
  for (let frame = 0; frame < frames; frame++) {
    const base = dataOffset + frame * blockAlign;
    for (let c = 0; c < count; c++) channels[c]![frame] = read(base + c * width);
  }
  return { sampleRate: header.sampleRate, channels, durationSeconds: header.durationSeconds };
}

function sampleReader(view: DataView, encoding: 'pcm' | 'float', bits: number): (at: number) => number {
  if (encoding === 'float')
    return bits === 32 ? (at) => clamp(view.getFloat32(at, true)) : (at) => clamp(view.getFloat64(at, true));
  switch (bits) {
    case 8:
      // 8-bit WAV is unsigned, silence at 128.
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => {
        const value = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16);
        return value / 8_388_608;
      };
    default:
      return (at) => view.getInt32(at, true) / 2_147_483_648;
  }
}

function clamp(x: number): number {
  return Number.isNaN(x) ? 0 : Math.min(1, Math.max(-1, x));
}

/** The channels averaged into one. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const frames = channels[0]?.length ?? 0;
  const mono = new Float32Array(frames);
  for (const channel of channels) for (let i = 0; i < frames; i++) mono[i]! += channel[i]!;
  for (let i = 0; i < frames; i++) mono[i]! /= channels.length;
  return mono;
}

/** Zero crossings of the sinc kernel on each side; more is sharper and slower. */
const KERNEL_ZERO_CROSSINGS = 10;
/** Kernel table resolution: entries per input sample. */
const KERNEL_STEPS = 512;

/** The windowed-sinc kernel (Hann window) tabulated from 0 to `halfWidth` input samples. */
function kernelTable(cutoff: number, halfWidth: number): Float32Array {
  const table = new Float32Array(Math.ceil(halfWidth * KERNEL_STEPS) + 2);
  for (let i = 0; i < table.length; i++) {
    const x = i / KERNEL_STEPS;
    if (x >= halfWidth) break;
    const arg = Math.PI * cutoff * x;
    const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
    const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / halfWidth);
    table[i] = cutoff * sinc * window;
  }
  return table;
}

/**
 * `samples` at `fromRate` resampled to `toRate` with a windowed-sinc filter whose cutoff sits just below
 * the lower of the two Nyquist frequencies (so downsampling does not alias). Long inputs are processed in
 * slices with the event loop let through between them.
 * @example const at16k = await resample(mono, 44_100, 16_000);
 */
export async function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
): Promise<Float32Array> {
  if (fromRate === toRate) return samples;
  const ratio = toRate / fromRate;
  const out = new Float32Array(Math.round(samples.length * ratio));
  const cutoff = Math.min(1, ratio) * 0.95;
  const halfWidth = KERNEL_ZERO_CROSSINGS / cutoff;
  const table = kernelTable(cutoff, halfWidth);
  const slice = 16_000;
  for (let start = 0; start < out.length; start += slice) {
    resampleRange(samples, out, ratio, halfWidth, table, start, Math.min(out.length, start + slice));
    if (start + slice < out.length) await yieldToEventLoop();
  }
  return out;
}

function resampleRange(
  input: Float32Array,
  out: Float32Array,
  ratio: number,
  halfWidth: number,
  table: Float32Array,
  from: number,
  to: number,
): void {
  const last = input.length - 1;
  for (let i = from; i < to; i++) {
    const t = i / ratio;
    const first = Math.max(0, Math.ceil(t - halfWidth));
    const end = Math.min(last, Math.floor(t + halfWidth));
    let sum = 0;
    for (let k = first; k <= end; k++) {
      const index = Math.round(Math.abs(t - k) * KERNEL_STEPS);
      sum += input[k]! * table[index]!;
    }
    out[i] = sum;
  }
}

/**
 * Mono samples as a 16-bit PCM WAV file.
 * @example writeFileSync('out.wav', encodeWav16(samples, 16_000));
 */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  writeAscii(bytes, 0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(bytes, 8, 'WAVE');
  writeAscii(bytes, 12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  writeAscii(bytes, 36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const s = clamp(samples[i]!);
    view.setInt16(44 + i * 2, s < 0 ? Math.round(s * 32768) : Math.round(s * 32767), true);
  }
  return bytes;
}

/**
 * The WAV file made into 16 kHz mono 16-bit PCM (what pocketsphinx reads). Throws WavFormatError.
 * @example const wav = await toSpeechRecognitionWav(bytes);
 */
export async function toSpeechRecognitionWav(
  bytes: Uint8Array,
  header: WavHeader = readWavHeader(bytes),
): Promise<Uint8Array> {
  const decoded = decodeWav(bytes, header);
  const mono = downmix(decoded.channels);
  return encodeWav16(await resample(mono, decoded.sampleRate, 16_000), 16_000);
}

/**
 * A WAV file from a streaming writer (espeak-ng --stdout declares huge sizes because it cannot seek back)
 * made well-formed: the RIFF and `data` sizes rewritten to the samples actually present (in place) and
 * anything after them cut off.
 * @example const { bytes: wav, header } = fixWavSizes(output);
 */
export function fixWavSizes(bytes: Uint8Array): { bytes: Uint8Array; header: WavHeader } {
  const header = readWavHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataBytes = header.frames * header.blockAlign;
  view.setUint32(4, header.dataOffset + dataBytes - 8, true);
  view.setUint32(header.dataOffset - 4, dataBytes, true);
  return { bytes: bytes.subarray(0, header.dataOffset + dataBytes), header };
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function writeAscii(bytes: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
}

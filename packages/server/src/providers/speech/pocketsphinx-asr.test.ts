import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { CapabilityUnavailableError } from '../llm/language-model.js';
import { EspeakTts } from './espeak-tts.js';
import { hypothesis, PocketsphinxAsr } from './pocketsphinx-asr.js';
import { ConcurrencyGate, Executable } from './process.js';
import { AudioTooLongError, SpeechEngineError, UnsupportedAudioFormatError } from './speech-errors.js';
import { encodeWav16 } from './wav.js';

const searchPath = process.env.PATH ?? '/usr/bin:/bin';
const has = (name: string) => new Executable([name], { searchPath }).path !== undefined;
const realAsr = has('pocketsphinx_continuous') || has('pocketsphinx');
const espeak = has('espeak-ng');
const sox = has('sox');
const signal = () => new AbortController().signal;

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-asr-test-'));
const tempDir = mkdtempSync(path.join(tmpdir(), 'nexus-asr-runs-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(tempDir, { recursive: true, force: true });
});

/**
 * A stand-in for pocketsphinx_continuous (same command line) that reports what it was given: the size of
 * the WAV and its header's sample rate, channels and bits, so the conversion is checked without the model.
 */
const fakeRecognizer = path.join(dir, 'pocketsphinx_continuous');
writeFileSync(
  fakeRecognizer,
  `#!/bin/sh
[ "$1" = "-infile" ] || exit 2
bytes=$(wc -c < "$2")
rate=$(od -An -tu4 -j24 -N4 "$2" | tr -d ' ')
channels=$(od -An -tu2 -j22 -N2 "$2" | tr -d ' ')
bits=$(od -An -tu2 -j34 -N2 "$2" | tr -d ' ')
echo "bytes $bytes rate $rate"
echo "channels $channels bits $bits"
`,
);
chmodSync(fakeRecognizer, 0o755);

function asr(options: { pocketsphinx?: string; sox?: string; maxSeconds?: number } = {}) {
  return new PocketsphinxAsr({
    pocketsphinx: new Executable(['pocketsphinx_continuous', 'pocketsphinx'], {
      override: options.pocketsphinx,
      searchPath,
    }),
    sox: new Executable(['sox'], { override: options.sox, searchPath }),
    timeoutMs: 60_000,
    maxSeconds: options.maxSeconds ?? 60,
    gate: new ConcurrencyGate(2),
    tempDir,
  });
}

/** A stereo 44.1 kHz 32-bit float WAV of a tone, built by hand. */
function floatStereoWav(seconds: number): Uint8Array {
  const frames = Math.round(44_100 * seconds);
  const bytes = new Uint8Array(44 + frames * 8);
  const view = new DataView(bytes.buffer);
  bytes.set(Buffer.from('RIFF'), 0);
  view.setUint32(4, bytes.length - 8, true);
  bytes.set(Buffer.from('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 3, true);
  view.setUint16(22, 2, true);
  view.setUint32(24, 44_100, true);
  view.setUint32(28, 44_100 * 8, true);
  view.setUint16(32, 8, true);
  view.setUint16(34, 32, true);
  bytes.set(Buffer.from('data'), 36);
  view.setUint32(40, frames * 8, true);
  for (let i = 0; i < frames; i++) {
    const v = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 44_100);
    view.setFloat32(44 + i * 8, v, true);
    view.setFloat32(48 + i * 8, -v, true);
  }
  return bytes;
}

const tone = (seconds: number, rate = 16_000) =>
  encodeWav16(
    Float32Array.from(
      { length: Math.round(rate * seconds) },
      (_, i) => 0.3 * Math.sin((2 * Math.PI * 300 * i) / rate),
    ),
    rate,
  );

describe('reading what pocketsphinx prints', () => {
  it.each([
    ['hello world\n', 'hello world'],
    ['hello world\ngood  morning\n\n', 'hello world good morning'],
    ['', ''],
    [
      '{"b":0.0,"d":1.2,"p":1,"t":"hello world","w":[]}\n{"b":1.5,"d":0.5,"p":1,"t":"again"}\n',
      'hello world again',
    ],
    ['{"t":""}\n{not json\n', ''],
  ])('%j → %j', (stdout, text) => {
    expect(hypothesis(stdout)).toBe(text);
  });
});

describe('without pocketsphinx', () => {
  it('answers capability_unavailable naming the packages to install', async () => {
    const failure = await asr({ pocketsphinx: '/nonexistent/pocketsphinx_continuous' })
      .transcribe({ audio: tone(0.5), filename: 'a.wav', mediaType: 'audio/wav' }, signal())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityUnavailableError);
    expect((failure as CapabilityUnavailableError).code).toBe('capability_unavailable');
    expect((failure as CapabilityUnavailableError).status).toBe(501);
    expect((failure as CapabilityUnavailableError).message).toContain(
      'apt-get install pocketsphinx pocketsphinx-en-us',
    );
  });
});

describe('getting audio into the form pocketsphinx reads', () => {
  it('converts WAV of any layout to 16 kHz mono 16-bit in TypeScript (no sox needed)', async () => {
    const result = await asr({ pocketsphinx: fakeRecognizer, sox: '/nonexistent/sox' }).transcribe(
      { audio: floatStereoWav(0.5), filename: 'tone.wav', mediaType: 'audio/wav' },
      signal(),
    );
    expect(result.text).toBe(`bytes ${44 + 16_000} rate 16000 channels 1 bits 16`);
    expect(result.durationSeconds).toBeCloseTo(0.5, 6);
    expect(result.language).toBe('en');
  });

  it('removes its temporary files afterwards', async () => {
    await asr({ pocketsphinx: fakeRecognizer }).transcribe(
      { audio: tone(0.2), filename: 'a.wav', mediaType: 'audio/wav' },
      signal(),
    );
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it.each<[string, Uint8Array, string, string, new (...args: never[]) => Error, string]>([
    ['empty audio', new Uint8Array(0), 'a.wav', 'en', ValidationError, 'validation_failed'],
    [
      'a WAV without samples',
      encodeWav16(new Float32Array(0), 16_000),
      'a.wav',
      'en',
      ValidationError,
      'validation_failed',
    ],
    ['a language other than English', tone(0.2), 'a.wav', 'fr', ValidationError, 'validation_failed'],
    ['audio over the length limit', tone(3), 'a.wav', 'en-US', AudioTooLongError, 'audio_too_long'],
    [
      'text named .mp3, without sox',
      new Uint8Array(Buffer.from('not audio at all')),
      'a.mp3',
      'en',
      UnsupportedAudioFormatError,
      'unsupported_audio_format',
    ],
    [
      'compressed (ADPCM) WAV, without sox',
      (() => {
        const wav = tone(0.2);
        new DataView(wav.buffer).setUint16(20, 2, true);
        return wav;
      })(),
      'a.wav',
      'en',
      UnsupportedAudioFormatError,
      'unsupported_audio_format',
    ],
  ])('refuses %s', async (_name, audio, filename, language, type, code) => {
    const failure = await asr({ pocketsphinx: fakeRecognizer, sox: '/nonexistent/sox', maxSeconds: 2 })
      .transcribe({ audio, filename, mediaType: 'application/octet-stream', language }, signal())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(type);
    expect((failure as { code: string }).code).toBe(code);
    if (code === 'unsupported_audio_format')
      expect((failure as Error).message).toMatch(/WAV.*apt-get install sox/);
  });

  it('reports an engine that fails', async () => {
    const broken = path.join(dir, 'broken-recognizer');
    writeFileSync(broken, '#!/bin/sh\necho "FATAL: no acoustic model" >&2\nexit 1\n');
    chmodSync(broken, 0o755);
    const failure = await asr({ pocketsphinx: broken })
      .transcribe({ audio: tone(0.2), filename: 'a.wav', mediaType: 'audio/wav' }, signal())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SpeechEngineError);
    expect((failure as SpeechEngineError).message).toContain('no acoustic model');
    expect((failure as SpeechEngineError).code).toBe('speech_engine_failed');
  });

  describe.skipIf(!sox)('with sox installed', () => {
    it('converts other formats with sox (FLAC)', async () => {
      const wavPath = path.join(dir, 'tone.wav');
      const flacPath = path.join(dir, 'tone.flac');
      writeFileSync(wavPath, tone(0.5, 22_050));
      execFileSync('sox', [wavPath, flacPath]);
      const flac = new Uint8Array(readFileSync(flacPath));
      const result = await asr({ pocketsphinx: fakeRecognizer }).transcribe(
        { audio: flac, filename: 'recording', mediaType: 'audio/flac' },
        signal(),
      );
      expect(result.text).toBe(`bytes ${44 + 16_000} rate 16000 channels 1 bits 16`);
      expect(result.durationSeconds).toBeCloseTo(0.5, 3);
    });

    it.each([
      ['text named .wav', new Uint8Array(Buffer.from('RIFF but not really, just text')), 'a.wav'],
      ['random bytes named .ogg', new Uint8Array(4096).map((_, i) => (i * 7919) % 251), 'a.ogg'],
      ['a PNG', new Uint8Array(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')), 'picture.png'],
    ])('refuses %s as unsupported_audio_format', async (_name, audio, filename) => {
      const failure = await asr({ pocketsphinx: fakeRecognizer })
        .transcribe({ audio, filename, mediaType: 'application/octet-stream' }, signal())
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UnsupportedAudioFormatError);
      expect((failure as UnsupportedAudioFormatError).status).toBe(415);
    });

    it('refuses converted audio over the length limit', async () => {
      const wavPath = path.join(dir, 'long.wav');
      const flacPath = path.join(dir, 'long.flac');
      writeFileSync(wavPath, tone(3));
      execFileSync('sox', [wavPath, flacPath]);
      const failure = await asr({ pocketsphinx: fakeRecognizer, maxSeconds: 1 })
        .transcribe(
          { audio: new Uint8Array(readFileSync(flacPath)), filename: 'long.flac', mediaType: 'audio/flac' },
          signal(),
        )
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AudioTooLongError);
    });
  });
});

describe.skipIf(!realAsr || !espeak)('with espeak-ng and pocketsphinx installed', () => {
  it('hears "hello world" that espeak-ng said (en-us voice at 160 words a minute)', async () => {
    const tts = new EspeakTts({
      executable: new Executable(['espeak-ng'], { searchPath }),
      timeoutMs: 30_000,
      maxSeconds: 60,
      gate: new ConcurrencyGate(2),
    });
    const speech = await tts.synthesize({ text: 'hello world', voice: 'en-us', speed: 160 / 175 }, signal());
    const result = await asr().transcribe(
      { audio: speech.audio, filename: 'speech.wav', mediaType: 'audio/wav' },
      signal(),
    );
    // pocketsphinx 0.8 with the en-us model hears exactly "hello world" here; other versions may differ a little.
    expect(result.text).toContain('hello');
    expect(result.language).toBe('en');
    expect(result.durationSeconds).toBeCloseTo(speech.durationSeconds, 3);
  });

  it('hears nothing in a pure tone', async () => {
    const result = await asr().transcribe(
      { audio: tone(1), filename: 'tone.wav', mediaType: 'audio/wav' },
      signal(),
    );
    expect(result.text).not.toContain('hello');
  });
});

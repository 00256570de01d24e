import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { CapabilityUnavailableError } from '../llm/language-model.js';
import {
  ESPEAK_MAX_WPM,
  ESPEAK_MIN_WPM,
  EspeakTts,
  espeakRate,
  OPENAI_VOICE_MAP,
  parseVoice,
  parseVoiceList,
} from './espeak-tts.js';
import { ConcurrencyGate, Executable } from './process.js';
import { AudioTooLongError } from './speech-errors.js';
import { readWavHeader } from './wav.js';

const searchPath = process.env.PATH ?? '/usr/bin:/bin';
const installed = new Executable(['espeak-ng'], { searchPath }).path !== undefined;
const signal = () => new AbortController().signal;

function tts(overrides: { override?: string; maxSeconds?: number } = {}) {
  return new EspeakTts({
    executable: new Executable(['espeak-ng'], { override: overrides.override, searchPath }),
    timeoutMs: 30_000,
    maxSeconds: overrides.maxSeconds ?? 60,
    gate: new ConcurrencyGate(2),
  });
}

describe('espeak-ng voices', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'en'],
    ['', 'en'],
    ['en-us', 'en-us'],
    ['EN-GB', 'en-gb'],
    ['en-us+f3', 'en-us+f3'],
    ['en-gb-x-rp', 'en-gb-x-rp'],
    ['cmn', 'cmn'],
    ['alloy', 'en-us'],
    ['Nova', 'en-us+f3'],
    ['fable', 'en-gb'],
  ])('takes %j as -v %s', (voice, arg) => {
    expect(parseVoice(voice).arg).toBe(arg);
  });

  it('maps every OpenAI voice to a well-formed espeak-ng voice', () => {
    for (const [name, voice] of Object.entries(OPENAI_VOICE_MAP))
      expect(parseVoice(name).arg, name).toBe(voice);
  });

  it.each([
    '-v',
    '--stdout',
    '-w/tmp/x.wav',
    'en;rm -rf /',
    'en us',
    'en\n--stdout',
    '../../etc/passwd',
    '/usr/share/espeak-ng-data/voices/en',
    'en+',
    '+f3',
    'en+f3+m1',
    'e',
    'english',
    'en-',
    'en--us',
    'en-us+-f3',
    'x'.repeat(100),
    'en-us+$(id)',
    'ｅｎ',
  ])('refuses %j with validation_failed naming voice', (voice) => {
    let caught: unknown;
    try {
      parseVoice(voice);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).code).toBe('validation_failed');
    expect((caught as ValidationError).details).toEqual([expect.objectContaining({ path: 'voice' })]);
    expect((caught as ValidationError).message).toMatch(/en-us/);
  });

  it('reads the voice list espeak-ng prints', () => {
    const voices = [
      'Pty Language       Age/Gender VoiceName          File                 Other Languages',
      ' 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)',
      ' 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)',
      ' 5  fr-fr           --/M      French_(France)    roa/fr               (fr 5)',
    ].join('\n');
    const variants = [
      'Pty Language       Age/Gender VoiceName          File                 Other Languages',
      ' 7  variant         --/F      female3            !v/f3                ',
      ' 7  variant         --/M      Storm              !v/Storm             (en-us 5)',
    ].join('\n');
    const list = parseVoiceList(voices, variants);
    expect([...list.languages].sort()).toEqual(['en', 'en-gb', 'en-us', 'fr', 'fr-fr']);
    expect([...list.variants].sort()).toEqual(['Storm', 'f3']);
  });
});

describe('speed', () => {
  it.each([
    [undefined, 175],
    [1, 175],
    [2, 350],
    [0.5, ESPEAK_MIN_WPM + 8],
    [0.25, ESPEAK_MIN_WPM],
    [4, ESPEAK_MAX_WPM],
  ])('speed %s is %i words per minute', (speed, wpm) => {
    expect(espeakRate(speed)).toBe(wpm);
  });
});

describe('without espeak-ng', () => {
  it('answers capability_unavailable naming the package to install', async () => {
    const failure = await tts({ override: '/nonexistent/espeak-ng' })
      .synthesize({ text: 'hello' }, signal())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityUnavailableError);
    expect((failure as CapabilityUnavailableError).status).toBe(501);
    expect((failure as CapabilityUnavailableError).code).toBe('capability_unavailable');
    expect((failure as CapabilityUnavailableError).message).toContain('apt-get install espeak-ng');
  });
});

describe.skipIf(!installed)('with espeak-ng installed', () => {
  it('speaks text from stdin as a well-formed WAV', async () => {
    const result = await tts().synthesize(
      { text: '--help -w /tmp/pwned.wav hello world', voice: 'en-us' },
      signal(),
    );
    expect(result.mediaType).toBe('audio/wav');
    const header = readWavHeader(result.audio);
    expect(header).toMatchObject({ encoding: 'pcm', sampleRate: 22_050, channels: 1, bitsPerSample: 16 });
    // The sizes are the real ones (espeak-ng --stdout leaves them at 0x7fffffff).
    const view = new DataView(result.audio.buffer, result.audio.byteOffset, result.audio.byteLength);
    expect(view.getUint32(4, true)).toBe(result.audio.length - 8);
    expect(result.durationSeconds).toBeCloseTo(header.frames / 22_050, 6);
    expect(result.durationSeconds).toBeGreaterThan(1);
  });

  it('speaks faster at a higher speed', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const normal = await tts().synthesize({ text, speed: 1 }, signal());
    const fast = await tts().synthesize({ text, speed: 2 }, signal());
    expect(fast.durationSeconds).toBeLessThan(normal.durationSeconds * 0.75);
  });

  it.each(['xx', 'en-us+nosuchvariant', 'zz-qq'])(
    'refuses voice %j that espeak-ng does not have',
    async (voice) => {
      const failure = await tts()
        .synthesize({ text: 'hello', voice }, signal())
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ValidationError);
      expect((failure as ValidationError).details).toEqual([expect.objectContaining({ path: 'voice' })]);
    },
  );

  it('refuses text that would make more speech than the limit', async () => {
    const failure = await tts({ maxSeconds: 1 })
      .synthesize({ text: 'This sentence certainly takes longer than one second to say out loud.' }, signal())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AudioTooLongError);
    expect((failure as AudioTooLongError).code).toBe('audio_too_long');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('client gone');
    const running = tts().synthesize({ text: 'hello '.repeat(2000) }, controller.signal);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
  });
});

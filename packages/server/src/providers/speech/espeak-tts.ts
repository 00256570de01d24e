import { ValidationError } from '../../errors.js';
import { CapabilityUnavailableError, type SpeechResult } from '../llm/language-model.js';
import { type ConcurrencyGate, type Executable, ProcessFailure, runProcess } from './process.js';
import { AudioTooLongError, engineError, SpeechEngineError } from './speech-errors.js';
import { fixWavSizes, WavFormatError } from './wav.js';

/**
 * Offline text to speech with espeak-ng (Debian package `espeak-ng`): the text goes in on stdin (never
 * argv), the WAV comes out on stdout (`--stdout`: 22.05 kHz mono 16-bit). The voice is checked against a
 * strict pattern and, once espeak-ng has listed them, against its own voices, before it is passed as the
 * value of `-v`; OpenAI's voice names are mapped to espeak-ng voices so OpenAI clients work unchanged.
 */

export const DEFAULT_ESPEAK_VOICE = 'en';

/** OpenAI's built-in voice names, mapped to espeak-ng voices (language + variant). */
export const OPENAI_VOICE_MAP: Readonly<Record<string, string>> = {
  alloy: 'en-us',
  ash: 'en-us+m3',
  ballad: 'en-gb+m4',
  coral: 'en-us+f2',
  echo: 'en-us+m1',
  fable: 'en-gb',
  nova: 'en-us+f3',
  onyx: 'en-us+m7',
  sage: 'en-us+f4',
  shimmer: 'en-us+f1',
  verse: 'en-us+m2',
  marin: 'en-us+f5',
  cedar: 'en-us+m5',
};

/** espeak-ng's default rate (speed 1.0), and the range it accepts. */
export const ESPEAK_DEFAULT_WPM = 175;
export const ESPEAK_MIN_WPM = 80;
export const ESPEAK_MAX_WPM = 450;

/** espeak-ng --stdout writes 22,050 samples of 2 bytes a second. */
const ESPEAK_BYTES_PER_SECOND = 22_050 * 2;

/** A language code (`en`, `en-us`, `en-gb-x-rp`), optionally `+variant` (`en-us+f3`). */
const VOICE_PATTERN = /^([a-z]{2,3}(?:-[a-z0-9]{1,8}){0,4})(?:\+([a-z][a-z0-9_]{0,31}))?$/i;

export interface EspeakVoice {
  language: string;
  variant: string | undefined;
  /** What goes after `-v`. */
  arg: string;
}

/**
 * The espeak-ng voice for `voice` (an espeak-ng voice, an OpenAI voice name, or nothing for the default),
 * or a ValidationError naming `voice`: the value can never be read as an option, a path or anything but a
 * voice name.
 * @example parseVoice('nova') // { language: 'en-us', variant: 'f3', arg: 'en-us+f3' }
 */
export function parseVoice(voice: string | undefined): EspeakVoice {
  const given = voice?.trim() || DEFAULT_ESPEAK_VOICE;
  const mapped = OPENAI_VOICE_MAP[given.toLowerCase()] ?? given;
  const match = mapped.length <= 64 ? VOICE_PATTERN.exec(mapped) : null;
  if (!match) throw voiceError(given, 'is not a voice name');
  const language = match[1]!.toLowerCase();
  const variant = match[2];
  return { language, variant, arg: variant ? `${language}+${variant}` : language };
}

function voiceError(voice: string, why: string): ValidationError {
  const shown = voice.length > 40 ? `${voice.slice(0, 40)}…` : voice;
  const message = `voice ${JSON.stringify(shown)} ${why}: use an espeak-ng voice such as en, en-us, en-gb, fr, de (optionally with a variant, as in en-us+f3), or an OpenAI voice name (${Object.keys(OPENAI_VOICE_MAP).join(', ')})`;
  return new ValidationError(message, {
    details: [{ location: 'body', path: 'voice', message, issue: 'invalid_value' }],
  });
}

/** OpenAI's speed (1 = normal) as espeak-ng words per minute, within what espeak-ng accepts. */
export function espeakRate(speed: number | undefined): number {
  const wpm = Math.round(ESPEAK_DEFAULT_WPM * (speed ?? 1));
  return Math.min(ESPEAK_MAX_WPM, Math.max(ESPEAK_MIN_WPM, wpm));
}

/**
 * The voices espeak-ng lists: language codes (the Language column and those in parentheses under Other
 * Languages, such as the plain `en`) and variant names (`--voices=variant`, file `!v/f3` → `f3`).
 */
export function parseVoiceList(
  voices: string,
  variants: string,
): { languages: Set<string>; variants: Set<string> } {
  const languages = new Set<string>();
  for (const line of voices.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns[1]) languages.add(columns[1].toLowerCase());
    for (const other of line.matchAll(/\(([a-z0-9-]+) \d+\)/gi)) languages.add(other[1]!.toLowerCase());
  }
  const variantNames = new Set<string>();
  for (const line of variants.split('\n').slice(1)) {
    const file = line.trim().split(/\s+/)[4];
    if (file?.startsWith('!v/')) variantNames.add(file.slice(3));
  }
  return { languages, variants: variantNames };
}

export interface EspeakSettings {
  executable: Executable;
  /** Kill espeak-ng after this long. */
  timeoutMs: number;
  /** Speech longer than this (what the text would become) is refused. */
  maxSeconds: number;
  gate: ConcurrencyGate;
}

export class EspeakTts {
  private voiceList: Promise<{ languages: Set<string>; variants: Set<string> } | undefined> | undefined;

  constructor(private readonly settings: EspeakSettings) {}

  /** The path to espeak-ng, or CapabilityUnavailableError saying how to install it. */
  private executable(): string {
    const found = this.settings.executable.path;
    if (!found)
      throw new CapabilityUnavailableError(
        'Text to speech with the offline local provider needs espeak-ng, which is not installed: ' +
          'apt-get install espeak-ng (or point ESPEAK_NG_PATH at it)',
        { details: { packages: ['espeak-ng'], binary: this.settings.executable.names[0] } },
      );
    return found;
  }

  /**
   * WAV speech for `text`. Throws ValidationError (voice), AudioTooLongError, CapabilityUnavailableError,
   * SpeechEngineError, or the signal's reason.
   * @example const { audio } = await tts.synthesize({ text: 'hello world', voice: 'en-us' }, signal);
   */
  async synthesize(
    request: { text: string; voice?: string; speed?: number },
    signal: AbortSignal,
  ): Promise<SpeechResult> {
    const file = this.executable();
    const voice = parseVoice(request.voice);
    const known = await this.knownVoices(file, signal);
    if (known && !known.languages.has(voice.language))
      throw voiceError(request.voice ?? voice.arg, 'is not a language espeak-ng speaks');
    if (known && voice.variant && !known.variants.has(voice.variant))
      throw voiceError(
        request.voice ?? voice.arg,
        `has a variant (${voice.variant}) espeak-ng does not have`,
      );
    const { timeoutMs, maxSeconds } = this.settings;
    const args = ['--stdout', '-b', '1', '-v', voice.arg, '-s', String(espeakRate(request.speed))];
    const output = await this.settings.gate.run(signal, () =>
      runProcess(file, args, {
        stdin: request.text,
        signal,
        timeoutMs,
        maxStdoutBytes: Math.ceil(maxSeconds * ESPEAK_BYTES_PER_SECOND) + 4096,
      }).catch((error: unknown) => {
        if (!(error instanceof ProcessFailure)) throw error;
        if (error.kind === 'output_limit')
          throw new AudioTooLongError(`The text makes more than ${maxSeconds} seconds of speech`, {
            details: { param: 'input', max_seconds: maxSeconds },
          });
        if (/voice does not exist/i.test(error.stderr))
          throw voiceError(voice.arg, 'is not an espeak-ng voice');
        throw engineError('espeak-ng', error);
      }),
    );
    try {
      const { bytes, header } = fixWavSizes(new Uint8Array(output.stdout));
      return { audio: bytes, mediaType: 'audio/wav', durationSeconds: header.durationSeconds };
    } catch (error) {
      if (error instanceof WavFormatError)
        throw new SpeechEngineError(`espeak-ng wrote no usable WAV: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** espeak-ng's voice list, asked once; undefined when it cannot be listed (the pattern check stands). */
  private knownVoices(
    file: string,
    signal: AbortSignal,
  ): Promise<{ languages: Set<string>; variants: Set<string> } | undefined> {
    this.voiceList ??= (async () => {
      const options = { signal, timeoutMs: this.settings.timeoutMs, maxStdoutBytes: 1_000_000 };
      const [voices, variants] = await Promise.all([
        runProcess(file, ['--voices'], options),
        runProcess(file, ['--voices=variant'], options),
      ]);
      const list = parseVoiceList(voices.stdout.toString('utf8'), variants.stdout.toString('utf8'));
      return list.languages.size > 0 ? list : undefined;
    })().catch(() => {
      // Asked again next time (an abort or a hiccup must not disable the check for good).
      this.voiceList = undefined;
      return undefined;
    });
    return this.voiceList;
  }
}

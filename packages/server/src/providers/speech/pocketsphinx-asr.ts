import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../errors.js';
import { CapabilityUnavailableError, type TranscriptionResult } from '../llm/language-model.js';
import { type ConcurrencyGate, type Executable, ProcessFailure, runProcess } from './process.js';
import { AudioTooLongError, engineError, UnsupportedAudioFormatError } from './speech-errors.js';
import { isWav, readWavHeader, toSpeechRecognitionWav, WavFormatError, type WavHeader } from './wav.js';

/**
 * Offline speech to text with CMU pocketsphinx (Debian packages `pocketsphinx` and `pocketsphinx-en-us`,
 * US English). pocketsphinx reads 16 kHz mono 16-bit WAV: WAV input (PCM or float, any rate and channel
 * count) is converted here in TypeScript; anything else is converted by sox when it is installed, and
 * refused (415 `unsupported_audio_format`) when it is not. Each run gets a private temporary folder,
 * removed afterwards.
 */

export interface PocketsphinxSettings {
  /** `pocketsphinx_continuous` (0.8, Debian 12) or `pocketsphinx` (5.x, whose `single` mode is used). */
  pocketsphinx: Executable;
  /** Optional: converts non-WAV audio. */
  sox: Executable;
  timeoutMs: number;
  /** Longer audio is refused (400 `audio_too_long`). */
  maxSeconds: number;
  gate: ConcurrencyGate;
  /** Where the per-run folders go (default: the system's temporary folder). */
  tempDir?: string;
}

/** What the caller sent: the audio's bytes, its file name and media type. */
export interface AudioInput {
  audio: Uint8Array;
  filename: string;
  mediaType: string;
  language?: string;
}

/** File extensions sox is given to name the input type, by media type (when the file name has none). */
const EXTENSION_BY_MEDIA_TYPE: Readonly<Record<string, string>> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/aiff': 'aiff',
  'audio/x-aiff': 'aiff',
  'audio/basic': 'au',
};

export class PocketsphinxAsr {
  constructor(private readonly settings: PocketsphinxSettings) {}

  private executable(): string {
    const found = this.settings.pocketsphinx.path;
    if (!found)
      throw new CapabilityUnavailableError(
        'Speech to text with the offline local provider needs pocketsphinx and its US English model, which are ' +
          'not installed: apt-get install pocketsphinx pocketsphinx-en-us (or point POCKETSPHINX_PATH at it)',
        {
          details: {
            packages: ['pocketsphinx', 'pocketsphinx-en-us'],
            binary: this.settings.pocketsphinx.names[0],
          },
        },
      );
    return found;
  }

  /**
   * The words pocketsphinx hears in the audio (lower case; empty for silence). Throws ValidationError
   * (language, empty audio), UnsupportedAudioFormatError, AudioTooLongError, CapabilityUnavailableError,
   * SpeechEngineError, or the signal's reason.
   * @example const { text } = await asr.transcribe({ audio, filename: 'a.wav', mediaType: 'audio/wav' }, signal);
   */
  async transcribe(input: AudioInput, signal: AbortSignal): Promise<TranscriptionResult> {
    const file = this.executable();
    if (input.language && !/^en(?:[-_][a-z0-9]+)*$/i.test(input.language)) {
      const message = `the offline local speech recognition knows US English only (language "en"), not "${input.language}"`;
      throw new ValidationError(`language: ${message}`, {
        details: [{ location: 'body', path: 'language', message, issue: 'invalid_value' }],
      });
    }
    const dir = await mkdtemp(path.join(this.settings.tempDir ?? tmpdir(), 'nexus-asr-'));
    try {
      const { wav, durationSeconds } = await this.speechWav(input, dir, signal);
      const wavPath = path.join(dir, 'speech.wav');
      await writeFile(wavPath, wav);
      signal.throwIfAborted();
      const single = path.basename(file) === 'pocketsphinx';
      const args = single ? ['-loglevel', 'FATAL', 'single', wavPath] : ['-infile', wavPath];
      const output = await this.settings.gate
        .run(signal, () =>
          runProcess(file, args, { signal, timeoutMs: this.settings.timeoutMs, maxStdoutBytes: 1_000_000 }),
        )
        .catch((error: unknown) => {
          throw error instanceof ProcessFailure ? engineError(path.basename(file), error) : error;
        });
      return { text: hypothesis(output.stdout.toString('utf8')), language: 'en', durationSeconds };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The audio as 16 kHz mono 16-bit WAV, with its duration. */
  private async speechWav(
    input: AudioInput,
    dir: string,
    signal: AbortSignal,
  ): Promise<{ wav: Uint8Array; durationSeconds: number }> {
    if (input.audio.length === 0) throw emptyAudio();
    let problem: WavFormatError | undefined;
    if (isWav(input.audio)) {
      try {
        const header = readWavHeader(input.audio);
        this.checkLength(header);
        return {
          wav: await toSpeechRecognitionWav(input.audio, header),
          durationSeconds: header.durationSeconds,
        };
      } catch (error) {
        if (!(error instanceof WavFormatError)) throw error;
        problem = error;
      }
    }
    const sox = this.settings.sox.path;
    if (!sox)
      throw new UnsupportedAudioFormatError(
        `${problem ? `This WAV file cannot be read (${problem.message})` : 'This audio is not WAV'}; the offline ` +
          'local speech recognition reads WAV (PCM or float). Send WAV, or install sox (apt-get install sox) ' +
          'to have other formats converted',
        { details: { param: 'file', supported: ['audio/wav'] } },
      );
    const inPath = path.join(dir, `input.${extensionOf(input)}`);
    const outPath = path.join(dir, 'converted.wav');
    await writeFile(inPath, input.audio);
    const { maxSeconds, timeoutMs } = this.settings;
    // `trim` bounds the output: a small compressed file may decode to hours of audio.
    const args = [inPath, '-t', 'wav', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', outPath];
    args.push('trim', '0', String(maxSeconds + 1));
    try {
      await this.settings.gate.run(signal, () =>
        runProcess(sox, ['-q', ...args], { signal, timeoutMs, maxStdoutBytes: 65_536 }),
      );
    } catch (error) {
      if (!(error instanceof ProcessFailure)) throw error;
      const why = error.stderr
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^sox FAIL \w+: /, '')
        .replace(inPath, input.filename);
      throw new UnsupportedAudioFormatError(
        `This audio could not be read${why ? ` (${why.slice(0, 200)})` : ''}; send WAV, FLAC, OGG or another format sox reads`,
        { details: { param: 'file', supported: ['audio/wav'] }, cause: error },
      );
    }
    const wav = new Uint8Array(await readFile(outPath));
    const header = readWavHeader(wav);
    this.checkLength(header);
    return { wav, durationSeconds: header.durationSeconds };
  }

  private checkLength(header: WavHeader): void {
    if (header.frames === 0) throw emptyAudio();
    const { maxSeconds } = this.settings;
    if (header.durationSeconds > maxSeconds)
      throw new AudioTooLongError(
        `The audio lasts ${header.durationSeconds.toFixed(1)} seconds; at most ${maxSeconds} seconds can be transcribed`,
        { details: { param: 'file', max_seconds: maxSeconds, duration_seconds: header.durationSeconds } },
      );
  }
}

function emptyAudio(): ValidationError {
  const message = 'the audio file is empty (no samples)';
  return new ValidationError(`file: ${message}`, {
    details: [{ location: 'body', path: 'file', message, issue: 'too_small' }],
  });
}

/** The extension that tells sox the input type: the file name's (letters and digits only), or the media type's. */
function extensionOf(input: AudioInput): string {
  const fromName = /\.([a-z0-9]{1,8})$/i.exec(input.filename)?.[1]?.toLowerCase();
  if (fromName) return fromName;
  return EXTENSION_BY_MEDIA_TYPE[input.mediaType.split(';')[0]!.trim().toLowerCase()] ?? 'wav';
}

/**
 * The recognised words from pocketsphinx's stdout: `pocketsphinx_continuous` prints one line per
 * utterance; `pocketsphinx single` prints one JSON object per utterance with the text in `t`.
 */
export function hypothesis(stdout: string): string {
  const words: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('{')) {
      try {
        const text = (JSON.parse(line) as { t?: unknown }).t;
        if (typeof text === 'string' && text.trim()) words.push(text.trim());
      } catch {
        // Not a JSON hypothesis: not recognised text either.
      }
      continue;
    }
    words.push(line);
  }
  return words.join(' ').replace(/\s+/g, ' ').trim();
}

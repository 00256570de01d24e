import { AppError, BadRequestError } from '../../errors.js';
import type { ProcessFailure } from './process.js';

/**
 * Audio the speech engines cannot read: not WAV (PCM or float) and no sox to convert it, or sox could not
 * read it either.
 */
export class UnsupportedAudioFormatError extends AppError {
  readonly code = 'unsupported_audio_format';
  readonly status = 415;
}

/** Audio longer than `SPEECH_MAX_SECONDS`: sent for transcription, or what a text would become. */
export class AudioTooLongError extends BadRequestError {
  override readonly code = 'audio_too_long';
}

/** A local speech engine (espeak-ng, pocketsphinx, sox) failed or ran past `SPEECH_TIMEOUT_MS`. */
export class SpeechEngineError extends AppError {
  readonly code = 'speech_engine_failed';
  readonly status = 502;
}

/** A ProcessFailure of the engine `name` as a SpeechEngineError, with the last line it wrote to stderr. */
export function engineError(name: string, failure: ProcessFailure): SpeechEngineError {
  const lastLine = failure.stderr.trim().split('\n').at(-1)?.slice(0, 300);
  return new SpeechEngineError(`${name} ${failure.message}${lastLine ? `: ${lastLine}` : ''}`, {
    cause: failure,
  });
}

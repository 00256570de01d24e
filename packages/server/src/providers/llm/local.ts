import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LOCAL_IMAGE_LABEL, renderTestImage } from '../images/test-image.js';
import type { EspeakTts } from '../speech/espeak-tts.js';
import type { PocketsphinxAsr } from '../speech/pocketsphinx-asr.js';
import {
  type CallOptions,
  CapabilityUnavailableError,
  type ChatMessage,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type ImageRequest,
  type ImageResult,
  type LanguageModel,
  type SpeechRequest,
  type SpeechResult,
  type StreamPart,
  type TranscriptionRequest,
  type TranscriptionResult,
  textOf,
} from './language-model.js';
import { lexicalEmbedding, lexicalTerms } from './lexical-embedder.js';
import { countChatTokens, countTokens } from './token-count.js';

export interface LocalModelSettings {
  /** Words streamed per second; 0 streams as fast as possible. */
  wordsPerSecond: number;
  /** Dimensions of the built-in lexical embedding. */
  embeddingDimensions: number;
  /** Text to speech (espeak-ng) for `local-tts`; without it speech answers capability_unavailable. */
  tts?: EspeakTts;
  /** Speech to text (pocketsphinx) for `local-asr`; without it transcription answers capability_unavailable. */
  asr?: PocketsphinxAsr;
}

export const LOCAL_LABEL = '[Nexus offline model]';

/**
 * The offline default provider: no network, no weights, deterministic. It cannot write new text; it
 * answers extractively from context it is given (system messages and earlier turns, e.g. retrieved
 * knowledge-base chunks), so retrieval-augmented chat works offline, and every reply says plainly that it
 * comes from the offline provider. Streams word by word at `wordsPerSecond`. Images are labelled test
 * images (providers/images/test-image.ts); speech goes through espeak-ng and pocketsphinx when installed.
 */
export class LocalLanguageModel implements LanguageModel {
  readonly provider = 'local';

  constructor(private readonly settings: LocalModelSettings) {}

  async *stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    options.signal.throwIfAborted();
    const reply = localReply(request.messages);
    const limit = maxTokens(request.params);
    const words = reply.match(/\S+\s*/g) ?? [];
    const delay = this.settings.wordsPerSecond > 0 ? 1000 / this.settings.wordsPerSecond : 0;
    let outputTokens = 0;
    let finish: 'stop' | 'length' = 'stop';
    for (const word of words) {
      const tokens = countTokens(word);
      if (limit !== undefined && outputTokens + tokens > limit) {
        finish = 'length';
        break;
      }
      // Aborting rejects with the signal's reason (the caller's), not a generic AbortError.
      if (delay > 0) await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
      options.signal.throwIfAborted();
      outputTokens += tokens;
      yield { type: 'text', text: word };
    }
    yield { type: 'usage', usage: { inputTokens: countChatTokens(request.messages), outputTokens } };
    yield { type: 'finish', reason: finish };
  }

  async embed(request: EmbedRequest, options: CallOptions): Promise<EmbedResult> {
    options.signal.throwIfAborted();
    const dimensions = request.dimensions ?? this.settings.embeddingDimensions;
    return {
      vectors: request.input.map((text) => lexicalEmbedding(text, dimensions)),
      inputTokens: request.input.reduce((n, text) => n + countTokens(text), 0),
    };
  }

  /** Labelled test images (a gradient seeded by the prompt), never a model's work: `label` says so. */
  async generateImage(request: ImageRequest, options: CallOptions): Promise<ImageResult> {
    const images: ImageResult['images'] = [];
    for (let index = 0; index < request.n; index++) {
      options.signal.throwIfAborted();
      if (index > 0) await yieldToEventLoop();
      images.push({
        data: renderTestImage(request.prompt, request.width, request.height, index),
        mediaType: 'image/png',
        width: request.width,
        height: request.height,
      });
    }
    return { images, label: LOCAL_IMAGE_LABEL };
  }

  async synthesizeSpeech(request: SpeechRequest, options: CallOptions): Promise<SpeechResult> {
    if (!this.settings.tts)
      throw new CapabilityUnavailableError('Text to speech is not set up for the offline local provider');
    return this.settings.tts.synthesize(
      {
        text: request.text,
        ...(request.voice === undefined ? {} : { voice: request.voice }),
        ...(request.speed === undefined ? {} : { speed: request.speed }),
      },
      options.signal,
    );
  }

  async transcribe(request: TranscriptionRequest, options: CallOptions): Promise<TranscriptionResult> {
    if (!this.settings.asr)
      throw new CapabilityUnavailableError('Speech to text is not set up for the offline local provider');
    return this.settings.asr.transcribe(
      {
        audio: request.audio,
        filename: request.filename,
        mediaType: request.mediaType,
        ...(request.language === undefined ? {} : { language: request.language }),
      },
      options.signal,
    );
  }
}

function maxTokens(params: Record<string, unknown>): number | undefined {
  const value = params.max_completion_tokens ?? params.max_tokens;
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

/**
 * The reply: the context sentences that share the most terms with the last user message (up to three, in
 * their original order), or a plain statement that the offline provider has no answer without context.
 */
export function localReply(messages: readonly ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const question = lastUser ? textOf(lastUser.content).trim() : '';
  const context = messages
    .filter((m) => m !== lastUser && m.role !== 'assistant')
    .map((m) => textOf(m.content))
    .join('\n');
  const best = bestSentences(question, context, 3);
  if (best.length > 0) return `${LOCAL_LABEL} From the provided context: ${best.join(' ')}`;
  const echo = question.length > 200 ? `${question.slice(0, 200)}…` : question;
  return `${LOCAL_LABEL} I am the offline local provider: I answer only from context I am given, and none matched${
    echo ? ` "${echo}"` : ''
  }. Configure OPENAI_BASE_URL and OPENAI_API_KEY (or a models file) for a real model.`;
}

function bestSentences(question: string, context: string, limit: number): string[] {
  const wanted = new Set(lexicalTerms(question).filter((t) => !STOP_WORDS.has(t)));
  if (wanted.size === 0 || context.trim() === '') return [];
  const scored = sourcedSentences(context)
    .map(({ text, source }, index) => {
      const terms = new Set(lexicalTerms(text));
      let score = 0;
      for (const t of wanted) if (terms.has(t)) score++;
      return { text, source, index, score };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .sort((a, b) => a.index - b.index);
  return scored.map((s) => (s.source === undefined ? s.text : `${s.text} [${s.source}]`));
}

/** A line that opens a numbered source (`[2] title`), as knowledge-base context is given to models. */
const SOURCE_LINE = /^\s*\[(\d{1,3})\](?=\s|$)/u;

/**
 * The context's sentences, each with the number of the source it belongs to: a line starting `[n]` opens
 * source n (the rest of that line is the source's label, not content), which lasts until the next such
 * line. A reply cites `[n]` after each sentence it took from a source.
 */
function sourcedSentences(context: string): Array<{ text: string; source: number | undefined }> {
  const out: Array<{ text: string; source: number | undefined }> = [];
  let source: number | undefined;
  for (const line of context.split('\n')) {
    const marker = SOURCE_LINE.exec(line);
    if (marker) {
      source = Number(marker[1]);
      continue;
    }
    for (const text of splitSentences(line)) out.push({ text, source });
  }
  return out;
}

/** Sentences end at . ! ? and their CJK forms, or at line breaks. */
export function splitSentences(text: string): string[] {
  return (text.match(/[^.!?。！？\n]+[.!?。！？]*/gu) ?? []).map((s) => s.trim()).filter((s) => s.length > 1);
}

const STOP_WORDS = new Set([
  'a',
  'an',
  'the',
  'is',
  'are',
  'was',
  'were',
  'be',
  'to',
  'of',
  'in',
  'on',
  'for',
  'and',
  'or',
  'what',
  'who',
  'how',
  'why',
  'when',
  'where',
  'which',
  'do',
  'does',
  'did',
  'it',
  'this',
  'that',
  'i',
  'you',
  'me',
  'my',
  'your',
  'can',
  'about',
  'with',
  'tell',
  'please',
  '什么',
  '怎么',
  '为什么',
  '是什',
  '吗',
]);

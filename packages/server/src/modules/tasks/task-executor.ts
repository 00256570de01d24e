import { BadRequestError } from '../../errors.js';
import type { ChatMessage, FinishReason } from '../../providers/llm/language-model.js';
import { countTokens, PromptTokens } from '../../providers/llm/token-count.js';
import type { RequestContext } from '../access/principal.js';
import type { RepliesService, ReplyHandle } from '../conversations/replies.service.js';
import { ReplyFailedError } from '../conversations/replies.service.js';
import type { FileRow } from '../files/files.repository.js';
import type { FilesService } from '../files/files.service.js';
import type { GatewayService } from '../gateway/gateway.service.js';
import { formatFromExtension, formatFromMediaType, parseDocument } from '../knowledge/document-parser.js';
import type { TaskSpec, TaskSpecOf } from './task-types.js';

/** An input file of the wrong purpose for the task type (an image given to speech_to_text). */
export class UnsupportedTaskFileError extends BadRequestError {
  override readonly code = 'unsupported_file_type';
}

export interface TaskUsage {
  input_tokens: number;
  output_tokens: number;
}

export interface TaskOutcome {
  output: Record<string, unknown>;
  usage: TaskUsage;
}

/** Receives text as it is generated (streaming invokes). */
export type DeltaSink = (text: string) => void | Promise<void>;

export interface TaskDefaults {
  textModel: string;
  imageModel: string;
  speechModel: string;
  transcriptionModel: string;
  imageWidth: number;
  imageHeight: number;
}

export interface TaskLimits {
  /** The largest audio file speech_to_text reads. */
  maxAudioBytes: number;
  /** The largest document document_processing reads. */
  maxDocumentBytes: number;
  /** The most characters of extracted text a task's output keeps. */
  maxOutputChars: number;
  /** The most tokens of a document given to the model for its summary. */
  summaryInputTokens: number;
}

/** What one task needs besides its spec. */
export interface TaskRun {
  ctx: RequestContext;
  tenantId: string;
  taskId: string;
  sessionId: string | null;
  signal: AbortSignal;
  onDelta?: DeltaSink | undefined;
}

const TEXT_PARAMS = ['max_tokens', 'temperature', 'top_p', 'stop', 'seed'] as const;

/**
 * Runs one task through the gateway's providers and the platform's files: text (alone or in a session),
 * images and speech (stored as files), transcription and document text extraction (from uploaded files).
 * Authorisation of the caller (`tasks:write`) happened before; the gateway calls are checked against the
 * same permission, so a key scoped to tasks can run them.
 */
export class TaskExecutor {
  constructor(
    private readonly deps: {
      gateway: Pick<
        GatewayService,
        'chat' | 'checkModel' | 'generateImage' | 'synthesizeSpeech' | 'transcribe'
      >;
      files: Pick<FilesService, 'get' | 'readContent' | 'storeGenerated'>;
      replies: Pick<RepliesService, 'send' | 'followStarted' | 'finished' | 'cancel'>;
      defaults: TaskDefaults;
      limits: TaskLimits;
    },
  ) {}

  /** The input files a task reads (held while it runs). */
  static inputFiles(spec: TaskSpec): string[] {
    return spec.taskType === 'speech_to_text' || spec.taskType === 'document_processing'
      ? [spec.input.file_id]
      : [];
  }

  /**
   * Checks what can be checked before the task is stored: the model exists for the caller and is of the
   * task's kind, and an image size is one the model generates (the gateway's own errors: 404
   * `model_not_found`, 400 `invalid_model`, 400 `unsupported_image_size`).
   */
  async preflight(ctx: RequestContext, spec: TaskSpec): Promise<void> {
    const { gateway, defaults } = this.deps;
    switch (spec.taskType) {
      case 'text_generation':
        return gateway.checkModel(
          ctx,
          { model: spec.config.model ?? defaults.textModel, kind: 'chat' },
          'tasks:write',
        );
      case 'image_generation':
        return gateway.checkModel(
          ctx,
          {
            model: spec.config.model ?? defaults.imageModel,
            kind: 'image',
            width: spec.config.width ?? defaults.imageWidth,
            height: spec.config.height ?? defaults.imageHeight,
          },
          'tasks:write',
        );
      case 'text_to_speech':
        return gateway.checkModel(
          ctx,
          { model: spec.config.model ?? defaults.speechModel, kind: 'speech' },
          'tasks:write',
        );
      case 'speech_to_text':
        return gateway.checkModel(
          ctx,
          { model: spec.config.model ?? defaults.transcriptionModel, kind: 'transcription' },
          'tasks:write',
        );
      case 'document_processing':
        if (spec.config.summarize)
          await gateway.checkModel(
            ctx,
            { model: spec.config.model ?? defaults.textModel, kind: 'chat' },
            'tasks:write',
          );
        return;
    }
  }

  /**
   * Runs `spec`; the output and usage on success, the AppError (with its stable code) otherwise. Aborting
   * `run.signal` stops the provider call.
   * @example const { output } = await executor.execute({ taskType: 'text_generation', input: { prompt: 'Hi' }, config: {} }, run);
   */
  async execute(spec: TaskSpec, run: TaskRun): Promise<TaskOutcome> {
    switch (spec.taskType) {
      case 'text_generation':
        return run.sessionId ? this.sessionText(spec, run, run.sessionId) : this.text(spec, run);
      case 'image_generation':
        return this.image(spec, run);
      case 'speech_to_text':
        return this.transcription(spec, run);
      case 'text_to_speech':
        return this.speech(spec, run);
      case 'document_processing':
        return this.document(spec, run);
    }
  }

  private async text(spec: TaskSpecOf<'text_generation'>, run: TaskRun): Promise<TaskOutcome> {
    const { input, config } = spec;
    const messages: ChatMessage[] = [
      ...(config.system ? [{ role: 'system' as const, content: config.system }] : []),
      ...(input.messages ?? [{ role: 'user' as const, content: input.prompt ?? '' }]),
    ];
    const model = config.model ?? this.deps.defaults.textModel;
    return this.generate(run, model, messages, paramsOf(config));
  }

  private async generate(
    run: TaskRun,
    model: string,
    messages: ChatMessage[],
    params: Record<string, unknown>,
  ): Promise<TaskOutcome & { text: string; finishReason: FinishReason }> {
    const chat = await this.deps.gateway.chat(
      run.ctx,
      { model, messages, params },
      run.signal,
      'tasks:write',
    );
    let text = '';
    let finishReason: FinishReason = 'stop';
    let usage: TaskUsage | undefined;
    for await (const part of chat.parts) {
      if (part.type === 'text') {
        text += part.text;
        await run.onDelta?.(part.text);
      } else if (part.type === 'usage')
        usage = { input_tokens: part.usage.inputTokens, output_tokens: part.usage.outputTokens };
      else if (part.type === 'finish') finishReason = part.reason;
    }
    usage ??= { input_tokens: new PromptTokens(messages).exact(), output_tokens: countTokens(text) };
    return {
      text,
      finishReason,
      output: { text, finish_reason: finishReason, model },
      usage,
    };
  }

  private async sessionText(
    spec: TaskSpecOf<'text_generation'>,
    run: TaskRun,
    sessionId: string,
  ): Promise<TaskOutcome> {
    const { input, config } = spec;
    const { replies } = this.deps;
    const handle = await replies.send(run.ctx, sessionId, {
      content: input.prompt ?? '',
      params: paramsOf(config),
      continueOnDisconnect: true,
    });
    const stop = () => void this.cancelReply(run, handle);
    run.signal.addEventListener('abort', stop, { once: true });
    try {
      if (run.onDelta) {
        for await (const event of replies.followStarted(handle, null, run.signal)) {
          if (event.type !== 'response.output_text.delta') continue;
          const { delta } = JSON.parse(event.data) as { delta: string };
          await run.onDelta(delta);
        }
      }
      run.signal.throwIfAborted();
      const { outcome, message } = await replies.finished(handle);
      run.signal.throwIfAborted();
      if (outcome.status !== 'completed')
        throw new ReplyFailedError(outcome, {
          session_id: sessionId,
          message_id: handle.assistantMessage.id,
        });
      return {
        output: {
          text: message.content,
          finish_reason: outcome.finishReason ?? 'stop',
          model: message.model,
          message_id: message.id,
          user_message_id: handle.userMessage.id,
        },
        usage: message.usage ?? { input_tokens: 0, output_tokens: countTokens(message.content) },
      };
    } finally {
      run.signal.removeEventListener('abort', stop);
    }
  }

  private async cancelReply(run: TaskRun, handle: ReplyHandle): Promise<void> {
    await this.deps.replies
      .cancel(run.ctx, handle.conversationId, handle.assistantMessage.id)
      .catch(() => undefined);
  }

  private async image(spec: TaskSpecOf<'image_generation'>, run: TaskRun): Promise<TaskOutcome> {
    const { defaults } = this.deps;
    const result = await this.deps.gateway.generateImage(
      run.ctx,
      {
        model: spec.config.model ?? defaults.imageModel,
        prompt: spec.input.prompt,
        width: spec.config.width ?? defaults.imageWidth,
        height: spec.config.height ?? defaults.imageHeight,
        n: spec.config.n ?? 1,
      },
      run.signal,
      'tasks:write',
    );
    const images = [];
    for (const [index, image] of result.images.entries()) {
      run.signal.throwIfAborted();
      const file = await this.deps.files.storeGenerated(run.ctx, run.tenantId, {
        purpose: 'image',
        filename: `${run.taskId}-${index + 1}.${extensionOf(image.mediaType, 'png')}`,
        content: image.data,
      });
      images.push({
        file_id: file.id,
        media_type: file.media_type,
        bytes: Number(file.bytes),
        width: image.width,
        height: image.height,
      });
    }
    return {
      output: {
        images,
        model: result.model,
        provider: result.provider,
        ...(result.revisedPrompt ? { revised_prompt: result.revisedPrompt } : {}),
        ...(result.label ? { label: result.label } : {}),
      },
      usage: { input_tokens: countTokens(spec.input.prompt), output_tokens: 0 },
    };
  }

  private async speech(spec: TaskSpecOf<'text_to_speech'>, run: TaskRun): Promise<TaskOutcome> {
    const result = await this.deps.gateway.synthesizeSpeech(
      run.ctx,
      {
        model: spec.config.model ?? this.deps.defaults.speechModel,
        text: spec.input.text,
        ...(spec.config.voice ? { voice: spec.config.voice } : {}),
        ...(spec.config.speed ? { speed: spec.config.speed } : {}),
        format: spec.config.format ?? 'wav',
      },
      run.signal,
      'tasks:write',
    );
    run.signal.throwIfAborted();
    const file = await this.deps.files.storeGenerated(run.ctx, run.tenantId, {
      purpose: 'audio',
      filename: `${run.taskId}.${extensionOf(result.mediaType, 'wav')}`,
      content: result.audio,
    });
    return {
      output: {
        file_id: file.id,
        media_type: file.media_type,
        bytes: Number(file.bytes),
        duration_seconds: result.durationSeconds,
        model: result.model,
        provider: result.provider,
      },
      usage: { input_tokens: countTokens(spec.input.text), output_tokens: 0 },
    };
  }

  private async transcription(spec: TaskSpecOf<'speech_to_text'>, run: TaskRun): Promise<TaskOutcome> {
    const file = await this.inputFile(run, spec.input.file_id, 'audio');
    const audio = await this.deps.files.readContent(run.tenantId, file.id, {
      maxBytes: this.deps.limits.maxAudioBytes,
    });
    const result = await this.deps.gateway.transcribe(
      run.ctx,
      {
        model: spec.config.model ?? this.deps.defaults.transcriptionModel,
        audio,
        filename: file.filename,
        mediaType: file.media_type,
        ...(spec.config.language ? { language: spec.config.language } : {}),
      },
      run.signal,
      'tasks:write',
    );
    return {
      output: {
        text: result.text,
        language: result.language,
        duration_seconds: result.durationSeconds,
        model: result.model,
        provider: result.provider,
      },
      usage: { input_tokens: 0, output_tokens: countTokens(result.text) },
    };
  }

  private async document(spec: TaskSpecOf<'document_processing'>, run: TaskRun): Promise<TaskOutcome> {
    const { limits } = this.deps;
    const file = await this.inputFile(run, spec.input.file_id, 'document');
    const format = formatFromMediaType(file.media_type) ?? formatFromExtension(file.filename);
    if (!format)
      throw new UnsupportedTaskFileError(`Text cannot be extracted from ${file.format} files`, {
        details: { param: 'input.file_id', format: file.format },
      });
    const bytes = await this.deps.files.readContent(run.tenantId, file.id, {
      maxBytes: limits.maxDocumentBytes,
    });
    run.signal.throwIfAborted();
    const parsed = await parseDocument(
      { bytes, format, filename: file.filename },
      { maxBytes: limits.maxDocumentBytes },
    );
    const truncated = parsed.text.length > limits.maxOutputChars;
    const text = truncated ? parsed.text.slice(0, limits.maxOutputChars) : parsed.text;
    const output: Record<string, unknown> = {
      text,
      characters: parsed.text.length,
      truncated,
      format,
      ...(parsed.pages === undefined ? {} : { pages: parsed.pages }),
      ...(parsed.title ? { title: parsed.title } : {}),
    };
    let usage: TaskUsage = { input_tokens: 0, output_tokens: 0 };
    if (spec.config.summarize) {
      const model = spec.config.model ?? this.deps.defaults.textModel;
      const summary = await this.generate(
        run,
        model,
        [
          {
            role: 'system',
            content:
              'Summarise the document below in a few sentences. Keep names, figures and conclusions; add nothing that is not in it.',
          },
          { role: 'user', content: leadingTokens(parsed.text, limits.summaryInputTokens) },
        ],
        { max_tokens: spec.config.summary_max_tokens ?? 256 },
      );
      output.summary = summary.text;
      output.summary_model = model;
      usage = summary.usage;
    }
    return { output, usage };
  }

  private async inputFile(run: TaskRun, fileId: string, purpose: 'audio' | 'document'): Promise<FileRow> {
    const file = await this.deps.files.get(run.tenantId, fileId);
    if (file.purpose !== purpose)
      throw new UnsupportedTaskFileError(
        `The file ${fileId} is ${article(file.purpose)} ${file.purpose} file (${file.format}); this task needs ${article(purpose)} ${purpose} file`,
        { details: { param: 'input.file_id', purpose: file.purpose, expected: purpose } },
      );
    return file;
  }
}

function paramsOf(config: TaskSpecOf<'text_generation'>['config']): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const key of TEXT_PARAMS) if (config[key] !== undefined) params[key] = config[key];
  return params;
}

function extensionOf(mediaType: string, fallback: string): string {
  const subtype = mediaType.split('/')[1]?.split(';')[0]?.trim();
  if (subtype === 'jpeg') return 'jpg';
  if (subtype === 'mpeg') return 'mp3';
  if (subtype === 'x-wav' || subtype === 'wave') return 'wav';
  return subtype && /^[a-z0-9]{2,5}$/.test(subtype) ? subtype : fallback;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** The start of `text` up to about `tokens` tokens (cut at a character estimate, then checked). */
function leadingTokens(text: string, tokens: number): string {
  let end = Math.min(text.length, tokens * 4);
  while (end > 0 && countTokens(text.slice(0, end)) > tokens) end = Math.floor(end * 0.8);
  return text.slice(0, end);
}

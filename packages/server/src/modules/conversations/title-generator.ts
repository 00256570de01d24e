import type { Logger } from '../../observability/logger.js';
import { type ChatMessage, collect } from '../../providers/llm/language-model.js';
import type { RequestContext } from '../access/principal.js';
import type { GatewayService } from '../gateway/gateway.service.js';

/** The longest title kept, in characters (a cut lands on a word boundary when there is one). */
export const TITLE_MAX_CHARS = 60;
/** How much of the first message and reply the titler reads. */
const EXCERPT_CHARS = 1_500;

export interface TitleRequest {
  ctx: RequestContext;
  tenantId: string;
  conversationId: string;
  model: string;
  userText: string;
  replyText: string;
}

/**
 * Names a conversation after its first exchange, in the background: a short prompt to the conversation's
 * own model through the gateway (so it is authorised, routed and metered like any call), the answer
 * cleaned to one line of at most {@link TITLE_MAX_CHARS} characters, then saved only if the conversation
 * still has its default title. Failures are logged, never surfaced: the conversation just keeps its
 * default title, and the next completed reply tries again.
 */
export class TitleGenerator {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      gateway: Pick<GatewayService, 'chat'>;
      /** Saves the title unless the user named the conversation; true when written. */
      save: (tenantId: string, conversationId: string, title: string) => Promise<boolean>;
      /** Called after a title was saved (the conversation's cached context must go). */
      saved: (tenantId: string, conversationId: string) => Promise<void>;
      logger: Logger;
      timeoutMs: number;
    },
  ) {}

  /** Starts naming the conversation; returns at once. */
  schedule(request: TitleRequest): void {
    const task = this.generate(request).finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Waits for titles being generated (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Generates and saves the title; resolves with it, or undefined when none was saved. */
  async generate(request: TitleRequest): Promise<string | undefined> {
    const signal = AbortSignal.timeout(this.deps.timeoutMs);
    try {
      const run = await this.deps.gateway.chat(
        request.ctx,
        {
          model: request.model,
          messages: titlePrompt(request.userText, request.replyText),
          params: { max_tokens: 60, temperature: 0.2 },
          cache: 'off',
        },
        signal,
      );
      const completion = await collect(run.parts);
      const title = cleanTitle(completion.text);
      if (!title) {
        this.deps.logger.info({ conversation_id: request.conversationId }, 'the model gave no usable title');
        return undefined;
      }
      if (!(await this.deps.save(request.tenantId, request.conversationId, title))) return undefined;
      await this.deps.saved(request.tenantId, request.conversationId);
      return title;
    } catch (error) {
      this.deps.logger.warn(
        { err: error, conversation_id: request.conversationId },
        'could not generate a conversation title',
      );
      return undefined;
    }
  }
}

/**
 * The titling prompt. The first message (then the instructions) goes in the system message, and the user
 * turn repeats the first message: a real model follows the instructions, and the offline `local` provider
 * — which answers with the context sentences closest to the user turn, in their order — starts with the
 * first message's own sentence, a fair title offline.
 */
export function titlePrompt(userText: string, replyText: string): ChatMessage[] {
  const question = excerpt(userText);
  const answer = excerpt(replyText);
  return [
    {
      role: 'system',
      content:
        `${question}${answer ? `\n\n(The assistant answered: ${answer})` : ''}\n\n` +
        'Above is the first message of a conversation. Name the conversation: reply with a title of at most ' +
        'six words in the language of that message, and nothing else (no quotes, no trailing punctuation).',
    },
    { role: 'user', content: question },
  ];
}

function excerpt(text: string): string {
  const flat = text.trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

/**
 * One line — its first sentence — trimmed, at most {@link TITLE_MAX_CHARS} characters: drops a leading bracketed label (the
 * offline model's), a "Title:" prefix, Markdown emphasis and heading marks, wrapping quotes and trailing
 * punctuation. Empty when nothing is left.
 * @example cleanTitle('"Title: Baking **sourdough** bread."\nMore text') // 'Baking sourdough bread'
 */
export function cleanTitle(raw: string): string {
  const line =
    raw
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  let title = line
    .replace(/^\[[^\]]{1,40}\]\s*/, '')
    .replace(/^(?:title|标题|from the provided context)\s*[:：]\s*/i, '')
    .replace(/^#+\s*/, '')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  // A title is one sentence: an answer that goes on after the first sentence ends is cut there.
  title = title.split(/(?<=[。！？])|(?<=[.!?])\s+/u)[0] ?? '';
  title = stripQuotes(title)
    .replace(/[\s.。!！?？,，;；:：、]+$/u, '')
    .trim();
  title = stripQuotes(title);
  return shorten(title, TITLE_MAX_CHARS);
}

const QUOTES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '“': '”',
  '‘': '’',
  '「': '」',
  '『': '』',
  '《': '》',
};

function stripQuotes(text: string): string {
  const close = QUOTES[text[0] ?? ''];
  if (close && text.length >= 2 && text.endsWith(close)) return text.slice(1, -1).trim();
  return text;
}

/** Cuts to `max` characters (code points), at the last space when one is in the second half. */
function shorten(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

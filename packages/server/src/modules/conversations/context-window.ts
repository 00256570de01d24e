import type { ChatMessage } from '../../providers/llm/language-model.js';
import { countChatTokens, countTokens } from '../../providers/llm/token-count.js';
import { ContextLengthExceededError } from '../gateway/gateway.service.js';

/** One message of the branch being answered, oldest first; `id` is recorded on the reply. */
export interface HistoryMessage {
  id: string;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface ContextWindowInput {
  /** The conversation's system prompt; always sent first when not empty. */
  systemPrompt: string | null;
  /**
   * The branch from its root to the message being answered (the newest user turn last), oldest first.
   * Only messages with content and a completed or partial reply are expected here; the caller filters.
   */
  history: readonly HistoryMessage[];
  /** The model's context window in tokens. */
  contextWindow: number;
  /** `max_completion_tokens` / `max_tokens` the request asked for; absent: {@link defaultOutputReserve}. */
  maxOutputTokens?: number;
  /** Tokens kept free on top of the output: token counts are estimates for non-OpenAI tokenizers. */
  marginTokens: number;
}

/** What was sent, as recorded on the reply's `context` column (snake_case: it is shown by the API). */
export interface ContextChoice {
  /** Messages of the branch sent to the model (the system prompt not counted). */
  included_count: number;
  included_message_ids: string[];
  /** Older messages of the branch left out to fit the budget. */
  dropped_count: number;
  /** The prompt's tokens as counted here (gpt-tokenizer; an estimate for other tokenizers). */
  prompt_tokens: number;
  /** The most prompt tokens allowed: window − output reserve − margin. */
  budget: number;
  context_window: number;
  /** Tokens reserved for the reply. */
  output_reserve: number;
  system_prompt: boolean;
}

export interface FittedContext {
  messages: ChatMessage[];
  choice: ContextChoice;
}

/** Tokens reserved for the reply when the request names no maximum: 1,024, at most a quarter of the window. */
export function defaultOutputReserve(contextWindow: number): number {
  return Math.min(1024, Math.floor(contextWindow / 4));
}

/**
 * Fits the system prompt and the branch to the model's context window under a token budget
 * (window − output reserve − margin). Whole turns are dropped, oldest first — a turn is a user message with
 * the replies after it — so the model never sees a reply without its question. The system prompt and the
 * newest turn are always kept; when they alone exceed the budget this throws `context_length_exceeded`
 * with the limit, so nothing is saved or sent. Counting walks from the newest turn back and stops at the
 * first turn that does not fit: a long conversation's old messages are never tokenised.
 *
 * @example
 * const { messages, choice } = fitContext({ systemPrompt: 'Be brief.', history, contextWindow: 8192, marginTokens: 256 });
 */
export function fitContext(input: ContextWindowInput): FittedContext {
  const reserve = input.maxOutputTokens ?? defaultOutputReserve(input.contextWindow);
  const budget = Math.max(0, input.contextWindow - reserve - input.marginTokens);
  const system: ChatMessage[] =
    input.systemPrompt && input.systemPrompt.trim() !== ''
      ? [{ role: 'system', content: input.systemPrompt }]
      : [];
  // countChatTokens = 3 (reply priming) + Σ (3 + content tokens) per message.
  let used = countChatTokens(system);
  const turns = splitTurns(input.history);
  let kept = 0; // turns kept, counted from the newest
  for (let t = turns.length - 1; t >= 0; t--) {
    const turn = turns[t]!;
    const cost = turn.reduce((n, m) => n + 3 + countTokens(m.content), 0);
    if (used + cost > budget) {
      if (kept === 0) {
        const requested = used + cost;
        throw new ContextLengthExceededError(
          `The message does not fit the model's context window: ${requested} prompt tokens, ${budget} allowed (${input.contextWindow} in the window, ${reserve} reserved for the reply, ${input.marginTokens} margin)`,
          {
            details: {
              param: 'content',
              limit: input.contextWindow,
              budget,
              requested,
              output_reserve: reserve,
            },
          },
        );
      }
      break;
    }
    used += cost;
    kept++;
  }
  const included = turns.slice(turns.length - kept).flat();
  const messages: ChatMessage[] = [
    ...system,
    ...included.map((m): ChatMessage => ({ role: m.role, content: m.content })),
  ];
  return {
    messages,
    choice: {
      included_count: included.length,
      included_message_ids: included.map((m) => m.id),
      dropped_count: input.history.length - included.length,
      prompt_tokens: used,
      budget,
      context_window: input.contextWindow,
      output_reserve: reserve,
      system_prompt: system.length > 0,
    },
  };
}

/**
 * Groups the branch into turns: each user message starts one and takes the messages after it up to the
 * next user message. Messages before the first user message (an imported system note, say) form a turn
 * of their own.
 */
function splitTurns(history: readonly HistoryMessage[]): HistoryMessage[][] {
  const turns: HistoryMessage[][] = [];
  for (const message of history) {
    const current = turns.at(-1);
    if (message.role === 'user' || !current) turns.push([message]);
    else current.push(message);
  }
  return turns;
}

import { countTokens as count } from 'gpt-tokenizer';
import { type ChatMessage, textOf } from './language-model.js';

/**
 * Token counts with gpt-tokenizer (o200k_base), used when an upstream reports no usage and to check a
 * prompt against a model's context window before calling it. For non-OpenAI models it is an estimate.
 */
export function countTokens(text: string): number {
  return text === '' ? 0 : count(text);
}

/** Prompt tokens of a chat, with OpenAI's per-message overhead (3 per message, 3 to prime the reply). */
export function countChatTokens(messages: readonly ChatMessage[]): number {
  let total = 3;
  for (const message of messages) {
    total += 3 + countTokens(textOf(message.content));
    if (message.name) total += 1 + countTokens(message.name);
    for (const call of message.tool_calls ?? [])
      total += countTokens(call.function.name) + countTokens(call.function.arguments) + 3;
  }
  return total;
}

/**
 * A chat's prompt tokens, counted only when needed. Counting costs about a millisecond per thousand tokens
 * — on the path to the first token of every call — while a cheap bound settles most context checks: a
 * token is at least one byte of UTF-8, so the prompt has at most as many tokens as bytes (plus the
 * per-message overhead). `exact()` counts once and remembers.
 */
export class PromptTokens {
  /** An upper bound of the prompt's tokens. */
  readonly bound: number;
  private counted: number | undefined;

  constructor(private readonly messages: readonly ChatMessage[]) {
    let bound = 3;
    for (const message of messages) {
      bound += 3 + byteLength(message.content);
      if (message.name) bound += 1 + Buffer.byteLength(message.name);
      for (const call of message.tool_calls ?? [])
        bound += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments) + 3;
    }
    this.bound = bound;
  }

  exact(): number {
    this.counted ??= countChatTokens(this.messages);
    return this.counted;
  }
}

function byteLength(content: ChatMessage['content']): number {
  if (content === null) return 0;
  if (typeof content === 'string') return Buffer.byteLength(content);
  let bytes = 0;
  for (const part of content)
    if (part.type === 'text' && typeof part.text === 'string') bytes += Buffer.byteLength(part.text);
  return bytes;
}

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

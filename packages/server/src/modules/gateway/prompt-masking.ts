import { type PiiRestoreStream, PiiVault } from '../../observability/pii.js';
import type { ChatMessage, StreamPart } from '../../providers/llm/language-model.js';

/**
 * Per-tenant PII masking of prompts (`pii_masking` in the gateway settings, docs/pii.md): the messages a
 * provider receives carry placeholders such as `⟦PII_PHONE_1⟧` instead of the values, and the reply the
 * user sees has them put back — text and tool-call arguments, whole or streamed (a placeholder cut across
 * chunks is held back until it is complete).
 */
export interface MaskedPrompt {
  messages: ChatMessage[];
  /** Holds the values; `undefined` when the messages had no PII (nothing to restore). */
  vault: PiiVault | undefined;
}

/**
 * The messages with every PII value in text content, names excepted, and tool-call arguments replaced
 * by a placeholder of one vault (the same value gets the same placeholder across messages).
 * @example const { messages, vault } = maskPrompt([{ role: 'user', content: 'Mail ada@example.com' }]);
 */
export function maskPrompt(messages: readonly ChatMessage[]): MaskedPrompt {
  const vault = new PiiVault();
  const masked = messages.map((message): ChatMessage => {
    const copy: ChatMessage = { ...message };
    if (typeof message.content === 'string') copy.content = vault.mask(message.content);
    else if (Array.isArray(message.content)) {
      copy.content = message.content.map((part) =>
        part.type === 'text' && typeof part.text === 'string'
          ? { ...part, text: vault.mask(part.text) }
          : part,
      );
    }
    if (message.tool_calls) {
      copy.tool_calls = message.tool_calls.map((call) => ({
        ...call,
        function: { ...call.function, arguments: vault.mask(call.function.arguments) },
      }));
    }
    return copy;
  });
  return vault.size === 0 ? { messages: [...messages], vault: undefined } : { messages: masked, vault };
}

/**
 * The parts with the vault's placeholders restored in text and tool-call arguments. What a stream holds
 * back (a possible placeholder at the end of a chunk) is let out before the next usage or finish part and
 * at the end.
 */
export async function* restorePii(
  parts: AsyncIterable<StreamPart>,
  vault: PiiVault,
): AsyncIterable<StreamPart> {
  const text = vault.restoreStream();
  const tools = new Map<number, PiiRestoreStream>();
  function* flush(): Generator<StreamPart> {
    const rest = text.flush();
    if (rest !== '') yield { type: 'text', text: rest };
    for (const [index, stream] of tools) {
      const tail = stream.flush();
      if (tail !== '') yield { type: 'tool-call', index, arguments: tail };
    }
  }
  for await (const part of parts) {
    if (part.type === 'text') {
      const restored = text.push(part.text);
      if (restored !== '') yield { type: 'text', text: restored };
    } else if (part.type === 'tool-call') {
      let stream = tools.get(part.index);
      if (!stream) {
        stream = vault.restoreStream();
        tools.set(part.index, stream);
      }
      // The first piece carries id and name: it is passed on even when its arguments are held back.
      const args = stream.push(part.arguments);
      if (args !== '' || part.id !== undefined || part.name !== undefined) yield { ...part, arguments: args };
    } else {
      yield* flush();
      yield part;
    }
  }
  yield* flush();
}

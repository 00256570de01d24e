import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../providers/llm/language-model.js';
import { maskPrompt, restorePii } from './prompt-masking.js';

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function* stream(parts: StreamPart[]): AsyncIterable<StreamPart> {
  yield* parts;
}

describe('maskPrompt', () => {
  it('masks text, text parts and tool-call arguments with one vault, and leaves the input alone', () => {
    const input = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'My phone is 13812345678, mail ada@example.com' },
      {
        role: 'assistant' as const,
        content: null,
        tool_calls: [
          {
            id: 'c1',
            type: 'function' as const,
            function: { name: 'send', arguments: '{"to":"ada@example.com"}' },
          },
        ],
      },
      { role: 'user' as const, content: [{ type: 'text', text: 'again 13812345678' }] },
    ];
    const { messages, vault } = maskPrompt(input);
    expect(vault?.size).toBe(2);
    expect(messages[0]!.content).toBe('Be brief.');
    expect(messages[1]!.content).toBe('My phone is ⟦PII_PHONE_1⟧, mail ⟦PII_EMAIL_1⟧');
    expect(messages[2]!.tool_calls![0]!.function.arguments).toBe('{"to":"⟦PII_EMAIL_1⟧"}');
    expect(messages[3]!.content).toEqual([{ type: 'text', text: 'again ⟦PII_PHONE_1⟧' }]);
    expect(JSON.stringify(messages)).not.toContain('13812345678');
    expect(input[1]!.content).toContain('13812345678');
  });

  it('answers no vault when there is nothing to mask', () => {
    expect(maskPrompt([{ role: 'user', content: 'hello there' }]).vault).toBeUndefined();
  });
});

describe('restorePii', () => {
  const { vault } = maskPrompt([{ role: 'user', content: 'mail ada@example.com or call 13812345678' }]);

  it.each([
    [['Sent to ⟦PII_EMAIL_1⟧.']],
    [['Sent to ⟦PII', '_EMAIL_1⟧.']],
    [['Sent to ⟦', 'PII_EMAIL_', '1⟧.']],
    [['Sent to ', '⟦', 'P', 'I', 'I', '_', 'E', 'M', 'AIL_1', '⟧', '.']],
  ])('restores a placeholder cut across chunks %j', async (chunks) => {
    const parts = await collect(
      restorePii(
        stream([
          ...chunks.map((text): StreamPart => ({ type: 'text', text })),
          { type: 'finish', reason: 'stop' },
        ]),
        vault!,
      ),
    );
    const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    expect(text).toBe('Sent to ada@example.com.');
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('lets out an unfinished placeholder as it is at the end', async () => {
    const parts = await collect(restorePii(stream([{ type: 'text', text: 'cut ⟦PII_PHO' }]), vault!));
    expect(parts.map((p) => (p.type === 'text' ? p.text : '')).join('')).toBe('cut ⟦PII_PHO');
  });

  it('restores tool-call arguments streamed in pieces', async () => {
    const parts = await collect(
      restorePii(
        stream([
          { type: 'tool-call', index: 0, id: 'c1', name: 'call', arguments: '{"n":"⟦PII_PH' },
          { type: 'tool-call', index: 0, arguments: 'ONE_1⟧"}' },
          { type: 'finish', reason: 'tool_calls' },
        ]),
        vault!,
      ),
    );
    const args = parts.map((p) => (p.type === 'tool-call' ? p.arguments : '')).join('');
    expect(args).toBe('{"n":"13812345678"}');
    expect(parts[0]).toMatchObject({ type: 'tool-call', id: 'c1', name: 'call' });
  });
});

import { describe, expect, it } from 'vitest';
import type { ChatMessage } from './language-model.js';
import { countChatTokens, PromptTokens } from './token-count.js';

describe('PromptTokens', () => {
  const chats: [string, ChatMessage[]][] = [
    ['English', [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog. '.repeat(40) }]],
    [
      'Chinese',
      [{ role: 'user', content: '这是一个用于测试分词的中文句子，网关会计算令牌数量。'.repeat(20) }],
    ],
    ['emoji and symbols', [{ role: 'user', content: '🙂🚀✨ ∑∫√ — “quotes” '.repeat(30) }]],
    ['one-letter words', [{ role: 'user', content: 'a b c d e f g h i j k l m n o p '.repeat(50) }]],
    ['digits', [{ role: 'user', content: '1234567890'.repeat(100) }]],
    [
      'empty and null content',
      [
        { role: 'system', content: '' },
        { role: 'assistant', content: null },
      ],
    ],
    [
      'content parts, names and tool calls',
      [
        { role: 'system', content: 'You are terse.', name: 'setup' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather in Paris?' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', content: '{"celsius":21}', tool_call_id: 'c1' },
      ],
    ],
  ];

  it.each(chats)('bounds the exact count from above (%s)', (_name, messages) => {
    const prompt = new PromptTokens(messages);
    const exact = countChatTokens(messages);
    expect(prompt.exact()).toBe(exact);
    expect(prompt.bound).toBeGreaterThanOrEqual(exact);
  });

  it('counts once', () => {
    const prompt = new PromptTokens([{ role: 'user', content: 'hello there' }]);
    const first = prompt.exact();
    expect(prompt.exact()).toBe(first);
    expect(first).toBe(countChatTokens([{ role: 'user', content: 'hello there' }]));
  });
});

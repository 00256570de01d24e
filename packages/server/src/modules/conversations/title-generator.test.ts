import { describe, expect, it } from 'vitest';
import { LocalLanguageModel, localReply } from '../../providers/llm/local.js';
import { cleanTitle, TITLE_MAX_CHARS, titlePrompt } from './title-generator.js';

describe('cleanTitle', () => {
  it.each([
    ['Baking sourdough bread', 'Baking sourdough bread'],
    ['  "Baking sourdough bread."  ', 'Baking sourdough bread'],
    ['Title: **Baking** sourdough', 'Baking sourdough'],
    ['标题：机器学习入门。', '机器学习入门'],
    ['“机器学习入门”', '机器学习入门'],
    ['# A heading title\nand a second line', 'A heading title'],
    ['\n\n  Second line wins when the first is empty  ', 'Second line wins when the first is empty'],
    [
      '[Nexus offline model] From the provided context: How do I bake bread? The assistant answered.',
      'How do I bake bread',
    ],
    ['Rust ownership explained! More words follow here.', 'Rust ownership explained'],
    ['   ', ''],
    ['"..."', ''],
  ])('%j → %j', (raw, title) => {
    expect(cleanTitle(raw)).toBe(title);
  });

  it.each([
    ['a long English title', `${'word '.repeat(30)}end`],
    ['a long Chinese title without spaces', '机器学习'.repeat(30)],
  ])('cuts %s to at most the limit, with an ellipsis', (_label, raw) => {
    const title = cleanTitle(raw);
    expect([...title].length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
    expect(title.endsWith('…')).toBe(true);
    expect(title.includes('\n')).toBe(false);
  });

  it('cuts an English title at a word boundary', () => {
    const title = cleanTitle(`${'alpha '.repeat(20)}`);
    expect(title).toMatch(/^(alpha )*alpha…$/);
  });
});

describe('titlePrompt', () => {
  it('gives the offline local model a title from the first message', async () => {
    const messages = titlePrompt('How do I bake sourdough bread at home?', 'Mix flour, water and salt.');
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(cleanTitle(localReply(messages))).toBe('How do I bake sourdough bread at home');
    // The same through the provider's stream.
    const model = new LocalLanguageModel({ wordsPerSecond: 0, embeddingDimensions: 8 });
    let text = '';
    for await (const part of model.stream(
      { model: 'local', messages, params: {} },
      { signal: new AbortController().signal },
    ))
      if (part.type === 'text') text += part.text;
    expect(cleanTitle(text)).toBe('How do I bake sourdough bread at home');
  });

  it('cuts very long first messages in the prompt', () => {
    const messages = titlePrompt('x'.repeat(10_000), 'y'.repeat(10_000));
    expect(String(messages[1]!.content).length).toBeLessThan(2_000);
    expect(String(messages[0]!.content).length).toBeLessThan(4_000);
  });
});

import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import { CapabilityUnavailableError, collect } from './language-model.js';
import { LOCAL_LABEL, LocalLanguageModel, localReply, splitSentences } from './local.js';

const model = new LocalLanguageModel({ wordsPerSecond: 0, embeddingDimensions: 64 });
const signal = () => new AbortController().signal;

describe('the offline local provider', () => {
  it('answers from the context sentences that match the question, and says it is offline', () => {
    const reply = localReply([
      {
        role: 'system',
        content: 'Paris is the capital of France. Bananas are yellow. Berlin is in Germany.',
      },
      { role: 'user', content: 'What is the capital of France?' },
    ]);
    expect(reply.startsWith(LOCAL_LABEL)).toBe(true);
    expect(reply).toContain('Paris is the capital of France.');
    expect(reply).not.toContain('Bananas');
  });

  it('answers Chinese questions from Chinese context (no spaces to split on)', () => {
    const reply = localReply([
      { role: 'system', content: '北京是中国的首都。香蕉是黄色的。' },
      { role: 'user', content: '中国的首都是哪里？' },
    ]);
    expect(reply).toContain('北京是中国的首都。');
    expect(reply).not.toContain('香蕉');
  });

  it('cites the numbered source each sentence came from ([n] lines open a source)', () => {
    const reply = localReply([
      {
        role: 'system',
        content: [
          'Answer from these sources.',
          '[1] fruit.md',
          'Bananas are yellow. Apples can be red.',
          '[2] Capitals of Europe · France (page 3)',
          'Paris is the capital of France.',
          'It has many museums.',
          '[3] china.txt',
          '北京是中国的首都。',
        ].join('\n'),
      },
      { role: 'user', content: 'Which fruit is yellow, and what is the capital of France?' },
    ]);
    expect(reply).toContain('Bananas are yellow. [1]');
    expect(reply).toContain('Paris is the capital of France. [2]');
    expect(reply).not.toContain('[3]');
    expect(reply).not.toContain('Capitals of Europe');
    const chinese = localReply([
      { role: 'system', content: '[1] a.txt\n香蕉是黄色的。\n[2] b.txt\n北京是中国的首都。' },
      { role: 'user', content: '中国的首都是哪里？' },
    ]);
    expect(chinese).toContain('北京是中国的首都。 [2]');
    expect(chinese).not.toContain('香蕉');
  });

  it('says plainly that it has no answer when no context matches', () => {
    const reply = localReply([{ role: 'user', content: 'Write me a poem about the sea' }]);
    expect(reply).toContain('offline local provider');
    expect(reply).toContain('OPENAI_BASE_URL');
  });

  it('is deterministic and streams word by word, then usage, then finish', async () => {
    const request = {
      model: 'local',
      messages: [{ role: 'user' as const, content: 'hello there' }],
      params: {},
    };
    const parts = [];
    for await (const part of model.stream(request, { signal: signal() })) parts.push(part);
    const texts = parts.filter((p) => p.type === 'text');
    expect(texts.length).toBeGreaterThan(5);
    expect(parts.at(-2)).toMatchObject({ type: 'usage' });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const again = await collect(model.stream(request, { signal: signal() }));
    expect(again.text).toBe(texts.map((p) => (p.type === 'text' ? p.text : '')).join(''));
  });

  it('honours max_tokens with finish reason length', async () => {
    const result = await collect(
      model.stream(
        { model: 'local', messages: [{ role: 'user', content: 'hello' }], params: { max_tokens: 5 } },
        { signal: signal() },
      ),
    );
    expect(result.finishReason).toBe('length');
    expect(result.usage?.outputTokens).toBeLessThanOrEqual(5);
  });

  it('stops when the signal aborts', async () => {
    const paced = new LocalLanguageModel({ wordsPerSecond: 1000, embeddingDimensions: 8 });
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(async () => {
      for await (const part of paced.stream(
        { model: 'local', messages: [{ role: 'user', content: 'hi' }], params: {} },
        { signal: controller.signal },
      )) {
        if (part.type === 'text') seen.push(part.text);
        if (seen.length === 2) controller.abort(new Error('client gone'));
      }
    }).rejects.toThrow('client gone');
    expect(seen).toHaveLength(2);
  });

  it('embeds with the configured dimension, unit length, similar texts closer', async () => {
    const { vectors, inputTokens } = await model.embed(
      {
        model: 'local-embedding',
        input: ['the cat sat on the mat', 'a cat sat on a mat', 'stock market news'],
      },
      { signal: signal() },
    );
    expect(vectors.map((v) => v.length)).toEqual([64, 64, 64]);
    const dot = (a: number[], b: number[]) => a.reduce((n, x, i) => n + x * b[i]!, 0);
    expect(dot(vectors[0]!, vectors[0]!)).toBeCloseTo(1, 6);
    expect(dot(vectors[0]!, vectors[1]!)).toBeGreaterThan(dot(vectors[0]!, vectors[2]!));
    expect(inputTokens).toBeGreaterThan(0);
  });

  it.each([
    ['One. Two! Three?', ['One.', 'Two!', 'Three?']],
    ['第一句。第二句！', ['第一句。', '第二句！']],
    ['line one\nline two', ['line one', 'line two']],
  ])('splits %j into sentences', (text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });

  it('makes n labelled PNG test images of the size asked, each different', async () => {
    const result = await model.generateImage(
      { model: 'local-image', prompt: 'a fox', width: 64, height: 32, n: 3 },
      { signal: signal() },
    );
    expect(result.label).toBe('nexus-local-test-image');
    expect(result.images).toHaveLength(3);
    for (const image of result.images) {
      expect(image).toMatchObject({ mediaType: 'image/png', width: 64, height: 32 });
      expect(await fileTypeFromBuffer(image.data)).toEqual({ ext: 'png', mime: 'image/png' });
    }
    expect(new Set(result.images.map((i) => Buffer.from(i.data).toString('base64'))).size).toBe(3);
  });

  it('stops making images once aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client gone'));
    await expect(
      model.generateImage(
        { model: 'local-image', prompt: 'x', width: 8, height: 8, n: 1 },
        { signal: controller.signal },
      ),
    ).rejects.toThrow('client gone');
  });

  it('answers capability_unavailable for speech when no engine is set up', async () => {
    await expect(
      model.synthesizeSpeech({ model: 'local-tts', text: 'hi', format: 'wav' }, { signal: signal() }),
    ).rejects.toBeInstanceOf(CapabilityUnavailableError);
    await expect(
      model.transcribe(
        { model: 'local-asr', audio: new Uint8Array(10), filename: 'a.wav', mediaType: 'audio/wav' },
        { signal: signal() },
      ),
    ).rejects.toBeInstanceOf(CapabilityUnavailableError);
  });
});

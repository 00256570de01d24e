import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { parseTask, SUPPORTED_TASK_TYPES, UnsupportedTaskTypeError } from './task-types.js';

const FILE = 'file_01jd8x3k5q9v7w2m4n6p8r0s1t';

describe('parseTask', () => {
  it.each([
    ['text_generation', { prompt: 'Hi' }, { max_tokens: 16, temperature: 0.5, stop: ['\n'] }],
    [
      'text_generation',
      {
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'u' },
        ],
      },
      {},
    ],
    ['image_generation', { prompt: 'a cat' }, { width: 512, height: 512, n: 2 }],
    ['speech_to_text', { file_id: FILE }, { language: 'zh-CN' }],
    ['text_to_speech', { text: 'hello' }, { voice: 'en-us', speed: 1.5, format: 'wav' }],
    ['document_processing', { file_id: FILE }, { summarize: true, summary_max_tokens: 100 }],
  ])('accepts a valid %s task', (type, input, config) => {
    const spec = parseTask(type, input, config);
    expect(spec.taskType).toBe(type);
    expect(spec.input).toEqual(input);
    expect(spec.config).toEqual(config);
  });

  it('takes a missing config as empty', () => {
    expect(parseTask('text_generation', { prompt: 'Hi' }, undefined).config).toEqual({});
  });

  it.each([['video_generation'], [''], [42], [undefined], ['TEXT_GENERATION']])(
    'refuses task_type %j, listing the supported ones',
    (type) => {
      const error = (() => {
        try {
          parseTask(type, {}, {});
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(UnsupportedTaskTypeError);
      const app = error as UnsupportedTaskTypeError;
      expect(app.code).toBe('unsupported_task_type');
      expect(app.details).toMatchObject({ supported: [...SUPPORTED_TASK_TYPES] });
      for (const supported of SUPPORTED_TASK_TYPES) expect(app.message).toContain(supported);
    },
  );

  it.each([
    ['text_generation', null, {}, 'input'],
    ['text_generation', 'Hi', {}, 'input'],
    ['text_generation', { prompt: 'a', messages: [{ role: 'user', content: 'b' }] }, {}, 'input'],
    ['text_generation', { prompt: 'a', extra: 1 }, {}, 'input.extra'],
    ['text_generation', { messages: [] }, {}, 'input.messages'],
    ['text_generation', { prompt: 'a' }, { max_tokens: -1 }, 'config.max_tokens'],
    ['text_generation', { prompt: 'a' }, { top_p: 0 }, 'config.top_p'],
    ['text_generation', { prompt: 'a' }, { stop: ['a', 'b', 'c', 'd', 'e'] }, 'config.stop'],
    ['text_generation', { prompt: 'a' }, { seed: 1.5 }, 'config.seed'],
    ['text_generation', { prompt: 'a' }, { model: '' }, 'config.model'],
    ['text_generation', { prompt: 'a' }, 'fast', 'config'],
    ['image_generation', { prompt: 'x'.repeat(4_001) }, {}, 'input.prompt'],
    ['image_generation', { prompt: 'cat' }, { width: 8 }, 'config.width'],
    ['image_generation', { prompt: 'cat' }, { n: 0 }, 'config.n'],
    ['speech_to_text', { file_id: 'doc_01jd8x3k5q9v7w2m4n6p8r0s1t' }, {}, 'input.file_id'],
    ['speech_to_text', { file_id: FILE }, { language: 'English' }, 'config.language'],
    ['text_to_speech', { text: 'hi' }, { voice: '-v' }, 'config.voice'],
    ['text_to_speech', { text: 'hi' }, { voice: 'en us' }, 'config.voice'],
    ['text_to_speech', { text: 'hi' }, { format: 'mp3' }, 'config.format'],
    ['text_to_speech', { text: 'hi' }, { speed: 0.1 }, 'config.speed'],
    ['document_processing', { file_id: FILE }, { summarize: 'yes' }, 'config.summarize'],
    ['document_processing', { file_id: FILE }, { summary_max_tokens: 5 }, 'config.summary_max_tokens'],
  ])('refuses %s input %j config %j at %s', (type, input, config, path) => {
    let error: unknown;
    try {
      parseTask(type, input, config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const details = (error as ValidationError).details as { path: string; location: string }[];
    expect(details.map((d) => d.path)).toContain(path);
    expect(details.every((d) => d.location === 'body')).toBe(true);
    expect((error as ValidationError).message).toContain(path);
  });

  it('prefixes paths for batch items', () => {
    try {
      parseTask('text_generation', {}, { max_tokens: 'x' }, 'items.3.');
      expect.unreachable();
    } catch (error) {
      const paths = ((error as ValidationError).details as { path: string }[]).map((d) => d.path);
      expect(paths).toEqual(['items.3.input', 'items.3.config.max_tokens']);
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  FILE_FORMATS,
  FILE_PURPOSES as SERVER_FILE_PURPOSES,
} from '../../server/src/modules/files/file-formats.js';
import { SUPPORTED_TASK_TYPES as SERVER_TASK_TYPES } from '../../server/src/modules/tasks/task-types.js';
import {
  assertFileType,
  assertTaskType,
  FILE_PURPOSES,
  NexusAI,
  NexusValidationError,
  SUPPORTED_FILE_TYPES,
  SUPPORTED_TASK_TYPES,
} from '../src/index.js';

/**
 * Client-side validation of task types and file types, and the lists it uses against the server's own
 * (a drift fails here: update packages/sdk/src/validation.ts).
 */

describe('the SDK lists match the server', () => {
  it("SUPPORTED_FILE_TYPES is the server's FILE_FORMATS, purpose by purpose", () => {
    expect([...FILE_PURPOSES].sort()).toEqual([...SERVER_FILE_PURPOSES].sort());
    expect(Object.keys(SUPPORTED_FILE_TYPES).sort()).toEqual([...SERVER_FILE_PURPOSES].sort());
    const sdk = Object.entries(SUPPORTED_FILE_TYPES).flatMap(([purpose, types]) =>
      types.map((t) => ({ purpose, name: t.format, extensions: [...t.extensions], mediaType: t.mediaType })),
    );
    const server = FILE_FORMATS.map((f) => ({
      purpose: f.purpose,
      name: f.name,
      extensions: [...f.extensions],
      mediaType: f.mediaType,
    }));
    const byName = (a: { purpose: string; name: string }, b: { purpose: string; name: string }) =>
      `${a.purpose}/${a.name}`.localeCompare(`${b.purpose}/${b.name}`);
    expect(sdk.sort(byName)).toEqual(server.sort(byName));
  });

  it("SUPPORTED_TASK_TYPES is the server's", () => {
    expect([...SUPPORTED_TASK_TYPES]).toEqual([...SERVER_TASK_TYPES]);
  });
});

describe('assertTaskType', () => {
  it.each([...SUPPORTED_TASK_TYPES])('accepts %s', (type) => {
    expect(() => assertTaskType(type)).not.toThrow();
  });

  it.each([
    ['an unknown name', 'telepathy', 'Unknown task_type "telepathy"'],
    ['a different case', 'Text_Generation', 'Unknown task_type "Text_Generation"'],
    ['an empty string', '', 'Unknown task_type ""'],
    ['a number', 42, 'task_type is required'],
    ['undefined', undefined, 'task_type is required'],
  ])('refuses %s, listing the supported types', (_what, value, start) => {
    const error = (() => {
      try {
        assertTaskType(value);
      } catch (e) {
        return e as NexusValidationError;
      }
    })();
    expect(error).toBeInstanceOf(NexusValidationError);
    expect(error?.code).toBe('unsupported_task_type');
    expect(error?.message.startsWith(start)).toBe(true);
    for (const type of SUPPORTED_TASK_TYPES) expect(error?.message).toContain(type);
    expect(error?.details).toEqual({ param: 'task_type', supported: [...SUPPORTED_TASK_TYPES] });
  });
});

describe('assertFileType', () => {
  it.each([
    ['document', 'report.PDF', 'pdf'],
    ['document', '季度报告.docx', 'docx'],
    ['document', 'notes.markdown', 'md'],
    ['document', 'page.htm', 'html'],
    ['audio', 'talk.opus', 'ogg'],
    ['image', 'photo.JPEG', 'jpg'],
    ['video', 'clip.m4v', 'mp4'],
  ])('%s accepts %s as %s', (purpose, filename, format) => {
    expect(assertFileType(purpose, filename).format).toBe(format);
  });

  it.each([
    ['document', 'photo.png', 'file_type_not_allowed', 'cannot be .png files', '.pdf'],
    ['image', 'report.pdf', 'file_type_not_allowed', 'cannot be .pdf files', '.webp'],
    ['audio', 'README', 'file_type_not_allowed', 'must end with its extension', '.mp3'],
    ['video', 'movie.avi', 'file_type_not_allowed', 'cannot be .avi files', '.mkv'],
    ['document', 'archive.tar.gz', 'file_type_not_allowed', 'cannot be .gz files', '.csv'],
    [
      'assistants',
      'a.pdf',
      'validation_failed',
      'Unknown purpose "assistants"',
      'document, audio, image, video',
    ],
    [undefined, 'a.pdf', 'validation_failed', 'Unknown purpose undefined', 'document, audio, image, video'],
  ])('purpose %s refuses %s (%s), listing what is supported', (purpose, filename, code, reason, listed) => {
    let error: NexusValidationError | undefined;
    try {
      assertFileType(purpose, filename);
    } catch (e) {
      error = e as NexusValidationError;
    }
    expect(error).toBeInstanceOf(NexusValidationError);
    expect(error?.code).toBe(code);
    expect(error?.message).toContain(reason);
    expect(error?.message).toContain(listed);
  });
});

describe('validation happens before anything is sent', () => {
  const sent: string[] = [];
  const client = new NexusAI({
    apiKey: 'nx',
    baseURL: 'http://nexus.invalid',
    fetch: async (url) => {
      sent.push(url);
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    },
  });

  it.each([
    [
      'invoke with an unknown task type',
      () => client.invoke({ task_type: 'telepathy', input: {} } as never),
      'unsupported_task_type',
    ],
    [
      'invoke without input',
      () => client.invoke({ task_type: 'text_generation' } as never),
      'validation_failed',
    ],
    [
      'invoke with stream',
      () => client.invoke({ task_type: 'text_generation', input: { prompt: 'x' }, stream: true } as never),
      'validation_failed',
    ],
    [
      'invokeStream of an image task',
      () => client.invokeStream({ task_type: 'image_generation', input: { prompt: 'x' } } as never),
      'task_option_unsupported',
    ],
    [
      'invokeBatch with a bad item',
      () =>
        client.invokeBatch({
          items: [
            { task_type: 'text_generation', input: { prompt: 'x' } },
            { task_type: 'nope', input: {} } as never,
          ],
        }),
      'unsupported_task_type',
    ],
    ['invokeBatch with no items', () => client.invokeBatch({ items: [] }), 'validation_failed'],
    [
      'upload of a .exe document',
      () => client.files.upload({ file: new Uint8Array([1]), filename: 'setup.exe', purpose: 'document' }),
      'file_type_not_allowed',
    ],
    [
      'upload of bytes without a name',
      () => client.files.upload({ file: new Uint8Array([1]), purpose: 'document' }),
      'validation_failed',
    ],
    [
      'upload with an unknown purpose',
      () =>
        client.files.upload({ file: new Uint8Array([1]), filename: 'a.pdf', purpose: 'fine-tune' as never }),
      'validation_failed',
    ],
    [
      'a batch upload with one bad name',
      () =>
        client.files.uploadBatch({
          purpose: 'image',
          files: [
            { file: new Uint8Array([1]), filename: 'a.png' },
            { file: new Uint8Array([1]), filename: 'b.txt' },
          ],
        }),
      'file_type_not_allowed',
    ],
    [
      'a document with two sources',
      () => client.knowledgeBases.uploadDocument('kb_1', { text: 'x', url: 'https://e.com' } as never),
      'validation_failed',
    ],
    [
      'an idempotency key with a line break',
      () => client.conversations.create({ model: 'local' }, { idempotencyKey: 'a\nb' }),
      'validation_failed',
    ],
  ])('%s', async (_what, call, code) => {
    const error = await Promise.resolve()
      .then(call as () => Promise<unknown>)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NexusValidationError);
    expect((error as NexusValidationError).code).toBe(code);
    expect(sent).toEqual([]);
  });

  it('the batch error names the item', async () => {
    const error = (await client
      .invokeBatch({
        items: [
          { task_type: 'text_generation', input: { prompt: 'x' } },
          { task_type: 'nope', input: {} } as never,
        ],
      })
      .catch((e: unknown) => e)) as NexusValidationError;
    expect(error.message).toContain('items.1.task_type');
  });
});

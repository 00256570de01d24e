import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type FetchLike,
  type InvokeStreamChunk,
  type NexusAI,
  NotFoundError,
  UnprocessableEntityError,
} from '../src/index.js';
import { type RunningNexus, startNexus } from './support/nexus.js';

/**
 * The task API (docs/tasks.md) through the SDK against a real Nexus: invoke (sync, streamed, async),
 * tasks, batches, sessions, batch uploads and Idempotency-Key — including a retried POST whose first
 * answer was lost, which must not do the work twice.
 */

let nexus: RunningNexus;
let client: NexusAI;

beforeAll(async () => {
  nexus = await startNexus();
  client = nexus.client();
});
afterAll(() => nexus?.close());

describe('invoke', () => {
  it('runs a text_generation task and answers it succeeded, typed by task_type', async () => {
    const task = await client.invoke({
      task_type: 'text_generation',
      input: { prompt: 'Write a haiku about tea' },
      config: { max_tokens: 32 },
      metadata: { order: 'A-17' },
    });
    expect(task).toMatchObject({
      object: 'task',
      task_type: 'text_generation',
      status: 'succeeded',
      error: null,
      metadata: { order: 'A-17' },
    });
    expect(task.id).toMatch(/^task_/);
    expect(task.output?.text.length).toBeGreaterThan(0);
    expect(task.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('invokeStream yields task.created, task.delta (delta.content) and task.completed with usage', async () => {
    const stream = await client.invokeStream({
      task_type: 'text_generation',
      input: { messages: [{ role: 'user', content: 'Count from one to five in words.' }] },
    });
    const chunks: InvokeStreamChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const types = chunks.map((c) => c.type);
    expect(types[0]).toBe('task.created');
    expect(types.at(-1)).toBe('task.completed');
    expect(types).toContain('task.delta');
    const text = chunks.map((c) => (c.type === 'task.delta' ? c.delta.content : '')).join('');
    const completed = chunks.at(-1) as Extract<InvokeStreamChunk, { type: 'task.completed' }>;
    expect(completed.task.status).toBe('succeeded');
    expect(completed.task.output?.text).toBe(text);
    expect(completed.usage?.output_tokens).toBeGreaterThan(0);
    // The streamed task is stored like any other.
    expect((await client.tasks.retrieve(completed.task.id)).status).toBe('succeeded');
  });

  it('finalTask reads a stream to the finished task', async () => {
    const stream = await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Hello' } });
    const task = await stream.finalTask();
    expect(task).toMatchObject({ status: 'succeeded', task_type: 'text_generation' });
  });

  it('async: answers the task queued at once; tasks.waitFor follows it to the end', async () => {
    const queued = await client.invoke({
      task_type: 'text_generation',
      input: { prompt: 'Tell me about green tea' },
      async: true,
    });
    expect(['queued', 'running', 'succeeded']).toContain(queued.status);
    const done = await client.tasks.waitFor(queued.id, { pollInterval: 100, timeout: 30_000 });
    expect(done.status).toBe('succeeded');
    expect(done.output).not.toBeNull();
  });

  it('document_processing reads an uploaded document', async () => {
    const file = await client.files.upload({
      file: Buffer.from('# Minutes\n\nThe committee approved the budget.\n'),
      filename: 'minutes.md',
      purpose: 'document',
    });
    const task = await client.invoke({ task_type: 'document_processing', input: { file_id: file.id } });
    expect(task.status).toBe('succeeded');
    expect(task.output?.text).toContain('approved the budget');
  });

  it("a task the server refuses rejects with the server's code, unchanged", async () => {
    const error = await client
      .invoke({ task_type: 'text_generation', input: { prompt: 'x', temperature: 9 } as never })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((error as Error).message).toContain('input');
  });
});

describe('tasks', () => {
  it('list pages through the caller’s tasks, newest first; retrieve and cancel', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await client.invoke({ task_type: 'text_generation', input: { prompt: `n${i}` } })).id);
    const seen: string[] = [];
    for await (const task of client.tasks.list({ limit: 2, task_type: 'text_generation' }))
      seen.push(task.id);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen.indexOf(ids[2]!)).toBeLessThan(seen.indexOf(ids[0]!));
    const succeeded = await client.tasks.list({ status: 'succeeded', limit: 1 });
    expect(succeeded.data).toHaveLength(1);
    expect(succeeded.hasNextPage()).toBe(true);

    const error = (await client.tasks.cancel(ids[0]!).catch((e: unknown) => e)) as ConflictError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('task_not_cancellable');
    await expect(client.tasks.retrieve('task_01jd8x3k5q9v7w2m4n6p8r0s1t')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('invokeBatch', () => {
  it('answers one result per item, in order, each on its own', async () => {
    const batch = await client.invokeBatch({
      items: [
        { task_type: 'text_generation', input: { prompt: 'One' } },
        { task_type: 'text_generation', input: {} as never },
        { task_type: 'text_generation', input: { prompt: 'Three' } },
      ],
    });
    expect(batch.object).toBe('batch');
    expect(batch.data.map((d) => [d.index, d.status])).toEqual([
      [0, 'succeeded'],
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(batch.data[1]!.error?.code).toBe('validation_failed');
    expect(batch.data[0]!.task?.output).not.toBeNull();
  });
});

describe('sessions', () => {
  it('keeps the history across invocations; export, import, retrieve, delete', async () => {
    const session = await client.sessions.create({ title: 'Tea chat', system_prompt: 'Be brief.' });
    expect(session).toMatchObject({ object: 'session', title: 'Tea chat', system_prompt: 'Be brief.' });
    const first = await client.sessions.invoke(session.id, { prompt: 'My name is Ada.' });
    const second = await client.sessions.invoke(session.id, { prompt: 'What is my name?' });
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    expect(second.session_id).toBe(session.id);

    const document = await client.sessions.export(session.id);
    expect(document.format).toBe('nexus.conversation');
    expect(document.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const copy = await client.sessions.import(document);
    expect(copy.id).not.toBe(session.id);
    expect(await client.sessions.retrieve(copy.id)).toMatchObject({ title: 'Tea chat' });

    const streamed = await client.sessions.invokeStream(session.id, { prompt: 'And again?' });
    expect((await streamed.finalTask()).session_id).toBe(session.id);

    await client.sessions.delete(session.id);
    await expect(client.sessions.retrieve(session.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('files.uploadBatch', () => {
  it('uploads several files in one request; a refused file fails alone', async () => {
    const result = await client.files.uploadBatch({
      purpose: 'document',
      files: [
        { file: Buffer.from('# One\n'), filename: 'one.md' },
        { file: new Blob(['plain text, not a PDF']), filename: 'fake.pdf' },
        new File(['three,3\n'], 'three.csv'),
      ],
    });
    expect(
      result.data.map((d) => [d.index, d.status]),
      JSON.stringify(result.data),
    ).toEqual([
      [0, 'succeeded'],
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    const [one, fake, three] = result.data;
    expect(one).toMatchObject({ file: { filename: 'one.md', bytes: 6 } });
    expect(fake).toMatchObject({ error: { code: 'file_type_mismatch' } });
    expect(three).toMatchObject({ file: { filename: 'three.csv' } });
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body answer the stored response; another body is 422 idempotency_key_mismatch', async () => {
    const first = await client.invoke(
      { task_type: 'text_generation', input: { prompt: 'once' } },
      { idempotencyKey: 'sdk-test-once' },
    );
    const again = await client.invoke(
      { task_type: 'text_generation', input: { prompt: 'once' } },
      { idempotencyKey: 'sdk-test-once' },
    );
    expect(again.id).toBe(first.id);
    const error = (await client
      .invoke(
        { task_type: 'text_generation', input: { prompt: 'twice' } },
        { idempotencyKey: 'sdk-test-once' },
      )
      .catch((e: unknown) => e)) as UnprocessableEntityError;
    expect(error).toBeInstanceOf(UnprocessableEntityError);
    expect(error.code).toBe('idempotency_key_mismatch');
  });

  it('a POST whose answer was lost is retried with the same key and does the work once', async () => {
    const keys: string[] = [];
    let dropped = false;
    // The request reaches Nexus and is done; then the answer is "lost" on the way back (outside us).
    const losingFetch: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (init.method === 'POST') keys.push((init.headers as Record<string, string>)['idempotency-key']!);
      if (init.method === 'POST' && !dropped) {
        dropped = true;
        await response.body?.cancel();
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    const flaky = nexus.client({ fetch: losingFetch });
    const before = (await client.conversations.list({ limit: 200 })).data.length;
    const conversation = await flaky.conversations.create({ model: 'local', title: 'exactly once' });
    const after = await client.conversations.list({ limit: 200 });
    expect(after.data.length).toBe(before + 1);
    expect(after.data.filter((c) => c.title === 'exactly once').map((c) => c.id)).toEqual([conversation.id]);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });
});

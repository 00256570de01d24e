import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { countTokens } from '../../src/providers/llm/token-count.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { upload } from '../support/multipart.js';
import { openEventStream, readUntil } from '../support/sse-client.js';

/**
 * The task API through the real app on embedded defaults (PGlite, the local provider): every task type,
 * sync, async, streaming, batches, sessions, cancel, input-file holds, webhooks to a real local receiver,
 * and tables of bad input — each a 4xx with a stable code that stores nothing.
 */

const SUPPORTED = [
  'text_generation',
  'image_generation',
  'speech_to_text',
  'text_to_speech',
  'document_processing',
];

let upstream: FakeOpenAI;
let database: Database;
let t: TestApp;
/** A second app with no task worker: queued tasks stay queued. */
let idle: TestApp;
let url: string;
let alice: Session;
let bob: Session;
let carol: Session;
let receiver: Receiver;

interface Receiver {
  server: Server;
  url: string;
  received: { headers: IncomingMessage['headers']; body: string }[];
}

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hooks/task`, received };
}

beforeAll(async () => {
  upstream = await FakeOpenAI.start();
  receiver = await startReceiver();
  database = await openMemoryDatabase();
  const env = {
    LOCAL_MODEL_WORDS_PER_S: '0',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    INVOKE_BATCH_MAX_ITEMS: '5',
    INVOKE_IMAGE_SIZE: '256x256',
    TASKS_POLL_MS: '50',
    TASKS_HEARTBEAT_MS: '50',
    WEBHOOK_URL_ALLOWLIST: '127.0.0.1',
  };
  t = await createTestApp({ env, database });
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  idle = await createTestApp({ env: { ...env, TASKS_CONCURRENCY: '0' } });
  carol = await registerUser(idle.app);
});

afterAll(async () => {
  await idle?.close();
  await t?.close();
  await database?.close();
  await upstream?.close();
  await new Promise((resolve) => receiver?.server.close(resolve));
});

function invoke(who: Session, payload: Record<string, unknown>, app: TestApp = t) {
  return app.app.inject({ method: 'POST', url: '/v1/invoke', headers: who.auth, payload });
}

async function tasksOf(who: Session, app: TestApp = t): Promise<{ id: string; status: string }[]> {
  const response = await app.app.inject({ method: 'GET', url: '/v1/tasks?limit=200', headers: who.auth });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data;
}

async function uploadFile(
  who: Session,
  purpose: string,
  filename: string,
  content: Buffer | string,
  app = t,
) {
  const { payload, headers } = upload(purpose, filename, content);
  const response = await app.app.inject({
    method: 'POST',
    url: '/v1/files',
    payload,
    headers: { ...headers, ...who.auth },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string };
}

async function waitForTask(
  who: Session,
  id: string,
  done = (s: string) => !['queued', 'running'].includes(s),
) {
  for (let i = 0; i < 400; i++) {
    const response = await t.app.inject({ method: 'GET', url: `/v1/tasks/${id}`, headers: who.auth });
    const task = response.json();
    if (done(task.status)) return task;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`task ${id} did not finish`);
}

describe('text_generation', () => {
  it('runs synchronously and stores the task', async () => {
    const response = await invoke(alice, {
      task_type: 'text_generation',
      input: { prompt: 'What colour is the sky?' },
      config: { system: 'The sky is blue on a clear day. Grass is green.' },
      metadata: { order: 'A-17' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const task = response.json();
    expect(task).toMatchObject({
      object: 'task',
      task_type: 'text_generation',
      status: 'succeeded',
      error: null,
      metadata: { order: 'A-17' },
      webhook: null,
    });
    expect(task.id).toMatch(/^task_/);
    expect(task.output.text).toContain('blue');
    expect(task.output.model).toBe('local');
    expect(task.usage.output_tokens).toBeGreaterThan(0);
    expect(task.completed_at).not.toBeNull();
    const stored = await t.app.inject({ method: 'GET', url: `/v1/tasks/${task.id}`, headers: alice.auth });
    expect(stored.json()).toEqual(task);
  });

  it('honours config.max_tokens exactly (local provider and an upstream)', async () => {
    const local = (
      await invoke(alice, {
        task_type: 'text_generation',
        input: { prompt: 'Tell me about the sky' },
        config: {
          max_tokens: 4,
          system: 'The sky is blue on a clear day and grey when clouds cover the sun.',
        },
      })
    ).json();
    expect(local.output.finish_reason).toBe('length');
    expect(local.usage.output_tokens).toBeLessThanOrEqual(4);
    expect(countTokens(local.output.text)).toBeLessThanOrEqual(4);

    const before = upstream.requests.length;
    const remote = await invoke(alice, {
      task_type: 'text_generation',
      input: { messages: [{ role: 'user', content: 'Hi' }] },
      config: { model: 'gpt-4o-mini', max_tokens: 7, temperature: 0.2, seed: 3, stop: ['END'] },
    });
    expect(remote.statusCode, remote.body).toBe(200);
    const sent = upstream.requests.slice(before).find((r) => r.path.endsWith('/chat/completions'));
    expect(sent?.body).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 7,
      temperature: 0.2,
      seed: 3,
      stop: ['END'],
    });
  });

  it('streams server-sent events whose deltas add up to the stored output', async () => {
    const stream = await openEventStream(`${url}/v1/invoke`, {
      method: 'POST',
      headers: alice.auth,
      body: {
        task_type: 'text_generation',
        input: { prompt: 'Which animal barks?' },
        config: { system: 'Dogs bark. Cats meow. Cows moo.' },
        stream: true,
      },
    });
    expect(stream.status).toBe(200);
    const events = await readUntil(
      stream.events,
      (e) => e.event === 'task.completed' || e.event === 'task.failed',
    );
    expect(events[0]?.event).toBe('task.created');
    const created = events[0]!.json.task as { id: string; status: string };
    expect(created.status).toBe('running');
    const deltas = events.filter((e) => e.event === 'task.delta');
    expect(deltas.length).toBeGreaterThan(1);
    const last = events.at(-1)!;
    expect(last.event).toBe('task.completed');
    const final = last.json.task as { id: string; output: { text: string }; status: string };
    expect(final.id).toBe(created.id);
    expect(deltas.map((e) => (e.json.delta as { content: string }).content).join('')).toBe(final.output.text);
    expect(last.json.usage).toEqual((last.json.task as { usage: unknown }).usage);
  });

  it('answers a failing task with its own error and keeps it stored as failed', async () => {
    upstream.script('broken-model', { error: { status: 400, message: 'bad things' } });
    const response = await invoke(alice, {
      task_type: 'text_generation',
      input: { prompt: 'Hi' },
      config: { model: 'broken-model' },
    });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('invalid_request');
    expect(error.details.task_id).toMatch(/^task_/);
    const stored = await t.app.inject({
      method: 'GET',
      url: `/v1/tasks/${error.details.task_id}`,
      headers: alice.auth,
    });
    expect(stored.json()).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, number, string, string?][] = [
    ['unknown task type', { task_type: 'video_generation', input: {} }, 400, 'unsupported_task_type'],
    ['no task type', { input: { prompt: 'x' } }, 400, 'validation_failed'],
    ['input missing', { task_type: 'text_generation' }, 400, 'validation_failed'],
    [
      'prompt and messages',
      { task_type: 'text_generation', input: { prompt: 'a', messages: [{ role: 'user', content: 'b' }] } },
      400,
      'validation_failed',
      'input',
    ],
    [
      'neither prompt nor messages',
      { task_type: 'text_generation', input: {} },
      400,
      'validation_failed',
      'input',
    ],
    [
      'empty prompt',
      { task_type: 'text_generation', input: { prompt: '' } },
      400,
      'validation_failed',
      'input.prompt',
    ],
    [
      'bad role',
      { task_type: 'text_generation', input: { messages: [{ role: 'tool', content: 'x' }] } },
      400,
      'validation_failed',
      'input.messages.0.role',
    ],
    [
      'unknown config key',
      { task_type: 'text_generation', input: { prompt: 'a' }, config: { max_tokenz: 5 } },
      400,
      'validation_failed',
      'config.max_tokenz',
    ],
    [
      'max_tokens not an integer',
      { task_type: 'text_generation', input: { prompt: 'a' }, config: { max_tokens: 2.5 } },
      400,
      'validation_failed',
      'config.max_tokens',
    ],
    [
      'max_tokens zero',
      { task_type: 'text_generation', input: { prompt: 'a' }, config: { max_tokens: 0 } },
      400,
      'validation_failed',
      'config.max_tokens',
    ],
    [
      'temperature out of range',
      { task_type: 'text_generation', input: { prompt: 'a' }, config: { temperature: 3 } },
      400,
      'validation_failed',
      'config.temperature',
    ],
    [
      'image prompt missing',
      { task_type: 'image_generation', input: {} },
      400,
      'validation_failed',
      'input.prompt',
    ],
    [
      'image width not a number',
      { task_type: 'image_generation', input: { prompt: 'a cat' }, config: { width: '512' } },
      400,
      'validation_failed',
      'config.width',
    ],
    [
      'image n too large',
      { task_type: 'image_generation', input: { prompt: 'a cat' }, config: { n: 9 } },
      400,
      'validation_failed',
      'config.n',
    ],
    [
      'image size the model lacks',
      { task_type: 'image_generation', input: { prompt: 'a cat' }, config: { width: 300, height: 200 } },
      400,
      'unsupported_image_size',
    ],
    [
      'speech text empty',
      { task_type: 'text_to_speech', input: { text: '   ' } },
      400,
      'validation_failed',
      'input.text',
    ],
    [
      'speech text too long',
      { task_type: 'text_to_speech', input: { text: 'a'.repeat(5000) } },
      400,
      'validation_failed',
      'input.text',
    ],
    [
      'speech voice injection',
      { task_type: 'text_to_speech', input: { text: 'hi' }, config: { voice: '--stdout' } },
      400,
      'validation_failed',
      'config.voice',
    ],
    [
      'speech speed out of range',
      { task_type: 'text_to_speech', input: { text: 'hi' }, config: { speed: 10 } },
      400,
      'validation_failed',
      'config.speed',
    ],
    [
      'transcription without file',
      { task_type: 'speech_to_text', input: {} },
      400,
      'validation_failed',
      'input.file_id',
    ],
    [
      'transcription of a malformed id',
      { task_type: 'speech_to_text', input: { file_id: 'file_nope' } },
      400,
      'validation_failed',
      'input.file_id',
    ],
    [
      'transcription of a missing file',
      { task_type: 'speech_to_text', input: { file_id: 'file_01jd8x3k5q9v7w2m4n6p8r0s1t' } },
      404,
      'not_found',
    ],
    [
      'document without file',
      { task_type: 'document_processing', input: { file_id: 42 } },
      400,
      'validation_failed',
      'input.file_id',
    ],
    [
      'stream for images',
      { task_type: 'image_generation', input: { prompt: 'a cat' }, stream: true },
      400,
      'task_option_unsupported',
    ],
    [
      'session for speech',
      { task_type: 'text_to_speech', input: { text: 'hi' }, session_id: 'conv_01jd8x3k5q9v7w2m4n6p8r0s1t' },
      400,
      'task_option_unsupported',
    ],
    [
      'unknown session',
      {
        task_type: 'text_generation',
        input: { prompt: 'hi' },
        session_id: 'conv_01jd8x3k5q9v7w2m4n6p8r0s1t',
      },
      404,
      'not_found',
    ],
    [
      'webhook to a private address',
      {
        task_type: 'text_generation',
        input: { prompt: 'hi' },
        async: true,
        webhook_url: 'http://10.0.0.7/hook',
      },
      400,
      'webhook_url_forbidden',
    ],
    [
      'webhook to link-local metadata',
      {
        task_type: 'text_generation',
        input: { prompt: 'hi' },
        async: true,
        webhook_url: 'http://169.254.169.254/latest',
      },
      400,
      'webhook_url_forbidden',
    ],
    [
      'webhook not http',
      {
        task_type: 'text_generation',
        input: { prompt: 'hi' },
        async: true,
        webhook_url: 'ftp://example.com/x',
      },
      400,
      'webhook_url_invalid',
    ],
    [
      'too much metadata',
      {
        task_type: 'text_generation',
        input: { prompt: 'hi' },
        metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      },
      400,
      'validation_failed',
    ],
    [
      'unknown top-level field',
      { task_type: 'text_generation', input: { prompt: 'hi' }, priority: 'high' },
      400,
      'validation_failed',
    ],
  ];

  it.each(cases)('%s → %i %s, nothing stored', async (_label, payload, status, code, path) => {
    const before = (await tasksOf(alice)).length;
    const response = await invoke(alice, payload);
    expect(response.statusCode, response.body).toBe(status);
    const { error } = response.json();
    expect(error.code).toBe(code);
    if (path) expect(JSON.stringify(error.details)).toContain(`"${path}`);
    expect((await tasksOf(alice)).length).toBe(before);
  });

  it('lists the supported task types for an unknown one', async () => {
    const { error } = (await invoke(alice, { task_type: 'translate', input: {} })).json();
    expect(error.details.supported).toEqual(SUPPORTED);
    for (const type of SUPPORTED) expect(error.message).toContain(type);
  });

  it('refuses an input file of the wrong purpose, naming what it needs', async () => {
    const doc = await uploadFile(alice, 'document', 'notes.txt', 'plain notes');
    const response = await invoke(alice, { task_type: 'speech_to_text', input: { file_id: doc.id } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'unsupported_file_type' });
    expect(response.json().error.message).toContain('audio');
  });
});

describe('async tasks', () => {
  it('queues, runs on the worker, and stores the result', async () => {
    const response = await invoke(alice, {
      task_type: 'text_generation',
      input: { prompt: 'Which animal moos?' },
      config: { system: 'Dogs bark. Cows moo.' },
      async: true,
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json().status).toBe('queued');
    const done = await waitForTask(alice, response.json().id);
    expect(done.status).toBe('succeeded');
    expect(done.output.text).toContain('moo');
    expect(done.started_at).not.toBeNull();
  });

  it('cancels a queued task, releases its input file, and refuses to cancel it twice', async () => {
    const file = await uploadFile(carol, 'document', 'report.md', '# Report\n\nSales rose 12% in May.', idle);
    const queued = (
      await invoke(
        carol,
        { task_type: 'document_processing', input: { file_id: file.id }, async: true },
        idle,
      )
    ).json();
    expect(queued.status).toBe('queued');
    const held = await idle.app.inject({
      method: 'DELETE',
      url: `/v1/files/${file.id}`,
      headers: carol.auth,
    });
    expect(held.statusCode).toBe(409);
    expect(held.json().error.code).toBe('file_in_use');
    const cancel = await idle.app.inject({
      method: 'POST',
      url: `/v1/tasks/${queued.id}/cancel`,
      headers: carol.auth,
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    const again = await idle.app.inject({
      method: 'POST',
      url: `/v1/tasks/${queued.id}/cancel`,
      headers: carol.auth,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('task_not_cancellable');
    const freed = await idle.app.inject({
      method: 'DELETE',
      url: `/v1/files/${file.id}`,
      headers: carol.auth,
    });
    expect(freed.statusCode).toBe(204);
  });

  it('cancels a running task and stops its provider call', async () => {
    upstream.script('slow-model', {
      text: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '),
      tokensPerSecond: 20,
    });
    const stream = await openEventStream(`${url}/v1/invoke`, {
      method: 'POST',
      headers: alice.auth,
      body: {
        task_type: 'text_generation',
        input: { prompt: 'go' },
        config: { model: 'slow-model' },
        stream: true,
      },
    });
    const [created] = await readUntil(stream.events, (e) => e.event === 'task.delta');
    const id = (created!.json.task as { id: string }).id;
    const cancel = await t.app.inject({ method: 'POST', url: `/v1/tasks/${id}/cancel`, headers: alice.auth });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const rest = await readUntil(
      stream.events,
      (e) => e.event === 'task.failed' || e.event === 'task.completed',
    );
    expect(rest.at(-1)?.event).toBe('task.failed');
    expect((rest.at(-1)!.json.error as { code: string }).code).toBe('cancelled');
    expect((await waitForTask(alice, id)).status).toBe('cancelled');
    for (let i = 0; i < 100 && !upstream.requestsFor('slow-model').at(-1)?.aborted; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(upstream.requestsFor('slow-model').at(-1)?.aborted).toBe(true);
  });

  it('delivers a signed webhook when the task ends and shows the delivery on the task', async () => {
    const task = (
      await invoke(alice, {
        task_type: 'text_generation',
        input: { prompt: 'hello' },
        async: true,
        webhook_url: receiver.url,
        metadata: { ref: 'hook-1' },
      })
    ).json();
    expect(task.webhook).toMatchObject({ url: receiver.url, status: 'pending' });
    const delivered = await waitForTask(alice, task.id, () =>
      receiver.received.some((r) => r.body.includes(task.id)),
    );
    expect(delivered.status).toBe('succeeded');
    const hit = receiver.received.find((r) => r.body.includes(task.id))!;
    expect(hit.headers['nexus-event']).toBe('task.succeeded');
    expect(hit.headers['nexus-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}/);
    expect(JSON.parse(hit.body)).toMatchObject({
      id: task.id,
      status: 'succeeded',
      metadata: { ref: 'hook-1' },
    });
    const shown = await waitForTask(alice, task.id, () => true);
    for (let i = 0; i < 100; i++) {
      const now = (
        await t.app.inject({ method: 'GET', url: `/v1/tasks/${task.id}`, headers: alice.auth })
      ).json();
      if (now.webhook.status === 'delivered') {
        expect(now.webhook.attempts[0]).toMatchObject({ attempt: 1, status_code: 204 });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`webhook not marked delivered: ${JSON.stringify(shown.webhook)}`);
  });

  it("keeps tasks to their caller: another user's task is 404 and not listed", async () => {
    const mine = (await invoke(alice, { task_type: 'text_generation', input: { prompt: 'mine' } })).json();
    for (const [method, path] of [
      ['GET', `/v1/tasks/${mine.id}`],
      ['POST', `/v1/tasks/${mine.id}/cancel`],
    ] as const) {
      const response = await t.app.inject({ method, url: path, headers: bob.auth });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect((await tasksOf(bob)).map((task) => task.id)).not.toContain(mine.id);
  });

  it('lists with filters and cursor pages', async () => {
    const first = await t.app.inject({
      method: 'GET',
      url: '/v1/tasks?limit=2&task_type=text_generation&status=succeeded',
      headers: alice.auth,
    });
    const page1 = first.json();
    expect(page1.data).toHaveLength(2);
    expect(page1.next_cursor).toBe(page1.data[1].id);
    for (const task of page1.data)
      expect(task).toMatchObject({ task_type: 'text_generation', status: 'succeeded' });
    const second = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/tasks?limit=2&cursor=${page1.next_cursor}`,
        headers: alice.auth,
      })
    ).json();
    expect(second.data[0].id < page1.data[1].id).toBe(true);
  });
});

describe('document_processing', () => {
  it('extracts text and summarises it', async () => {
    const file = await uploadFile(
      alice,
      'document',
      'quarterly.md',
      '# Quarterly report\n\nRevenue grew 12 percent in the third quarter.\n\nThe new office in Lyon opened in August.',
    );
    const task = (
      await invoke(alice, {
        task_type: 'document_processing',
        input: { file_id: file.id },
        config: { summarize: true, summary_max_tokens: 64 },
      })
    ).json();
    expect(task.status).toBe('succeeded');
    expect(task.output.text).toContain('Revenue grew 12 percent');
    expect(task.output).toMatchObject({ format: 'md', truncated: false, title: 'Quarterly report' });
    expect(task.output.summary.length).toBeGreaterThan(0);
    expect(task.usage.output_tokens).toBeLessThanOrEqual(64);
    // The hold ended with the task.
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/files/${file.id}`,
      headers: alice.auth,
    });
    expect(deleted.statusCode).toBe(204);
  });
});

describe('images and speech', () => {
  it('generates a labelled local test image stored as a file', async () => {
    const task = (
      await invoke(alice, { task_type: 'image_generation', input: { prompt: 'a red kite' } })
    ).json();
    expect(task.status, JSON.stringify(task)).toBe('succeeded');
    expect(task.output.images).toHaveLength(1);
    expect(task.output.images[0]).toMatchObject({ media_type: 'image/png', width: 256, height: 256 });
    expect(task.output.label).toBe('nexus-local-test-image');
    const content = await t.app.inject({
      method: 'GET',
      url: `/v1/files/${task.output.images[0].file_id}/content`,
      headers: alice.auth,
    });
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  });

  it('speaks text to a stored WAV file, then transcribes it (or says the capability is missing)', async () => {
    // pocketsphinx's small US English model hears espeak-ng's en-us voice at 160 words a minute well.
    const spoken = await invoke(alice, {
      task_type: 'text_to_speech',
      input: { text: 'hello world' },
      config: { voice: 'en-us', speed: 160 / 175 },
    });
    if (spoken.statusCode === 501) {
      expect(spoken.json().error.code).toBe('capability_unavailable');
      return;
    }
    expect(spoken.statusCode, spoken.body).toBe(200);
    const task = spoken.json();
    expect(task.output).toMatchObject({ media_type: 'audio/wav' });
    expect(task.output.duration_seconds).toBeGreaterThan(0);
    const heard = await invoke(alice, {
      task_type: 'speech_to_text',
      input: { file_id: task.output.file_id },
    });
    if (heard.statusCode === 501) {
      expect(heard.json().error.code).toBe('capability_unavailable');
      return;
    }
    expect(heard.statusCode, heard.body).toBe(200);
    expect(heard.json().output.text.toLowerCase()).toContain('hello world');
  });
});

describe('batches', () => {
  it('runs items on their own and keeps the order', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/invoke/batch',
      headers: alice.auth,
      payload: {
        items: [
          { task_type: 'text_generation', input: { prompt: 'one' } },
          { task_type: 'nonsense', input: {} },
          { task_type: 'text_generation', input: { prompt: 'three' }, async: true },
          { task_type: 'text_generation', input: {} },
          { task_type: 'text_generation', input: { prompt: 'five' }, stream: true },
        ],
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const { object, data } = response.json();
    expect(object).toBe('batch');
    expect(data.map((item: { index: number }) => item.index)).toEqual([0, 1, 2, 3, 4]);
    expect(data[0]).toMatchObject({ status: 'succeeded', task: { status: 'succeeded' } });
    expect(data[1]).toMatchObject({ status: 'failed', error: { code: 'unsupported_task_type' } });
    expect(data[2]).toMatchObject({ status: 'queued', task: { status: 'queued' } });
    expect(data[3]).toMatchObject({ status: 'failed', error: { code: 'validation_failed' } });
    expect(JSON.stringify(data[3].error.details)).toContain('items.3.input');
    expect(data[4]).toMatchObject({ status: 'failed', error: { code: 'task_option_unsupported' } });
    expect((await waitForTask(alice, data[2].task.id)).status).toBe('succeeded');
  });

  it('answers an item that fails while it runs with its stored task and its error', async () => {
    upstream.script('broken-batch-model', { error: { status: 400, message: 'no such thing' } });
    const { data } = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/invoke/batch',
        headers: alice.auth,
        payload: {
          items: [
            { task_type: 'text_generation', input: { prompt: 'x' }, config: { model: 'broken-batch-model' } },
          ],
        },
      })
    ).json();
    expect(data[0]).toMatchObject({
      index: 0,
      status: 'failed',
      task: { status: 'failed', error: { code: 'invalid_request' } },
      error: { code: 'invalid_request' },
    });
  });

  it('queues every item with async', async () => {
    const { data } = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/invoke/batch',
        headers: alice.auth,
        payload: {
          async: true,
          items: [1, 2, 3].map((n) => ({ task_type: 'text_generation', input: { prompt: `n${n}` } })),
        },
      })
    ).json();
    expect(data.map((d: { status: string }) => d.status)).toEqual(['queued', 'queued', 'queued']);
  });

  it.each([
    [
      'over the limit',
      { items: Array.from({ length: 6 }, () => ({ task_type: 'text_generation', input: { prompt: 'x' } })) },
      'batch_too_large',
    ],
    ['empty', { items: [] }, 'validation_failed'],
    ['not a list', { items: { task_type: 'text_generation' } }, 'validation_failed'],
  ])('refuses a batch %s with 400 %s and runs nothing', async (_label, payload, code) => {
    const before = (await tasksOf(alice)).length;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/invoke/batch',
      headers: alice.auth,
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(code);
    expect((await tasksOf(alice)).length).toBe(before);
  });
});

describe('sessions', () => {
  it('keeps history across invokes, exports and imports', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: alice.auth,
      payload: {
        system_prompt: 'Paris is the capital of France. Berlin is the capital of Germany.',
        title: 'Geo',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const session = created.json();
    expect(session).toMatchObject({ object: 'session', model: 'local', title: 'Geo' });
    expect(session.conversation_id).toBe(session.id);

    const first = (
      await invoke(alice, {
        task_type: 'text_generation',
        input: { prompt: 'What is the capital of France?' },
        session_id: session.id,
      })
    ).json();
    expect(first.status, JSON.stringify(first)).toBe('succeeded');
    expect(first.session_id).toBe(session.id);
    expect(first.output.text).toContain('Paris');
    const second = (
      await invoke(alice, {
        task_type: 'text_generation',
        input: { prompt: 'And Germany?' },
        session_id: session.id,
      })
    ).json();
    expect(second.status).toBe('succeeded');

    const exported = await t.app.inject({
      method: 'GET',
      url: `/v1/sessions/${session.id}/export`,
      headers: alice.auth,
    });
    expect(exported.statusCode).toBe(200);
    const document = exported.json();
    const contents = document.messages.map((m: { content: string }) => m.content);
    expect(contents).toContain('What is the capital of France?');
    expect(contents).toContain('And Germany?');
    expect(document.messages.filter((m: { role: string }) => m.role === 'assistant')).toHaveLength(2);

    const imported = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions/import',
      headers: alice.auth,
      payload: document,
    });
    expect(imported.statusCode, imported.body).toBe(201);
    const copy = imported.json();
    expect(copy.id).not.toBe(session.id);
    const copyExport = (
      await t.app.inject({ method: 'GET', url: `/v1/sessions/${copy.id}/export`, headers: alice.auth })
    ).json();
    expect(copyExport.messages.map((m: { content: string }) => m.content)).toEqual(contents);

    // Bob cannot see or use it.
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/v1/sessions/${session.id}`,
      headers: bob.auth,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    const used = await invoke(bob, {
      task_type: 'text_generation',
      input: { prompt: 'hi' },
      session_id: session.id,
    });
    expect(used.statusCode).toBe(404);

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${session.id}`,
      headers: alice.auth,
    });
    expect(removed.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/sessions/${session.id}`, headers: alice.auth }))
        .statusCode,
    ).toBe(404);
  });

  it.each([
    [
      'messages instead of a prompt',
      { input: { messages: [{ role: 'user', content: 'x' }] } },
      'task_option_unsupported',
    ],
    [
      'a system prompt',
      { input: { prompt: 'x' }, config: { system: 'be brief' } },
      'task_option_unsupported',
    ],
  ])('refuses %s in a session', async (_label, extra, code) => {
    const session = (
      await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: alice.auth, payload: {} })
    ).json();
    const response = await invoke(alice, { task_type: 'text_generation', session_id: session.id, ...extra });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(code);
  });

  it('refuses a malformed import with 400 and creates nothing', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions/import',
      headers: alice.auth,
      payload: { format: 'nexus.conversation', version: 1, messages: 'nope' },
    });
    expect(response.statusCode).toBe(400);
  });
});

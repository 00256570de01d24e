import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/modules/access/principal.js';
import type { Database } from '../../src/platform/db/database.js';
import { Executable } from '../../src/providers/speech/process.js';
import { readWavHeader } from '../../src/providers/speech/wav.js';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { multipart, type Part } from '../support/multipart.js';
import { expectOpenAISchema } from '../support/openai-schemas.js';
import { decodePng } from '../support/png.js';

/**
 * Images, text to speech and speech to text through the gateway's OpenAI-compatible routes, with the
 * offline `local-image` / `local-tts` / `local-asr` models (espeak-ng and pocketsphinx when installed) and
 * with catalog models served by the fake OpenAI upstream (retries on 429, URL images, a transcription
 * upstream that refuses verbose_json). A second app points the engine paths at missing binaries.
 */

const searchPath = process.env.PATH ?? '/usr/bin:/bin';
const espeakInstalled = new Executable(['espeak-ng'], { searchPath }).path !== undefined;
const asrInstalled =
  espeakInstalled &&
  new Executable(['pocketsphinx_continuous', 'pocketsphinx'], { searchPath }).path !== undefined;
const soxInstalled = new Executable(['sox'], { searchPath }).path !== undefined;

const MAX_TEXT = 200;
const MAX_AUDIO_BYTES = 300_000;

let database: Database;
let t: TestApp;
let missing: TestApp;
let user: Session;
let upstream: FakeOpenAI;
let modelsDir: string;

beforeAll(async () => {
  upstream = await FakeOpenAI.start();
  upstream.on('up-image-url-upstream', { imageUrls: true, revisedPrompt: 'a fox, revised' });
  upstream.on('up-asr-json-upstream', { rejectVerboseJson: true, text: 'json only' });
  modelsDir = mkdtempSync(join(tmpdir(), 'nexus-media-'));
  const modelsFile = join(modelsDir, 'models.json');
  const served = (name: string, kind: string, extra: Record<string, unknown> = {}) => ({
    name,
    kind,
    ...extra,
    deployments: [{ provider: 'openai-compatible', model: `${name}-upstream`, base_url: upstream.url }],
  });
  writeFileSync(
    modelsFile,
    JSON.stringify({
      models: [
        served('up-image', 'image', { image_sizes: ['256x256', '512x512'] }),
        served('up-image-url', 'image'),
        served('up-tts', 'speech'),
        served('up-asr', 'transcription'),
        served('up-asr-json', 'transcription'),
      ],
    }),
  );
  database = await openMemoryDatabase();
  const env = {
    LOCAL_MODEL_WORDS_PER_S: '0',
    NEXUS_MODELS_FILE: modelsFile,
    GATEWAY_RETRY_BASE_MS: '1',
    // Waits are capped small so that a `Retry-After: 1` test does not take a second.
    GATEWAY_RETRY_MAX_WAIT_MS: '20',
    METERING_BATCH_SIZE: '1',
    SPEECH_MAX_TEXT_CHARS: String(MAX_TEXT),
    SPEECH_MAX_AUDIO_BYTES: String(MAX_AUDIO_BYTES),
    SPEECH_MAX_SECONDS: '5',
  };
  t = await createTestApp({ database, env });
  missing = await createTestApp({
    database,
    env: {
      ...env,
      ESPEAK_NG_PATH: '/nonexistent/espeak-ng',
      POCKETSPHINX_PATH: '/nonexistent/pocketsphinx_continuous',
    },
  });
  user = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await missing?.close();
  await database?.close();
  await upstream?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

function post(url: string, payload: unknown, app = t) {
  return app.app.inject({ method: 'POST', url, headers: user.auth, payload: payload as object });
}

function transcribe(parts: Part[], app = t) {
  const { payload, headers } = multipart(parts);
  return app.app.inject({
    method: 'POST',
    url: '/v1/audio/transcriptions',
    headers: { ...user.auth, ...headers },
    payload,
  });
}

const file = (content: Buffer | Uint8Array, filename = 'speech.wav', contentType = 'audio/wav'): Part => ({
  name: 'file',
  filename,
  content: Buffer.from(content),
  contentType,
});

/** A 16 kHz mono 16-bit WAV of a quiet tone. */
function toneWav(seconds: number): Buffer {
  const samples = Math.round(16_000 * seconds);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(16_000, 24);
  wav.writeUInt32LE(32_000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(3000 * Math.sin(i / 10)), 44 + i * 2);
  return wav;
}

/** The error answer: OpenAI's shape, with the status, code and parameter expected. */
function expectError(
  response: { statusCode: number; body: string; json: () => unknown },
  status: number,
  code: string,
  param?: string | null,
) {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json() as { error: { code: string; param: string | null; message: string } };
  expectOpenAISchema('ErrorResponse', body);
  expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error;
}

/** The metered calls of this user's tenant for `endpoint`, once `count` of them are written. */
async function meteredCalls(endpoint: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const rows = await database.db
      .selectFrom('llm_calls')
      .selectAll()
      .where('tenant_id', '=', user.tenantId)
      .where('endpoint', '=', endpoint as 'chat')
      .orderBy('created_at')
      .execute();
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} ${endpoint} calls were metered`);
}

describe('GET /v1/models', () => {
  it('lists the offline image, speech and transcription models in OpenAI’s shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/models', headers: user.auth });
    expect(response.statusCode).toBe(200);
    expectOpenAISchema('ListModelsResponse', response.json());
    const ids = response.json().data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['local', 'local-embedding', 'local-image', 'local-tts', 'local-asr']),
    );
  });

  it.each([
    ['image', ['local-image', 'up-image', 'up-image-url']],
    ['speech', ['local-tts', 'up-tts']],
    ['transcription', ['local-asr', 'up-asr', 'up-asr-json']],
    ['embedding', ['local-embedding']],
  ])('lists only %s models with ?kind=', async (kind, expected) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/models?kind=${kind}`,
      headers: user.auth,
    });
    expect(response.statusCode).toBe(200);
    expectOpenAISchema('ListModelsResponse', response.json());
    expect(
      response
        .json()
        .data.map((m: { id: string }) => m.id)
        .sort(),
    ).toEqual([...expected].sort());
  });

  it('refuses an unknown kind', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/models?kind=video', headers: user.auth });
    expectError(response, 400, 'validation_failed', 'kind');
  });
});

describe('POST /v1/images/generations', () => {
  it('answers local-image with labelled PNG test images of the size asked', async () => {
    const response = await post('/v1/images/generations', {
      model: 'local-image',
      prompt: 'a red fox in the snow',
      size: '256x256',
      n: 2,
    });
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('ImagesResponse', response.json());
    expect(response.headers['x-nexus-label']).toBe('nexus-local-test-image');
    const body = response.json() as { data: { b64_json: string }[]; output_format: string };
    expect(body.output_format).toBe('png');
    expect(body.data).toHaveLength(2);
    const [first, second] = body.data.map((d) =>
      decodePng(new Uint8Array(Buffer.from(d.b64_json, 'base64'))),
    );
    expect(first).toMatchObject({ width: 256, height: 256 });
    expect(first!.text.Description).toMatch(/offline local provider/);
    expect(Buffer.from(first!.rgb).equals(Buffer.from(second!.rgb))).toBe(false);
  });

  it('defaults to local-image at 1024x1024, as OpenAI defaults its size', async () => {
    const response = await post('/v1/images/generations', { prompt: 'anything' });
    expect(response.statusCode, response.body).toBe(200);
    const png = decodePng(new Uint8Array(Buffer.from(response.json().data[0].b64_json, 'base64')));
    expect(png).toMatchObject({ width: 1024, height: 1024 });
  });

  it('asks an upstream for base64 images of the size, and passes its revised prompt on', async () => {
    const response = await post('/v1/images/generations', {
      model: 'up-image',
      prompt: 'a cat',
      size: '512x512',
    });
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('ImagesResponse', response.json());
    expect(response.headers['x-nexus-label']).toBeUndefined();
    const sent = upstream.requestsFor('up-image-upstream').at(-1)!;
    expect(sent.path).toBe('/v1/images/generations');
    expect(sent.body).toEqual({
      model: 'up-image-upstream',
      prompt: 'a cat',
      n: 1,
      size: '512x512',
      response_format: 'b64_json',
    });
    const png = decodePng(new Uint8Array(Buffer.from(response.json().data[0].b64_json, 'base64')));
    expect(png).toMatchObject({ width: 512, height: 512 });
  });

  it('fetches the images an upstream answers by URL', async () => {
    const response = await post('/v1/images/generations', {
      model: 'up-image-url',
      prompt: 'a fox',
      size: '256x256',
      n: 2,
    });
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('ImagesResponse', response.json());
    const data = response.json().data as { b64_json: string; revised_prompt: string }[];
    expect(data).toHaveLength(2);
    expect(data[0]!.revised_prompt).toBe('a fox, revised');
    expect(decodePng(new Uint8Array(Buffer.from(data[1]!.b64_json, 'base64')))).toMatchObject({ width: 256 });
  });

  it('retries an upstream 429 with Retry-After and answers 200', async () => {
    upstream.script('up-image-upstream', {
      error: { status: 429, retryAfter: '1', message: 'Rate limit reached' },
    });
    const before = upstream.requestsFor('up-image-upstream').length;
    const response = await post('/v1/images/generations', {
      model: 'up-image',
      prompt: 'retry',
      size: '256x256',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(upstream.requestsFor('up-image-upstream').length - before).toBe(2);
  });

  it('answers 503 provider_unavailable when the upstream keeps failing', async () => {
    upstream.script(
      'up-image-upstream',
      ...Array.from({ length: 3 }, () => ({ error: { status: 500, message: 'overloaded' } })),
    );
    const response = await post('/v1/images/generations', {
      model: 'up-image',
      prompt: 'fail',
      size: '256x256',
    });
    expectError(response, 503, 'provider_unavailable');
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('passes an upstream’s refusal on as 400 invalid_request', async () => {
    upstream.script('up-image-upstream', { error: { status: 400, message: 'Your prompt was rejected' } });
    const response = await post('/v1/images/generations', {
      model: 'up-image',
      prompt: 'no',
      size: '256x256',
    });
    expect(expectError(response, 400, 'invalid_request').message).toContain('Your prompt was rejected');
  });

  it.each<[string, Record<string, unknown>, number, string, string | null]>([
    ['an unknown model', { model: 'no-such-model' }, 404, 'model_not_found', null],
    ['a chat model', { model: 'local' }, 400, 'invalid_model', 'model'],
    ['a speech model', { model: 'local-tts' }, 400, 'invalid_model', 'model'],
    ['a size the model does not make', { size: '300x300' }, 400, 'unsupported_image_size', 'size'],
    [
      'a size the upstream model does not make',
      { model: 'up-image', size: '1024x1024' },
      400,
      'unsupported_image_size',
      'size',
    ],
    ['a size that is not WxH', { size: 'big' }, 400, 'validation_failed', 'size'],
    ['n = 0', { n: 0 }, 400, 'validation_failed', 'n'],
    ['n = 5', { n: 5 }, 400, 'validation_failed', 'n'],
    ['a fractional n', { n: 1.5 }, 400, 'validation_failed', 'n'],
    ['an empty prompt', { prompt: '' }, 400, 'validation_failed', 'prompt'],
    ['a blank prompt', { prompt: '   ' }, 400, 'validation_failed', 'prompt'],
    ['a missing prompt', { prompt: undefined }, 400, 'validation_failed', 'prompt'],
    ['response_format url', { response_format: 'url' }, 400, 'validation_failed', 'response_format'],
    ['an unknown parameter', { colour: 'red' }, 400, 'validation_failed', 'colour'],
  ])('refuses %s', async (_name, change, status, code, param) => {
    const body = { model: 'local-image', prompt: 'a fox', size: '256x256', ...change };
    const error = expectError(await post('/v1/images/generations', body), status, code, param);
    if (code === 'unsupported_image_size') expect(error.message).toMatch(/256x256, 512x512/);
  });
});

describe('GatewayService.generateImage (what POST /v1/invoke calls)', () => {
  const ctxOf = (principal: RequestContext['principal']): RequestContext => ({
    principal,
    tenantId: user.tenantId,
    ip: '127.0.0.1',
    userAgent: null,
    requestId: 'req_media_test',
  });

  it('lists the supported sizes in details.supported', async () => {
    const failure = await t.container.services.gateway
      .generateImage(
        ctxOf({ kind: 'user', userId: user.userId, sessionId: user.sessionId, isPlatformAdmin: false }),
        { model: 'local-image', prompt: 'x', width: 100, height: 100, n: 1 },
        new AbortController().signal,
      )
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'unsupported_image_size',
      status: 400,
      details: { param: 'size', requested: '100x100', supported: ['256x256', '512x512', '1024x1024'] },
    });
  });

  it('authorises with the permission it is given (tasks:write for invoke, chat:write by default)', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.auth,
      payload: { name: 'tasks only', scopes: ['tasks:write'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const key = created.json() as { id: string; secret: string };
    const ctx = ctxOf({
      kind: 'api_key',
      keyId: key.id,
      tenantId: user.tenantId,
      userId: user.userId,
      scopes: ['tasks:write'],
    });
    const gateway = t.container.services.gateway;
    const input = { model: 'local-image', prompt: 'x', width: 256, height: 256, n: 1 };
    const signal = new AbortController().signal;
    await expect(gateway.generateImage(ctx, input, signal)).rejects.toMatchObject({
      code: 'insufficient_scope',
    });
    const result = await gateway.generateImage(ctx, input, signal, 'tasks:write');
    expect(result).toMatchObject({
      model: 'local-image',
      provider: 'local',
      label: 'nexus-local-test-image',
    });
    expect(result.images[0]).toMatchObject({ mediaType: 'image/png', width: 256, height: 256 });
    // The OpenAI route needs chat:write, which this key lacks.
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/images/generations',
      headers: { authorization: `Bearer ${key.secret}` },
      payload: { prompt: 'x', size: '256x256' },
    });
    expectError(response, 403, 'insufficient_scope');
  });
});

describe('POST /v1/audio/speech', () => {
  it('speaks with an upstream, asking it for WAV', async () => {
    const response = await post('/v1/audio/speech', {
      model: 'up-tts',
      input: 'hello there',
      voice: 'alloy',
      speed: 1.5,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    const header = readWavHeader(new Uint8Array(response.rawPayload));
    expect(header).toMatchObject({ sampleRate: 24_000, channels: 1 });
    expect(Number(response.headers['x-nexus-audio-duration'])).toBeCloseTo(0.55, 3);
    expect(upstream.requestsFor('up-tts-upstream').at(-1)!.body).toEqual({
      model: 'up-tts-upstream',
      input: 'hello there',
      voice: 'alloy',
      speed: 1.5,
      response_format: 'wav',
    });
  });

  it('retries an upstream 429 with Retry-After and answers 200', async () => {
    upstream.script('up-tts-upstream', { error: { status: 429, retryAfter: '1' } });
    const before = upstream.requestsFor('up-tts-upstream').length;
    const response = await post('/v1/audio/speech', {
      model: 'up-tts',
      input: 'again',
      voice: { id: 'alloy' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(upstream.requestsFor('up-tts-upstream').length - before).toBe(2);
    expect(upstream.requestsFor('up-tts-upstream').at(-1)!.body?.voice).toBe('alloy');
  });

  it.skipIf(!espeakInstalled)('speaks with local-tts (espeak-ng): a well-formed WAV', async () => {
    const response = await post('/v1/audio/speech', {
      model: 'local-tts',
      input: 'hello world',
      voice: 'nova',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    const audio = new Uint8Array(response.rawPayload);
    const header = readWavHeader(audio);
    expect(header).toMatchObject({ encoding: 'pcm', sampleRate: 22_050, channels: 1, bitsPerSample: 16 });
    expect(new DataView(audio.buffer, audio.byteOffset).getUint32(4, true)).toBe(audio.length - 8);
    expect(Number(response.headers['x-nexus-audio-duration'])).toBeCloseTo(header.durationSeconds, 3);
  });

  it.each<[string, Record<string, unknown>, number, string, string | null]>([
    ['an unknown model', { model: 'no-such-model' }, 404, 'model_not_found', null],
    ['an image model', { model: 'local-image' }, 400, 'invalid_model', 'model'],
    ['a transcription model', { model: 'up-asr' }, 400, 'invalid_model', 'model'],
    ['empty text', { input: '' }, 400, 'validation_failed', 'input'],
    ['blank text', { input: ' \n ' }, 400, 'validation_failed', 'input'],
    [
      'text over SPEECH_MAX_TEXT_CHARS',
      { input: 'a'.repeat(MAX_TEXT + 1) },
      400,
      'validation_failed',
      'input',
    ],
    ['a missing input', { input: undefined }, 400, 'validation_failed', 'input'],
    ['speed 5', { speed: 5 }, 400, 'validation_failed', 'speed'],
    ['speed 0.1', { speed: 0.1 }, 400, 'validation_failed', 'speed'],
    ['mp3', { response_format: 'mp3' }, 400, 'validation_failed', 'response_format'],
    ['an unknown response_format', { response_format: 'ogg' }, 400, 'validation_failed', 'response_format'],
    ['SSE streaming', { stream_format: 'sse' }, 400, 'validation_failed', 'stream_format'],
    ['a voice that is an option', { voice: '--stdout' }, 400, 'validation_failed', 'voice'],
    ['a voice that is a path', { voice: '../../etc/passwd' }, 400, 'validation_failed', 'voice'],
    ['a voice over 64 characters', { voice: 'x'.repeat(65) }, 400, 'validation_failed', 'voice'],
    ['an unknown parameter', { instructions: 'cheerful' }, 400, 'validation_failed', 'instructions'],
  ])('refuses %s', async (_name, change, status, code, param) => {
    // Checked before any engine runs, so these hold with or without espeak-ng.
    const body = { model: 'local-tts', input: 'hello', ...change };
    expectError(await post('/v1/audio/speech', body), status, code, param);
  });
});

describe('POST /v1/audio/transcriptions', () => {
  it('transcribes with an upstream (file before model, as OpenAI’s SDKs send it), asking for verbose_json', async () => {
    const response = await transcribe([
      file(toneWav(0.5), 'clip.wav'),
      { name: 'model', value: 'up-asr' },
      { name: 'language', value: 'en' },
    ]);
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAISchema('CreateTranscriptionResponseJson', response.json());
    expect(response.json()).toEqual({
      text: 'Hello from the fake upstream.',
      usage: { type: 'duration', seconds: 1.5 },
    });
    expect(upstream.requestsFor('up-asr-upstream').at(-1)!.body).toEqual({
      file: { filename: 'clip.wav', contentType: 'audio/wav', bytes: 44 + 16_000 },
      model: 'up-asr-upstream',
      language: 'en',
      response_format: 'verbose_json',
    });
  });

  it('asks again for json when the upstream refuses verbose_json', async () => {
    const before = upstream.requestsFor('up-asr-json-upstream').length;
    const response = await transcribe([{ name: 'model', value: 'up-asr-json' }, file(toneWav(0.2))]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ text: 'json only' });
    const sent = upstream.requestsFor('up-asr-json-upstream').slice(before);
    expect(sent.map((r) => r.body?.response_format)).toEqual(['verbose_json', 'json']);
  });

  it('retries an upstream 429 with Retry-After and answers 200', async () => {
    upstream.script('up-asr-upstream', { error: { status: 429, retryAfter: '1' } });
    const before = upstream.requestsFor('up-asr-upstream').length;
    const response = await transcribe([{ name: 'model', value: 'up-asr' }, file(toneWav(0.2))]);
    expect(response.statusCode, response.body).toBe(200);
    expect(upstream.requestsFor('up-asr-upstream').length - before).toBe(2);
  });

  it('answers plain text with response_format text', async () => {
    const response = await transcribe([
      { name: 'model', value: 'up-asr' },
      { name: 'response_format', value: 'text' },
      file(toneWav(0.2)),
    ]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('Hello from the fake upstream.');
  });

  it('refuses a body that is not multipart with 415', async () => {
    const response = await post('/v1/audio/transcriptions', { model: 'up-asr', file: 'aGVsbG8=' });
    expectError(response, 415, 'unsupported_media_type');
  });

  it.each<[string, Part[], number, string, string | null]>([
    ['a missing file', [{ name: 'model', value: 'up-asr' }], 400, 'validation_failed', 'file'],
    ['a missing model', [file(toneWav(0.2))], 400, 'validation_failed', 'model'],
    [
      'an empty file',
      [{ name: 'model', value: 'up-asr' }, file(Buffer.alloc(0))],
      400,
      'validation_failed',
      'file',
    ],
    [
      'a file over SPEECH_MAX_AUDIO_BYTES',
      [{ name: 'model', value: 'up-asr' }, file(Buffer.alloc(MAX_AUDIO_BYTES + 1, 1))],
      413,
      'payload_too_large',
      'file',
    ],
    [
      'an unknown model',
      [{ name: 'model', value: 'no-such-model' }, file(toneWav(0.2))],
      404,
      'model_not_found',
      null,
    ],
    [
      'a speech model',
      [{ name: 'model', value: 'local-tts' }, file(toneWav(0.2))],
      400,
      'invalid_model',
      'model',
    ],
    ['a chat model', [{ name: 'model', value: 'local' }, file(toneWav(0.2))], 400, 'invalid_model', 'model'],
    [
      'an unknown field',
      [{ name: 'model', value: 'up-asr' }, { name: 'speakers', value: '2' }, file(toneWav(0.2))],
      400,
      'validation_failed',
      'speakers',
    ],
    [
      'srt output',
      [{ name: 'model', value: 'up-asr' }, { name: 'response_format', value: 'srt' }, file(toneWav(0.2))],
      400,
      'validation_failed',
      'response_format',
    ],
    [
      'a language that is not a language code',
      [{ name: 'model', value: 'up-asr' }, { name: 'language', value: 'en; rm -rf' }, file(toneWav(0.2))],
      400,
      'validation_failed',
      'language',
    ],
    [
      'two files',
      [{ name: 'model', value: 'up-asr' }, file(toneWav(0.2)), file(toneWav(0.2), 'b.wav')],
      413,
      'payload_too_large',
      null,
    ],
  ])('refuses %s', async (_name, parts, status, code, param) => {
    expectError(await transcribe(parts), status, code, param);
  });

  describe.skipIf(!asrInstalled)('with local-asr (pocketsphinx)', () => {
    it('hears "hello world" said by local-tts (espeak-ng en-us at 160 words a minute)', async () => {
      const speech = await post('/v1/audio/speech', {
        model: 'local-tts',
        input: 'hello world',
        voice: 'en-us',
        speed: 160 / 175,
      });
      expect(speech.statusCode, speech.body).toBe(200);
      const response = await transcribe([
        { name: 'model', value: 'local-asr' },
        { name: 'language', value: 'en' },
        file(speech.rawPayload),
      ]);
      expect(response.statusCode, response.body).toBe(200);
      expectOpenAISchema('CreateTranscriptionResponseJson', response.json());
      expect(response.json().text).toContain('hello');
      expect(response.json().usage.seconds).toBeCloseTo(Number(speech.headers['x-nexus-audio-duration']), 2);
    });

    it.each<[string, Part[], number, string, string | null]>([
      [
        'a text file',
        [
          { name: 'model', value: 'local-asr' },
          file(Buffer.from('these are not sounds'), 'notes.txt', 'text/plain'),
        ],
        415,
        'unsupported_audio_format',
        'file',
      ],
      [
        'a PNG named .wav',
        [{ name: 'model', value: 'local-asr' }, file(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'))],
        415,
        'unsupported_audio_format',
        'file',
      ],
      [
        'audio over SPEECH_MAX_SECONDS',
        [{ name: 'model', value: 'local-asr' }, file(toneWav(6))],
        400,
        'audio_too_long',
        'file',
      ],
      [
        'French',
        [{ name: 'model', value: 'local-asr' }, { name: 'language', value: 'fr' }, file(toneWav(0.2))],
        400,
        'validation_failed',
        'language',
      ],
    ])('refuses %s', async (_name, parts, status, code, param) => {
      if (code === 'unsupported_audio_format' && !soxInstalled) return;
      expectError(await transcribe(parts), status, code, param);
    });
  });
});

describe('without espeak-ng and pocketsphinx', () => {
  it('answers 501 capability_unavailable naming the packages, every time (the circuit stays closed)', async () => {
    for (let i = 0; i < 7; i++) {
      const error = expectError(
        await post('/v1/audio/speech', { model: 'local-tts', input: 'hello' }, missing),
        501,
        'capability_unavailable',
      );
      expect(error.message).toContain('apt-get install espeak-ng');
    }
    const error = expectError(
      await transcribe([{ name: 'model', value: 'local-asr' }, file(toneWav(0.2))], missing),
      501,
      'capability_unavailable',
    );
    expect(error.message).toContain('apt-get install pocketsphinx pocketsphinx-en-us');
  });

  it('still makes local-image test images (they need no engine)', async () => {
    const response = await post('/v1/images/generations', { prompt: 'still here', size: '256x256' }, missing);
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe('with the official openai client over HTTP', () => {
  let client: OpenAI;
  beforeAll(async () => {
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: user.access, maxRetries: 0 });
  });

  it('generates images', async () => {
    const result = await client.images.generate({ model: 'local-image', prompt: 'sdk', size: '256x256' });
    expect(result.data?.[0]?.b64_json).toBeTruthy();
  });

  it('synthesizes speech and transcribes audio', async () => {
    const speech = await client.audio.speech.create({
      model: 'up-tts',
      input: 'hello',
      voice: 'alloy',
      response_format: 'wav',
    });
    expect(speech.headers.get('content-type')).toBe('audio/wav');
    expect((await speech.arrayBuffer()).byteLength).toBeGreaterThan(44);
    const text = await client.audio.transcriptions.create({
      model: 'up-asr',
      file: await toFile(toneWav(0.2), 'clip.wav', { type: 'audio/wav' }),
    });
    expect(text.text).toBe('Hello from the fake upstream.');
  });

  it('gets OpenAI errors it understands', async () => {
    const failure = await client.images
      .generate({ model: 'local-image', prompt: 'x', size: '1792x1024' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unsupported_image_size');
  });
});

describe('metering', () => {
  it('records image and audio calls with their endpoint, provider and counts', async () => {
    const image = await meteredCalls('images', 1);
    expect(image[0]).toMatchObject({
      model: 'local-image',
      provider: 'local',
      status: 'success',
      output_tokens: 0,
    });
    expect(image[0]!.input_tokens).toBeGreaterThan(0);
    const speech = await meteredCalls('audio.speech', 1);
    // Text to speech counts characters: "hello there" is 11.
    expect(speech.find((row) => row.model === 'up-tts' && row.input_tokens === 11)).toMatchObject({
      provider: 'openai-compatible',
      status: 'success',
    });
    const transcriptions = await meteredCalls('audio.transcriptions', 1);
    // Transcription counts the audio's seconds (rounded up) in, the transcript's tokens out.
    expect(transcriptions.find((row) => row.model === 'up-asr' && row.input_tokens === 2)).toMatchObject({
      status: 'success',
    });
    expect(transcriptions.some((row) => row.output_tokens > 0)).toBe(true);
    const failed = await meteredCalls('images', 1);
    expect(failed.some((row) => row.status === 'error' && row.error_code === 'provider_unavailable')).toBe(
      true,
    );
  });
});

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConflictError, InternalError, RateLimitedError } from '../../src/errors.js';
import { openSse } from '../../src/http/sse.js';
import { IdempotencyKeyInUseError } from '../../src/modules/idempotency/idempotency.errors.js';
import { IdempotencyRepository } from '../../src/modules/idempotency/idempotency.repository.js';
import { IdempotencyService, requestFingerprint } from '../../src/modules/idempotency/idempotency.service.js';
import type { Database } from '../../src/platform/db/database.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { login, PASSWORD, registerUser, type Session, uniqueEmail } from '../support/identity.js';
import { upload } from '../support/multipart.js';

/**
 * `Idempotency-Key` through the real app on the embedded database: key validation, replays that run
 * nothing twice (conversations, API keys, uploads, the OpenAI-compatible route), mismatches, a request in
 * flight, stored 4xx, released 5xx/429, streamed answers, per-caller scoping, anonymous requests, expiry
 * (the service with a moved clock) and the OpenAPI document. Test-only routes count how often they run.
 */

const MAX_RESPONSE_BYTES = 2048;

const runs = { count: 0, gate: 0, conflict: 0, fail: 0, limited: 0, sse: 0, download: 0, big: 0 };
let failuresLeft = 0;
let openGate: () => void = () => undefined;
let gate = Promise.resolve();

function testRoutes(app: FastifyInstance): void {
  app.post('/test/idem/count', async (request, reply) => {
    runs.count++;
    return reply
      .status(201)
      .header('location', `/test/things/${runs.count}`)
      .send({ n: runs.count, body: request.body ?? null });
  });
  app.post('/test/idem/gate', async () => {
    runs.gate++;
    await gate;
    return { n: runs.gate };
  });
  app.post('/test/idem/conflict', async () => {
    runs.conflict++;
    throw new ConflictError(`conflict number ${runs.conflict}`);
  });
  app.post('/test/idem/fail', async (_request, reply) => {
    runs.fail++;
    if (failuresLeft-- > 0) throw new InternalError('the handler failed');
    return reply.status(201).send({ n: runs.fail });
  });
  app.post('/test/idem/limited', async () => {
    runs.limited++;
    if (runs.limited === 1) throw new RateLimitedError('slow down', { headers: { 'retry-after': '1' } });
    return { n: runs.limited };
  });
  app.post('/test/idem/sse', async (request, reply) => {
    runs.sse++;
    const sse = openSse(request, reply, { heartbeatMs: 0 });
    await sse.send({ event: 'tick', data: String(runs.sse) });
    sse.close();
    return reply;
  });
  app.post('/test/idem/download', async (_request, reply) => {
    runs.download++;
    return reply.type('text/plain').send(Readable.from([Buffer.from('streamed '), Buffer.from('content')]));
  });
  app.post('/test/idem/big', async () => {
    runs.big++;
    return { data: 'x'.repeat(MAX_RESPONSE_BYTES * 2) };
  });
}

let database: Database;
let t: TestApp;
let alice: Session;
let bob: Session;
let counter = 0;
const newKey = () => `test-key-${Date.now().toString(36)}-${counter++}`;

beforeAll(async () => {
  database = await openMemoryDatabase();
  t = await createTestApp({
    database,
    env: { IDEMPOTENCY_MAX_RESPONSE_BYTES: String(MAX_RESPONSE_BYTES) },
    register: testRoutes,
  });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await database?.close();
});

function post(url: string, who: Session | null, key: string | undefined, payload?: object) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...(who ? who.auth : {}), ...(key === undefined ? {} : { 'idempotency-key': key }) },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function conversationCount(who: Session): Promise<number> {
  const response = await t.app.inject({
    method: 'GET',
    url: '/v1/conversations?limit=200',
    headers: who.auth,
  });
  return response.json().data.length;
}

describe('Idempotency-Key validation', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['only spaces', '   '],
    ['a non-ASCII letter', 'café'],
    ['a tab', 'a\tb'],
  ])('refuses a key that is %s with 400 invalid_idempotency_key, and runs nothing', async (_label, key) => {
    const before = await conversationCount(alice);
    const response = await post('/v1/conversations', alice, key, { model: 'local', title: 'bad key' });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('invalid_idempotency_key');
    expect(await conversationCount(alice)).toBe(before);
  });

  it('checks the key of unauthenticated requests too', async () => {
    const response = await post('/v1/auth/login', null, '', { email: 'x@example.com', password: PASSWORD });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_idempotency_key');
  });

  it.each([
    ['malformed JSON', '{"title": ', 400, 'invalid_json'],
    [
      'a body over BODY_LIMIT_BYTES',
      JSON.stringify({ title: 'x'.repeat(1_100_000) }),
      413,
      'payload_too_large',
    ],
    ['a schema violation', JSON.stringify({ model: 'local', title: 7 }), 400, 'validation_failed'],
  ])(
    'a request refused before its handler (%s) does not claim the key',
    async (_label, body, status, code) => {
      const key = newKey();
      const refused = await t.app.inject({
        method: 'POST',
        url: '/v1/conversations',
        headers: { ...alice.auth, 'idempotency-key': key, 'content-type': 'application/json' },
        payload: body,
      });
      expect(refused.statusCode).toBe(status);
      expect(refused.json().error.code).toBe(code);
      const fixed = await post('/v1/conversations', alice, key, { model: 'local', title: 'fixed' });
      expect(fixed.statusCode, fixed.body).toBe(201);
      expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    },
  );

  it('accepts a 255-character key', async () => {
    const key = `${newKey()}-`.padEnd(255, 'k');
    const first = await post('/v1/conversations', alice, key, { model: 'local', title: 'long key' });
    const again = await post('/v1/conversations', alice, key, { model: 'local', title: 'long key' });
    expect(first.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
  });
});

describe('replays', () => {
  it('a repeat answers the stored response and creates no second conversation', async () => {
    const who = await registerUser(t.app);
    const key = newKey();
    const first = await post('/v1/conversations', who, key, { model: 'local', title: 'once' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/v1/conversations', who, key, { model: 'local', title: 'once' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toBe(first.body);
    expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await conversationCount(who)).toBe(1);
  });

  it('a repeat of an API key creation returns the same key and secret, and creates one key', async () => {
    const who = await registerUser(t.app);
    const key = newKey();
    const payload = { name: 'ci', scopes: ['chat:read', 'chat:write'] };
    const first = await post('/v1/api-keys', who, key, payload);
    const again = await post('/v1/api-keys', who, key, payload);
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const keys = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: who.auth });
    expect(keys.json().data.map((k: { id: string }) => k.id)).toEqual([first.json().id]);
  });

  it('keeps the status, location and body of the first answer', async () => {
    const key = newKey();
    const before = runs.count;
    const first = await post('/test/idem/count', alice, key, { item: 1 });
    const again = await post('/test/idem/count', alice, key, { item: 1 });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.json()).toEqual({ n: before + 1, body: { item: 1 } });
    expect(runs.count).toBe(before + 1);
  });

  it('a request without a key runs every time', async () => {
    const before = runs.count;
    await post('/test/idem/count', alice, undefined, {});
    await post('/test/idem/count', alice, undefined, {});
    expect(runs.count).toBe(before + 2);
  });

  it('an upload repeated with its key stores one file', async () => {
    const who = await registerUser(t.app);
    const key = newKey();
    const send = (content: string) => {
      const { payload, headers } = upload('document', 'notes.txt', content);
      return t.app.inject({
        method: 'POST',
        url: '/v1/files',
        payload,
        headers: { ...headers, ...who.auth, 'idempotency-key': key },
      });
    };
    const first = await send('first version');
    const again = await send('first version');
    expect(first.statusCode, first.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    // A multipart body is not part of the fingerprint (it is streamed, never held): the same key with
    // other content is a repeat of the first upload.
    const other = await send('second version');
    expect(other.headers['idempotent-replayed']).toBe('true');
    expect(other.json().id).toBe(first.json().id);
    const listed = await t.app.inject({ method: 'GET', url: '/v1/files', headers: who.auth });
    expect(listed.json().data).toHaveLength(1);
  });

  it('works on the OpenAI-compatible route, with its error shape', async () => {
    const key = newKey();
    const payload = { model: 'local', messages: [{ role: 'user', content: 'hello there' }] };
    const first = await post('/v1/chat/completions', alice, key, payload);
    const again = await post('/v1/chat/completions', alice, key, payload);
    expect(first.statusCode, first.body).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    const mismatch = await post('/v1/chat/completions', alice, key, { ...payload, max_tokens: 5 });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().error).toMatchObject({
      code: 'idempotency_key_mismatch',
      type: expect.any(String),
    });
  });
});

describe('mismatch and scope', () => {
  it('the same key with another body, path or query answers 422 idempotency_key_mismatch', async () => {
    const key = newKey();
    const first = await post('/test/idem/count', alice, key, { item: 'a' });
    expect(first.statusCode).toBe(201);
    const before = runs.count;
    for (const [url, payload] of [
      ['/test/idem/count', { item: 'b' }],
      ['/test/idem/count', { item: 'a', extra: true }],
      ['/test/idem/count?x=1', { item: 'a' }],
      ['/test/idem/gate', { item: 'a' }],
    ] as const) {
      const response = await post(url, alice, key, payload);
      expect(response.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(422);
      expect(response.json().error).toMatchObject({
        code: 'idempotency_key_mismatch',
        details: { method: 'POST', path: '/test/idem/count' },
      });
    }
    expect(runs.count).toBe(before);
  });

  it('the same JSON with other whitespace is another body', async () => {
    const key = newKey();
    const send = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url: '/test/idem/count',
        headers: { ...alice.auth, 'idempotency-key': key, 'content-type': 'application/json' },
        payload,
      });
    expect((await send('{"a":1}')).statusCode).toBe(201);
    expect((await send('{"a":1}')).headers['idempotent-replayed']).toBe('true');
    expect((await send('{ "a": 1 }')).statusCode).toBe(422);
  });

  it('keys belong to the caller: other users, and the same user with an API key, run their own', async () => {
    const key = newKey();
    const a = await post('/v1/conversations', alice, key, { model: 'local', title: 'shared key' });
    const b = await post('/v1/conversations', bob, key, { model: 'local', title: 'shared key' });
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().id).not.toBe(a.json().id);

    const created = await post('/v1/api-keys', alice, undefined, { name: 'k', scopes: ['chat:write'] });
    const viaKey = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: { authorization: `Bearer ${created.json().secret}`, 'idempotency-key': key },
      payload: { model: 'local', title: 'shared key' },
    });
    expect(viaKey.statusCode, viaKey.body).toBe(201);
    expect(viaKey.headers['idempotent-replayed']).toBeUndefined();
    expect(viaKey.json().id).not.toBe(a.json().id);
    const viaKeyAgain = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: { 'x-api-key': created.json().secret, 'idempotency-key': key },
      payload: { model: 'local', title: 'shared key' },
    });
    expect(viaKeyAgain.headers['idempotent-replayed']).toBe('true');
    expect(viaKeyAgain.json().id).toBe(viaKey.json().id);
  });

  it('unauthenticated requests are not replayed (login answers fresh credentials each time)', async () => {
    const email = uniqueEmail('anon');
    await registerUser(t.app, email);
    const key = newKey();
    const first = await login(t.app, email, PASSWORD, { 'idempotency-key': key });
    const again = await login(t.app, email, PASSWORD, { 'idempotency-key': key });
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.json().session_id).not.toBe(first.json().session_id);
  });
});

describe('in flight, failures and streams', () => {
  it('a repeat while the first runs answers 409 idempotency_key_in_use with Retry-After: 1', async () => {
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const key = newKey();
    const before = runs.gate;
    const first = post('/test/idem/gate', alice, key, { job: 1 });
    await vi.waitFor(() => expect(runs.gate).toBe(before + 1));
    const during = await post('/test/idem/gate', alice, key, { job: 1 });
    expect(during.statusCode).toBe(409);
    expect(during.headers['retry-after']).toBe('1');
    expect(during.json().error.code).toBe('idempotency_key_in_use');
    // A different body is a mismatch even while the first runs.
    expect((await post('/test/idem/gate', alice, key, { job: 2 })).statusCode).toBe(422);
    openGate();
    const done = await first;
    expect(done.statusCode).toBe(200);
    const after = await post('/test/idem/gate', alice, key, { job: 1 });
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual(done.json());
    expect(runs.gate).toBe(before + 1);
  });

  it('stores a 4xx answer: the repeat gets the same error without running', async () => {
    const key = newKey();
    const before = runs.conflict;
    const first = await post('/test/idem/conflict', alice, key);
    const again = await post('/test/idem/conflict', alice, key);
    expect(first.statusCode).toBe(409);
    expect(again.statusCode).toBe(409);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(runs.conflict).toBe(before + 1);
  });

  it.each([
    ['a 5xx', '/test/idem/fail', 500, 201],
    ['a 429', '/test/idem/limited', 429, 200],
  ])('releases the key after %s: the retry runs, and its answer is kept', async (_label, url, failed, ok) => {
    if (url === '/test/idem/fail') failuresLeft = 1;
    const counter = url === '/test/idem/fail' ? 'fail' : 'limited';
    const key = newKey();
    const before = runs[counter];
    const first = await post(url, alice, key);
    expect(first.statusCode).toBe(failed);
    const retry = await post(url, alice, key);
    expect(retry.statusCode).toBe(ok);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(url, alice, key);
    expect(again.statusCode).toBe(ok);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(runs[counter]).toBe(before + 2);
  });

  it.each([
    ['server-sent events (a hijacked reply)', '/test/idem/sse', 'sse', 'text/event-stream'],
    ['a streamed download', '/test/idem/download', 'download', 'text/plain'],
    ['a body over IDEMPOTENCY_MAX_RESPONSE_BYTES', '/test/idem/big', 'big', 'application/json'],
  ] as const)(
    'does not replay %s: the repeat answers 409 idempotency_stream_not_replayable',
    async (_label, url, counter, type) => {
      const key = newKey();
      const before = runs[counter];
      const first = await post(url, alice, key);
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toContain(type);
      // A hijacked reply is settled as its response ends, just after the client has it.
      await vi.waitFor(async () => {
        const again = await post(url, alice, key);
        expect(again.statusCode).toBe(409);
        expect(again.json().error).toMatchObject({
          code: 'idempotency_stream_not_replayable',
          details: { status: 200 },
        });
      });
      expect(runs[counter]).toBe(before + 1);
    },
  );
});

describe('expiry', () => {
  it('purges expired keys; a repeat after that runs again', async () => {
    const who = await registerUser(t.app);
    const key = newKey();
    const first = await post('/v1/conversations', who, key, { model: 'local', title: 'expiring' });
    expect((await post('/v1/conversations', who, key, { model: 'local', title: 'expiring' })).json().id).toBe(
      first.json().id,
    );
    const purged = await t.container.services.idempotency.purgeExpired(
      new Date(Date.now() + 86_400_000 + 1000),
    );
    expect(purged).toBeGreaterThanOrEqual(1);
    const later = await post('/v1/conversations', who, key, { model: 'local', title: 'expiring' });
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.json().id).not.toBe(first.json().id);
    expect(await conversationCount(who)).toBe(2);
  });

  describe('the service on a moved clock', () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const service = () =>
      new IdempotencyService({
        db: database.db,
        keys: new IdempotencyRepository(),
        logger: { info: () => undefined, warn: () => undefined },
        settings: { ttlMs: 60_000, lockMs: 10_000, maxResponseBytes: 1024, purgeIntervalMs: 0 },
        now: () => now,
      });
    const scope = { tenantId: 'ten_clock', caller: 'usr_clock' };
    const request = (body: string) => ({
      method: 'POST',
      path: '/v1/things',
      fingerprint: requestFingerprint('POST', '/v1/things', { kind: 'json', sha256: body }),
    });
    const ok = {
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"ok":1}'),
    };
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };

    it('replays until the TTL, then the key is new (any body)', async () => {
      const s = service();
      const begun = await s.begin(scope, 'ttl', request('a'));
      if (begun.kind !== 'claimed') throw new Error('expected a claim');
      expect(await s.settle(begun.claim, ok)).toBe('stored');
      advance(59_000);
      const replay = await s.begin(scope, 'ttl', request('a'));
      expect(replay).toMatchObject({ kind: 'replay', response: { status: 201 } });
      if (replay.kind === 'replay') expect(replay.response.body.toString()).toBe('{"ok":1}');
      advance(2_000);
      expect((await s.begin(scope, 'ttl', request('other body'))).kind).toBe('claimed');
    });

    it('a claim whose lease runs out (its process died) is taken over; the stalled one cannot store', async () => {
      const s = service();
      const first = await s.begin(scope, 'lease', request('a'));
      if (first.kind !== 'claimed') throw new Error('expected a claim');
      advance(9_000);
      await expect(s.begin(scope, 'lease', request('a'))).rejects.toBeInstanceOf(IdempotencyKeyInUseError);
      advance(2_000);
      const second = await s.begin(scope, 'lease', request('a'));
      expect(second.kind).toBe('claimed');
      expect(await s.settle(first.claim, ok)).toBe('lost');
      if (second.kind !== 'claimed') throw new Error('expected a claim');
      expect(await s.settle(second.claim, ok)).toBe('stored');
    });

    it('a renewed lease keeps the key claimed past its first expiry', async () => {
      const s = service();
      const first = await s.begin(scope, 'renewed', request('a'));
      if (first.kind !== 'claimed') throw new Error('expected a claim');
      advance(8_000);
      expect(await s.extend(first.claim)).toBe(true);
      advance(8_000);
      await expect(s.begin(scope, 'renewed', request('a'))).rejects.toBeInstanceOf(IdempotencyKeyInUseError);
      expect(await s.settle(first.claim, { ...ok, status: 503 })).toBe('released');
      expect((await s.begin(scope, 'renewed', request('a'))).kind).toBe('claimed');
    });

    it('purges only keys past their expiry', async () => {
      const s = service();
      const begun = await s.begin(scope, 'purge-me', request('a'));
      if (begun.kind !== 'claimed') throw new Error('expected a claim');
      await s.settle(begun.claim, ok);
      await s.purgeExpired(new Date(now.getTime() + 30_000));
      // Still there: another body is a mismatch (not a fresh key).
      await expect(s.begin(scope, 'purge-me', request('b'))).rejects.toMatchObject({
        code: 'idempotency_key_mismatch',
      });
      expect(await s.purgeExpired(new Date(now.getTime() + 61_000))).toBeGreaterThanOrEqual(1);
      // Gone: the row is absent, so even the clock-independent insert claims it.
      expect((await s.begin(scope, 'purge-me', request('b'))).kind).toBe('claimed');
    });
  });
});

describe('OpenAPI', () => {
  it('documents Idempotency-Key on every POST operation, and on nothing else', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
    expect(doc.components.headers.IdempotentReplayed).toBeDefined();
    const ref = { $ref: '#/components/parameters/IdempotencyKey' };
    const operations = Object.entries(
      doc.paths as Record<string, Record<string, { parameters?: unknown[] }>>,
    );
    const posts = operations.filter(([, item]) => item.post);
    expect(posts.length).toBeGreaterThan(10);
    for (const [path, item] of posts) expect(item.post?.parameters, path).toContainEqual(ref);
    for (const [path, item] of operations)
      for (const [method, operation] of Object.entries(item))
        if (method !== 'post')
          expect(operation.parameters ?? [], `${method} ${path}`).not.toContainEqual(ref);
    expect(doc.paths['/v1/conversations'].post.responses['201'].headers['Idempotent-Replayed']).toEqual({
      $ref: '#/components/headers/IdempotentReplayed',
    });
  });
});

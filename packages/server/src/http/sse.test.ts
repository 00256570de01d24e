import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError } from './error-handler.js';
import { encodeEvent, lastEventIdOf, openSse, type SseStream } from './sse.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** What a route handler did, for the test to inspect. */
interface RouteState {
  sse?: SseStream;
  reply?: FastifyReply;
  sent: number;
  waiting: boolean;
  finished: boolean;
}

let app: FastifyInstance;
let origin: string;
let handlers: Record<
  string,
  (request: FastifyRequest, reply: FastifyReply, state: RouteState) => Promise<void>
>;
const states: Record<string, RouteState> = {};

beforeAll(async () => {
  app = Fastify();
  app.setErrorHandler(handleError);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.get('/last-event-id', async (request) => ({ id: lastEventIdOf(request) }));
  app.get('/sse/:name', async (request, reply) => {
    const name = (request.params as { name: string }).name;
    const state: RouteState = { sent: 0, waiting: false, finished: false, reply };
    states[name] = state;
    await handlers[name]!(request, reply, state);
    return reply;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
});

function open(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(`${origin}${path}`, resolve);
    req.on('error', reject);
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

describe('openSse', () => {
  it('writes the event-stream headers, keeps headers already set, and frames events', async () => {
    handlers = {
      framing: async (request, reply) => {
        reply.header('x-extra', 'kept');
        const sse = openSse(request, reply, { heartbeatMs: 0, headers: { 'x-nexus-stream': 'msg_1' } });
        await sse.send({ id: '1', event: 'delta', data: 'one line' });
        await sse.send({ data: 'first\nsecond\r\nthird\rfourth' });
        await sse.send({ id: '2', data: '' });
        await sse.comment('note\nmore');
        sse.close();
        sse.close();
        await sse.send({ data: 'after close' });
      },
    };
    const res = await open('/sse/framing');
    const body = await readAll(res);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['x-request-id']).toMatch(/^req-/);
    expect(res.headers['x-extra']).toBe('kept');
    expect(res.headers['x-nexus-stream']).toBe('msg_1');
    expect(body).toBe(
      [
        ': open\n\n',
        'id: 1\nevent: delta\ndata: one line\n\n',
        'data: first\ndata: second\ndata: third\ndata: fourth\n\n',
        'id: 2\ndata: \n\n',
        ': note\n: more\n\n',
      ].join(''),
    );
    expect(states.framing!.reply!.raw.writableEnded).toBe(true);
  });

  it('sends the retry field first when asked', async () => {
    handlers = {
      retry: async (request, reply) => {
        const sse = openSse(request, reply, { heartbeatMs: 0, retryMs: 2500 });
        await sse.send({ data: 'x' });
        sse.close();
      },
    };
    expect(await readAll(await open('/sse/retry'))).toBe('retry: 2500\n\ndata: x\n\n');
  });

  it('sends heartbeat comments while idle', async () => {
    handlers = {
      heartbeat: async (request, reply, state) => {
        state.sse = openSse(request, reply, { heartbeatMs: 10 });
      },
    };
    const res = await open('/sse/heartbeat');
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    await waitFor(() => text.split(': ping\n\n').length > 3);
    states.heartbeat!.sse!.close();
    await new Promise((resolve) => res.on('end', resolve));
    expect(text.startsWith(': open\n\n: ping\n\n')).toBe(true);
  });

  it('aborts its signal when the client goes away, and later sends are dropped', async () => {
    handlers = {
      gone: async (request, reply, state) => {
        state.sse = openSse(request, reply, { heartbeatMs: 0 });
        await state.sse.send({ data: 'hello' });
      },
    };
    const res = await open('/sse/gone');
    await new Promise((resolve) => res.once('data', resolve));
    const sse = states.gone!.sse!;
    expect(sse.signal.aborted).toBe(false);
    res.destroy();
    await waitFor(() => sse.signal.aborted);
    expect(sse.closed).toBe(true);
    expect((sse.signal.reason as Error).name).toBe('AbortError');
    await expect(sse.send({ data: 'nobody listens' })).resolves.toBeUndefined();
  });

  it('uses the caller’s controller, so a producer can hold the signal before the stream opens', async () => {
    const controller = new AbortController();
    handlers = {
      controller: async (request, reply, state) => {
        state.sse = openSse(request, reply, { heartbeatMs: 0, controller });
        state.sse.close();
      },
    };
    await readAll(await open('/sse/controller'));
    expect(states.controller!.sse!.signal).toBe(controller.signal);
    expect(controller.signal.aborted).toBe(true);
  });

  it('makes send wait for a slow reader instead of buffering without bound', async () => {
    const eventData = 'x'.repeat(64 * 1024);
    const total = 600; // ~38 MB: far more than socket buffers hold
    handlers = {
      slow: async (request, reply, state) => {
        const sse = openSse(request, reply, { heartbeatMs: 0 });
        state.sse = sse;
        for (let i = 0; i < total; i++) {
          state.waiting = true;
          await sse.send({ id: String(i + 1), data: eventData });
          state.waiting = false;
          state.sent++;
        }
        sse.close();
        state.finished = true;
      },
    };
    const res = await open('/sse/slow');
    res.pause();
    const state = await (async () => {
      await waitFor(() => states.slow !== undefined);
      return states.slow!;
    })();
    const raw = state.reply!.raw;
    // The producer stalls inside send() with the socket buffer full...
    await waitFor(() => state.waiting && raw.writableNeedDrain);
    const stalledAt = state.sent;
    await sleep(100);
    expect(state.sent).toBe(stalledAt);
    expect(state.sent).toBeLessThan(total);
    // ...holding no more than the stream's buffer plus the one event being written.
    expect(raw.writableLength).toBeLessThanOrEqual(raw.writableHighWaterMark + eventData.length + 64);
    // Once the reader catches up, everything arrives, in order.
    res.resume();
    const body = await readAll(res);
    expect(state.finished).toBe(true);
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });
});

describe('encodeEvent', () => {
  it.each([
    ['id with a line feed', { id: '1\n2', data: 'x' }],
    ['id with a carriage return', { id: '1\r', data: 'x' }],
    ['id with NUL', { id: '1\0', data: 'x' }],
    ['event with a line feed', { event: 'a\nb', data: 'x' }],
    ['empty event', { event: '', data: 'x' }],
  ])('refuses a field that would break framing: %s', (_label, event) => {
    expect(() => encodeEvent(event)).toThrow(TypeError);
  });
});

describe('lastEventIdOf', () => {
  it.each([
    ['nothing', '/last-event-id', {}, null],
    ['the header', '/last-event-id', { 'last-event-id': '42' }, '42'],
    ['a Redis stream id', '/last-event-id', { 'last-event-id': '1732540000000-3' }, '1732540000000-3'],
    ['the query parameter', '/last-event-id?last_event_id=7', {}, '7'],
    [
      'the header over a stale query parameter',
      '/last-event-id?last_event_id=7',
      { 'last-event-id': '9' },
      '9',
    ],
    ['an empty header (start over)', '/last-event-id', { 'last-event-id': '' }, null],
    ['an empty query parameter', '/last-event-id?last_event_id=', {}, null],
    ['128 characters', '/last-event-id', { 'last-event-id': 'a'.repeat(128) }, 'a'.repeat(128)],
  ])('reads %s', async (_label, url, headers, expected) => {
    const res = await app.inject({ method: 'GET', url, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: expected });
  });

  it.each([
    ['a header over 128 characters', '/last-event-id', { 'last-event-id': 'a'.repeat(129) }, 'header'],
    ['a header with a space', '/last-event-id', { 'last-event-id': '1 2' }, 'header'],
    ['a header with non-ASCII', '/last-event-id', { 'last-event-id': 'caf\u00e9' }, 'header'],
    ['a query parameter with a control character', '/last-event-id?last_event_id=1%01', {}, 'query'],
    ['a query parameter with a line break', '/last-event-id?last_event_id=1%0A2', {}, 'query'],
    ['a query parameter over 128 characters', `/last-event-id?last_event_id=${'9'.repeat(129)}`, {}, 'query'],
    ['a repeated query parameter', '/last-event-id?last_event_id=1&last_event_id=2', {}, 'query'],
  ])('refuses %s with 400 invalid_last_event_id', async (_label, url, headers, location) => {
    const res = await app.inject({ method: 'GET', url, headers });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: { code: string; details: { location: string } } };
    expect(body.error.code).toBe('invalid_last_event_id');
    expect(body.error.details.location).toBe(location);
  });
});

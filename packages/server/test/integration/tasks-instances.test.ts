import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';
import { openEventStream, readUntil } from '../support/sse-client.js';

/**
 * Tasks on PostgreSQL with two instances: a queue of async tasks is run by both workers, each task exactly
 * once; a cancel sent to one instance stops a task running on the other (and its upstream call); a task
 * whose instance died is reclaimed and run again by a live one; an idempotent invoke repeated on the
 * other instance does no work twice.
 */

const COUNTED = 'counted-model';
const SLOW = 'slow-model';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let upstream: FakeOpenAI;
let a: TestApp;
let b: TestApp;
let urlA: string;
let alice: Session;
const prefix = `${uniqueName('tasks')}:`;

beforeAll(async () => {
  database = await createTestDatabase('tasks');
  upstream = await FakeOpenAI.start();
  upstream.on(COUNTED, { text: 'done', latencyMs: 20 });
  upstream.on(SLOW, { text: Array.from({ length: 400 }, (_, i) => `w${i}`).join(' '), tokensPerSecond: 20 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    TASKS_POLL_MS: '50',
    TASKS_HEARTBEAT_MS: '50',
    TASKS_LEASE_MS: '1000',
    TASKS_CONCURRENCY: '3',
  };
  a = await createTestApp({ env });
  b = await createTestApp({ env });
  urlA = await a.app.listen({ port: 0, host: '127.0.0.1' });
  alice = await registerUser(a.app);
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await upstream?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
});

function invoke(t: TestApp, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/invoke', headers: { ...alice.auth, ...headers }, payload });
}

async function taskOf(t: TestApp, id: string) {
  return (await t.app.inject({ method: 'GET', url: `/v1/tasks/${id}`, headers: alice.auth })).json();
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('tasks on two instances', () => {
  it('runs a shared queue of 60 async tasks, each exactly once', async () => {
    const before = upstream.requestsFor(COUNTED).length;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const response = await invoke(i % 2 ? b : a, {
        task_type: 'text_generation',
        input: { prompt: `task ${i}` },
        config: { model: COUNTED },
        async: true,
      });
      expect(response.statusCode, response.body).toBe(202);
      ids.push(response.json().id);
    }
    await until(async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from tasks where id in (${sql.join(ids)}) and status = 'succeeded'`.execute(
        a.container.database.db,
      );
      return rows[0]!.n === 60 ? true : undefined;
    }, 'all tasks to succeed');
    const { rows } = await sql<{ attempts: number }>`
      select attempts from tasks where id in (${sql.join(ids)})`.execute(a.container.database.db);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(upstream.requestsFor(COUNTED).length - before).toBe(60);
  });

  it('cancels, through instance B, a task streaming on instance A, and stops its upstream call', async () => {
    const stream = await openEventStream(`${urlA}/v1/invoke`, {
      method: 'POST',
      headers: alice.auth,
      body: { task_type: 'text_generation', input: { prompt: 'go' }, config: { model: SLOW }, stream: true },
    });
    const [created] = await readUntil(stream.events, (e) => e.event === 'task.delta');
    const id = (created!.json.task as { id: string }).id;
    const cancel = await b.app.inject({ method: 'POST', url: `/v1/tasks/${id}/cancel`, headers: alice.auth });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const rest = await readUntil(
      stream.events,
      (e) => e.event === 'task.failed' || e.event === 'task.completed',
    );
    expect(rest.at(-1)!.event).toBe('task.failed');
    expect((rest.at(-1)!.json.error as { code: string }).code).toBe('cancelled');
    expect((await taskOf(b, id)).status).toBe('cancelled');
    await until(
      async () => (upstream.requestsFor(SLOW).at(-1)?.aborted ? true : undefined),
      'the upstream abort',
    );
  });

  it('reclaims a task whose instance died and runs it again', async () => {
    const queued = (
      await invoke(a, {
        task_type: 'text_generation',
        input: { prompt: 'orphan' },
        config: { model: COUNTED },
        async: true,
      })
    ).json();
    await until(
      async () => ((await taskOf(a, queued.id)).status === 'succeeded' ? true : undefined),
      'first run',
    );
    // Pretend an instance took it and died: running, leased to a worker that no longer renews.
    await sql`
      update tasks set status = 'running', output = null, completed_at = null, locked_by = 'worker_dead',
        locked_until = now() - interval '1 second'
      where id = ${queued.id}`.execute(a.container.database.db);
    const done = await until(async () => {
      const task = await taskOf(b, queued.id);
      return task.status === 'succeeded' && task.output ? task : undefined;
    }, 'the reclaimed task to run again');
    expect(done.output.text).toBe('done');
    const { rows } = await sql<{
      attempts: number;
    }>`select attempts from tasks where id = ${queued.id}`.execute(a.container.database.db);
    expect(rows[0]!.attempts).toBe(2);
  });

  it('replays an idempotent invoke sent again to the other instance without running it twice', async () => {
    const before = upstream.requestsFor(COUNTED).length;
    const body = { task_type: 'text_generation', input: { prompt: 'once' }, config: { model: COUNTED } };
    const first = await invoke(a, body, { 'idempotency-key': 'tasks-once-1' });
    expect(first.statusCode, first.body).toBe(200);
    const second = await invoke(b, body, { 'idempotency-key': 'tasks-once-1' });
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(upstream.requestsFor(COUNTED).length - before).toBe(1);
    const changed = await invoke(
      b,
      { ...body, input: { prompt: 'twice' } },
      { 'idempotency-key': 'tasks-once-1' },
    );
    expect(changed.statusCode).toBe(422);
    expect(changed.json().error.code).toBe('idempotency_key_mismatch');
  });
});

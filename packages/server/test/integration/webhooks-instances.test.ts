import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/modules/webhooks/webhook-signature.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Webhook deliveries on PostgreSQL with two instances sharing the queue: every delivery is claimed by
 * one worker at a time (`FOR UPDATE SKIP LOCKED` and a lease), so each arrives exactly once — none lost,
 * none doubled — and a retried one is retried by whichever instance is free, with one attempt log.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let a: TestApp;
let b: TestApp;
let alice: Session;
let receiver: FakeWebhookReceiver;
const prefix = `${uniqueName('webhooks')}:`;

beforeAll(async () => {
  database = await createTestDatabase('webhooks');
  receiver = await FakeWebhookReceiver.start();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'debug',
    WEBHOOK_URL_ALLOWLIST: '127.0.0.1',
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_CONCURRENCY: '4',
  };
  a = await createTestApp({ env });
  b = await createTestApp({ env });
  alice = await registerUser(a.app);
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await receiver?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
});

async function countByStatus(): Promise<Record<string, number>> {
  const { rows } = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from webhook_deliveries group by status`.execute(
    a.container.database.db,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function waitUntilNonePending(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await countByStatus()).pending) {
    if (Date.now() > deadline)
      throw new Error(`deliveries still pending: ${JSON.stringify(await countByStatus())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const delivered = (t: TestApp) => t.logs.lines.filter((l) => l.msg === 'webhook delivered').length;

describe('webhook deliveries across two instances', () => {
  it('delivers 50 deliveries exactly once each, shared by both instances', async () => {
    receiver.script('/shared', [{ status: 200, body: 'ok', delayMs: 25 }]);
    const ids: string[] = [];
    // Half are queued on each instance (each wakes its own worker; the other polls).
    for (let i = 0; i < 50; i++) {
      const t = i % 2 === 0 ? a : b;
      ids.push(
        await t.container.services.webhooks.enqueue(t.container.database.db, alice.tenantId, {
          subjectType: 'task',
          subjectId: `task_shared_${i}`,
          url: `${receiver.url}/shared`,
          event: 'task.succeeded',
          payload: { i },
        }),
      );
    }
    await waitUntilNonePending();
    expect(await countByStatus()).toEqual({ delivered: 50 });

    const requests = receiver.received('/shared');
    const received = requests.map((r) => r.headers['nexus-webhook-id'] as string);
    expect(received).toHaveLength(50);
    expect(new Set(received).size).toBe(50);
    expect([...received].sort()).toEqual([...ids].sort());

    const { secret } = (
      await a.app.inject({ method: 'GET', url: '/v1/webhooks/secret', headers: alice.auth })
    ).json();
    for (const request of requests)
      expect(
        verifyWebhookSignature(secret, request.headers['nexus-signature'] as string, request.body).ok,
      ).toBe(true);

    // Each instance sent some, and together they sent each delivery once.
    expect(delivered(a)).toBeGreaterThan(0);
    expect(delivered(b)).toBeGreaterThan(0);
    expect(delivered(a) + delivered(b)).toBe(50);
  });

  it('retries across instances with one attempt log per delivery', async () => {
    const subjects: string[] = [];
    for (let i = 0; i < 10; i++) {
      const path = `/retry/${i}`;
      receiver.script(path, [{ status: 503, headers: { 'retry-after': '0' } }, { status: 200 }]);
      subjects.push(`task_retry_${i}`);
      await a.container.services.webhooks.enqueue(a.container.database.db, alice.tenantId, {
        subjectType: 'task',
        subjectId: subjects[i]!,
        url: `${receiver.url}${path}`,
        event: 'task.failed',
        payload: { i },
      });
    }
    await waitUntilNonePending();
    for (let i = 0; i < 10; i++) {
      const delivery = await b.container.services.webhooks.deliveries(alice.tenantId, 'task', subjects[i]!);
      expect(delivery?.status).toBe('delivered');
      expect(delivery?.attempts.map((x) => [x.attempt, x.status_code])).toEqual([
        [1, 503],
        [2, 200],
      ]);
      const requests = receiver.received(`/retry/${i}`);
      expect(requests).toHaveLength(2);
      expect(new Set(requests.map((r) => r.headers['nexus-webhook-id'])).size).toBe(1);
    }
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/modules/webhooks/webhook-signature.js';
import { WebhooksRepository } from '../../src/modules/webhooks/webhooks.repository.js';
import type { WebhookDeliveryView } from '../../src/modules/webhooks/webhooks.service.js';
import type { Database } from '../../src/platform/db/database.js';
import { VERSION } from '../../src/version.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session, uniqueEmail } from '../support/identity.js';

/**
 * Webhook deliveries on the embedded database against a real local receiver: signed requests, retries
 * with (millisecond) back-off and Retry-After, the attempt log, the retry window, the signing secret routes
 * and rotation, and deliveries that survive a restart or a crashed instance's lease.
 */

const ENV = {
  WEBHOOK_URL_ALLOWLIST: '127.0.0.1',
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_RETRY_WINDOW_S: '3',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '2000',
};

let database: Database;
let t: TestApp;
let alice: Session;
let receiver: FakeWebhookReceiver;
let subjects = 0;

beforeAll(async () => {
  database = await openMemoryDatabase();
  receiver = await FakeWebhookReceiver.start();
  t = await createTestApp({ database, env: ENV });
  alice = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await database?.close();
});

const nextSubject = () => `task_${String(++subjects).padStart(26, '0')}`;

/** Queues a delivery to the receiver's `path` (or to a full URL) for a new subject. */
async function enqueue(
  app: TestApp,
  tenantId: string,
  path: string,
  payload: unknown,
  event = 'task.succeeded',
) {
  const subjectId = nextSubject();
  const id = await app.container.services.webhooks.enqueue(app.container.database.db, tenantId, {
    subjectType: 'task',
    subjectId,
    url: path.startsWith('http') ? path : `${receiver.url}${path}`,
    event,
    payload,
  });
  return { id, subjectId };
}

/** Polls until `read` gives a value `done` accepts (deadline 15 s); returns it. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function finished(app: TestApp, tenantId: string, subjectId: string): Promise<WebhookDeliveryView> {
  return waitFor(
    async () => app.container.services.webhooks.deliveries(tenantId, 'task', subjectId),
    (d) => d !== null && d.status !== 'pending',
  ) as Promise<WebhookDeliveryView>;
}

async function secretOf(session: Session): Promise<Record<string, unknown>> {
  const response = await t.app.inject({ method: 'GET', url: '/v1/webhooks/secret', headers: session.auth });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  return response.json();
}

describe('webhook deliveries', () => {
  it('retries a failing receiver (500, then 429 with Retry-After: 0) until it succeeds, signed the same way each time', async () => {
    receiver.script('/flaky', [
      { status: 500, body: 'boom' },
      { status: 429, headers: { 'retry-after': '0' }, body: '' },
      { status: 200, body: 'thanks' },
    ]);
    const payload = { id: 'task_x', status: 'succeeded', output: { text: 'héllo 🌍' } };
    const { id, subjectId } = await enqueue(t, alice.tenantId, '/flaky', payload);
    expect(id).toMatch(/^whd_[0-9a-z]{26}$/);

    const delivery = await finished(t, alice.tenantId, subjectId);
    expect(delivery.status).toBe('delivered');
    expect(delivery.url).toBe(`${receiver.url}/flaky`);
    expect(delivery.attempts.map((a) => [a.attempt, a.status_code])).toEqual([
      [1, 500],
      [2, 429],
      [3, 200],
    ]);
    expect(delivery.attempts[0]!.error).toBe('http_error: the receiver answered HTTP 500: boom');
    expect(delivery.attempts[1]!.error).toBe('http_error: the receiver answered HTTP 429');
    expect(delivery.attempts[2]!.error).toBeNull();
    for (const a of delivery.attempts) {
      expect(a.duration_ms).toBeGreaterThanOrEqual(0);
      expect(new Date(a.at).toISOString()).toBe(a.at);
    }

    const requests = receiver.received('/flaky');
    expect(requests).toHaveLength(3);
    const { secret } = await secretOf(alice);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    for (const request of requests) {
      expect(request.method).toBe('POST');
      expect(request.headers['nexus-webhook-id']).toBe(id);
      expect(request.headers['nexus-event']).toBe('task.succeeded');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe(`Nexus-Webhooks/${VERSION}`);
      expect(request.body).toBe(JSON.stringify(payload));
      const header = request.headers['nexus-signature'] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(secret as string, header, request.body)).toEqual({
        ok: true,
        timestamp: expect.any(Number),
      });
      expect(
        verifyWebhookSignature(secret as string, header, request.body.replace('héllo', 'hello')).ok,
      ).toBe(false);
    }
  });

  it('fails a delivery whose receiver never succeeds once the retry window has passed; redirects are failures', async () => {
    receiver.script('/down', [{ status: 502, body: 'bad gateway' }]);
    receiver.script('/moved', [{ status: 302, headers: { location: '/elsewhere' } }]);
    const down = await enqueue(t, alice.tenantId, '/down', { n: 1 });
    const moved = await enqueue(t, alice.tenantId, '/moved', { n: 2 });

    const [a, b] = await Promise.all([
      finished(t, alice.tenantId, down.subjectId),
      finished(t, alice.tenantId, moved.subjectId),
    ]);
    for (const delivery of [a, b]) {
      expect(delivery.status).toBe('failed');
      // Back-off from 20 ms over a 3 s window: several attempts, the last at the window's end.
      expect(delivery.attempts.length).toBeGreaterThanOrEqual(4);
      expect(delivery.attempts.map((x) => x.attempt)).toEqual(delivery.attempts.map((_, i) => i + 1));
      const span = Date.parse(delivery.attempts.at(-1)!.at) - Date.parse(delivery.attempts[0]!.at);
      expect(span).toBeGreaterThanOrEqual(2_900);
    }
    expect(new Set(a.attempts.map((x) => x.error))).toEqual(
      new Set(['http_error: the receiver answered HTTP 502: bad gateway']),
    );
    expect(new Set(b.attempts.map((x) => x.status_code))).toEqual(new Set([302]));
    expect(b.attempts[0]!.error).toBe(
      'redirect_not_followed: the receiver answered HTTP 302 (redirects are not followed)',
    );
    expect(receiver.received('/elsewhere')).toHaveLength(0);
    expect(receiver.received('/down')).toHaveLength(a.attempts.length);
  });

  it('logs a receiver that cannot be reached as a connection failure', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const { subjectId } = await enqueue(t, alice.tenantId, 'http://127.0.0.1:9/hook', {}, 'task.failed');
    const first = await waitFor(
      async () => t.container.services.webhooks.deliveries(alice.tenantId, 'task', subjectId),
      (d) => (d?.attempts.length ?? 0) >= 1,
    );
    expect(first!.attempts[0]!.status_code).toBeNull();
    expect(first!.attempts[0]!.error).toMatch(/^url_fetch_failed: The request failed: ECONNREFUSED/);
  });

  it('checks the address again at delivery time: a target the allowlist does not open fails every attempt', async () => {
    const { subjectId } = await enqueue(t, alice.tenantId, 'http://[::1]:9/hook', {});
    const delivery = await waitFor(
      async () => t.container.services.webhooks.deliveries(alice.tenantId, 'task', subjectId),
      (d) => (d?.attempts.length ?? 0) >= 1,
    );
    expect(delivery!.attempts[0]!.error).toMatch(/^url_blocked: ::1 is a loopback address/);
  });

  it('keeps one delivery per subject and event, and shows it only to its tenant', async () => {
    const bob = await registerUser(t.app, uniqueEmail('bob'));
    const subjectId = nextSubject();
    const input = {
      subjectType: 'task' as const,
      subjectId,
      url: `${receiver.url}/once`,
      event: 'task.succeeded',
      payload: { once: true },
    };
    const { webhooks } = t.container.services;
    const first = await webhooks.enqueue(t.container.database.db, alice.tenantId, input);
    const again = await webhooks.enqueue(t.container.database.db, alice.tenantId, input);
    expect(again).toBe(first);
    expect((await finished(t, alice.tenantId, subjectId)).status).toBe('delivered');
    expect(receiver.received('/once')).toHaveLength(1);
    expect(await webhooks.deliveries(bob.tenantId, 'task', subjectId)).toBeNull();
    expect(await webhooks.deliveries(alice.tenantId, 'task', nextSubject())).toBeNull();
  });

  it('joins the caller’s transaction: a rolled-back enqueue leaves nothing to send', async () => {
    const subjectId = nextSubject();
    const db = t.container.database.db;
    await expect(
      db.transaction().execute(async (trx) => {
        await t.container.services.webhooks.enqueue(trx, alice.tenantId, {
          subjectType: 'task',
          subjectId,
          url: `${receiver.url}/rolled-back`,
          event: 'task.succeeded',
          payload: {},
        });
        throw new Error('the task could not be finished');
      }),
    ).rejects.toThrow('the task could not be finished');
    expect(await t.container.services.webhooks.deliveries(alice.tenantId, 'task', subjectId)).toBeNull();
  });

  it('checks URLs with the configured allowlist', async () => {
    const { webhooks } = t.container.services;
    await expect(webhooks.checkUrl(`${receiver.url}/hook`)).resolves.toBeUndefined();
    await expect(webhooks.checkUrl('http://10.0.0.1/hook')).rejects.toMatchObject({
      code: 'webhook_url_forbidden',
      status: 400,
      details: { reason: 'private', address: '10.0.0.1' },
    });
    await expect(webhooks.checkUrl('ftp://127.0.0.1/')).rejects.toMatchObject({
      code: 'webhook_url_invalid',
      details: { reason: 'scheme' },
    });
  });
});

describe('the signing secret', () => {
  it('is created once per tenant and needs tenant:update', async () => {
    const bob = await registerUser(t.app, uniqueEmail('bob'));
    const first = await secretOf(bob);
    expect(first).toMatchObject({ object: 'webhook_secret', rotated_at: null, previous_expires_at: null });
    expect(await secretOf(bob)).toEqual(first);
    expect((await secretOf(alice)).secret).not.toBe(first.secret);

    const anonymous = await t.app.inject({ method: 'GET', url: '/v1/webhooks/secret' });
    expect(anonymous.statusCode).toBe(401);
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bob.auth,
      payload: { name: 'tasks only', scopes: ['tasks:read', 'tasks:write'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    for (const [method, url] of [
      ['GET', '/v1/webhooks/secret'],
      ['POST', '/v1/webhooks/secret/rotate'],
    ] as const) {
      const denied = await t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key.json().secret}` },
      });
      expect(denied.statusCode, denied.body).toBe(403);
      expect(denied.json().error.code).toBe('insufficient_scope');
    }
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/webhooks/secret'].get.responses['200']).toBeDefined();
    expect(doc.paths['/v1/webhooks/secret/rotate'].post.tags).toEqual(['webhooks']);
    expect(Object.keys(doc.components.schemas)).toContain('WebhookSecret');
  });

  it('rotates: deliveries are signed with both secrets for 24 h', async () => {
    const carol = await registerUser(t.app, uniqueEmail('carol'));
    const before = await secretOf(carol);
    const rotated = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/secret/rotate',
      headers: carol.auth,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const after = rotated.json();
    expect(after.secret).not.toBe(before.secret);
    expect(after.created_at).toBe(before.created_at);
    expect(Date.parse(after.previous_expires_at) - Date.parse(after.rotated_at)).toBe(24 * 3600_000);
    expect(await secretOf(carol)).toEqual(after);

    const { id, subjectId } = await enqueue(t, carol.tenantId, '/rotated', { rotated: true });
    expect((await finished(t, carol.tenantId, subjectId)).status).toBe('delivered');
    const [request] = receiver.received('/rotated');
    expect(request!.headers['nexus-webhook-id']).toBe(id);
    const header = request!.headers['nexus-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(after.secret, header, request!.body).ok).toBe(true);
    expect(verifyWebhookSignature(before.secret as string, header, request!.body).ok).toBe(true);

    const audit = await t.app.inject({
      method: 'GET',
      url: '/v1/audit-events?action=webhooks.secret_rotate',
      headers: carol.auth,
    });
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.json().data).toHaveLength(1);
  });
});

describe('durability', () => {
  it('picks up pending deliveries after a restart, and a crashed instance’s once its lease runs out', async () => {
    // Earlier tests' deliveries end first (failed, after their window), so the queue holds only these.
    await waitFor(
      async () =>
        (
          await sql<{
            n: number;
          }>`select count(*)::int as n from webhook_deliveries where status = 'pending'`.execute(database.db)
        ).rows[0]!.n,
      (n) => n === 0,
    );
    // The first instance queues deliveries but sends none (its worker is off), then stops.
    await t.close();
    const paused = await createTestApp({ database, env: { ...ENV, WEBHOOK_CONCURRENCY: '0' } });
    const queued = [];
    for (let i = 0; i < 3; i++) queued.push(await enqueue(paused, alice.tenantId, '/restart', { i }));
    // A third instance claimed the oldest one and died holding its lease.
    const repository = new WebhooksRepository();
    const crashed = await repository.claimDue(database.db, 'webhooks_crashed', 600_000, 1);
    expect(crashed.map((d) => d.id)).toEqual([queued[0]!.id]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received('/restart')).toHaveLength(0);
    await paused.close();

    // A new instance on the same database delivers what is due; the leased one waits for its lease.
    t = await createTestApp({ database, env: ENV });
    for (const { subjectId } of queued.slice(1))
      expect((await finished(t, alice.tenantId, subjectId)).status).toBe('delivered');
    const held = await t.container.services.webhooks.deliveries(alice.tenantId, 'task', queued[0]!.subjectId);
    expect(held).toMatchObject({ status: 'pending', attempts: [] });

    // The lease runs out (as if its time had passed): the delivery is sent by the live instance.
    await sql`update webhook_deliveries set locked_until = now() - interval '1 second' where id = ${queued[0]!.id}`.execute(
      database.db,
    );
    const recovered = await finished(t, alice.tenantId, queued[0]!.subjectId);
    expect(recovered.status).toBe('delivered');
    expect(recovered.attempts.map((a) => a.attempt)).toEqual([1]);

    const ids = receiver.received('/restart').map((r) => r.headers['nexus-webhook-id']);
    expect(ids.sort()).toEqual(queued.map((q) => q.id).sort());
  });
});

describe('shutdown', () => {
  it('waits for a send in flight to finish', async () => {
    receiver.script('/slow', [{ status: 200, delayMs: 200 }]);
    // One instance only, so the send in flight is the one being closed.
    await t.close();
    t = await createTestApp({ database, env: ENV });
    const { id } = await enqueue(t, alice.tenantId, '/slow', { slow: true });
    await waitFor(
      async () => receiver.received('/slow').length,
      (n) => n === 1,
    );
    await t.close();
    const repository = new WebhooksRepository();
    expect(await repository.get(database.db, alice.tenantId, id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
    expect(await repository.attempts(database.db, alice.tenantId, id)).toMatchObject([
      { attempt: 1, status_code: 200 },
    ]);
  });

  it('gives a send that outlasts the grace period back to the queue, for the next instance', async () => {
    // No other instance runs (the previous test stopped it): only the two below send.
    receiver.script('/stuck', [{ status: 200, delayMs: 1_500 }]);
    const stopping = await createTestApp({ database, env: { ...ENV, WEBHOOK_SHUTDOWN_GRACE_MS: '100' } });
    const { id, subjectId } = await enqueue(stopping, alice.tenantId, '/stuck', { stuck: true });
    await waitFor(
      async () => receiver.received('/stuck').length,
      (n) => n === 1,
    );
    await stopping.close();
    // Not counted as an attempt, and not held: due at once for whoever runs next.
    const row = await new WebhooksRepository().get(database.db, alice.tenantId, id);
    expect(row).toMatchObject({ status: 'pending', attempts: 0, locked_by: null });

    t = await createTestApp({ database, env: ENV });
    const delivery = await finished(t, alice.tenantId, subjectId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: [{ attempt: 1, status_code: 200 }] });
    const ids = receiver.received('/stuck').map((r) => r.headers['nexus-webhook-id']);
    expect(ids).toEqual([id, id]);
  });
});

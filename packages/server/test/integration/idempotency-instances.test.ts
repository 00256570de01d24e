import { describe, expect, it } from 'vitest';
import { registerUser, type Session } from '../support/identity.js';
import { PACED, useTwoInstances } from '../support/two-instances.js';

/**
 * `Idempotency-Key` across two instances on one PostgreSQL: requests with the same key sent at the same
 * time to both instances run exactly once (one claim wins the `insert … on conflict do nothing`; the others
 * answer 409 `idempotency_key_in_use`, or the stored answer once it is there), and either instance replays
 * what the other stored.
 */
const n = useTwoInstances('idempotency_instances');

let counter = 0;
const newKey = () => `instances-${Date.now().toString(36)}-${counter++}`;

interface Answer {
  status: number;
  replayed: boolean;
  body: Record<string, unknown> & { error?: { code: string } };
}

async function send(base: string, who: Session, key: string, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...who.auth, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    body: (await response.json()) as Answer['body'],
  };
}

/** The same request with the same key, `count` times at once, alternating between the two instances. */
function race(who: Session, key: string, path: string, body: unknown, count: number): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => send(i % 2 === 0 ? n.urlA : n.urlB, who, key, path, body)),
  );
}

function expectOneRun(answers: Answer[], ok: number): Answer {
  for (const answer of answers) {
    expect([ok, 409], JSON.stringify(answer.body)).toContain(answer.status);
    if (answer.status === 409) expect(answer.body.error?.code).toBe('idempotency_key_in_use');
  }
  const ran = answers.filter((a) => a.status === ok && !a.replayed);
  expect(ran).toHaveLength(1);
  return ran[0]!;
}

describe('Idempotency-Key on two instances', () => {
  it('concurrent creations with one key on both instances create one conversation', async () => {
    const who = await registerUser(n.a.app);
    const key = newKey();
    const body = { model: 'local', title: 'raced' };
    const answers = await race(who, key, '/v1/conversations', body, 10);
    const winner = expectOneRun(answers, 201);
    for (const answer of answers.filter((a) => a.status === 201)) expect(answer.body.id).toBe(winner.body.id);

    const listed = await n.b.app.inject({ method: 'GET', url: '/v1/conversations', headers: who.auth });
    expect(listed.json().data.map((c: { id: string }) => c.id)).toEqual([winner.body.id]);
    for (const base of [n.urlA, n.urlB]) {
      const again = await send(base, who, key, '/v1/conversations', body);
      expect(again).toMatchObject({ status: 201, replayed: true, body: { id: winner.body.id } });
    }
  });

  it('one reply is generated for a message sent to both instances at once with one key', async () => {
    // The paced model answers in about a second, so every request arrives while the first one runs.
    const conversation = await n.conversation(PACED);
    const key = newKey();
    const path = `/v1/conversations/${conversation}/messages`;
    const answers = await race(n.user, key, path, { content: 'only once, please' }, 6);
    const winner = expectOneRun(answers, 201);
    expect(answers.filter((a) => a.status === 409).length).toBeGreaterThan(0);

    const messages = await n.a.app.inject({ method: 'GET', url: path, headers: n.user.auth });
    expect(messages.statusCode, messages.body).toBe(200);
    expect(
      messages
        .json()
        .data.map((m: { role: string }) => m.role)
        .sort(),
    ).toEqual(['assistant', 'user']);

    const again = await send(n.urlB, n.user, key, path, { content: 'only once, please' });
    expect(again.status).toBe(201);
    expect(again.replayed).toBe(true);
    expect(again.body).toEqual(winner.body);
  });

  it('a key used on one instance is a mismatch on the other with another body', async () => {
    const key = newKey();
    const first = await send(n.urlA, n.user, key, '/v1/conversations', { model: 'local', title: 'one' });
    expect(first.status).toBe(201);
    const other = await send(n.urlB, n.user, key, '/v1/conversations', { model: 'local', title: 'two' });
    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('idempotency_key_mismatch');
  });

  it('expired keys are purged (by either instance) and the key runs again', async () => {
    const who = await registerUser(n.a.app);
    const key = newKey();
    const body = { model: 'local', title: 'purged' };
    const first = await send(n.urlA, who, key, '/v1/conversations', body);
    const future = new Date(Date.now() + 86_400_000 + 60_000);
    const purged = await Promise.all([
      n.a.container.services.idempotency.purgeExpired(future),
      n.b.container.services.idempotency.purgeExpired(future),
    ]);
    expect(purged[0] + purged[1]).toBeGreaterThanOrEqual(1);
    const later = await send(n.urlB, who, key, '/v1/conversations', body);
    expect(later).toMatchObject({ status: 201, replayed: false });
    expect(later.body.id).not.toBe(first.body.id);
  });
});

import { afterAll, beforeAll, expect } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-upstream.js';
import { createTestApp, type TestApp } from './app.js';
import { registerUser, type Session } from './identity.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from './services.js';

/** A model of the fake upstream that sends two words, then stalls until the call is cancelled. */
export const STALL = 'stall-model';
/** A model of the fake upstream that sends {@link PACED_TEXT} at 30 tokens a second. */
export const PACED = 'paced-model';
export const PACED_TEXT = Array.from({ length: 30 }, (_, i) => `token${i}`).join(' ');

/** Two listening Nexus apps on one PostgreSQL database and one Redis, with a user and the fake upstream. */
export interface TwoInstances {
  a: TestApp;
  b: TestApp;
  urlA: string;
  urlB: string;
  user: Session;
  upstream: FakeOpenAI;
  /** Creates a conversation of `user` with `model` (on instance A); returns its id. */
  conversation(model: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the fake OpenAI upstream ({@link STALL}, {@link PACED}), a fresh database and two apps sharing
 * it and a Redis key prefix (cache, locks, pub/sub, the Redis Streams event log), and registers a user.
 * `close` stops everything and drops the database and the Redis keys.
 * @example const instances = await startTwoInstances('reply_instances');
 */
export async function startTwoInstances(label: string): Promise<TwoInstances> {
  const prefix = `${uniqueName(label)}:`;
  const database = await createTestDatabase(label);
  const upstream = await FakeOpenAI.start();
  upstream.on(STALL, { text: 'one two three four', stallAfter: 2 });
  upstream.on(PACED, { text: PACED_TEXT, tokensPerSecond: 30 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOCAL_MODEL_WORDS_PER_S: '0',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-fake',
    GATEWAY_MAX_RETRIES: '0',
    REPLY_FLUSH_MS: '50',
  };
  const a = await createTestApp({ env });
  const b = await createTestApp({ env });
  const urlA = await a.app.listen({ port: 0, host: '127.0.0.1' });
  const urlB = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const user = await registerUser(a.app);
  return {
    a,
    b,
    urlA,
    urlB,
    user,
    upstream,
    async conversation(model) {
      const response = await a.app.inject({
        method: 'POST',
        url: '/v1/conversations',
        headers: user.auth,
        payload: { model },
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json().id as string;
    },
    async close() {
      await b.close();
      await a.close();
      await upstream.close();
      await database.drop();
      await deleteRedisKeys(prefix);
    },
  };
}

/**
 * {@link startTwoInstances} for one test file: started in `beforeAll`, closed in `afterAll`. The fields of
 * the returned object are read inside tests (they are set once `beforeAll` has run).
 * @example const n = useTwoInstances('realtime_instances'); it('…', async () => { await n.a.app.inject(…) });
 */
export function useTwoInstances(label: string): TwoInstances {
  let started: TwoInstances | undefined;
  beforeAll(async () => {
    started = await startTwoInstances(label);
  });
  afterAll(async () => {
    await started?.close();
  });
  const get = (): TwoInstances => {
    if (!started) throw new Error('the two instances are used before beforeAll started them');
    return started;
  };
  return {
    get a() {
      return get().a;
    },
    get b() {
      return get().b;
    },
    get urlA() {
      return get().urlA;
    },
    get urlB() {
      return get().urlB;
    },
    get user() {
      return get().user;
    },
    get upstream() {
      return get().upstream;
    },
    conversation: (model) => get().conversation(model),
    close: () => get().close(),
  };
}

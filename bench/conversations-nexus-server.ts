/**
 * Nexus for `npm run bench -- conversations`, in its own child process: the real app (real container,
 * embedded PGlite and in-process event log by default, PostgreSQL / Redis with `BENCH_DATABASE_URL` /
 * `BENCH_REDIS_URL`) with `OPENAI_BASE_URL` pointing at the fake upstream. Reports its port and an API key
 * (chat:read + chat:write) over IPC, then answers these IPC requests besides `stats` (child.ts):
 * - `{ type: 'memory', gc: true }`: runs a full garbage collection (the process runs with `--expose-gc`)
 *   and answers `process.memoryUsage()`, so "idle" memory is measured without garbage in it;
 * - `{ type: 'seed', users, concurrency }`: registers `users` users through the service (argon2 and all),
 *   `concurrency` at a time, each with an API key, and answers the keys and the time it took;
 * - `{ type: 'loop', reset }`: the event-loop delay (p50, p99, max in ms) since the previous reset — how
 *   long ready work waited for the event loop (synchronous work, such as embedded PGlite's, blocks it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../packages/server/src/http/app.js';
import { serveStats } from './child.js';
import { announceReady, benchUser, startNexusContainer } from './nexus-under-test.js';

// `BENCH_NEXUS_<SETTING>=value` sets a Nexus setting for the run (e.g. BENCH_NEXUS_REPLY_COALESCE_MS=50).
const overrides = Object.fromEntries(
  Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_NEXUS_'))
    .map(([name, value]) => [name.slice('BENCH_NEXUS_'.length), value]),
);
const nexus = await startNexusContainer('conversations', {
  LOG_LEVEL: 'warn',
  OPENAI_BASE_URL: process.env.BENCH_UPSTREAM_URL,
  OPENAI_API_KEY: 'sk-bench-upstream',
  ...overrides,
});
const { container } = nexus;
const app = await buildApp(container);
await app.listen({ port: 0, host: '127.0.0.1' });
const scopes = ['chat:read', 'chat:write'];
const { apiKey } = await benchUser(container, scopes);

async function seedUsers(count: number, concurrency: number): Promise<string[]> {
  const keys: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      keys[i] = (await benchUser(container, scopes, `bench-${process.pid}-list-${i}@example.com`)).apiKey;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return keys;
}

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

serveStats();
announceReady(app, nexus, { apiKey, eventLog: container.eventLog.kind });

process.on('message', async (message: unknown) => {
  const m = message as { type?: string; gc?: boolean; reset?: boolean; users?: number; concurrency?: number };
  if (m?.type === 'memory') {
    if (m.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    process.send?.({
      type: 'memory',
      gc: typeof globalThis.gc === 'function',
      runningReplies: container.services.replies.runner.size,
      ...process.memoryUsage(),
    });
  } else if (m?.type === 'loop') {
    const ms = (ns: number) => ns / 1e6;
    process.send?.({
      type: 'loop',
      p50: ms(loop.percentile(50)),
      p99: ms(loop.percentile(99)),
      max: ms(loop.max),
    });
    if (m.reset) loop.reset();
  } else if (m?.type === 'seed') {
    const started = performance.now();
    try {
      const apiKeys = await seedUsers(m.users ?? 0, m.concurrency ?? 4);
      process.send?.({ type: 'seed', apiKeys, seconds: (performance.now() - started) / 1000 });
    } catch (error) {
      process.send?.({ type: 'seed', error: (error as Error).message });
    }
  }
});

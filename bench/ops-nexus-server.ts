/**
 * Nexus for `npm run bench -- ops`, in its own child process: the real app and container (embedded
 * defaults, or PostgreSQL/Redis through BENCH_DATABASE_URL/BENCH_REDIS_URL), the `local` model answering
 * at once. `BENCH_NEXUS_<SETTING>=value` sets a Nexus setting, which is how the parent starts one server
 * with quotas, rate limits and metrics and one without. Reports its port and an API key over IPC, and
 * answers `{ type: 'race-user', requests }`: a fresh user on a plan allowing that many requests a day. The
 * measured user is on a plan with budgets on every counter, so every call reserves and settles on them.
 */
import { buildApp } from '../packages/server/src/http/app.js';
import { serveStats } from './child.js';
import { announceReady, benchUser, startNexusContainer } from './nexus-under-test.js';
import { givePlan } from './ops-quota-setup.js';

const overrides = Object.fromEntries(
  Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_NEXUS_'))
    .map(([name, value]) => [name.slice('BENCH_NEXUS_'.length), value]),
);
const nexus = await startNexusContainer('ops', {
  LOG_LEVEL: 'warn',
  LOCAL_MODEL_WORDS_PER_S: '0',
  ...overrides,
});
const app = await buildApp(nexus.container);
await app.listen({ port: 0, host: '127.0.0.1' });
const scopes = ['chat:read', 'chat:write'];
const measured = await benchUser(nexus.container, scopes);
const { apiKey } = measured;
// Budgets on every counter (day and month, requests and tokens), far above what the run uses: each call
// reserves and settles on all of them, and none is refused.
await givePlan(nexus.container, measured, 'bench-roomy', {
  description: 'bench: checked, never exhausted',
  requests_per_day: 1_000_000_000,
  requests_per_month: 1_000_000_000,
  tokens_per_day: 1_000_000_000_000,
  tokens_per_month: 1_000_000_000_000,
});

serveStats();
let raced = 0;
process.on('message', async (message: { type?: string; requests?: number }) => {
  if (message?.type !== 'race-user') return;
  raced += 1;
  const user = await benchUser(nexus.container, scopes, `bench-${process.pid}-race-${raced}@example.com`);
  const requests = message.requests ?? 10;
  await givePlan(nexus.container, user, `bench-race-${requests}`, {
    description: 'bench: the quota race',
    requests_per_day: requests,
  });
  process.send?.({ type: 'race-user', apiKey: user.apiKey });
});
announceReady(app, nexus, { apiKey });

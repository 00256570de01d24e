/**
 * Nexus for `npm run bench -- invoke`, in its own child process: the real app and container on embedded
 * defaults (PGlite, the offline `local` model answering at once). Reports its port and an API key
 * (tasks:read + tasks:write) over IPC. `BENCH_NEXUS_<SETTING>=value` sets a Nexus setting for the run.
 */
import { buildApp } from '../packages/server/src/http/app.js';
import { serveStats } from './child.js';
import { announceReady, benchUser, startNexusContainer } from './nexus-under-test.js';

const overrides = Object.fromEntries(
  Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_NEXUS_'))
    .map(([name, value]) => [name.slice('BENCH_NEXUS_'.length), value]),
);
const nexus = await startNexusContainer('invoke', {
  LOG_LEVEL: 'warn',
  LOCAL_MODEL_WORDS_PER_S: '0',
  TASKS_POLL_MS: '50',
  ...overrides,
});
const app = await buildApp(nexus.container);
await app.listen({ port: 0, host: '127.0.0.1' });
const { apiKey } = await benchUser(nexus.container, ['tasks:read', 'tasks:write']);

serveStats();
announceReady(app, nexus, { apiKey });

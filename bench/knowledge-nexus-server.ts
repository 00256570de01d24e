/**
 * Nexus for `npm run bench -- knowledge`, in its own child process: the real app and container (embedded
 * PGlite by default, PostgreSQL with `BENCH_DATABASE_URL`), the offline `local` embedding model. Reports
 * its port and an API key (kb:read + kb:write) over IPC. `BENCH_NEXUS_<SETTING>=value` sets a Nexus
 * setting for the run (e.g. BENCH_NEXUS_KB_INGEST_CONCURRENCY=4).
 */
import { buildApp } from '../packages/server/src/http/app.js';
import { serveStats } from './child.js';
import { announceReady, benchUser, startNexusContainer } from './nexus-under-test.js';

const overrides = Object.fromEntries(
  Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_NEXUS_'))
    .map(([name, value]) => [name.slice('BENCH_NEXUS_'.length), value]),
);
const nexus = await startNexusContainer('knowledge', { LOG_LEVEL: 'warn', ...overrides });
const app = await buildApp(nexus.container);
await app.listen({ port: 0, host: '127.0.0.1' });
const { apiKey } = await benchUser(nexus.container, ['kb:read', 'kb:write']);

serveStats();
announceReady(app, nexus, { apiKey });

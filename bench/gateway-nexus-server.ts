/**
 * Nexus for `npm run bench -- gateway`, in its own child process: the real app (real container, real
 * database, metering on) with `OPENAI_BASE_URL` pointing at the fake upstream, so every model name is
 * served by it. Reports its port and an API key (scope chat:write) over IPC.
 */
import { buildApp } from '../packages/server/src/http/app.js';
import { serveStats } from './child.js';
import { announceReady, benchUser, startNexusContainer } from './nexus-under-test.js';

const nexus = await startNexusContainer('gateway', {
  LOG_LEVEL: 'warn',
  OPENAI_BASE_URL: process.env.BENCH_UPSTREAM_URL,
  OPENAI_API_KEY: 'sk-bench-upstream',
});
const { container } = nexus;
const app = await buildApp(container);
await app.listen({ port: 0, host: '127.0.0.1' });
const { apiKey } = await benchUser(container, ['chat:write']);

serveStats();
announceReady(app, nexus, { apiKey });

/**
 * The servers under test, run in a child process so the load generator does not share their event loop:
 * the real Nexus app (real container, real database) and a bare Fastify app doing the same work with no
 * Nexus stack (no hooks, no zod, no request ids, no logging). Reports their ports over IPC.
 */
import Fastify from 'fastify';
import { buildApp } from '../packages/server/src/http/app.js';
import { startNexusContainer } from './nexus-under-test.js';

const under = await startNexusContainer('http', {
  LOG_LEVEL: 'info',
  DATABASE_POOL_MAX: process.env.BENCH_POOL_MAX ?? '20',
});
const { container } = under;

// Nexus: the real stack. Its JSON logs go to stdout, which the parent discards: logging cost is included.
const nexus = await buildApp(container);
await nexus.listen({ port: 0, host: '127.0.0.1' });

// Bare Fastify: the same two routes calling the same service on the same database connection pool,
// so the difference is exactly the Nexus HTTP stack (hooks, ids, validation, serialisation, logging).
const bare = Fastify({ logger: false });
bare.get('/healthz', async () => ({ status: 'ok' }));
bare.get('/v1/status', async () => container.services.status.status());
await bare.listen({ port: 0, host: '127.0.0.1' });

const port = (app: typeof bare | typeof nexus) => (app.server.address() as { port: number }).port;
process.send?.({
  nexus: port(nexus),
  bare: port(bare),
  database: container.database.kind,
  cache: container.cache.kind,
});

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await Promise.allSettled([nexus.close(), bare.close()]);
  await under.close();
  process.exit(0);
});

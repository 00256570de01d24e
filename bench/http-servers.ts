/**
 * The servers under test, run in a child process so the load generator does not share their event loop:
 * the real Nexus app (real container, real database) and a bare Fastify app doing the same work with no
 * Nexus stack (no hooks, no zod, no request ids, no logging). Reports their ports over IPC.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../packages/server/src/config.js';
import { createContainer } from '../packages/server/src/container.js';
import { buildApp } from '../packages/server/src/http/app.js';

const databaseUrl = process.env.BENCH_DATABASE_URL;
const dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-bench-'));
const config = loadConfig({
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  ...(process.env.BENCH_REDIS_URL
    ? { REDIS_URL: process.env.BENCH_REDIS_URL, REDIS_KEY_PREFIX: `bench:${process.pid}:` }
    : {}),
  NEXUS_DATA_DIR: dataDir,
  LOG_LEVEL: 'info',
  DATABASE_POOL_MAX: process.env.BENCH_POOL_MAX ?? '20',
});

// Nexus: the real stack. Its JSON logs go to stdout, which the parent discards: logging cost is included.
const container = await createContainer(config);
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
  await container.close();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
});

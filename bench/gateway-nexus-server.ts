/**
 * Nexus for `npm run bench -- gateway`, in its own child process: the real app (real container, real
 * database, metering on) with `OPENAI_BASE_URL` pointing at the fake upstream, so every model name is
 * served by it. Reports its port and an API key (scope chat:write) over IPC.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../packages/server/src/config.js';
import { createContainer } from '../packages/server/src/container.js';
import { buildApp } from '../packages/server/src/http/app.js';
import { serveStats } from './child.js';

const databaseUrl = process.env.BENCH_DATABASE_URL;
const dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-bench-gateway-'));
const config = loadConfig({
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  ...(process.env.BENCH_REDIS_URL
    ? { REDIS_URL: process.env.BENCH_REDIS_URL, REDIS_KEY_PREFIX: `bench:${process.pid}:` }
    : {}),
  NEXUS_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  OPENAI_BASE_URL: process.env.BENCH_UPSTREAM_URL,
  OPENAI_API_KEY: 'sk-bench-upstream',
});

const container = await createContainer(config);
const app = await buildApp(container);
await app.listen({ port: 0, host: '127.0.0.1' });

const anonymous = { principal: null, ip: '127.0.0.1', userAgent: 'bench', requestId: 'bench' };
const { auth, apiKeys } = container.services;
const { tokens } = await auth.register(anonymous, {
  email: `bench-${process.pid}-${Date.now()}@example.com`,
  password: 'bench password long enough',
});
const principal = await auth.authenticateAccessToken(tokens.access_token);
const { secret } = await apiKeys.create(
  { ...anonymous, principal },
  { name: 'bench', scopes: ['chat:write'] },
);

serveStats();
process.send?.({
  port: (app.server.address() as { port: number }).port,
  apiKey: secret,
  database: container.database.kind,
  cache: container.cache.kind,
});

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await app.close();
  await container.close();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
});

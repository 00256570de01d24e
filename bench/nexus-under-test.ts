/**
 * The real Nexus container for a benchmark's child process: embedded storage in a temporary folder, or
 * PostgreSQL / Redis when `BENCH_DATABASE_URL` / `BENCH_REDIS_URL` are set. Shared by every bench server so
 * they all measure the same stack the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../packages/server/src/config.js';
import { type Container, createContainer } from '../packages/server/src/container.js';

export interface NexusUnderTest {
  container: Container;
  /** Closes the container and removes the temporary data folder. */
  close(): Promise<void>;
}

export async function startNexusContainer(
  label: string,
  env: Record<string, string | undefined>,
): Promise<NexusUnderTest> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const dataDir = await mkdtemp(path.join(tmpdir(), `nexus-bench-${label}-`));
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(process.env.BENCH_REDIS_URL
      ? { REDIS_URL: process.env.BENCH_REDIS_URL, REDIS_KEY_PREFIX: `bench:${process.pid}:` }
      : {}),
    NEXUS_DATA_DIR: dataDir,
    ...env,
  });
  const container = await createContainer(config);
  return {
    container,
    close: async () => {
      await container.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers a fresh user through the service and gives them an API key with `scopes`. Pass `email` when
 * registering several users at once (the default is unique per millisecond only).
 */
export async function benchUser(
  container: Container,
  scopes: string[],
  email = `bench-${process.pid}-${Date.now()}@example.com`,
) {
  const anonymous = { principal: null, ip: '127.0.0.1', userAgent: 'bench', requestId: 'bench' };
  const { auth, apiKeys } = container.services;
  const password = 'bench password long enough';
  const { tokens, user, tenant } = await auth.register(anonymous, { email, password });
  const principal = await auth.authenticateAccessToken(tokens.access_token);
  const { secret } = await apiKeys.create({ ...anonymous, principal }, { name: 'bench', scopes });
  return {
    email,
    password,
    accessToken: tokens.access_token,
    apiKey: secret,
    userId: user.id,
    tenantId: tenant.id,
  };
}

/**
 * Tells the parent that the server is ready — its port, database and cache kinds, and `extra` — and closes
 * the app and the container when the parent sends `stop`.
 */
export function announceReady(
  app: FastifyInstance,
  nexus: NexusUnderTest,
  extra: Record<string, unknown>,
): void {
  process.send?.({
    port: (app.server.address() as { port: number }).port,
    database: nexus.container.database.kind,
    cache: nexus.container.cache.kind,
    ...extra,
  });
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    await app.close();
    await nexus.close();
    process.exit(0);
  });
}

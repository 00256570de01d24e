/**
 * The server for `npm run bench -- auth`, in a child process: the real Nexus app plus one probe route,
 * `/bench/whoami`, that authenticates exactly as product routes do (Authenticator) and does nothing else,
 * so the difference between anonymous, JWT and API-key calls is the authentication cost alone.
 * Reports its port, a user's access token and an API key over IPC.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../packages/server/src/config.js';
import { createContainer } from '../packages/server/src/container.js';
import { buildApp } from '../packages/server/src/http/app.js';
import { Authenticator } from '../packages/server/src/http/auth.js';

const databaseUrl = process.env.BENCH_DATABASE_URL;
const dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-bench-auth-'));
const config = loadConfig({
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  ...(process.env.BENCH_REDIS_URL
    ? { REDIS_URL: process.env.BENCH_REDIS_URL, REDIS_KEY_PREFIX: `bench:${process.pid}:` }
    : {}),
  NEXUS_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  // The bench logs in the same account many times from one address.
  LOGIN_MAX_FAILURES_PER_IP: '100000',
  // ...and times wrong-password logins, which must not lock the account mid-measurement.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
});

const container = await createContainer(config);
const { auth, apiKeys } = container.services;
const authn = new Authenticator({ auth, apiKeys });
const app = await buildApp(container, {
  register: (instance) => {
    instance.get('/bench/whoami', async (request) => {
      const ctx = await authn.optional(request);
      return { kind: ctx.principal?.kind ?? 'anonymous' };
    });
  },
});
await app.listen({ port: 0, host: '127.0.0.1' });

const email = `bench-${process.pid}-${Date.now()}@example.com`;
const password = 'bench password long enough';
const anonymous = { principal: null, ip: '127.0.0.1', userAgent: 'bench', requestId: 'bench' };
const { tokens } = await auth.register(anonymous, { email, password });
const principal = await auth.authenticateAccessToken(tokens.access_token);
const { secret } = await apiKeys.create(
  { ...anonymous, principal },
  { name: 'bench', scopes: ['chat:read'] },
);

process.send?.({
  port: (app.server.address() as { port: number }).port,
  accessToken: tokens.access_token,
  apiKey: secret,
  email,
  password,
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

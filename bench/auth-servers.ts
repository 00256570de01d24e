/**
 * The server for `npm run bench -- auth`, in a child process: the real Nexus app plus one probe route,
 * `/bench/whoami`, that authenticates exactly as product routes do (Authenticator) and does nothing else,
 * so the difference between anonymous, JWT and API-key calls is the authentication cost alone.
 * Reports its port, a user's access token and an API key over IPC.
 */
import { buildApp } from '../packages/server/src/http/app.js';
import { Authenticator } from '../packages/server/src/http/auth.js';
import { announceReady, benchUser, startNexusContainer } from './nexus-under-test.js';

const nexus = await startNexusContainer('auth', {
  LOG_LEVEL: 'warn',
  // The bench logs in the same account many times from one address.
  LOGIN_MAX_FAILURES_PER_IP: '100000',
  // ...and times wrong-password logins, which must not lock the account mid-measurement.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
});
const { container } = nexus;
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
const user = await benchUser(container, ['chat:read']);

announceReady(app, nexus, {
  accessToken: user.accessToken,
  apiKey: user.apiKey,
  email: user.email,
  password: user.password,
});

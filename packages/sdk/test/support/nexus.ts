import { expect } from 'vitest';
import { PERMISSIONS } from '../../../server/src/modules/access/permissions.js';
import { createTestApp, type TestApp } from '../../../server/test/support/app.js';
import { type ClientOptions, NexusAI } from '../../src/index.js';

/** A real Nexus on embedded defaults, listening on 127.0.0.1, with a registered user and an API key. */
export interface RunningNexus {
  /** The server's origin (`http://127.0.0.1:<port>`). */
  url: string;
  testApp: TestApp;
  /** An `nx-` key of the user, with every scope. */
  apiKey: string;
  /** The user's access token (also accepted as `apiKey`). */
  accessToken: string;
  userId: string;
  tenantId: string;
  /** A client for this server with the API key (options on top). */
  client(options?: ClientOptions): NexusAI;
  close(): Promise<void>;
}

let counter = 0;

async function post(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(json)).toBe(201);
  return json;
}

/**
 * Starts the real app (createTestApp: in-memory PGlite, in-process cache, the offline `local` models) on an
 * ephemeral port, registers a user through `POST /v1/auth/register` and creates an API key with every
 * scope through `POST /v1/api-keys` — the way an app developer would.
 * @example const nexus = await startNexus(); const client = nexus.client();
 */
export async function startNexus(env: Record<string, string> = {}): Promise<RunningNexus> {
  const testApp = await createTestApp({
    env: { LOCAL_MODEL_WORDS_PER_S: '0', KB_INGEST_POLL_MS: '100', ...env },
  });
  try {
    const url = await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    const email = `sdk.${Date.now().toString(36)}.${counter++}@example.com`;
    const registered = await post(`${url}/v1/auth/register`, {
      email,
      password: 'correct horse battery staple',
      device_name: 'sdk-test',
    });
    const accessToken = registered.access_token as string;
    const key = await post(`${url}/v1/api-keys`, { name: 'sdk-test', scopes: [...PERMISSIONS] }, accessToken);
    const apiKey = key.secret as string;
    return {
      url,
      testApp,
      apiKey,
      accessToken,
      userId: registered.user_id as string,
      tenantId: registered.tenant_id as string,
      client: (options = {}) => new NexusAI({ apiKey, baseURL: url, ...options }),
      close: () => testApp.close(),
    };
  } catch (error) {
    await testApp.close();
    throw error;
  }
}

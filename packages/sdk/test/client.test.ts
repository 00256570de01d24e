import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL, NexusAI, NexusValidationError, SDK_VERSION } from '../src/index.js';

/** Building the client: options, environment defaults, base URL forms. */

const saved = { key: process.env.NEXUS_API_KEY, url: process.env.NEXUS_BASE_URL };
afterEach(() => {
  for (const [name, value] of [
    ['NEXUS_API_KEY', saved.key],
    ['NEXUS_BASE_URL', saved.url],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function recordingClient(options: ConstructorParameters<typeof NexusAI>[0] = {}) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const client = new NexusAI({
    ...options,
    fetch: async (url, init) => {
      calls.push({ url, headers: init.headers as Record<string, string> });
      return new Response('{"object":"list","data":[]}', { headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, calls };
}

describe('NexusAI options', () => {
  it('reads NEXUS_API_KEY and NEXUS_BASE_URL when no options are given', async () => {
    process.env.NEXUS_API_KEY = 'nx-from-env';
    process.env.NEXUS_BASE_URL = 'https://env.example.com';
    const { client, calls } = recordingClient();
    expect(client.baseURL).toBe('https://env.example.com');
    await client.models.list();
    expect(calls[0]).toMatchObject({
      url: 'https://env.example.com/v1/models',
      headers: { authorization: 'Bearer nx-from-env', 'user-agent': `nexus-sdk-typescript/${SDK_VERSION}` },
    });
  });

  it('options win over the environment; the default base URL is the local server', () => {
    process.env.NEXUS_API_KEY = 'nx-from-env';
    delete process.env.NEXUS_BASE_URL;
    expect(new NexusAI().baseURL).toBe(DEFAULT_BASE_URL);
    expect(DEFAULT_BASE_URL).toBe('http://localhost:8080');
    process.env.NEXUS_BASE_URL = 'https://env.example.com';
    expect(new NexusAI({ baseURL: 'https://option.example.com' }).baseURL).toBe('https://option.example.com');
  });

  it('refuses to start without an API key, saying how to give one', () => {
    delete process.env.NEXUS_API_KEY;
    let error: unknown;
    try {
      new NexusAI({ baseURL: 'http://h' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NexusValidationError);
    expect((error as NexusValidationError).code).toBe('missing_api_key');
    expect((error as Error).message).toContain('NEXUS_API_KEY');
  });

  it.each([
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['http://localhost:8080/v1', 'http://localhost:8080'],
    ['https://api.example.com/nexus/v1/', 'https://api.example.com/nexus'],
    ['  https://api.example.com//  ', 'https://api.example.com'],
  ])('base URL %j is used as %j (routes add /v1)', (given, used) => {
    expect(new NexusAI({ apiKey: 'nx', baseURL: given }).baseURL).toBe(used);
  });

  it.each([
    ['a URL without scheme', { baseURL: 'localhost:8080' }],
    ['ftp', { baseURL: 'ftp://h' }],
    ['a negative timeout', { timeout: -1 }],
    ['NaN retries', { maxRetries: Number.NaN }],
  ])('refuses %s', (_what, options) => {
    expect(() => new NexusAI({ apiKey: 'nx', baseURL: 'http://h', ...options })).toThrow(
      NexusValidationError,
    );
  });

  it('withOptions copies the client with changes (tenant header, key)', async () => {
    const { client, calls } = recordingClient({ apiKey: 'nx-1', baseURL: 'http://h', maxRetries: 0 });
    const other = client.withOptions({ tenant: 'ten_01jd8x3k5q9v7w2m4n6p8r0s1t' });
    expect(other.maxRetries).toBe(0);
    await other.models.list();
    await client.models.list();
    expect(calls[0]!.headers).toMatchObject({
      authorization: 'Bearer nx-1',
      'x-nexus-tenant': 'ten_01jd8x3k5q9v7w2m4n6p8r0s1t',
    });
    expect(calls[1]!.headers['x-nexus-tenant']).toBeUndefined();
  });

  it('a per-request header set to null removes a default one', async () => {
    const { client, calls } = recordingClient({
      apiKey: 'nx',
      baseURL: 'http://h',
      defaultHeaders: { 'x-a': '1', 'x-b': '2' },
    });
    await client.models.list({ headers: { 'x-a': null } });
    expect(calls[0]!.headers['x-a']).toBeUndefined();
    expect(calls[0]!.headers['x-b']).toBe('2');
  });
});

describe('the package', () => {
  it('has no runtime dependencies and an exports map with types', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.exports['.']).toMatchObject({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.version).toBe(SDK_VERSION);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that run the embedded platform', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.databaseKind).toBe('pglite');
    expect(config.cacheKind).toBe('memory');
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.NEXUS_MIGRATE_ON_START).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('switches to PostgreSQL and Redis by URL alone', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/nexus',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(config.databaseKind).toBe('postgres');
    expect(config.cacheKind).toBe('redis');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ PORT: 8080, databaseKind: 'pglite' });
  });

  it('parses booleans and numbers', () => {
    const config = loadConfig({
      NEXUS_MIGRATE_ON_START: 'false',
      TRUST_PROXY: '1',
      BODY_LIMIT_BYTES: '2048',
    });
    expect(config.NEXUS_MIGRATE_ON_START).toBe(false);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.BODY_LIMIT_BYTES).toBe(2048);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'verbose'],
    ['NEXUS_ADMIN_EMAIL', 'not-an-email'],
    ['NEXUS_ADMIN_PASSWORD', 'short'],
    ['NEXUS_MIGRATE_ON_START', 'maybe'],
    ['DATABASE_POOL_MAX', '0'],
    ['BODY_LIMIT_BYTES', '-1'],
    ['PUBLIC_URL', 'ftp://example.com'],
    ['JWT_SIGNING_KEYS', 'no-separator-here-and-long-enough-secret-value'],
    ['JWT_SIGNING_KEYS', 'k1:too-short'],
    ['JWT_SIGNING_KEYS', `k1:${'a'.repeat(40)},bad pair`],
    ['ACCESS_TOKEN_TTL_S', '5'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['WECHAT_API_BASE_URL', 'not a url'],
    ['OPENAI_BASE_URL', 'ftp://example.com'],
    ['LOCAL_MODEL_WORDS_PER_S', '-1'],
    ['LOCAL_EMBEDDING_DIMENSIONS', '4'],
    ['GATEWAY_MAX_RETRIES', '11'],
    ['GATEWAY_FIRST_TOKEN_TIMEOUT_MS', 'soon'],
    ['GATEWAY_CIRCUIT_FAILURES', '0'],
    ['METERING_BATCH_SIZE', '0'],
    ['ACCESS_CACHE_TTL_MS', '-5'],
    ['ACCESS_CACHE_TTL_MS', '300001'],
    ['LISTEN_BACKLOG', '0'],
    ['LISTEN_BACKLOG', '65536'],
    ['PASSWORD_MIN_LENGTH', '4'],
    ['KB_URL_ALLOWLIST', '10.0.0.0/33'],
    ['KB_URL_ALLOWLIST', '127.0.0.1,not a host'],
    ['KB_RERANK_BASE_URL', 'ftp://rerank.example.com'],
    ['KB_RERANK_API_KEY_ENV', 'lower-case'],
    ['KB_VECTOR_SEARCH', 'ivfflat'],
    ['KB_CHUNK_TOKENS', '8'],
  ])('rejects %s=%j naming the variable', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.problems.map((p) => p.variable)).toEqual([variable]);
    expect(configError.message).toContain(`${variable}:`);
  });

  it('reports every bad variable at once and never echoes secrets', () => {
    try {
      loadConfig({ PORT: 'x', NEXUS_ADMIN_PASSWORD: 'tiny', DATABASE_URL: 'mysql://user:hunter2@h/db' });
      expect.unreachable();
    } catch (error) {
      const message = (error as ConfigError).message;
      expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'DATABASE_URL',
        'NEXUS_ADMIN_PASSWORD',
        'PORT',
      ]);
      expect(message).toContain('"x"');
      expect(message).not.toContain('tiny');
      expect(message).not.toContain('hunter2');
    }
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ SOMETHING_ELSE: '1', PATH: '/usr/bin' })).not.toThrow();
  });
});

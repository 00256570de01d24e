import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { webhookSettings } from './webhooks.service.js';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    webhookSettings(loadConfig(env));
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('webhook settings', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.WEBHOOK_URL_ALLOWLIST).toEqual([]);
    expect(webhookSettings(config)).toEqual({
      timeoutMs: 10_000,
      retryWindowMs: 86_400_000,
      retryBaseMs: 10_000,
      concurrency: 8,
      leaseMs: 60_000,
      pollMs: 1_000,
      shutdownGraceMs: 5_000,
    });
  });

  it('reads the allowlist like KB_URL_ALLOWLIST', () => {
    expect(
      loadConfig({ WEBHOOK_URL_ALLOWLIST: ' 127.0.0.1, 10.0.0.0/8 ,*.corp.example,' }).WEBHOOK_URL_ALLOWLIST,
    ).toEqual(['127.0.0.1', '10.0.0.0/8', '*.corp.example']);
  });

  it.each([
    [{ WEBHOOK_URL_ALLOWLIST: '10.0.0.0/33' }, 'WEBHOOK_URL_ALLOWLIST'],
    [{ WEBHOOK_URL_ALLOWLIST: 'exa mple.com' }, 'WEBHOOK_URL_ALLOWLIST'],
    [{ WEBHOOK_TIMEOUT_MS: '50' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_RETRY_WINDOW_S: '0' }, 'WEBHOOK_RETRY_WINDOW_S'],
    [{ WEBHOOK_RETRY_BASE_MS: 'soon' }, 'WEBHOOK_RETRY_BASE_MS'],
    [{ WEBHOOK_CONCURRENCY: '-1' }, 'WEBHOOK_CONCURRENCY'],
    [{ WEBHOOK_POLL_MS: '1.5' }, 'WEBHOOK_POLL_MS'],
    [{ WEBHOOK_SHUTDOWN_GRACE_MS: '600001' }, 'WEBHOOK_SHUTDOWN_GRACE_MS'],
    // A lease an attempt could outlast would let a second instance send the delivery meanwhile.
    [{ WEBHOOK_LEASE_MS: '14999' }, 'WEBHOOK_LEASE_MS'],
    [{ WEBHOOK_TIMEOUT_MS: '60000' }, 'WEBHOOK_LEASE_MS'],
  ])('%j is refused, naming %s', (env, variable) => {
    expect(problems(env).map((p) => p.variable)).toEqual([variable]);
  });

  it.each([
    [{ WEBHOOK_LEASE_MS: '15000' }],
    [{ WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_LEASE_MS: '65000' }],
    [{ WEBHOOK_CONCURRENCY: '0' }],
  ])('%j is accepted', (env) => {
    expect(problems(env)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.js';
import { type ResolvedAddress, SsrfPolicy } from '../../platform/net/ssrf-guard.js';
import { checkWebhookUrl, WEBHOOK_URL_MAX_LENGTH } from './webhook-url.js';

/** DNS is outside us: a fixed table stands in for it. */
const DNS: Record<string, ResolvedAddress[]> = {
  'hooks.example.com': [{ address: '93.184.215.14', family: 4 }],
  'v6.example.com': [{ address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }],
  'internal.example.com': [{ address: '10.1.2.3', family: 4 }],
  'metadata.example.com': [{ address: '169.254.169.254', family: 4 }],
  'localhost.example.com': [{ address: '127.0.0.1', family: 4 }],
  'mixed.example.com': [
    { address: '93.184.215.14', family: 4 },
    { address: '192.168.1.10', family: 4 },
  ],
  'ula.example.com': [{ address: 'fd12:3456::1', family: 6 }],
  'wiki.corp.example': [{ address: '10.9.9.9', family: 4 }],
  'a.partner.example': [{ address: '172.20.0.5', family: 4 }],
};
const resolver = async (host: string): Promise<ResolvedAddress[]> => {
  const found = DNS[host.toLowerCase()];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};
const policy = new SsrfPolicy([], resolver);
const allowing = new SsrfPolicy(
  ['127.0.0.1', '10.20.0.0/16', 'wiki.corp.example', '*.partner.example'],
  resolver,
);

async function outcome(url: string, p = policy): Promise<string | Record<string, unknown>> {
  try {
    await checkWebhookUrl(p, url);
    return 'ok';
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.status).toBe(400);
    return { code: error.code, ...(error.details as Record<string, unknown>) };
  }
}

const forbidden = (reason: string, address: string) => ({ code: 'webhook_url_forbidden', reason, address });
const invalid = (reason: string) => ({ code: 'webhook_url_invalid', reason });

describe('webhook URL check', () => {
  it.each([
    ['https://hooks.example.com/nexus', 'ok'],
    ['http://hooks.example.com:8080/nexus?x=1', 'ok'],
    ['https://v6.example.com/', 'ok'],
    ['https://93.184.215.14/hook', 'ok'],
    ['http://127.0.0.1/hook', forbidden('loopback', '127.0.0.1')],
    ['http://127.8.9.10:9000/', forbidden('loopback', '127.8.9.10')],
    ['http://2130706433/', forbidden('loopback', '127.0.0.1')],
    ['http://0x7f.1/', forbidden('loopback', '127.0.0.1')],
    ['http://10.0.0.1/', forbidden('private', '10.0.0.1')],
    ['http://10.255.255.255/', forbidden('private', '10.255.255.255')],
    ['http://172.16.0.1/', forbidden('private', '172.16.0.1')],
    ['http://172.31.255.254/', forbidden('private', '172.31.255.254')],
    ['http://172.32.0.1/', 'ok'],
    ['http://192.168.0.1/', forbidden('private', '192.168.0.1')],
    ['http://169.254.169.254/latest/meta-data/', forbidden('link_local', '169.254.169.254')],
    ['http://100.64.0.1/', forbidden('shared_address', '100.64.0.1')],
    ['http://100.127.255.254/', forbidden('shared_address', '100.127.255.254')],
    ['http://100.128.0.1/', 'ok'],
    ['http://0.0.0.0/', forbidden('unspecified', '0.0.0.0')],
    ['http://[::1]/', forbidden('loopback', '::1')],
    ['http://[::]/', forbidden('unspecified', '::')],
    ['http://[fc00::1]/', forbidden('private', 'fc00::1')],
    ['http://[fdff:ffff::1]/', forbidden('private', 'fdff:ffff::1')],
    ['http://[fe80::1]/', forbidden('link_local', 'fe80::1')],
    ['http://[::ffff:127.0.0.1]/', forbidden('loopback', '::ffff:7f00:1')],
    ['http://[::ffff:169.254.169.254]/', forbidden('link_local', '::ffff:a9fe:a9fe')],
    ['http://224.0.0.1/', forbidden('multicast', '224.0.0.1')],
    ['https://internal.example.com/hook', forbidden('private', '10.1.2.3')],
    ['https://metadata.example.com/', forbidden('link_local', '169.254.169.254')],
    ['https://localhost.example.com/', forbidden('loopback', '127.0.0.1')],
    ['https://mixed.example.com/', forbidden('private', '192.168.1.10')],
    ['https://ula.example.com/', forbidden('private', 'fd12:3456::1')],
    ['https://nowhere.example.com/', invalid('unresolvable')],
    ['ftp://hooks.example.com/', invalid('scheme')],
    ['file:///etc/passwd', invalid('scheme')],
    ['javascript:alert(1)', invalid('scheme')],
    ['gopher://hooks.example.com/', invalid('scheme')],
    ['ws://hooks.example.com/', invalid('scheme')],
    ['https://user:pass@hooks.example.com/', invalid('credentials')],
    ['https://user@hooks.example.com/', invalid('credentials')],
    ['https://:pass@hooks.example.com/', invalid('credentials')],
    ['not a url', invalid('malformed')],
    ['', invalid('malformed')],
    ['/relative/path', invalid('malformed')],
    ['http://', invalid('malformed')],
    [`https://hooks.example.com/${'a'.repeat(WEBHOOK_URL_MAX_LENGTH)}`, invalid('too_long')],
  ])('%s', async (url, expected) => {
    expect(await outcome(url)).toEqual(expected);
  });

  it('accepts a URL of exactly the maximum length', async () => {
    const url = 'https://hooks.example.com/';
    expect(await outcome(url + 'a'.repeat(WEBHOOK_URL_MAX_LENGTH - url.length))).toBe('ok');
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'ok'],
    ['http://10.20.3.4/', 'ok'],
    ['http://10.21.0.1/', forbidden('private', '10.21.0.1')],
    ['https://wiki.corp.example/hook', 'ok'],
    ['https://a.partner.example/hook', 'ok'],
    ['https://internal.example.com/hook', forbidden('private', '10.1.2.3')],
    ['http://[::1]/', forbidden('loopback', '::1')],
    // The allowlist opens addresses, not schemes or credentials.
    ['ftp://127.0.0.1/', invalid('scheme')],
    ['http://u:p@127.0.0.1/', invalid('credentials')],
  ])('with WEBHOOK_URL_ALLOWLIST: %s', async (url, expected) => {
    expect(await outcome(url, allowing)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { allowlistProblem, blockReason, type Resolver, SsrfBlockedError, SsrfPolicy } from './ssrf-guard.js';

describe('blockReason', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared_address'],
    ['100.127.255.254', 'shared_address'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:100.64.1.1', 'shared_address'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['2002:c0a8:0101::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'reserved'],
    ['not-an-ip', 'reserved'],
  ])('%s → %s', (address, reason) => {
    expect(blockReason(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.1.1',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82a::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
  ])('%s is public', (address) => {
    expect(blockReason(address)).toBeNull();
  });
});

describe('SsrfPolicy', () => {
  const fakeDns =
    (answers: Record<string, string[]>): Resolver =>
    async (host) => {
      const addresses = answers[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };

  it('refuses other schemes, credentials and literal non-public addresses before any DNS', () => {
    const policy = new SsrfPolicy([]);
    const reasons = (url: string) => {
      try {
        policy.checkUrl(url);
        return 'allowed';
      } catch (error) {
        return (error as SsrfBlockedError).reason;
      }
    };
    expect(reasons('ftp://example.com/a')).toBe('scheme');
    expect(reasons('file:///etc/passwd')).toBe('scheme');
    expect(reasons('gopher://example.com')).toBe('scheme');
    expect(reasons('not a url')).toBe('scheme');
    expect(reasons('http://user:pw@example.com/')).toBe('credentials');
    expect(reasons('http://127.0.0.1:8080/')).toBe('loopback');
    // WHATWG URL parsing normalises the shorthand forms attackers use.
    expect(reasons('http://2130706433/')).toBe('loopback');
    expect(reasons('http://0x7f.1/')).toBe('loopback');
    expect(reasons('http://[::ffff:169.254.169.254]/')).toBe('link_local');
    expect(reasons('http://[fd00::1]/')).toBe('private');
    expect(reasons('https://example.com/doc.pdf')).toBe('allowed');
    expect(reasons('http://8.8.8.8/')).toBe('allowed');
  });

  it('refuses a name when any of its addresses is not public', async () => {
    const policy = new SsrfPolicy(
      [],
      fakeDns({
        'public.test': ['93.184.215.14', '2606:4700:4700::1111'],
        'mixed.test': ['93.184.215.14', '10.0.0.5'],
        'metadata.test': ['169.254.169.254'],
        'v6local.test': ['::1'],
      }),
    );
    await expect(policy.resolve('public.test')).resolves.toHaveLength(2);
    await expect(policy.resolve('mixed.test')).rejects.toMatchObject({
      reason: 'private',
      address: '10.0.0.5',
    });
    await expect(policy.resolve('metadata.test')).rejects.toMatchObject({ reason: 'link_local' });
    await expect(policy.resolve('v6local.test')).rejects.toMatchObject({ reason: 'loopback' });
    await expect(policy.resolve('missing.test')).rejects.toMatchObject({ reason: 'unresolvable' });
  });

  it('lets allowlisted hosts, addresses and ranges through', async () => {
    const policy = new SsrfPolicy(
      ['127.0.0.1', 'wiki.corp.test', '*.intranet.test', '10.20.0.0/16', 'fd00::/8'],
      fakeDns({
        'wiki.corp.test': ['10.99.0.1'],
        'a.b.intranet.test': ['192.168.0.7'],
        'svc.test': ['10.20.3.4'],
        'other.test': ['10.21.0.1'],
        'ula.test': ['fd00::5'],
      }),
    );
    expect(() => policy.checkUrl('http://127.0.0.1:9999/')).not.toThrow();
    expect(() => policy.checkUrl('http://127.0.0.2/')).toThrow(SsrfBlockedError);
    expect(policy.addressBlocked('::ffff:127.0.0.1')).toBeNull();
    await expect(policy.resolve('wiki.corp.test')).resolves.toEqual([{ address: '10.99.0.1', family: 4 }]);
    await expect(policy.resolve('a.b.intranet.test')).resolves.toHaveLength(1);
    await expect(policy.resolve('svc.test')).resolves.toHaveLength(1);
    await expect(policy.resolve('other.test')).rejects.toMatchObject({ reason: 'private' });
    await expect(policy.resolve('ula.test')).resolves.toHaveLength(1);
    expect(policy.hostAllowed('intranet.test')).toBe(false);
  });

  it('answers a socket lookup with the checked addresses only (single and all)', async () => {
    const policy = new SsrfPolicy([], fakeDns({ 'two.test': ['93.184.215.14', '2606:4700:4700::1111'] }));
    const single = await new Promise<[Error | null, string, number]>((resolve) =>
      policy.lookup('two.test', { family: 6 }, (error, address, family) =>
        resolve([error, address as string, family as number]),
      ),
    );
    expect(single).toEqual([null, '2606:4700:4700::1111', 6]);
    const all = await new Promise<unknown>((resolve) =>
      policy.lookup('two.test', { all: true }, (_error, addresses) => resolve(addresses)),
    );
    expect(all).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    const refused = new SsrfPolicy([], fakeDns({ 'evil.test': ['127.0.0.1'] }));
    const error = await new Promise<Error | null>((resolve) =>
      refused.lookup('evil.test', {}, (e) => resolve(e)),
    );
    expect(error).toBeInstanceOf(SsrfBlockedError);
  });

  it.each([
    [['10.0.0.0/8', 'example.com', '*.corp.test', '::1', '[fd00::]/8'], undefined],
    [['10.0.0.0/33'], '"10.0.0.0/33" is not a valid CIDR range'],
    [['::/129'], '"::/129" is not a valid CIDR range'],
    [['exa mple.com'], '"exa mple.com" is neither a host name, an IP address nor a CIDR range'],
    [['host/8'], '"host/8" is not a valid CIDR range'],
  ])('allowlist %j → %s', (entries, problem) => {
    expect(allowlistProblem(entries)).toBe(problem);
  });
});

import { describe, expect, it } from 'vitest';
import { inIpRanges } from '../../platform/net/ip-ranges.js';
import { InvalidIpAllowlistError, MAX_ALLOWLIST_ENTRIES, parseAllowlist } from './ip-allowlist.js';

describe('parseAllowlist: bad entries are refused, naming the entry', () => {
  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['10.0.0', 'is not an IPv4 or IPv6 address'],
    ['256.1.1.1', 'is not an IPv4 or IPv6 address'],
    ['10.0.0.1.5', 'is not an IPv4 or IPv6 address'],
    ['example.com', 'is not an IPv4 or IPv6 address'],
    ['10.0.0.0/33', 'the prefix length must be 0 to 32'],
    ['10.0.0.0/-1', 'the prefix length must be 0 to 32'],
    ['10.0.0.0/', 'the prefix length must be 0 to 32'],
    ['10.0.0.0/8.5', 'the prefix length must be 0 to 32'],
    ['10.0.0.0/abc', 'the prefix length must be 0 to 32'],
    ['2001:db8::/129', 'the prefix length must be 0 to 128'],
    ['10.0.0.0/8/8', 'has more than one "/"'],
    ['2001:db8:::1', 'is not an IPv4 or IPv6 address'],
    ['2001:db8::g', 'is not an IPv4 or IPv6 address'],
    ['fe80::1%eth0', 'zone ids (%) are not allowed'],
    ['/8', 'is not an IPv4 or IPv6 address'],
  ])('%j: %s', (entry, problem) => {
    let error: unknown;
    try {
      parseAllowlist(['192.0.2.1', entry]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidIpAllowlistError);
    const e = error as InvalidIpAllowlistError;
    expect(e.code).toBe('invalid_ip_allowlist');
    expect(e.status).toBe(400);
    expect(e.message).toContain(`entries[1] ${JSON.stringify(entry)}`);
    expect(e.details).toMatchObject({ param: 'entries', index: 1, entry, problem });
  });

  it('refuses more than the maximum number of entries', () => {
    expect(() => parseAllowlist(new Array(MAX_ALLOWLIST_ENTRIES + 1).fill('10.0.0.1'))).toThrow(
      InvalidIpAllowlistError,
    );
  });
});

describe('parseAllowlist: matching', () => {
  const { entries, list } = parseAllowlist([
    ' 203.0.113.7 ',
    '10.0.0.0/8',
    '2001:db8::/32',
    '2001:db8:ffff::1',
    '0.0.0.0/0',
  ]);
  const narrow = parseAllowlist(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32', '198.51.100.0/24']).list;

  it('keeps the entries trimmed', () => {
    expect(entries).toEqual(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32', '2001:db8:ffff::1', '0.0.0.0/0']);
  });

  it.each([
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['10.255.255.255', true],
    ['11.0.0.1', false],
    ['2001:db8:1234::5', true],
    ['2001:db9::1', false],
    ['::ffff:10.1.2.3', true], // IPv4-mapped IPv6 matches the IPv4 range
    ['198.51.100.200', true],
    ['not-an-ip', false],
    ['', false],
  ])('%s allowed: %s', (ip, allowed) => {
    expect(inIpRanges(narrow, ip)).toBe(allowed);
  });

  it('0.0.0.0/0 takes every IPv4 address but no IPv6 one', () => {
    expect(inIpRanges(list, '8.8.8.8')).toBe(true);
    expect(inIpRanges(list, '2002::1')).toBe(false);
  });
});

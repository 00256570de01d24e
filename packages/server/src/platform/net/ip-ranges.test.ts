import { describe, expect, it } from 'vitest';
import { type IpRange, inIpRanges, ipRangeList, parseIpRange } from './ip-ranges.js';

describe('parseIpRange', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['10.1.2.3', { address: '10.1.2.3', prefix: 32, family: 'ipv4' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
  ])('%s', (input, expected) => {
    expect(parseIpRange(input)).toEqual(expected);
  });

  it.each([
    ['10.0.0.0/33', 'the prefix length must be 0 to 32'],
    ['10.0.0.0/8/1', 'has more than one "/"'],
    ['10.0.0/8', 'is not an IPv4 or IPv6 address'],
    ['10.0.0.0/x', 'the prefix length must be 0 to 32'],
    ['10.0.0.0/', 'the prefix length must be 0 to 32'],
    ['::/129', 'the prefix length must be 0 to 128'],
    ['', 'is empty'],
  ])('%s is refused: %s', (input, problem) => {
    expect(parseIpRange(input)).toBe(problem);
  });
});

describe('inIpRanges', () => {
  const list = ipRangeList(
    ['10.0.0.0/8', '2001:db8::/32', 'fe80::/64'].map((r) => parseIpRange(r) as IpRange),
  );
  it.each([
    ['10.1.2.3', true],
    ['11.0.0.1', false],
    ['::ffff:10.1.2.3', true], // IPv4-mapped IPv6 matches the IPv4 range
    ['2001:db8::5', true],
    ['2001:db9::5', false],
    ['fe80::1%eth0', true], // a zone id is ignored
    ['not-an-ip', false],
    ['', false],
  ])('%s: %s', (ip, inside) => {
    expect(inIpRanges(list, ip)).toBe(inside);
  });
});

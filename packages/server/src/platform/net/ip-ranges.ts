import { BlockList, isIP } from 'node:net';

/** An address or CIDR block, as the parts `net.BlockList` takes (a bare address: the full prefix). */
export interface IpRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses an IPv4 or IPv6 address or CIDR block (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`); a
 * string saying what is wrong with it otherwise. Shared by tenant IP allowlists and feature-flag IP rules.
 * @example parseIpRange('10.0.0.0/8') // { address: '10.0.0.0', prefix: 8, family: 'ipv4' }
 * @example parseIpRange('10.0.0.0/33') // 'the prefix length must be 0 to 32'
 */
export function parseIpRange(value: string): IpRange | string {
  if (value === '') return 'is empty';
  const parts = value.split('/');
  if (parts.length > 2) return 'has more than one "/"';
  const [address, prefixText] = parts as [string, string | undefined];
  const version = isIP(address);
  if (version === 0) return 'is not an IPv4 or IPv6 address';
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max))
    return `the prefix length must be 0 to ${max}`;
  return {
    address,
    prefix: prefixText === undefined ? max : Number(prefixText),
    family: version === 4 ? 'ipv4' : 'ipv6',
  };
}

/** The matcher for parsed ranges. */
export function ipRangeList(ranges: Iterable<IpRange>): BlockList {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return list;
}

/**
 * Whether a client address is in the list: IPv4-mapped IPv6 addresses match IPv4 ranges and zone ids
 * are ignored (both by `net.BlockList` itself); an address Node cannot parse is in no list.
 * @example inIpRanges(ipRangeList([{ address: '10.0.0.0', prefix: 8, family: 'ipv4' }]), '::ffff:10.1.2.3') // true
 */
export function inIpRanges(list: BlockList, ip: string): boolean {
  const version = isIP(ip);
  return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}

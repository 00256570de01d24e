import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/**
 * The server-side request forgery guard for every outgoing request whose URL a tenant chose (knowledge-base
 * URL documents now, webhooks later): a URL may only reach public addresses. Names are resolved by the
 * guard itself and the connection is made to the address it checked (the {@link SsrfPolicy.lookup} given
 * to node:http), so a DNS answer that changes between the check and the connection (rebinding) cannot
 * switch the target. Operators open exceptions with an allowlist of host names and CIDR ranges.
 */

/** Why an address is refused. */
export type BlockReason =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared_address'
  | 'multicast'
  | 'reserved'
  | 'documentation';

interface Range {
  bytes: Uint8Array;
  prefix: number;
  reason: BlockReason;
}

/** IPv4 ranges that are not the public internet (IANA special-purpose registry). */
const IPV4_BLOCKED: [string, number, BlockReason][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared_address'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** IPv6 ranges that are not the public internet; ranges that embed an IPv4 address are handled apart. */
const IPV6_BLOCKED: [string, number, BlockReason][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  // IPv4-compatible (deprecated) addresses, and the rest of ::/96 except the two above.
  ['::', 96, 'reserved'],
  ['64:ff9b:1::', 48, 'private'],
  ['100::', 64, 'reserved'],
  ['2001::', 32, 'reserved'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link_local'],
  ['fec0::', 10, 'private'],
  ['ff00::', 8, 'multicast'],
];

const v4Ranges: Range[] = IPV4_BLOCKED.map(([a, prefix, reason]) => ({
  bytes: ipv4Bytes(a)!,
  prefix,
  reason,
}));
const v6Ranges: Range[] = IPV6_BLOCKED.map(([a, prefix, reason]) => ({
  bytes: ipv6Bytes(a)!,
  prefix,
  reason,
}));

/**
 * Why `address` (an IPv4 or IPv6 literal) is not a public internet address, or null when it is.
 * IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are judged by that IPv4 address.
 * @example blockReason('10.1.2.3') // 'private'
 * @example blockReason('::ffff:127.0.0.1') // 'loopback'
 * @example blockReason('93.184.215.14') // null
 */
export function blockReason(address: string): BlockReason | null {
  const plain = unbracket(address);
  const family = isIP(plain);
  if (family === 4) return match(ipv4Bytes(plain)!, v4Ranges);
  if (family !== 6) return 'reserved';
  const bytes = ipv6Bytes(plain);
  if (!bytes) return 'reserved';
  const embedded = embeddedIpv4(bytes);
  if (embedded) return match(embedded, v4Ranges);
  return match(bytes, v6Ranges);
}

function match(bytes: Uint8Array, ranges: readonly Range[]): BlockReason | null {
  // The most specific range wins (::1 is loopback although ::/96 is reserved).
  let best: Range | undefined;
  for (const range of ranges)
    if (inPrefix(bytes, range.bytes, range.prefix) && (!best || range.prefix > best.prefix)) best = range;
  return best?.reason ?? null;
}

function embeddedIpv4(bytes: Uint8Array): Uint8Array | undefined {
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.subarray(12, 16);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12))
    return bytes.subarray(12, 16);
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.subarray(2, 6);
  return undefined;
}

function inPrefix(address: Uint8Array, network: Uint8Array, prefix: number): boolean {
  if (address.length !== network.length) return false;
  const whole = Math.floor(prefix / 8);
  for (let i = 0; i < whole; i++) if (address[i] !== network[i]) return false;
  const rest = prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole]! & mask) === (network[whole]! & mask);
}

function ipv4Bytes(address: string): Uint8Array | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!/^\d{1,3}$/.test(parts[i]!) || n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

function ipv6Bytes(address: string): Uint8Array | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted IPv4 part becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Bytes(tail);
    if (!v4) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = groups[i]!;
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
    const n = Number.parseInt(group, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  }
  return bytes;
}

const unbracket = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** One resolved address, as `dns.lookup` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A URL or address the policy refuses; `reason` is stable (see {@link BlockReason} and the URL checks). */
export class SsrfBlockedError extends Error {
  constructor(
    message: string,
    readonly reason: BlockReason | 'scheme' | 'credentials' | 'unresolvable',
    readonly address?: string,
  ) {
    super(message);
    this.name = 'SsrfBlockedError';
  }
}

/**
 * Which outgoing URLs are allowed: public addresses only, plus what the allowlist names. Allowlist entries
 * are host names (`docs.internal`, exact, case-insensitive; `*.corp.example` for its subdomains), single
 * addresses (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`).
 * @example const policy = new SsrfPolicy(['127.0.0.1', 'wiki.corp.example']);
 */
export class SsrfPolicy {
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: { bytes: Uint8Array; prefix: number }[] = [];

  constructor(
    allowlist: readonly string[] = [],
    private readonly resolver: Resolver = systemResolver,
  ) {
    for (const raw of allowlist) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      const parsed = parseAllowlistEntry(entry);
      if (parsed.kind === 'host') this.hosts.add(parsed.host);
      else if (parsed.kind === 'suffix') this.suffixes.push(parsed.suffix);
      else this.ranges.push(parsed);
    }
  }

  /** Whether the host name itself is allowlisted (every address it resolves to is then allowed). */
  hostAllowed(hostname: string): boolean {
    const host = unbracket(hostname).toLowerCase().replace(/\.$/, '');
    return this.hosts.has(host) || this.suffixes.some((suffix) => host.endsWith(suffix));
  }

  /** Why `address` may not be reached, or null when it may (public, or inside an allowlisted range). */
  addressBlocked(address: string): BlockReason | null {
    const plain = unbracket(address);
    const reason = blockReason(plain);
    if (reason === null) return null;
    const family = isIP(plain);
    const bytes = family === 4 ? ipv4Bytes(plain) : family === 6 ? ipv6Bytes(plain) : undefined;
    if (bytes) {
      // An allowlisted IPv4 range also covers the same addresses written as IPv4-mapped IPv6.
      const v4 = bytes.length === 16 ? embeddedIpv4(bytes) : undefined;
      for (const range of this.ranges)
        if (inPrefix(bytes, range.bytes, range.prefix) || (v4 && inPrefix(v4, range.bytes, range.prefix)))
          return null;
    }
    return reason;
  }

  /**
   * Checks what can be checked without DNS: the scheme (http, https), no credentials in the URL, and a
   * literal IP host. Throws {@link SsrfBlockedError}; returns the parsed URL.
   */
  checkUrl(input: string | URL): URL {
    let url: URL;
    try {
      url = new URL(String(input));
    } catch {
      throw new SsrfBlockedError('The URL is not valid', 'scheme');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new SsrfBlockedError(`Only http and https URLs can be fetched (got ${url.protocol})`, 'scheme');
    if (url.username !== '' || url.password !== '')
      throw new SsrfBlockedError('URLs with credentials are not fetched', 'credentials');
    const host = unbracket(url.hostname);
    if (isIP(host) && !this.hostAllowed(host)) {
      const reason = this.addressBlocked(host);
      if (reason) throw new SsrfBlockedError(`${host} is ${describe(reason)} address`, reason, host);
    }
    return url;
  }

  /**
   * Resolves `hostname` and returns its addresses when every one of them may be reached (a name with one
   * private address among public ones is refused: the connection could pick either).
   */
  async resolve(hostname: string): Promise<ResolvedAddress[]> {
    const host = unbracket(hostname);
    if (isIP(host)) {
      if (!this.hostAllowed(host)) {
        const reason = this.addressBlocked(host);
        if (reason) throw new SsrfBlockedError(`${host} is ${describe(reason)} address`, reason, host);
      }
      return [{ address: host, family: isIP(host) }];
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolver(host);
    } catch (error) {
      throw new SsrfBlockedError(
        `${host} could not be resolved: ${(error as Error).message}`,
        'unresolvable',
      );
    }
    if (addresses.length === 0) throw new SsrfBlockedError(`${host} has no addresses`, 'unresolvable');
    if (this.hostAllowed(host)) return addresses;
    for (const { address } of addresses) {
      const reason = this.addressBlocked(address);
      if (reason)
        throw new SsrfBlockedError(
          `${host} resolves to ${address}, ${describe(reason)} address`,
          reason,
          address,
        );
    }
    return addresses;
  }

  /**
   * A `lookup` for node:http / node:https / node:net that resolves through {@link resolve}: the socket
   * connects only to an address the policy checked. Handles both `all: true` (Happy Eyeballs) and
   * single-address calls.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = typeof options === 'object' ? options.family : undefined;
    const all = typeof options === 'object' && options.all === true;
    this.resolve(hostname).then(
      (found) => {
        const wanted = family === 4 || family === 6 ? found.filter((a) => a.family === family) : found;
        if (wanted.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no IPv${family} address`), {
            code: 'ENOTFOUND',
          });
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        if (all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

function parseAllowlistEntry(
  entry: string,
):
  | { kind: 'host'; host: string }
  | { kind: 'suffix'; suffix: string }
  | { kind: 'range'; bytes: Uint8Array; prefix: number } {
  const slash = entry.indexOf('/');
  const address = unbracket(slash >= 0 ? entry.slice(0, slash) : entry);
  const family = isIP(address);
  if (family !== 0) {
    const bytes = family === 4 ? ipv4Bytes(address)! : ipv6Bytes(address)!;
    const max = family === 4 ? 32 : 128;
    const prefix = slash >= 0 ? Number(entry.slice(slash + 1)) : max;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
      throw new Error(`"${entry}" is not a valid CIDR range`);
    return { kind: 'range', bytes, prefix };
  }
  if (slash >= 0) throw new Error(`"${entry}" is not a valid CIDR range`);
  if (entry.startsWith('*.')) return { kind: 'suffix', suffix: entry.slice(1) };
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry))
    throw new Error(`"${entry}" is neither a host name, an IP address nor a CIDR range`);
  return { kind: 'host', host: entry.replace(/\.$/, '') };
}

/**
 * Checks allowlist entries (for config parsing): the first problem, or undefined when all are valid.
 * @example allowlistProblem(['10.0.0.0/33']) // '"10.0.0.0/33" is not a valid CIDR range'
 */
export function allowlistProblem(entries: readonly string[]): string | undefined {
  for (const entry of entries) {
    if (entry.trim() === '') continue;
    try {
      parseAllowlistEntry(entry.trim().toLowerCase());
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}

const DESCRIPTIONS: Record<BlockReason, string> = {
  unspecified: 'an unspecified',
  loopback: 'a loopback',
  private: 'a private',
  link_local: 'a link-local',
  shared_address: 'a shared (CGNAT)',
  multicast: 'a multicast',
  reserved: 'a reserved',
  documentation: 'a documentation',
};

function describe(reason: BlockReason): string {
  return DESCRIPTIONS[reason];
}

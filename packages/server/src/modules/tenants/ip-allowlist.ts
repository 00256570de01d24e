import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { BadRequestError, ForbiddenError } from '../../errors.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { AccessService } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { IpAllowlistRepository } from './ip-allowlist.repository.js';

/** The most entries one tenant's allowlist may hold. */
export const MAX_ALLOWLIST_ENTRIES = 1_000;

/** 403: the tenant has an IP allowlist and the request's client address is not on it. */
export class IpNotAllowedError extends ForbiddenError {
  override readonly code = 'ip_not_allowed';
}

/** 400: an allowlist entry that is not an IPv4/IPv6 address or CIDR range (`details.entry` names it). */
export class InvalidIpAllowlistError extends BadRequestError {
  override readonly code = 'invalid_ip_allowlist';
}

/** 400: the new allowlist would shut out the address making the change (send `force: true` to insist). */
export class IpAllowlistExcludesCallerError extends BadRequestError {
  override readonly code = 'ip_allowlist_excludes_caller';
}

/** A parsed allowlist: the entries as written (trimmed) and the matcher built from them. */
export interface ParsedAllowlist {
  entries: string[];
  list: BlockList;
}

/**
 * Parses allowlist entries: IPv4 or IPv6 addresses (`203.0.113.7`, `2001:db8::1`) and CIDR ranges
 * (`10.0.0.0/8`, `2001:db8::/32`). Throws {@link InvalidIpAllowlistError} naming the first bad entry and
 * its index. Matching is Node's `net.BlockList` (IPv4-mapped IPv6 clients match IPv4 entries).
 *
 * @example
 * const { list } = parseAllowlist(['10.0.0.0/8', '2001:db8::/32']);
 * list.check('10.1.2.3', 'ipv4'); // true
 */
export function parseAllowlist(raw: readonly string[]): ParsedAllowlist {
  if (raw.length > MAX_ALLOWLIST_ENTRIES) {
    throw new InvalidIpAllowlistError(`An allowlist holds at most ${MAX_ALLOWLIST_ENTRIES} entries`, {
      details: { param: 'entries', max: MAX_ALLOWLIST_ENTRIES },
    });
  }
  const list = new BlockList();
  const entries: string[] = [];
  raw.forEach((value, index) => {
    const entry = value.trim();
    const problem = entryProblem(entry);
    if (problem) {
      throw new InvalidIpAllowlistError(`entries[${index}] ${JSON.stringify(value)}: ${problem}`, {
        details: { param: 'entries', index, entry: value, problem },
      });
    }
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
    entries.push(entry);
  });
  return { entries, list };
}

function entryProblem(entry: string): string | undefined {
  if (entry === '') return 'is empty';
  if (entry.includes('%')) return 'zone ids (%) are not allowed';
  const parts = entry.split('/');
  if (parts.length > 2) return 'has more than one "/"';
  const [address, prefix] = parts as [string, string | undefined];
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return 'is not an IPv4 or IPv6 address';
  if (prefix === undefined) return undefined;
  const max = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `the prefix length must be 0 to ${max}`;
  return undefined;
}

/** Whether `ip` is on the list (an address Node cannot parse is on no list). */
export function allowlistIncludes(list: BlockList, ip: string): boolean {
  if (isIPv4(ip)) return list.check(ip, 'ipv4');
  if (isIPv6(ip)) return list.check(ip.split('%')[0]!, 'ipv6');
  return false;
}

export const IP_ALLOWLIST_INVALIDATION_CHANNEL = 'ip-allowlist:invalidate';

/**
 * The check on the hot path: is this client address allowed into this tenant? Each tenant's list (or its
 * absence) is remembered in process for `memoTtlMs`; a change drops it here and on every other instance
 * through the cache's pub/sub, and the TTL bounds how long a lost message could matter.
 * AccessService calls {@link check} for every tenant-scoped permission check.
 */
export class IpAllowlistGuard {
  private readonly memo = new Map<string, { list: BlockList | null; expires: number }>();

  constructor(
    private readonly deps: {
      db: Executor;
      repository: IpAllowlistRepository;
      cache: Cache;
      memoTtlMs: number;
    },
  ) {}

  /** Listens for other instances' changes; resolves to a function that stops listening. */
  async listen(): Promise<() => Promise<void>> {
    return this.deps.cache.subscribe(IP_ALLOWLIST_INVALIDATION_CHANNEL, (tenantId) =>
      this.memo.delete(tenantId),
    );
  }

  /** Forgets the tenant's list here and on every instance (after a change). */
  async invalidate(tenantId: string): Promise<void> {
    this.memo.delete(tenantId);
    await this.deps.cache.publish(IP_ALLOWLIST_INVALIDATION_CHANNEL, tenantId);
  }

  /** Throws 403 `ip_not_allowed` when the tenant has a non-empty allowlist without `ip` on it. */
  async check(tenantId: string, ip: string): Promise<void> {
    let remembered = this.memo.get(tenantId);
    if (!remembered || remembered.expires <= Date.now()) {
      const row = await this.deps.repository.get(this.deps.db, tenantId);
      const list = row && row.entries.length > 0 ? parseAllowlist(row.entries).list : null;
      remembered = { list, expires: Date.now() + this.deps.memoTtlMs };
      if (this.memo.size >= 10_000) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(tenantId, remembered);
    }
    if (remembered.list && !allowlistIncludes(remembered.list, ip)) {
      throw new IpNotAllowedError("Your client address is not on this tenant's IP allowlist", {
        details: { tenant_id: tenantId },
      });
    }
  }
}

export interface IpAllowlistView {
  entries: string[];
  /** Null until the tenant first sets a list. */
  updated_at: Date | null;
}

/** Reading (`tenant:read`) and replacing (`tenant:update`) a tenant's IP allowlist. */
export class IpAllowlistService {
  constructor(
    private readonly deps: {
      db: Executor;
      repository: IpAllowlistRepository;
      guard: IpAllowlistGuard;
      access: AccessService;
      audit: AuditService;
    },
  ) {}

  async get(ctx: RequestContext, tenantId: string): Promise<IpAllowlistView> {
    await this.deps.access.require(ctx, tenantId, 'tenant:read');
    const row = await this.deps.repository.get(this.deps.db, tenantId);
    return row ?? { entries: [], updated_at: null };
  }

  /**
   * Replaces the list (empty: every address may call). Refuses, with 400 `ip_allowlist_excludes_caller`, a
   * non-empty list that leaves out the caller's own address unless `force` is set, so an admin cannot
   * lock themselves out by accident.
   */
  async put(
    ctx: RequestContext,
    tenantId: string,
    input: { entries: readonly string[]; force?: boolean },
  ): Promise<IpAllowlistView> {
    await this.deps.access.require(ctx, tenantId, 'tenant:update');
    const parsed = parseAllowlist(input.entries);
    if (parsed.entries.length > 0 && !input.force && !allowlistIncludes(parsed.list, ctx.ip)) {
      throw new IpAllowlistExcludesCallerError(
        `The allowlist does not include your current address ${ctx.ip}: you would lose access to this tenant. Add it, or send "force": true`,
        { details: { param: 'entries', caller_ip: ctx.ip } },
      );
    }
    const updatedAt = await this.deps.repository.put(this.deps.db, tenantId, parsed.entries);
    await this.deps.guard.invalidate(tenantId);
    await this.deps.audit.record(ctx, {
      action: 'tenant.ip_allowlist_update',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      details: { entries: parsed.entries.length, forced: Boolean(input.force) },
    });
    return { entries: parsed.entries, updated_at: updatedAt };
  }
}

import type { BlockList } from 'node:net';
import { BadRequestError, ForbiddenError } from '../../errors.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import { type IpRange, inIpRanges, ipRangeList, parseIpRange } from '../../platform/net/ip-ranges.js';
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
  const ranges: IpRange[] = [];
  const entries: string[] = [];
  raw.forEach((value, index) => {
    const entry = value.trim();
    // Zone ids name an interface of one machine, never a client's address.
    const parsed = entry.includes('%') ? 'zone ids (%) are not allowed' : parseIpRange(entry);
    if (typeof parsed === 'string') {
      throw new InvalidIpAllowlistError(`entries[${index}] ${JSON.stringify(value)}: ${parsed}`, {
        details: { param: 'entries', index, entry: value, problem: parsed },
      });
    }
    ranges.push(parsed);
    entries.push(entry);
  });
  return { entries, list: ipRangeList(ranges) };
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
    if (remembered.list && !inIpRanges(remembered.list, ip)) {
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
    if (parsed.entries.length > 0 && !input.force && !inIpRanges(parsed.list, ctx.ip)) {
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

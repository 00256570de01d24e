import {
  type AppError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  QuotaExceededError,
  ServiceUnavailableError,
} from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import {
  type AccessService,
  requirePlatformAdmin,
  requirePrincipal,
  TenantNotFoundError,
} from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { TenantsRepository } from '../tenants/tenants.repository.js';
import {
  countersOf,
  NO_TOP_UPS,
  outputReservation,
  type PlanLimits,
  periodKey,
  type QuotaCounter,
  type QuotaMetric,
  type QuotaPeriod,
  type QuotaScope,
  type QuotaSubject,
  releaseOf,
  reservationOf,
  settlementOf,
  type TopUps,
} from './quota-math.js';
import type { PlanColumns, QuotaPlan, QuotasRepository, TopUpRow } from './quotas.repository.js';

/** A request asks for more output tokens (`max_tokens`) than the caller's plan allows per request. */
export class MaxTokensExceedsPlanError extends BadRequestError {
  override readonly code = 'max_tokens_exceeds_plan';
}

/** `/v1/admin/plans/:name` names no plan. */
export class PlanNotFoundError extends NotFoundError {
  override readonly code = 'plan_not_found';
}

/** A plan assignment names a plan that does not exist. */
export class UnknownPlanError extends BadRequestError {
  override readonly code = 'unknown_plan';
}

/** `POST /v1/admin/plans` with a name already taken. */
export class PlanExistsError extends ConflictError {
  override readonly code = 'plan_exists';
}

/** The user named is not a member of the tenant. */
export class MemberNotFoundError extends NotFoundError {
  override readonly code = 'not_found';
}

/** What the metrics (or anything else) may watch; every method is optional and must not throw. */
export interface QuotaObserver {
  /** A call was refused with 429 `quota_exceeded` on this counter. */
  onQuotaRejected?(event: {
    tenantId: string;
    scope: QuotaScope;
    metric: QuotaMetric;
    period: QuotaPeriod;
  }): void;
  /** The counters could not be reached (the call was refused with 503). */
  onQuotaUnavailable?(event: { tenantId: string }): void;
}

/** One LLM call to check: who is calling and what it may use. */
export interface QuotaRequest {
  tenantId: string;
  /** The calling user (an API key's creator); null for Nexus's own background work. */
  userId: string | null;
  inputTokens: number;
  /** The output the request asked for (`max_tokens`); undefined when it named none. */
  requestedOutputTokens?: number | undefined;
  /** Whether the call produces tokens (chat): reserves output and applies the plan's `max_tokens` cap. */
  generates: boolean;
}

/** A reservation: settle it with the call's real usage, or release it when the call failed. */
export interface QuotaTicket {
  /** The plan's per-request `max_tokens` cap, for a request that named none (null: no cap). */
  readonly maxTokens: number | null;
  readonly reservedTokens: number;
  /** Charges the real tokens (input + output): refunds what was reserved beyond them, or charges more. */
  settle(actualTokens: number): Promise<void>;
  /** Gives back the whole reservation (the request and its tokens). */
  release(): Promise<void>;
}

/** A ticket for calls that are not checked (quotas off). */
export const UNCHECKED_TICKET: QuotaTicket = {
  maxTokens: null,
  reservedTokens: 0,
  settle: async () => {},
  release: async () => {},
};

export interface QuotaSettings {
  /** `QUOTAS_ENABLED`: with false, {@link QuotaService.reserve} checks nothing (the admin API still works). */
  enabled: boolean;
  /** `QUOTA_DEFAULT_PLAN`: the plan of tenants that were given none. */
  defaultPlan: string;
  /** `QUOTA_OUTPUT_ESTIMATE_TOKENS`: output reserved for a chat call that names no `max_tokens`. */
  outputEstimateTokens: number;
  /** `QUOTA_PLAN_CACHE_MS`: how long plans, assignments and top-ups are remembered per instance. */
  planCacheMs: number;
}

/** A quota line of `GET /v1/quotas`. */
export interface QuotaLine {
  scope: QuotaScope;
  metric: QuotaMetric;
  period: QuotaPeriod;
  plan: string;
  limit: number | null;
  used: number;
  remaining: number | null;
  top_up: number;
  resets_at: string;
}

export interface QuotaStatus {
  enabled: boolean;
  tenant_id: string;
  user_id: string | null;
  tenant_plan: string;
  user_plan: string | null;
  /** The per-request `max_tokens` cap of the caller's plan (null: none). */
  max_tokens: number | null;
  quotas: QuotaLine[];
}

export interface PlanInput {
  description?: string | undefined;
  tokens_per_day?: number | null | undefined;
  tokens_per_month?: number | null | undefined;
  requests_per_day?: number | null | undefined;
  requests_per_month?: number | null | undefined;
  max_tokens?: number | null | undefined;
}

export interface TopUpInput {
  userId?: string | undefined;
  period: QuotaPeriod;
  tokens?: number | undefined;
  requests?: number | undefined;
  reason?: string | undefined;
}

export const QUOTA_INVALIDATION_CHANNEL = 'quota:invalidate';

interface Resolved {
  subject: QuotaSubject;
  dayKey: string;
  expires: number;
}

const UNLIMITED: PlanLimits = {
  tokensPerDay: null,
  tokensPerMonth: null,
  requestsPerDay: null,
  requestsPerMonth: null,
  maxTokens: null,
};

/**
 * Quotas: plans with token and request budgets per day and per month (per tenant and per user), a
 * per-request `max_tokens` cap, top-ups, and their enforcement around every LLM call. {@link reserve}
 * checks and takes, in one atomic cache step (a Lua script on Redis), one request and the call's estimated
 * tokens on every counter that applies; the ticket then settles the real usage or releases it all.
 * Counters live in the cache under keys that carry the period; when the cache cannot be reached, calls
 * are refused (fail closed, 503).
 * @example
 * const ticket = await quotas.reserve({ tenantId, userId, inputTokens: 120, requestedOutputTokens: 256, generates: true });
 * try { const usage = await call(); await ticket.settle(usage.inputTokens + usage.outputTokens); }
 * catch (error) { await ticket.release(); throw error; }
 */
export class QuotaService {
  private readonly memo = new Map<string, Resolved>();
  private plans: { byName: Map<string, QuotaPlan>; expires: number } | undefined;
  private readonly observers = new Set<QuotaObserver>();
  /** In-process counters seeded from the metering table (per subject and day), or being seeded. */
  private readonly seeded = new Map<string, Promise<void>>();
  /** Settlements and releases sent and not answered yet ({@link settled} waits for them at shutdown). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      db: Executor;
      quotas: QuotasRepository;
      tenants: TenantsRepository;
      cache: Cache;
      access: AccessService;
      audit: AuditService;
      logger: Logger;
      settings: QuotaSettings;
      observer?: QuotaObserver;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
    if (deps.observer) this.observers.add(deps.observer);
  }

  get enabled(): boolean {
    return this.deps.settings.enabled;
  }

  /**
   * Adds an observer (the metrics module counts rejections with it); returns the function that removes it.
   * @example const stop = quotas.observe({ onQuotaRejected: (e) => rejections.inc({ scope: e.scope }) });
   */
  observe(observer: QuotaObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Follows changes made on other instances (plans, assignments, top-ups); returns the unsubscribe. */
  async listen(): Promise<() => Promise<void>> {
    return this.deps.cache.subscribe(QUOTA_INVALIDATION_CHANNEL, (tenantId) => this.forget(tenantId));
  }

  /** Throws when `QUOTA_DEFAULT_PLAN` names no plan (checked at start-up, so a typo does not go unnoticed). */
  async checkDefaultPlan(): Promise<void> {
    if (!(await this.deps.quotas.getPlan(this.deps.db, this.deps.settings.defaultPlan)))
      throw new Error(
        `QUOTA_DEFAULT_PLAN names the plan "${this.deps.settings.defaultPlan}", which does not exist (create it with POST /v1/admin/plans, or pick free or vip)`,
      );
  }

  // --- Enforcement ---------------------------------------------------------------------------------------

  /**
   * Checks the call against every budget that applies and reserves it: 400 `max_tokens_exceeds_plan`
   * when it asks for more output than the plan allows, 429 `quota_exceeded` (with `Retry-After` and
   * `details.reset_at`) when a budget has not enough left, 503 `service_unavailable` when the counters
   * cannot be reached. With quotas off, answers a ticket that does nothing.
   */
  async reserve(request: QuotaRequest): Promise<QuotaTicket> {
    if (!this.deps.settings.enabled) return UNCHECKED_TICKET;
    const now = new Date(this.now());
    const subject = await this.subject(request.tenantId, request.userId, now);
    const own = subject.user ?? subject.tenant;
    const cap = own.limits.maxTokens;
    const requested = request.requestedOutputTokens;
    if (request.generates && cap !== null && requested !== undefined && requested > cap)
      throw new MaxTokensExceedsPlanError(
        `max_tokens ${requested} is more than the ${own.plan} plan allows per request (${cap})`,
        { details: { param: 'max_tokens', limit: cap, requested, plan: own.plan } },
      );
    const tokens =
      Math.max(0, Math.round(request.inputTokens)) +
      (request.generates ? outputReservation(requested, cap, this.deps.settings.outputEstimateTokens) : 0);
    const counters = countersOf(subject, now);
    if (this.deps.cache.kind === 'memory') await this.seedFromMetering(subject, counters, now);
    let result: Awaited<ReturnType<Cache['reserveCounters']>>;
    try {
      result = await this.deps.cache.reserveCounters(reservationOf(counters, tokens, now));
    } catch (error) {
      this.notify((o) => o.onQuotaUnavailable?.({ tenantId: request.tenantId }));
      throw unavailable(error);
    }
    if (!result.allowed) {
      const counter = counters[result.blocked]!;
      this.notify((o) =>
        o.onQuotaRejected?.({
          tenantId: request.tenantId,
          scope: counter.scope,
          metric: counter.metric,
          period: counter.period,
        }),
      );
      const plan = counter.scope === 'tenant' ? subject.tenant.plan : own.plan;
      throw exceeded(counter, result.current, counter.metric === 'tokens' ? tokens : 1, plan, now);
    }
    return this.ticket(counters, tokens, request.generates && requested === undefined ? cap : null);
  }

  private ticket(counters: QuotaCounter[], reservedTokens: number, maxTokens: number | null): QuotaTicket {
    let done = false;
    const apply = (what: string, build: (now: Date) => Parameters<Cache['reserveCounters']>[0]) => {
      if (done) return Promise.resolve();
      done = true;
      const changes = build(new Date(this.now()));
      if (changes.length === 0) return Promise.resolve();
      // Sent at once (Redis applies commands in the order it receives them) and tracked, so a caller may
      // go on without waiting for the answer and shutdown still waits for it.
      const applied = this.deps.cache.reserveCounters(changes).then(
        () => undefined,
        (error: unknown) => {
          // The call has happened; its answer is not failed for the bookkeeping. Logged for the operator.
          this.deps.logger.warn({ err: error }, `could not ${what} a quota reservation`);
        },
      );
      this.inFlight.add(applied);
      void applied.finally(() => this.inFlight.delete(applied));
      return applied;
    };
    return {
      maxTokens,
      reservedTokens,
      settle: (actualTokens) =>
        apply('settle', (now) => settlementOf(counters, reservedTokens, actualTokens, now)),
      release: () => apply('release', (now) => releaseOf(counters, reservedTokens, now)),
    };
  }

  /** Waits for every settlement and release already sent (graceful shutdown, before the cache closes). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * The in-process cache (embedded default) starts empty after a restart: before a subject's first call of
   * the day in this process, counters that do not exist yet are set from the metering table, so a restart
   * does not hand out a fresh budget. Only when a budget is set (unlimited counters need no history).
   * Redis keeps its counters across restarts of Nexus.
   */
  private async seedFromMetering(subject: QuotaSubject, counters: QuotaCounter[], now: Date): Promise<void> {
    if (counters.every((c) => c.limit === null)) return;
    const key = `${subject.tenantId}|${subject.userId ?? ''}|${periodKey('day', now)}`;
    let seeding = this.seeded.get(key);
    if (!seeding) {
      seeding = this.seed(subject, counters, now).catch((error) => {
        this.seeded.delete(key);
        throw error;
      });
      if (this.seeded.size >= 10_000) this.seeded.delete(this.seeded.keys().next().value!);
      this.seeded.set(key, seeding);
    }
    await seeding;
  }

  private async seed(subject: QuotaSubject, counters: QuotaCounter[], now: Date): Promise<void> {
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const scopes: { scope: QuotaScope; userId: string | null }[] = [{ scope: 'tenant', userId: null }];
    if (subject.user && subject.userId) scopes.push({ scope: 'user', userId: subject.userId });
    for (const { scope, userId } of scopes) {
      const sums = await this.deps.quotas.meteredSince(
        this.deps.db,
        subject.tenantId,
        userId,
        monthStart,
        dayStart,
      );
      for (const c of counters.filter((x) => x.scope === scope)) {
        const value =
          c.period === 'day'
            ? c.metric === 'tokens'
              ? sums.dayTokens
              : sums.dayRequests
            : c.metric === 'tokens'
              ? sums.monthTokens
              : sums.monthRequests;
        const ttl = c.resetsAt.getTime() - now.getTime() + 3_600_000;
        await this.deps.cache.setIfAbsent(c.key, String(value), ttl);
      }
    }
  }

  private notify(call: (observer: QuotaObserver) => void): void {
    for (const observer of this.observers) {
      try {
        call(observer);
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'a quota observer failed');
      }
    }
  }

  /** Plans, assignments and top-ups of a caller, remembered for `QUOTA_PLAN_CACHE_MS`. */
  private async subject(tenantId: string, userId: string | null, now: Date): Promise<QuotaSubject> {
    const memoKey = `${tenantId}|${userId ?? ''}`;
    const dayKey = periodKey('day', now);
    const remembered = this.memo.get(memoKey);
    if (remembered && remembered.dayKey === dayKey && remembered.expires > now.getTime())
      return remembered.subject;
    const monthKey = periodKey('month', now);
    const db = this.deps.db;
    const [plans, tenantPlanName, userPlanName, topUps] = await Promise.all([
      this.planTable(now.getTime()),
      this.deps.quotas.tenantPlan(db, tenantId),
      userId ? this.deps.quotas.userPlan(db, tenantId, userId) : undefined,
      this.deps.quotas.topUps(db, tenantId, [dayKey, monthKey]),
    ]);
    const tenantPlan = tenantPlanName ?? this.deps.settings.defaultPlan;
    const limitsOf = (name: string): PlanLimits => plans.get(name) ?? UNLIMITED;
    const subject: QuotaSubject = {
      tenantId,
      userId,
      tenant: { plan: tenantPlan, limits: limitsOf(tenantPlan), topUps: sumTopUps(topUps, null) },
      user: userId
        ? {
            plan: userPlanName ?? tenantPlan,
            limits: limitsOf(userPlanName ?? tenantPlan),
            topUps: sumTopUps(topUps, userId),
          }
        : null,
    };
    const ttl = this.deps.settings.planCacheMs;
    if (ttl > 0) {
      if (this.memo.size >= 10_000) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(memoKey, { subject, dayKey, expires: now.getTime() + ttl });
    }
    return subject;
  }

  private async planTable(nowMs: number): Promise<Map<string, QuotaPlan>> {
    if (this.plans && this.plans.expires > nowMs) return this.plans.byName;
    const byName = new Map((await this.deps.quotas.listPlans(this.deps.db)).map((p) => [p.name, p]));
    if (this.deps.settings.planCacheMs > 0)
      this.plans = { byName, expires: nowMs + this.deps.settings.planCacheMs };
    return byName;
  }

  /** Forgets what was remembered about `tenantId` (`*`: everything, after a plan changed). */
  private forget(tenantId: string): void {
    if (tenantId === '*') {
      this.memo.clear();
      this.plans = undefined;
      return;
    }
    const prefix = `${tenantId}|`;
    for (const key of this.memo.keys()) if (key.startsWith(prefix)) this.memo.delete(key);
  }

  private async changed(tenantId: string): Promise<void> {
    this.forget(tenantId);
    try {
      await this.deps.cache.publish(QUOTA_INVALIDATION_CHANNEL, tenantId);
    } catch (error) {
      // Other instances pick the change up within QUOTA_PLAN_CACHE_MS anyway.
      this.deps.logger.warn({ err: error }, 'could not announce a quota change');
    }
  }

  // --- Status ---------------------------------------------------------------------------------------------

  /** `GET /v1/quotas`: the caller's plans, usage, limits and reset times in the tenant it acts in. */
  async status(ctx: RequestContext): Promise<QuotaStatus> {
    const principal = requirePrincipal(ctx);
    const tenantId = await this.deps.access.resolveTenant(ctx);
    // Any member may see their own quotas (whatever their role or key scopes): 404 for non-members.
    await this.deps.access.permissionsIn(principal, tenantId);
    return this.describe(tenantId, principal.userId);
  }

  /**
   * The tenant's quotas (tenant-wide counters; with `userId`, that member's too): platform admins, or
   * members holding `usage:read`. Another tenant answers 404.
   */
  async tenantStatus(ctx: RequestContext, tenantId: string, userId?: string): Promise<QuotaStatus> {
    const principal = requirePrincipal(ctx);
    if (principal.kind === 'user' && principal.isPlatformAdmin) await this.requireTenant(tenantId);
    else await this.deps.access.require(ctx, tenantId, 'usage:read');
    if (userId) await this.requireMember(tenantId, userId);
    return this.describe(tenantId, userId ?? null);
  }

  private async describe(tenantId: string, userId: string | null): Promise<QuotaStatus> {
    const now = new Date(this.now());
    this.forget(tenantId);
    const subject = await this.subject(tenantId, userId, now);
    const counters = countersOf(subject, now);
    let values: (string | null)[];
    try {
      values = await Promise.all(counters.map((c) => this.deps.cache.get(c.key)));
    } catch (error) {
      throw unavailable(error);
    }
    const own = subject.user ?? subject.tenant;
    return {
      enabled: this.deps.settings.enabled,
      tenant_id: tenantId,
      user_id: userId,
      tenant_plan: subject.tenant.plan,
      user_plan: subject.user?.plan ?? null,
      max_tokens: own.limits.maxTokens,
      quotas: counters.map((c, i) => {
        const used = Number(values[i] ?? 0);
        const plan = c.scope === 'tenant' ? subject.tenant : subject.user!;
        return {
          scope: c.scope,
          metric: c.metric,
          period: c.period,
          plan: plan.plan,
          limit: c.limit,
          used,
          remaining: c.limit === null ? null : Math.max(0, c.limit - used),
          top_up: plan.topUps[c.period][c.metric],
          resets_at: c.resetsAt.toISOString(),
        };
      }),
    };
  }

  // --- Administration (platform admins) ------------------------------------------------------------------

  async listPlans(ctx: RequestContext): Promise<QuotaPlan[]> {
    requirePlatformAdmin(ctx);
    return this.deps.quotas.listPlans(this.deps.db);
  }

  async createPlan(ctx: RequestContext, name: string, input: PlanInput): Promise<QuotaPlan> {
    requirePlatformAdmin(ctx);
    const plan = await this.deps.quotas.createPlan(this.deps.db, name, columnsOf(input));
    if (!plan) throw new PlanExistsError(`A plan named "${name}" exists already`, { details: { name } });
    await this.deps.audit.record(ctx, {
      action: 'quota.plan.create',
      result: 'success',
      target: { type: 'quota_plan', id: name },
      details: { ...input },
    });
    await this.changed('*');
    return plan;
  }

  async updatePlan(ctx: RequestContext, name: string, input: PlanInput): Promise<QuotaPlan> {
    requirePlatformAdmin(ctx);
    const plan = await this.deps.quotas.updatePlan(this.deps.db, name, columnsOf(input));
    if (!plan) throw new PlanNotFoundError(`No plan named "${name}"`, { details: { name } });
    await this.deps.audit.record(ctx, {
      action: 'quota.plan.update',
      result: 'success',
      target: { type: 'quota_plan', id: name },
      details: { ...input },
    });
    await this.changed('*');
    return plan;
  }

  /** Gives the tenant `plan` (its tenant-wide budgets, and its members' unless they have their own). */
  async setTenantPlan(ctx: RequestContext, tenantId: string, plan: string): Promise<void> {
    requirePlatformAdmin(ctx);
    await this.requireTenant(tenantId);
    await this.requirePlan(plan);
    await this.deps.quotas.setTenantPlan(this.deps.db, tenantId, plan);
    await this.deps.audit.record(ctx, {
      action: 'quota.tenant_plan.set',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      details: { plan },
    });
    await this.changed(tenantId);
  }

  /**
   * Gives a member their own plan in the tenant (`null`: back to the tenant's): platform admins, or the
   * tenant's admins (`members:update`), who share out the tenant's budget that way (the tenant's own plan
   * still caps the whole tenant) — `tenantAdmins: false` (the `/v1/admin` route) lets platform admins
   * only. Another tenant answers 404.
   */
  async setUserPlan(
    ctx: RequestContext,
    tenantId: string,
    userId: string,
    plan: string | null,
    tenantAdmins = false,
  ): Promise<void> {
    const principal = requirePrincipal(ctx);
    if (!tenantAdmins) requirePlatformAdmin(ctx);
    if (principal.kind === 'user' && principal.isPlatformAdmin) await this.requireTenant(tenantId);
    else await this.deps.access.require(ctx, tenantId, 'members:update');
    await this.requireMember(tenantId, userId);
    if (plan !== null) await this.requirePlan(plan);
    await this.deps.quotas.setUserPlan(this.deps.db, tenantId, userId, plan);
    await this.deps.audit.record(ctx, {
      action: 'quota.user_plan.set',
      result: 'success',
      tenantId,
      target: { type: 'user', id: userId },
      details: { plan },
    });
    await this.changed(tenantId);
  }

  /** Grants extra tokens and/or requests for the current day or month, to the tenant or one member. */
  async grantTopUp(ctx: RequestContext, tenantId: string, input: TopUpInput): Promise<TopUpRow> {
    const admin = requirePlatformAdmin(ctx);
    await this.requireTenant(tenantId);
    if (input.userId) await this.requireMember(tenantId, input.userId);
    const tokens = input.tokens ?? 0;
    const requests = input.requests ?? 0;
    if (tokens === 0 && requests === 0)
      throw new BadRequestError('A top-up grants tokens, requests or both', {
        details: { param: 'tokens' },
      });
    const row = await this.deps.quotas.addTopUp(this.deps.db, tenantId, {
      id: newId('topup'),
      userId: input.userId ?? null,
      period: input.period,
      periodKey: periodKey(input.period, new Date(this.now())),
      tokens,
      requests,
      reason: input.reason ?? null,
      createdBy: admin.userId,
    });
    await this.deps.audit.record(ctx, {
      action: 'quota.top_up.grant',
      result: 'success',
      tenantId,
      target: { type: input.userId ? 'user' : 'tenant', id: input.userId ?? tenantId },
      details: { top_up_id: row.id, period: row.period, period_key: row.periodKey, tokens, requests },
    });
    await this.changed(tenantId);
    return row;
  }

  private async requireTenant(tenantId: string): Promise<void> {
    if (!(await this.deps.tenants.get(this.deps.db, tenantId))) throw new TenantNotFoundError();
  }

  private async requireMember(tenantId: string, userId: string): Promise<void> {
    if (!(await this.deps.tenants.getMembership(this.deps.db, tenantId, userId)))
      throw new MemberNotFoundError('No such member in this tenant', { details: { user_id: userId } });
  }

  private async requirePlan(name: string): Promise<void> {
    if (!(await this.deps.quotas.getPlan(this.deps.db, name)))
      throw new UnknownPlanError(`No plan named "${name}"`, { details: { param: 'plan', plan: name } });
  }
}

function columnsOf(input: PlanInput): PlanColumns {
  const columns: PlanColumns = {};
  for (const key of [
    'description',
    'tokens_per_day',
    'tokens_per_month',
    'requests_per_day',
    'requests_per_month',
    'max_tokens',
  ] as const)
    if (input[key] !== undefined) (columns as Record<string, unknown>)[key] = input[key];
  return columns;
}

function sumTopUps(rows: readonly TopUpRow[], userId: string | null): TopUps {
  if (rows.length === 0) return NO_TOP_UPS;
  const sums: TopUps = { day: { tokens: 0, requests: 0 }, month: { tokens: 0, requests: 0 } };
  for (const row of rows) {
    if (row.userId !== userId) continue;
    sums[row.period].tokens += row.tokens;
    sums[row.period].requests += row.requests;
  }
  return sums;
}

/** 429 `quota_exceeded`, naming the budget, its reset time (`details.reset_at`, `Retry-After`). */
function exceeded(
  counter: QuotaCounter,
  used: number,
  requested: number,
  plan: string,
  now: Date,
): QuotaExceededError {
  const seconds = Math.max(1, Math.ceil((counter.resetsAt.getTime() - now.getTime()) / 1000));
  const resetAt = counter.resetsAt.toISOString();
  const what = counter.metric === 'tokens' ? 'token' : 'request';
  const per = counter.period === 'day' ? 'daily' : 'monthly';
  return new QuotaExceededError(
    `The ${counter.scope === 'tenant' ? "tenant's" : 'your'} ${per} ${what} quota (${counter.limit} on the ${plan} plan) is used up; it resets at ${resetAt}`,
    {
      details: {
        scope: counter.scope,
        metric: counter.metric,
        period: counter.period,
        plan,
        limit: counter.limit,
        used,
        requested,
        reset_at: resetAt,
        retry_after_s: seconds,
      },
      headers: { 'retry-after': String(seconds) },
    },
  );
}

/** Fail closed: the counters cannot be reached, so the call is refused (503, `dependency` named). */
function unavailable(error: unknown): AppError {
  if (error instanceof ServiceUnavailableError) return error;
  return new ServiceUnavailableError('Quotas cannot be checked right now', {
    cause: error,
    details: { dependency: 'quota' },
  });
}

import type { CounterReservation } from '../../platform/cache/cache.js';

/**
 * The arithmetic of quotas, kept free of I/O so it is tested on its own: periods (UTC day and month),
 * counter keys, which counters a call reserves against which limits, and what settling charges back.
 */

export type QuotaPeriod = 'day' | 'month';
export type QuotaMetric = 'tokens' | 'requests';
export type QuotaScope = 'tenant' | 'user';

export const PERIODS: readonly QuotaPeriod[] = ['day', 'month'];
export const METRICS: readonly QuotaMetric[] = ['tokens', 'requests'];

/** A plan's budgets; `null` is unlimited. */
export interface PlanLimits {
  tokensPerDay: number | null;
  tokensPerMonth: number | null;
  requestsPerDay: number | null;
  requestsPerMonth: number | null;
  /** The most output tokens one request may ask for. */
  maxTokens: number | null;
}

/** Extra tokens and requests granted for the current period (top-ups), per period. */
export type TopUps = Record<QuotaPeriod, { tokens: number; requests: number }>;

export const NO_TOP_UPS: TopUps = { day: { tokens: 0, requests: 0 }, month: { tokens: 0, requests: 0 } };

/** Kept after a period ends so a settle that arrives late still finds (or re-creates) its counter. */
const COUNTER_MARGIN_MS = 3_600_000;

/**
 * The period a moment falls in: `2026-11-25` (UTC day) or `2026-11` (UTC month).
 * @example periodKey('day', new Date('2026-11-25T23:59:59Z')) // '2026-11-25'
 */
export function periodKey(period: QuotaPeriod, now: Date): string {
  const iso = now.toISOString();
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

/**
 * When the period containing `now` ends: the next UTC midnight, or the first of the next UTC month.
 * @example periodEnd('month', new Date('2026-12-31T10:00:00Z')).toISOString() // '2027-01-01T00:00:00.000Z'
 */
export function periodEnd(period: QuotaPeriod, now: Date): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return period === 'day' ? new Date(Date.UTC(y, m, now.getUTCDate() + 1)) : new Date(Date.UTC(y, m + 1, 1));
}

/** The limit of `metric` per `period` in a plan, plus the period's top-ups (`null` stays unlimited). */
export function effectiveLimit(
  limits: PlanLimits,
  topUps: TopUps,
  metric: QuotaMetric,
  period: QuotaPeriod,
): number | null {
  const base =
    metric === 'tokens'
      ? period === 'day'
        ? limits.tokensPerDay
        : limits.tokensPerMonth
      : period === 'day'
        ? limits.requestsPerDay
        : limits.requestsPerMonth;
  return base === null ? null : base + topUps[period][metric];
}

/** One quota counter: whose, what, when, and what it is checked against. */
export interface QuotaCounter {
  scope: QuotaScope;
  metric: QuotaMetric;
  period: QuotaPeriod;
  key: string;
  limit: number | null;
  resetsAt: Date;
}

/** Whose budgets a call is checked against: the tenant's always, the user's when a user is calling. */
export interface QuotaSubject {
  tenantId: string;
  userId: string | null;
  tenant: { plan: string; limits: PlanLimits; topUps: TopUps };
  user: { plan: string; limits: PlanLimits; topUps: TopUps } | null;
}

/**
 * The cache key of a counter; it carries the period (`2026-11-25` a day, `2026-11` a month), so a new day
 * or month starts from zero.
 * @example counterKey('user', 'ten_1', 'usr_1', 'tokens', '2026-11-25') // 'quota:u:ten_1:usr_1:tokens:2026-11-25'
 */
export function counterKey(
  scope: QuotaScope,
  tenantId: string,
  userId: string | null,
  metric: QuotaMetric,
  key: string,
): string {
  return scope === 'tenant'
    ? `quota:t:${tenantId}:${metric}:${key}`
    : `quota:u:${tenantId}:${userId}:${metric}:${key}`;
}

/** Every counter of a subject at `now`: 4 for the tenant, 4 more for a user (tokens, requests × day, month). */
export function countersOf(subject: QuotaSubject, now: Date): QuotaCounter[] {
  const scopes: { scope: QuotaScope; userId: string | null; plan: QuotaSubject['tenant'] }[] = [
    { scope: 'tenant', userId: null, plan: subject.tenant },
  ];
  if (subject.user && subject.userId)
    scopes.push({ scope: 'user', userId: subject.userId, plan: subject.user });
  // Each period's key and end once per call, not once per counter (this runs on every LLM call).
  const periods = PERIODS.map((period) => ({
    period,
    key: periodKey(period, now),
    resetsAt: periodEnd(period, now),
  }));
  const counters: QuotaCounter[] = [];
  for (const { scope, userId, plan } of scopes)
    for (const { period, key, resetsAt } of periods)
      for (const metric of METRICS)
        counters.push({
          scope,
          metric,
          period,
          key: counterKey(scope, subject.tenantId, userId, metric, key),
          limit: effectiveLimit(plan.limits, plan.topUps, metric, period),
          resetsAt,
        });
  return counters;
}

/** The reservation of one call: one request and `tokens` on every counter, checked against its limit. */
export function reservationOf(
  counters: readonly QuotaCounter[],
  tokens: number,
  now: Date,
): CounterReservation[] {
  return counters.map((c) => ({
    key: c.key,
    amount: c.metric === 'tokens' ? tokens : 1,
    limit: c.limit,
    ttlMs: c.resetsAt.getTime() - now.getTime() + COUNTER_MARGIN_MS,
  }));
}

/**
 * What settling adds to the counters once the call's real usage is known: the difference on the token
 * counters (negative: a refund), nothing on the request counters. Never checked against the limits:
 * the call has happened. Counters whose delta is 0 are left out.
 */
export function settlementOf(
  counters: readonly QuotaCounter[],
  reservedTokens: number,
  actualTokens: number,
  now: Date,
): CounterReservation[] {
  const delta = Math.max(0, Math.round(actualTokens)) - reservedTokens;
  if (delta === 0) return [];
  return counters
    .filter((c) => c.metric === 'tokens')
    .map((c) => ({
      key: c.key,
      amount: delta,
      limit: null,
      ttlMs: c.resetsAt.getTime() - now.getTime() + COUNTER_MARGIN_MS,
    }));
}

/** What releasing a reservation gives back: everything it took. */
export function releaseOf(
  counters: readonly QuotaCounter[],
  reservedTokens: number,
  now: Date,
): CounterReservation[] {
  return reservationOf(counters, reservedTokens, now).map((r) => ({ ...r, amount: -r.amount, limit: null }));
}

/**
 * The output tokens to reserve for a call: what it asked for (`max_tokens`), else the plan's cap, else the
 * configured estimate (`QUOTA_OUTPUT_ESTIMATE_TOKENS`), never more than the cap.
 * @example outputReservation(undefined, 500, 1024) // 500
 */
export function outputReservation(
  requested: number | undefined,
  cap: number | null,
  estimate: number,
): number {
  if (requested !== undefined) return requested;
  return cap === null ? estimate : Math.min(cap, estimate);
}

import { ValidationError } from '../../errors.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { AccessService } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { UsageFilter, UsageGroup, UsageRepository, UsageRow, UsageTotals } from './usage.repository.js';

/** The longest range one usage query covers. */
export const MAX_USAGE_DAYS = 366;
const DAY_MS = 86_400_000;

export interface UsageQuery {
  /** `YYYY-MM-DD` (UTC), inclusive; default: 29 days before `to`. */
  from?: string | undefined;
  /** `YYYY-MM-DD` (UTC), inclusive; default: today. */
  to?: string | undefined;
  model?: string | undefined;
  userId?: string | undefined;
  apiKeyId?: string | undefined;
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: UsageGroup[];
  data: UsageRow[];
  totals: UsageTotals;
}

export interface UsageAnalytics {
  from: string;
  to: string;
  totals: UsageTotals & { error_rate: number };
  top_users: (UsageTotals & { user_id: string | null })[];
  cost_by_model: (UsageTotals & { model: string })[];
  by_day: (UsageTotals & { day: string; error_rate: number })[];
  errors_by_code: { code: string; count: number }[];
}

/**
 * The usage API over the gateway's metering (`llm_calls`): sums per day × model × user × API key with
 * filters, and tenant analytics (top users, cost by model, error rate). Needs `usage:read` in the tenant.
 * @example const report = await usage.summary(ctx, { from: '2026-11-01', to: '2026-11-30' }, ['day', 'model']);
 */
export class UsageService {
  constructor(
    private readonly deps: {
      db: Executor;
      usage: UsageRepository;
      access: AccessService;
      now?: () => number;
    },
  ) {}

  async summary(
    ctx: RequestContext,
    query: UsageQuery,
    groups: UsageGroup[],
    limit = 10_000,
  ): Promise<UsageReport> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'usage:read');
    const { filter, from, to } = this.filterOf(query);
    const [data, totals] = await Promise.all([
      this.deps.usage.summary(this.deps.db, tenantId, filter, groups, limit),
      this.deps.usage.totals(this.deps.db, tenantId, filter),
    ]);
    return { from, to, group_by: groups, data, totals };
  }

  async analytics(ctx: RequestContext, query: UsageQuery, topUsers = 10): Promise<UsageAnalytics> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'usage:read');
    const { filter, from, to } = this.filterOf(query);
    const db = this.deps.db;
    const [totals, users, models, days, errors] = await Promise.all([
      this.deps.usage.totals(db, tenantId, filter),
      this.deps.usage.topUsers(db, tenantId, filter, topUsers),
      this.deps.usage.byModel(db, tenantId, filter),
      this.deps.usage.byDay(db, tenantId, filter),
      this.deps.usage.errorsByCode(db, tenantId, filter),
    ]);
    return {
      from,
      to,
      totals: { ...totals, error_rate: rate(totals) },
      top_users: users,
      cost_by_model: models,
      by_day: days.map((d) => ({ ...d, error_rate: rate(d) })),
      errors_by_code: errors,
    };
  }

  private filterOf(query: UsageQuery): { filter: UsageFilter; from: string; to: string } {
    const today = new Date(this.deps.now?.() ?? Date.now()).toISOString().slice(0, 10);
    const to = query.to ?? today;
    const toMs = dayMs(to, 'to');
    const from = query.from ?? new Date(toMs - 29 * DAY_MS).toISOString().slice(0, 10);
    const fromMs = dayMs(from, 'from');
    if (fromMs > toMs) throw invalid('from', 'must not be after to');
    if ((toMs - fromMs) / DAY_MS + 1 > MAX_USAGE_DAYS)
      throw invalid('from', `the range may cover at most ${MAX_USAGE_DAYS} days`);
    return {
      from,
      to,
      filter: {
        from: new Date(fromMs),
        to: new Date(toMs + DAY_MS),
        model: query.model,
        userId: query.userId,
        apiKeyId: query.apiKeyId,
      },
    };
  }
}

function rate(t: UsageTotals): number {
  return t.requests === 0 ? 0 : t.errors / t.requests;
}

function dayMs(value: string, param: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw invalid(param, 'must be a date as YYYY-MM-DD');
  return ms;
}

function invalid(param: string, message: string): ValidationError {
  return new ValidationError(`${param}: ${message}`, {
    details: [{ location: 'querystring', path: param, message, issue: 'invalid_value' }],
  });
}

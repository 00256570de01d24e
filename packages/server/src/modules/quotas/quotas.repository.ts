import { type Selectable, sql } from 'kysely';
import type { QuotaPlansTable, QuotaTopUpsTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { PlanLimits, QuotaPeriod } from './quota-math.js';

/** A plan as services see it (bigint columns as numbers). */
export interface QuotaPlan extends PlanLimits {
  name: string;
  description: string;
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface TopUpRow {
  id: string;
  tenantId: string;
  userId: string | null;
  period: QuotaPeriod;
  periodKey: string;
  tokens: number;
  requests: number;
  reason: string | null;
  createdBy: string | null;
  createdAt: Date;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toPlan(row: Selectable<QuotaPlansTable>): QuotaPlan {
  return {
    name: row.name,
    description: row.description,
    tokensPerDay: num(row.tokens_per_day),
    tokensPerMonth: num(row.tokens_per_month),
    requestsPerDay: num(row.requests_per_day),
    requestsPerMonth: num(row.requests_per_month),
    maxTokens: row.max_tokens,
    builtIn: row.built_in,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toTopUp(row: Selectable<QuotaTopUpsTable>): TopUpRow {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    period: row.period,
    periodKey: row.period_key,
    tokens: Number(row.tokens),
    requests: Number(row.requests),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** Column values of a plan's limits. */
export interface PlanColumns {
  description?: string;
  tokens_per_day?: number | null;
  tokens_per_month?: number | null;
  requests_per_day?: number | null;
  requests_per_month?: number | null;
  max_tokens?: number | null;
}

/**
 * Plans (global, platform admins manage them), tenants' and users' plan assignments and top-ups. Every
 * method on tenant data takes `tenantId` first and filters by it.
 */
export class QuotasRepository {
  async listPlans(db: Executor): Promise<QuotaPlan[]> {
    return (await db.selectFrom('quota_plans').selectAll().orderBy('name').execute()).map(toPlan);
  }

  async getPlan(db: Executor, name: string): Promise<QuotaPlan | undefined> {
    const row = await db.selectFrom('quota_plans').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toPlan(row) : undefined;
  }

  /** Undefined when a plan of that name exists already. */
  async createPlan(db: Executor, name: string, columns: PlanColumns): Promise<QuotaPlan | undefined> {
    const row = await db
      .insertInto('quota_plans')
      .values({ name, ...columns })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toPlan(row) : undefined;
  }

  async updatePlan(db: Executor, name: string, columns: PlanColumns): Promise<QuotaPlan | undefined> {
    const row = await db
      .updateTable('quota_plans')
      .set({ ...columns, updated_at: new Date() })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toPlan(row) : undefined;
  }

  /** The tenant's plan name, or undefined when it has the default plan. */
  async tenantPlan(db: Executor, tenantId: string): Promise<string | undefined> {
    return (
      await db
        .selectFrom('tenant_quota_plans')
        .select('plan')
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
    )?.plan;
  }

  async setTenantPlan(db: Executor, tenantId: string, plan: string): Promise<void> {
    await db
      .insertInto('tenant_quota_plans')
      .values({ tenant_id: tenantId, plan })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ plan, updated_at: new Date() }))
      .execute();
  }

  /** The user's override plan in the tenant, or undefined. */
  async userPlan(db: Executor, tenantId: string, userId: string): Promise<string | undefined> {
    return (
      await db
        .selectFrom('user_quota_plans')
        .select('plan')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
    )?.plan;
  }

  async setUserPlan(db: Executor, tenantId: string, userId: string, plan: string | null): Promise<void> {
    if (plan === null) {
      await db
        .deleteFrom('user_quota_plans')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .execute();
      return;
    }
    await db
      .insertInto('user_quota_plans')
      .values({ tenant_id: tenantId, user_id: userId, plan })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ plan, updated_at: new Date() }))
      .execute();
  }

  async addTopUp(
    db: Executor,
    tenantId: string,
    row: Omit<TopUpRow, 'tenantId' | 'createdAt'>,
  ): Promise<TopUpRow> {
    const inserted = await db
      .insertInto('quota_top_ups')
      .values({
        id: row.id,
        tenant_id: tenantId,
        user_id: row.userId,
        period: row.period,
        period_key: row.periodKey,
        tokens: row.tokens,
        requests: row.requests,
        reason: row.reason,
        created_by: row.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTopUp(inserted);
  }

  /**
   * What the metering table holds since `monthStart` (and since `dayStart`) for the tenant, or one user
   * in it: calls that did not fail, and their tokens. Seeds the in-process counters after a restart.
   */
  async meteredSince(
    db: Executor,
    tenantId: string,
    userId: string | null,
    monthStart: Date,
    dayStart: Date,
  ): Promise<{ dayRequests: number; dayTokens: number; monthRequests: number; monthTokens: number }> {
    const row = await db
      .selectFrom('llm_calls')
      .where('tenant_id', '=', tenantId)
      .where('created_at', '>=', monthStart)
      .where('status', '<>', 'error')
      .$if(userId !== null, (q) => q.where('user_id', '=', userId!))
      .select([
        sql<string | number>`count(*) filter (where created_at >= ${dayStart})`.as('day_requests'),
        sql<
          string | number
        >`coalesce(sum(input_tokens + output_tokens) filter (where created_at >= ${dayStart}), 0)`.as(
          'day_tokens',
        ),
        sql<string | number>`count(*)`.as('month_requests'),
        sql<string | number>`coalesce(sum(input_tokens + output_tokens), 0)`.as('month_tokens'),
      ])
      .executeTakeFirstOrThrow();
    return {
      dayRequests: Number(row.day_requests),
      dayTokens: Number(row.day_tokens),
      monthRequests: Number(row.month_requests),
      monthTokens: Number(row.month_tokens),
    };
  }

  /** The tenant's top-ups (tenant-wide and every user's) for the given period keys. */
  async topUps(db: Executor, tenantId: string, periodKeys: readonly string[]): Promise<TopUpRow[]> {
    return (
      await db
        .selectFrom('quota_top_ups')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('period_key', 'in', periodKeys)
        .orderBy('id')
        .execute()
    ).map(toTopUp);
  }
}

import { type ExpressionBuilder, sql } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

/** What `GET /v1/usage` may group by. */
export const USAGE_GROUPS = ['day', 'model', 'user', 'api_key'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageFilter {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  model?: string | undefined;
  userId?: string | undefined;
  apiKeyId?: string | undefined;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

export interface UsageRow extends UsageTotals {
  day?: string;
  model?: string;
  user_id?: string | null;
  api_key_id?: string | null;
}

const day = sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`;

/** The sums every usage query selects. */
function sums(eb: ExpressionBuilder<DB, 'llm_calls'>) {
  return [
    eb.fn.countAll<string | number>().as('requests'),
    sql<string | number>`count(*) filter (where status = 'error')`.as('errors'),
    sql<string | number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
    sql<string | number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
    sql<string | number>`coalesce(sum(cost), 0)`.as('cost'),
  ] as const;
}

function totalsOf(row: {
  requests: string | number;
  errors: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cost: string | number;
}): UsageTotals {
  return {
    requests: Number(row.requests),
    errors: Number(row.errors),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cost: Number(row.cost),
  };
}

/**
 * Usage read from `llm_calls` (what the gateway's usage meter writes). Every method takes `tenantId` first
 * and filters by it.
 */
export class UsageRepository {
  private scoped(db: Executor, tenantId: string, filter: UsageFilter) {
    return db
      .selectFrom('llm_calls')
      .where('tenant_id', '=', tenantId)
      .where('created_at', '>=', filter.from)
      .where('created_at', '<', filter.to)
      .$if(filter.model !== undefined, (q) => q.where('model', '=', filter.model!))
      .$if(filter.userId !== undefined, (q) => q.where('user_id', '=', filter.userId!))
      .$if(filter.apiKeyId !== undefined, (q) => q.where('api_key_id', '=', filter.apiKeyId!));
  }

  /** Sums grouped by any of day, model, user and API key, in that order; at most `limit` rows. */
  async summary(
    db: Executor,
    tenantId: string,
    filter: UsageFilter,
    groups: readonly UsageGroup[],
    limit: number,
  ): Promise<UsageRow[]> {
    const by = new Set(groups);
    const rows = await this.scoped(db, tenantId, filter)
      .select((eb) => sums(eb))
      .$if(by.has('day'), (q) => q.select(day.as('day')).groupBy(day).orderBy(day))
      .$if(by.has('model'), (q) => q.select('model').groupBy('model').orderBy('model'))
      .$if(by.has('user'), (q) => q.select('user_id').groupBy('user_id').orderBy('user_id'))
      .$if(by.has('api_key'), (q) => q.select('api_key_id').groupBy('api_key_id').orderBy('api_key_id'))
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      ...(by.has('day') ? { day: row.day! } : {}),
      ...(by.has('model') ? { model: row.model! } : {}),
      ...(by.has('user') ? { user_id: row.user_id ?? null } : {}),
      ...(by.has('api_key') ? { api_key_id: row.api_key_id ?? null } : {}),
      ...totalsOf(row),
    }));
  }

  async totals(db: Executor, tenantId: string, filter: UsageFilter): Promise<UsageTotals> {
    const row = await this.scoped(db, tenantId, filter)
      .select((eb) => sums(eb))
      .executeTakeFirstOrThrow();
    return totalsOf(row);
  }

  /** The users who used the most tokens (input + output). */
  async topUsers(
    db: Executor,
    tenantId: string,
    filter: UsageFilter,
    limit: number,
  ): Promise<(UsageTotals & { user_id: string | null })[]> {
    const rows = await this.scoped(db, tenantId, filter)
      .select((eb) => [...sums(eb), 'user_id'])
      .groupBy('user_id')
      .orderBy(sql`coalesce(sum(input_tokens + output_tokens), 0)`, 'desc')
      .orderBy('user_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ user_id: row.user_id, ...totalsOf(row) }));
  }

  async byModel(
    db: Executor,
    tenantId: string,
    filter: UsageFilter,
  ): Promise<(UsageTotals & { model: string })[]> {
    const rows = await this.scoped(db, tenantId, filter)
      .select((eb) => [...sums(eb), 'model'])
      .groupBy('model')
      .orderBy(sql`coalesce(sum(cost), 0)`, 'desc')
      .orderBy('model')
      .limit(1000)
      .execute();
    return rows.map((row) => ({ model: row.model, ...totalsOf(row) }));
  }

  async byDay(
    db: Executor,
    tenantId: string,
    filter: UsageFilter,
  ): Promise<(UsageTotals & { day: string })[]> {
    const rows = await this.scoped(db, tenantId, filter)
      .select((eb) => [...sums(eb), day.as('day')])
      .groupBy(day)
      .orderBy(day)
      .execute();
    return rows.map((row) => ({ day: row.day, ...totalsOf(row) }));
  }

  async errorsByCode(
    db: Executor,
    tenantId: string,
    filter: UsageFilter,
  ): Promise<{ code: string; count: number }[]> {
    const rows = await this.scoped(db, tenantId, filter)
      .where('status', '=', 'error')
      .select((eb) => [
        sql<string>`coalesce(error_code, 'unknown')`.as('code'),
        eb.fn.countAll<string | number>().as('count'),
      ])
      .groupBy(sql`coalesce(error_code, 'unknown')`)
      .orderBy(sql`count(*)`, 'desc')
      .limit(100)
      .execute();
    return rows.map((row) => ({ code: row.code, count: Number(row.count) }));
  }
}

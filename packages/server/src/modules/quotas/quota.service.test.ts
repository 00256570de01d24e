import { describe, expect, it } from 'vitest';
import { QuotaExceededError, ServiceUnavailableError } from '../../errors.js';
import { createLogger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import { MemoryCache } from '../../platform/cache/memory-cache.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { AccessService } from '../access/access.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { TenantsRepository } from '../tenants/tenants.repository.js';
import { type QuotaObserver, QuotaService } from './quota.service.js';
import type { QuotaPlan, QuotasRepository } from './quotas.repository.js';

const NOW = Date.parse('2026-11-25T22:00:00Z');

function plan(name: string, over: Partial<QuotaPlan> = {}): QuotaPlan {
  return {
    name,
    description: '',
    tokensPerDay: null,
    tokensPerMonth: null,
    requestsPerDay: null,
    requestsPerMonth: null,
    maxTokens: null,
    builtIn: false,
    createdAt: new Date(NOW),
    updatedAt: new Date(NOW),
    ...over,
  };
}

/** A service over a MemoryCache (or the given cache) whose only plan is `free` with these budgets. */
function service(
  free: Partial<QuotaPlan>,
  options: {
    cache?: Cache;
    enabled?: boolean;
    observer?: QuotaObserver;
    metered?: (userId: string | null) => {
      dayRequests: number;
      dayTokens: number;
      monthRequests: number;
      monthTokens: number;
    };
  } = {},
) {
  const repo = {
    listPlans: async () => [plan('free', free)],
    getPlan: async (_db: unknown, name: string) => (name === 'free' ? plan('free', free) : undefined),
    tenantPlan: async () => undefined,
    userPlan: async () => undefined,
    topUps: async () => [],
    meteredSince: async (_db: unknown, _tenantId: string, userId: string | null) =>
      options.metered?.(userId) ?? { dayRequests: 0, dayTokens: 0, monthRequests: 0, monthTokens: 0 },
  } as unknown as QuotasRepository;
  const cache = options.cache ?? new MemoryCache(() => NOW);
  return {
    cache,
    quotas: new QuotaService({
      db: {} as Executor,
      quotas: repo,
      tenants: {} as TenantsRepository,
      cache,
      access: {} as AccessService,
      audit: {} as AuditService,
      logger: createLogger({ level: 'silent' }),
      settings: {
        enabled: options.enabled ?? true,
        defaultPlan: 'free',
        outputEstimateTokens: 100,
        planCacheMs: 5_000,
      },
      now: () => NOW,
      ...(options.observer ? { observer: options.observer } : {}),
    }),
  };
}

const call = { tenantId: 'ten_1', userId: 'usr_1', inputTokens: 20, generates: true } as const;

describe('QuotaService.reserve', () => {
  it('reserves input + estimated output, settles to the real usage once, and tells observers of refusals', async () => {
    const rejected: unknown[] = [];
    const { quotas, cache } = service(
      { tokensPerDay: 300 },
      { observer: { onQuotaRejected: (e) => rejected.push(e) } },
    );
    const ticket = await quotas.reserve(call);
    expect(ticket.reservedTokens).toBe(120);
    expect(await cache.get('quota:t:ten_1:tokens:2026-11-25')).toBe('120');
    await ticket.settle(50);
    await ticket.settle(50); // a second settle changes nothing
    await ticket.release(); // nor does a release after the settle
    expect(await cache.get('quota:t:ten_1:tokens:2026-11-25')).toBe('50');
    expect(await cache.get('quota:u:ten_1:usr_1:requests:2026-11')).toBe('1');
    await quotas.reserve({ ...call, requestedOutputTokens: 110 }); // 50 + 130 = 180
    const refused = await quotas.reserve({ ...call, requestedOutputTokens: 110 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect((refused as QuotaExceededError).details).toMatchObject({
      scope: 'tenant',
      metric: 'tokens',
      period: 'day',
      limit: 300,
      used: 180,
      requested: 130,
      reset_at: '2026-11-26T00:00:00.000Z',
      retry_after_s: 7200,
    });
    expect((refused as QuotaExceededError).headers).toEqual({ 'retry-after': '7200' });
    expect(rejected).toEqual([{ tenantId: 'ten_1', scope: 'tenant', metric: 'tokens', period: 'day' }]);
  });

  it('release gives the request and the tokens back', async () => {
    const { quotas, cache } = service({ requestsPerDay: 1 });
    await (await quotas.reserve(call)).release();
    expect(await cache.get('quota:t:ten_1:requests:2026-11-25')).toBe('0');
    await quotas.reserve(call);
    await expect(quotas.reserve(call)).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it('counts only the tenant for calls without a user, and embeddings without output', async () => {
    const { quotas, cache } = service({});
    const ticket = await quotas.reserve({
      tenantId: 'ten_1',
      userId: null,
      inputTokens: 7,
      generates: false,
    });
    expect(ticket.reservedTokens).toBe(7);
    expect(await cache.get('quota:t:ten_1:tokens:2026-11')).toBe('7');
    expect(await cache.get('quota:u:ten_1:null:tokens:2026-11')).toBeNull();
  });

  it('caps output at the plan and refuses more, passing the cap on for requests that name none', async () => {
    const { quotas } = service({ maxTokens: 64 });
    await expect(quotas.reserve({ ...call, requestedOutputTokens: 65 })).rejects.toMatchObject({
      code: 'max_tokens_exceeds_plan',
      status: 400,
      details: { param: 'max_tokens', limit: 64, requested: 65, plan: 'free' },
    });
    expect((await quotas.reserve(call)).maxTokens).toBe(64);
    expect((await quotas.reserve(call)).reservedTokens).toBe(84);
    expect((await quotas.reserve({ ...call, requestedOutputTokens: 10 })).maxTokens).toBeNull();
  });

  it('fails closed: an unreachable cache refuses the call with 503 and tells observers', async () => {
    const unavailable: unknown[] = [];
    const broken = new MemoryCache(() => NOW);
    broken.reserveCounters = async () => {
      throw new Error('connection reset');
    };
    const { quotas } = service(
      {},
      { cache: broken, observer: { onQuotaUnavailable: (e) => unavailable.push(e) } },
    );
    const error = await quotas.reserve(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).details).toEqual({ dependency: 'quota' });
    expect(unavailable).toEqual([{ tenantId: 'ten_1' }]);
    // The cache's own 503 (dependency cache) passes through as it is.
    const down = new ServiceUnavailableError('The cache is unavailable', {
      details: { dependency: 'cache' },
    });
    broken.reserveCounters = async () => {
      throw down;
    };
    await expect(quotas.reserve(call)).rejects.toBe(down);
  });

  it('after a restart, seeds the in-process counters from the metering table once', async () => {
    let queries = 0;
    const { quotas, cache } = service(
      { requestsPerDay: 3 },
      {
        metered: (userId) => {
          queries++;
          return userId === null
            ? { dayRequests: 2, dayTokens: 40, monthRequests: 9, monthTokens: 500 }
            : { dayRequests: 1, dayTokens: 20, monthRequests: 4, monthTokens: 200 };
        },
      },
    );
    await quotas.reserve({ ...call, requestedOutputTokens: 0 });
    expect(await cache.get('quota:t:ten_1:requests:2026-11-25')).toBe('3');
    expect(await cache.get('quota:t:ten_1:tokens:2026-11')).toBe('520');
    expect(await cache.get('quota:u:ten_1:usr_1:requests:2026-11')).toBe('5');
    await expect(quotas.reserve(call)).rejects.toBeInstanceOf(QuotaExceededError);
    expect(queries).toBe(2);
  });

  it('with quotas off, checks and counts nothing', async () => {
    const { quotas, cache } = service({ requestsPerDay: 0, maxTokens: 1 }, { enabled: false });
    const ticket = await quotas.reserve({ ...call, requestedOutputTokens: 1000 });
    await ticket.settle(5000);
    expect(await cache.get('quota:t:ten_1:requests:2026-11-25')).toBeNull();
  });

  it('an observer that throws does not change the answer', async () => {
    const { quotas } = service(
      { requestsPerDay: 0 },
      {
        observer: {
          onQuotaRejected: () => {
            throw new Error('metrics broke');
          },
        },
      },
    );
    await expect(quotas.reserve(call)).rejects.toBeInstanceOf(QuotaExceededError);
    const seen: string[] = [];
    const stop = quotas.observe({ onQuotaRejected: (e) => seen.push(e.scope) });
    await expect(quotas.reserve(call)).rejects.toBeInstanceOf(QuotaExceededError);
    stop();
    await expect(quotas.reserve(call)).rejects.toBeInstanceOf(QuotaExceededError);
    expect(seen).toEqual(['tenant']);
  });
});

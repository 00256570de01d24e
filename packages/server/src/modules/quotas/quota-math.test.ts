import { describe, expect, it } from 'vitest';
import {
  countersOf,
  effectiveLimit,
  NO_TOP_UPS,
  outputReservation,
  type PlanLimits,
  periodEnd,
  periodKey,
  type QuotaSubject,
  releaseOf,
  reservationOf,
  settlementOf,
} from './quota-math.js';

const limits = (over: Partial<PlanLimits> = {}): PlanLimits => ({
  tokensPerDay: null,
  tokensPerMonth: null,
  requestsPerDay: null,
  requestsPerMonth: null,
  maxTokens: null,
  ...over,
});

const subject = (user: boolean): QuotaSubject => ({
  tenantId: 'ten_1',
  userId: user ? 'usr_1' : null,
  tenant: { plan: 'free', limits: limits({ tokensPerDay: 1000, requestsPerMonth: 50 }), topUps: NO_TOP_UPS },
  user: user
    ? {
        plan: 'vip',
        limits: limits({ requestsPerDay: 10 }),
        topUps: { day: { tokens: 0, requests: 5 }, month: { tokens: 0, requests: 0 } },
      }
    : null,
});

describe('periods', () => {
  it.each([
    ['day', '2026-11-25T00:00:00.000Z', '2026-11-25', '2026-11-26T00:00:00.000Z'],
    ['day', '2026-11-25T23:59:59.999Z', '2026-11-25', '2026-11-26T00:00:00.000Z'],
    ['day', '2026-12-31T12:00:00.000Z', '2026-12-31', '2027-01-01T00:00:00.000Z'],
    ['day', '2028-02-28T08:00:00.000Z', '2028-02-28', '2028-02-29T00:00:00.000Z'],
    ['month', '2026-11-25T10:00:00.000Z', '2026-11', '2026-12-01T00:00:00.000Z'],
    ['month', '2026-12-31T23:59:59.000Z', '2026-12', '2027-01-01T00:00:00.000Z'],
    ['month', '2026-02-01T00:00:00.000Z', '2026-02', '2026-03-01T00:00:00.000Z'],
  ] as const)('%s of %s is %s, ending %s', (period, at, key, end) => {
    expect(periodKey(period, new Date(at))).toBe(key);
    expect(periodEnd(period, new Date(at)).toISOString()).toBe(end);
  });
});

describe('limits', () => {
  it('adds top-ups to a limit and leaves unlimited unlimited', () => {
    const topUps = { day: { tokens: 7, requests: 2 }, month: { tokens: 0, requests: 9 } };
    expect(effectiveLimit(limits({ tokensPerDay: 100 }), topUps, 'tokens', 'day')).toBe(107);
    expect(effectiveLimit(limits({ requestsPerMonth: 1 }), topUps, 'requests', 'month')).toBe(10);
    expect(effectiveLimit(limits(), topUps, 'tokens', 'day')).toBeNull();
  });

  it('has 4 counters for the tenant and 4 more for a user, with keys carrying the period', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(countersOf(subject(false), now)).toHaveLength(4);
    const counters = countersOf(subject(true), now);
    expect(counters.map((c) => [c.scope, c.metric, c.period, c.key, c.limit])).toEqual([
      ['tenant', 'tokens', 'day', 'quota:t:ten_1:tokens:2026-11-25', 1000],
      ['tenant', 'requests', 'day', 'quota:t:ten_1:requests:2026-11-25', null],
      ['tenant', 'tokens', 'month', 'quota:t:ten_1:tokens:2026-11', null],
      ['tenant', 'requests', 'month', 'quota:t:ten_1:requests:2026-11', 50],
      ['user', 'tokens', 'day', 'quota:u:ten_1:usr_1:tokens:2026-11-25', null],
      ['user', 'requests', 'day', 'quota:u:ten_1:usr_1:requests:2026-11-25', 15],
      ['user', 'tokens', 'month', 'quota:u:ten_1:usr_1:tokens:2026-11', null],
      ['user', 'requests', 'month', 'quota:u:ten_1:usr_1:requests:2026-11', null],
    ]);
  });
});

describe('reserve, settle, release', () => {
  const now = new Date('2026-11-25T23:00:00Z');
  const counters = countersOf(subject(true), now);

  it('reserves one request and the estimated tokens, expiring after the period (plus a margin)', () => {
    const reservation = reservationOf(counters, 300, now);
    expect(reservation.map((r) => r.amount)).toEqual([300, 1, 300, 1, 300, 1, 300, 1]);
    expect(reservation[0]!.ttlMs).toBe(3_600_000 + 3_600_000);
    expect(reservation[1]!.limit).toBeNull();
    expect(reservation[5]!.limit).toBe(15);
  });

  it.each([
    ['refunds what the call did not use', 300, 120, -180],
    ['charges what it used beyond the estimate', 300, 450, 150],
    ['charges nothing more for an exact estimate', 300, 300, 0],
    ['counts a negative usage as none', 10, -5, -10],
  ])('%s', (_label, reserved, actual, delta) => {
    const settlement = settlementOf(counters, reserved, actual, now);
    if (delta === 0) return expect(settlement).toEqual([]);
    // Only the 4 token counters move, unchecked: the call has happened.
    expect(settlement).toHaveLength(4);
    for (const s of settlement) {
      expect(s.amount).toBe(delta);
      expect(s.limit).toBeNull();
      expect(s.key).toContain(':tokens:');
    }
  });

  it('release gives back the request and every reserved token', () => {
    const released = releaseOf(counters, 300, now);
    expect(released.map((r) => r.amount)).toEqual([-300, -1, -300, -1, -300, -1, -300, -1]);
    expect(released.every((r) => r.limit === null)).toBe(true);
  });
});

describe('output reservation', () => {
  it.each([
    [200, null, 1024, 200],
    [200, 500, 1024, 200],
    [undefined, null, 1024, 1024],
    [undefined, 500, 1024, 500],
    [undefined, 5000, 1024, 1024],
    [undefined, null, 0, 0],
  ])('asked %s, cap %s, estimate %s → %s', (asked, cap, estimate, want) => {
    expect(outputReservation(asked, cap, estimate)).toBe(want);
  });
});

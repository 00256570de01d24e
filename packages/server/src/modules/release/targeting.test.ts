import { describe, expect, it } from 'vitest';
import { parseDocument } from './runtime-config.schema.js';
import { BUCKETS, bucketOf, evaluateFlag, inPercentage, type Subject } from './targeting.js';

const ids = Array.from({ length: 10_000 }, (_, i) => `usr_${i.toString(36).padStart(8, '0')}`);
const subject = (over: Partial<Subject> = {}): Subject => ({
  userId: 'usr_a',
  tenantId: 'ten_a',
  ip: '10.1.2.3',
  ...over,
});
const flagOf = (flag: unknown) => parseDocument({ flags: { f: flag } }).flags.f!;

describe('bucketOf', () => {
  it('is stable and within 0..9999', () => {
    for (const id of ids.slice(0, 200)) {
      const bucket = bucketOf('beta', id);
      expect(bucket).toBe(bucketOf('beta', id));
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(BUCKETS);
    }
  });

  it.each([1, 10, 25, 50, 90])('%d%% of 10,000 ids land within a 4-sigma binomial bound', (percent) => {
    const p = percent / 100;
    const hits = ids.filter((id) => inPercentage('beta', id, percent)).length;
    const sigma = Math.sqrt(ids.length * p * (1 - p));
    expect(Math.abs(hits - ids.length * p)).toBeLessThan(4 * sigma);
  });

  it('0% picks nobody and 100% everybody', () => {
    expect(ids.some((id) => inPercentage('beta', id, 0))).toBe(false);
    expect(ids.every((id) => inPercentage('beta', id, 100))).toBe(true);
  });

  it('different flag keys pick (nearly) independent users', () => {
    const a = new Set(ids.filter((id) => inPercentage('flag-a', id, 50)));
    const both = ids.filter((id) => a.has(id) && inPercentage('flag-b', id, 50)).length;
    // Independent 50% choices overlap on about 25% (2,500 ± 4σ, σ ≈ 43); identical ones would be 5,000.
    expect(Math.abs(both - 2_500)).toBeLessThan(4 * Math.sqrt(10_000 * 0.25 * 0.75));
  });

  it('a growing percentage keeps the users it already had', () => {
    const ten = ids.filter((id) => inPercentage('beta', id, 10));
    expect(ten.every((id) => inPercentage('beta', id, 30))).toBe(true);
  });
});

describe('evaluateFlag', () => {
  it.each([
    ['disabled flag', { enabled: false, rules: [] }, subject(), false, 'flag_off'],
    [
      'disabled flag wins over matching rules',
      { enabled: false, rules: [{ type: 'users', user_ids: ['usr_a'] }] },
      subject(),
      false,
      'flag_off',
    ],
    ['enabled without rules', { enabled: true }, subject(), true, 'no_rules'],
    [
      'user list match',
      { enabled: true, rules: [{ type: 'users', user_ids: ['usr_a'] }] },
      subject(),
      true,
      'rule_match',
    ],
    [
      'user list miss',
      { enabled: true, rules: [{ type: 'users', user_ids: ['usr_b'] }] },
      subject(),
      false,
      'no_rule_matched',
    ],
    [
      'tenant allowlist match',
      { enabled: true, rules: [{ type: 'tenants', tenant_ids: ['ten_x', 'ten_a'] }] },
      subject(),
      true,
      'rule_match',
    ],
    [
      'tenant allowlist, no tenant',
      { enabled: true, rules: [{ type: 'tenants', tenant_ids: ['ten_a'] }] },
      subject({ tenantId: null }),
      false,
      'no_rule_matched',
    ],
    [
      'IPv4 CIDR match',
      { enabled: true, rules: [{ type: 'ip', cidrs: ['10.0.0.0/8'] }] },
      subject(),
      true,
      'rule_match',
    ],
    [
      'IPv4 CIDR miss',
      { enabled: true, rules: [{ type: 'ip', cidrs: ['192.168.0.0/16'] }] },
      subject(),
      false,
      'no_rule_matched',
    ],
    [
      'IPv4-mapped IPv6 client',
      { enabled: true, rules: [{ type: 'ip', cidrs: ['10.1.2.0/24'] }] },
      subject({ ip: '::ffff:10.1.2.3' }),
      true,
      'rule_match',
    ],
    [
      'single address',
      { enabled: true, rules: [{ type: 'ip', cidrs: ['10.1.2.3'] }] },
      subject(),
      true,
      'rule_match',
    ],
    [
      'IPv6 CIDR match',
      { enabled: true, rules: [{ type: 'ip', cidrs: ['2001:db8::/32'] }] },
      subject({ ip: '2001:db8::1' }),
      true,
      'rule_match',
    ],
    [
      'IP rule, no IP',
      { enabled: true, rules: [{ type: 'ip', cidrs: ['0.0.0.0/0'] }] },
      subject({ ip: null }),
      false,
      'no_rule_matched',
    ],
    [
      'percentage 100',
      { enabled: true, rules: [{ type: 'percentage', percent: 100 }] },
      subject(),
      true,
      'rule_match',
    ],
    [
      'percentage 0',
      { enabled: true, rules: [{ type: 'percentage', percent: 0 }] },
      subject(),
      false,
      'no_rule_matched',
    ],
    [
      'percentage without a user',
      { enabled: true, rules: [{ type: 'percentage', percent: 100 }] },
      subject({ userId: null }),
      false,
      'no_rule_matched',
    ],
  ])('%s', (_name, flag, who, enabled, reason) => {
    const result = evaluateFlag('f', flagOf(flag), who);
    expect(result.enabled).toBe(enabled);
    expect(result.reason).toBe(reason);
  });

  it('reports the first rule that matched', () => {
    const flag = flagOf({
      enabled: true,
      rules: [
        { type: 'users', user_ids: ['usr_z'] },
        { type: 'tenants', tenant_ids: ['ten_a'] },
        { type: 'ip', cidrs: ['10.0.0.0/8'] },
      ],
    });
    expect(evaluateFlag('f', flag, subject())).toMatchObject({ rule_index: 1, rule_type: 'tenants' });
  });

  it('a percentage rule uses the flag key as the salt', () => {
    const flag = flagOf({ enabled: true, rules: [{ type: 'percentage', percent: 10 }] });
    const on = ids.filter((id) => evaluateFlag('beta', flag, subject({ userId: id })).enabled);
    expect(on).toEqual(ids.filter((id) => inPercentage('beta', id, 10)));
  });
});

import { createHash } from 'node:crypto';
import { type IpRange, inIpRanges, ipRangeList, parseIpRange } from '../../platform/net/ip-ranges.js';
import type { Flag, FlagRule } from './runtime-config.schema.js';

/** Buckets a percentage is counted in: 10,000, so a percent has two decimals that count. */
export const BUCKETS = 10_000;

/**
 * The stable bucket (0–9999) of `subject` under `salt`: the first 32 bits of SHA-256(`salt:subject`)
 * modulo 10,000. The salt is the flag key (or `canary:<version>`), so different flags pick different
 * users, and a user stays in a flag's rollout as its percentage grows.
 * @example bucketOf('new-composer', 'usr_01H...') < 1_000 // in a 10% rollout
 */
export function bucketOf(salt: string, subject: string): number {
  const digest = createHash('sha256').update(`${salt}:${subject}`).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/** Whether `subject` falls in the first `percent` % of buckets under `salt` (0 → nobody, 100 → everybody). */
export function inPercentage(salt: string, subject: string, percent: number): boolean {
  return bucketOf(salt, subject) < Math.round(percent * 100);
}

/** Who a flag is evaluated for: the caller's user id, tenant and IP (any may be unknown). */
export interface Subject {
  userId: string | null;
  tenantId: string | null;
  ip: string | null;
}

export type FlagReason = 'flag_off' | 'no_rules' | 'rule_match' | 'no_rule_matched';

/** One flag's answer with the reason (as LaunchDarkly's and Unleash's evaluation details do). */
export interface FlagEvaluation {
  key: string;
  enabled: boolean;
  reason: FlagReason;
  /** With `rule_match`: the index and type of the first rule that matched. */
  rule_index: number | null;
  rule_type: FlagRule['type'] | null;
}

/** A rule compiled once per document: IP rules become a `net.BlockList`, lists become sets. */
type CompiledRule = (subject: Subject, flagKey: string) => boolean;

const compiled = new WeakMap<FlagRule, CompiledRule>();

function compile(rule: FlagRule): CompiledRule {
  let matcher = compiled.get(rule);
  if (matcher) return matcher;
  switch (rule.type) {
    case 'percentage':
      matcher = (s, key) => s.userId !== null && inPercentage(key, s.userId, rule.percent);
      break;
    case 'ip': {
      // The document was validated: every entry parses.
      const list = ipRangeList(
        rule.cidrs.map(parseIpRange).filter((r): r is IpRange => typeof r !== 'string'),
      );
      matcher = (s) => s.ip !== null && inIpRanges(list, s.ip);
      break;
    }
    case 'tenants': {
      const ids = new Set(rule.tenant_ids);
      matcher = (s) => s.tenantId !== null && ids.has(s.tenantId);
      break;
    }
    case 'users': {
      const ids = new Set(rule.user_ids);
      matcher = (s) => s.userId !== null && ids.has(s.userId);
      break;
    }
  }
  compiled.set(rule, matcher);
  return matcher;
}

/** `::ffff:10.1.2.3` (an IPv4 client on a dual-stack socket) is checked as `10.1.2.3`. */
/**
 * Evaluates one flag for `subject`: off when disabled; on when it has no rules; else on when any rule
 * matches (the first match is reported).
 * @example evaluateFlag('beta', flag, { userId: 'usr_1', tenantId: 'ten_1', ip: '10.0.0.1' }).enabled
 */
export function evaluateFlag(key: string, flag: Flag, subject: Subject): FlagEvaluation {
  if (!flag.enabled) return { key, enabled: false, reason: 'flag_off', rule_index: null, rule_type: null };
  if (flag.rules.length === 0)
    return { key, enabled: true, reason: 'no_rules', rule_index: null, rule_type: null };
  for (const [index, rule] of flag.rules.entries())
    if (compile(rule)(subject, key))
      return { key, enabled: true, reason: 'rule_match', rule_index: index, rule_type: rule.type };
  return { key, enabled: false, reason: 'no_rule_matched', rule_index: null, rule_type: null };
}

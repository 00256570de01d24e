import { isIPv4, isIPv6 } from 'node:net';
import { RateLimitedError, ServiceUnavailableError } from '../../errors.js';
import type { Cache, RateLimitDecision, TokenBucket } from '../../platform/cache/cache.js';
import { withTimeout } from '../../platform/with-timeout.js';
import type { Principal } from '../access/principal.js';
import { hashSecret } from '../identity/token.service.js';

/** What a bucket counts: one client address, one logged-in user (JWT), or one API key. */
export type RateLimitScope = 'ip' | 'user' | 'key';

/** One bucket a request draws from. */
export interface RateLimitSubject {
  scope: RateLimitScope;
  /** The cache key of the bucket (`rl:<scope>:<id>`). */
  key: string;
}

export interface RateLimitSettings {
  /** `RATE_LIMIT_ENABLED`: off, the edge installs no hook at all. */
  enabled: boolean;
  /** Sustained requests per minute per scope (`RATE_LIMIT_{IP,USER,KEY}_PER_MINUTE`). */
  perMinute: Readonly<Record<RateLimitScope, number>>;
  /** Bucket capacity per scope: how many requests may come at once (`RATE_LIMIT_{IP,USER,KEY}_BURST`). */
  burst: Readonly<Record<RateLimitScope, number>>;
  /** `RATE_LIMIT_FAIL_MODE`: what happens while the shared cache (Redis) does not answer. */
  failMode: 'open' | 'closed';
  /** `RATE_LIMIT_TIMEOUT_MS`: the longest a request waits for Redis before the fail mode applies. */
  timeoutMs: number;
  /** `RATE_LIMIT_CIRCUIT_MS`: after a failure, how long requests skip Redis (the fail mode applies at once). */
  circuitMs: number;
}

/** Told about every refused request (metrics plug in here; the limiter itself keeps no counters). */
export interface RateLimitObserver {
  onRateLimited(scope: RateLimitScope): void;
}

/** The answer for one request. */
export interface RateLimitOutcome {
  allowed: boolean;
  /**
   * The tightest bucket (the refusing one, else the one with the fewest requests left): what the
   * `X-RateLimit-*` headers report. `null` when the cache could not be asked and the limiter failed open.
   */
  decision: (RateLimitDecision & { scope: RateLimitScope }) | null;
  /** True when the shared cache did not answer and the fail mode decided. */
  degraded: boolean;
}

/** 503 while Redis is unreachable and `RATE_LIMIT_FAIL_MODE=closed`. */
export class RateLimitUnavailableError extends ServiceUnavailableError {
  override readonly code = 'rate_limit_unavailable';
}

/**
 * The buckets a request draws from: always its client address, plus its API key (when a key
 * authenticated it) or its user (when an access JWT did). IPv6 clients are counted per /64, the block one
 * host or home usually holds, so rotating addresses inside it does not multiply the limit.
 *
 * @example
 * rateLimitSubjects({ kind: 'user', userId: 'usr_1', sessionId: 's', isPlatformAdmin: false }, '10.0.0.7');
 * // [{ scope: 'ip', key: 'rl:ip:10.0.0.7' }, { scope: 'user', key: 'rl:user:usr_1' }]
 */
export function rateLimitSubjects(principal: Principal | null, ip: string): RateLimitSubject[] {
  const subjects: RateLimitSubject[] = [{ scope: 'ip', key: `rl:ip:${clientBucketId(ip)}` }];
  if (principal?.kind === 'api_key') subjects.push({ scope: 'key', key: `rl:key:${principal.keyId}` });
  else if (principal?.kind === 'user') subjects.push({ scope: 'user', key: `rl:user:${principal.userId}` });
  return subjects;
}

/**
 * The subjects of a request presenting an API key, before the key is looked up: its address and the key,
 * counted under the SHA-256 of the secret (one bucket per key, the same on every instance). The edge
 * checks these while the key is being authenticated, so the two round trips overlap; an unknown secret
 * gets a bucket of its own and its 401 from the route.
 * @example apiKeySubjects('nx-…', '10.0.0.7') // [{ scope: 'ip', … }, { scope: 'key', key: 'rl:key:3f2a…' }]
 */
export function apiKeySubjects(secret: string, ip: string): RateLimitSubject[] {
  return [
    { scope: 'ip', key: `rl:ip:${clientBucketId(ip)}` },
    { scope: 'key', key: `rl:key:${hashSecret(secret)}` },
  ];
}

/**
 * The id an address is counted under: IPv4 as is (IPv4-mapped IPv6 as its IPv4), IPv6 as its /64 prefix
 * (`2001:db8:0:1::/64`). Anything else (a test client's empty address) as is.
 * @example clientBucketId('2001:db8::1:2:3:4') // '2001:db8:0:0::/64'
 */
export function clientBucketId(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const groups = expandIpv6(ip.split('%')[0]!);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, each without leading zeros (`0` for zero). */
function expandIpv6(ip: string): string[] {
  let text = ip.toLowerCase();
  // A trailing dotted IPv4 part is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}

/**
 * Token-bucket rate limits per client address, user and API key, in the shared {@link Cache} (Redis when
 * configured, so every instance draws from the same buckets). Redis trouble never stalls a request: a call
 * that takes longer than `timeoutMs` or fails opens a circuit for `circuitMs`, during which the fail mode
 * (`open`: let requests through without headers; `closed`: 503 `rate_limit_unavailable`) applies at once.
 *
 * @example
 * const limiter = new RateLimiter({ cache, settings });
 * const outcome = await limiter.check(rateLimitSubjects(ctx.principal, request.ip));
 * if (!outcome.allowed) throw limiter.refusal(outcome);
 */
export class RateLimiter {
  private readonly buckets: Readonly<Record<RateLimitScope, TokenBucket>>;
  private circuitOpenUntil = 0;
  private observer: RateLimitObserver | undefined;

  constructor(
    private readonly deps: {
      cache: Cache;
      settings: RateLimitSettings;
      observer?: RateLimitObserver;
      now?: () => number;
    },
  ) {
    const bucket = (scope: RateLimitScope): TokenBucket => ({
      capacity: deps.settings.burst[scope],
      refillPerSecond: deps.settings.perMinute[scope] / 60,
    });
    this.buckets = { ip: bucket('ip'), user: bucket('user'), key: bucket('key') };
    this.observer = deps.observer;
  }

  get settings(): RateLimitSettings {
    return this.deps.settings;
  }

  /**
   * Sets (or, with `undefined`, removes) the observer told about each refusal.
   * @example limiter.setObserver({ onRateLimited: (scope) => rejections.inc({ scope }) });
   */
  setObserver(observer: RateLimitObserver | undefined): void {
    this.observer = observer;
  }

  /** Whether Redis is being skipped right now after a failure (the fail mode is deciding). */
  get degraded(): boolean {
    return this.now() < this.circuitOpenUntil;
  }

  /** Takes one token from each subject's bucket; never throws for a cache failure in `open` mode. */
  async check(subjects: readonly RateLimitSubject[]): Promise<RateLimitOutcome> {
    if (this.now() < this.circuitOpenUntil) return this.failed();
    let decisions: RateLimitDecision[];
    try {
      const all = Promise.all(
        subjects.map((s) => this.deps.cache.consumeTokens(s.key, this.buckets[s.scope])),
      );
      // The in-process cache cannot hang or fail: no timer on that path.
      decisions =
        this.deps.cache.kind === 'memory'
          ? await all
          : await withTimeout(all, this.deps.settings.timeoutMs, 'the cache');
    } catch {
      this.circuitOpenUntil = this.now() + this.deps.settings.circuitMs;
      return this.failed();
    }
    let tightest = 0;
    for (let i = 1; i < decisions.length; i++) {
      if (tighter(decisions[i]!, decisions[tightest]!)) tightest = i;
    }
    const decision = { ...decisions[tightest]!, scope: subjects[tightest]!.scope };
    if (!decision.allowed) this.observer?.onRateLimited(decision.scope);
    return { allowed: decision.allowed, decision, degraded: false };
  }

  /**
   * The 429 for a refused outcome: `rate_limited` with `Retry-After` (whole seconds, at least 1) and the
   * `X-RateLimit-*` headers of the refusing bucket.
   */
  refusal(outcome: RateLimitOutcome): RateLimitedError {
    const decision = outcome.decision!;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    return new RateLimitedError(
      `Too many requests for this ${SCOPE_NOUNS[decision.scope]}; try again in ${seconds} s`,
      {
        details: { scope: decision.scope, limit: decision.limit, retry_after_s: seconds },
        headers: { ...rateLimitHeaders(decision), 'retry-after': String(seconds) },
      },
    );
  }

  private failed(): RateLimitOutcome {
    if (this.deps.settings.failMode === 'closed') {
      throw new RateLimitUnavailableError('Rate limits cannot be checked right now; try again shortly', {
        details: { dependency: 'cache' },
      });
    }
    return { allowed: true, decision: null, degraded: true };
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

const SCOPE_NOUNS: Readonly<Record<RateLimitScope, string>> = {
  ip: 'client address',
  user: 'user',
  key: 'API key',
};

/**
 * The `X-RateLimit-*` headers of a decision: `Limit` is the bucket's capacity (the burst), `Remaining`
 * whole requests left now, `Reset` whole seconds (rounded up) until the bucket is full again.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(Math.max(0, decision.remaining)),
    'x-ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
}

/** A refusal beats an allowance (the longer wait wins); among allowances, the fewest left (then the smaller bucket). */
function tighter(a: RateLimitDecision, b: RateLimitDecision): boolean {
  if (a.allowed !== b.allowed) return !a.allowed;
  if (!a.allowed) return a.retryAfterMs > b.retryAfterMs;
  return a.remaining < b.remaining || (a.remaining === b.remaining && a.limit < b.limit);
}

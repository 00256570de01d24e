import { RateLimitedError } from '../../errors.js';
import type { Cache } from '../../platform/cache/cache.js';

export class LoginThrottledError extends RateLimitedError {
  override readonly code = 'login_throttled';
}

export interface LoginThrottleSettings {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  maxLockoutSeconds: number;
}

/** Failures are remembered for this long; a success clears the account's count. */
const WINDOW_MS = 60 * 60 * 1000;

/**
 * Per-account and per-IP login throttling with growing back-off, in the shared cache so it holds across
 * instances. After the allowed failures each further failure locks the key for 1 s, 2 s, 4 s, ... up to
 * the maximum; a locked attempt is refused before any password is checked.
 */
export class LoginThrottle {
  constructor(
    private readonly cache: Cache,
    private readonly settings: LoginThrottleSettings,
  ) {}

  /** Throws `login_throttled` with `Retry-After` while either the account or the IP is locked. */
  async check(account: string, ip: string): Promise<void> {
    const [accountTtl, ipTtl] = await Promise.all([
      this.cache.ttl(lockKey('acct', account)),
      this.cache.ttl(lockKey('ip', ip)),
    ]);
    const waitMs = Math.max(accountTtl ?? 0, ipTtl ?? 0);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new LoginThrottledError(`Too many failed logins; try again in ${seconds} s`, {
        details: { retry_after_s: seconds },
        headers: { 'retry-after': String(seconds) },
      });
    }
  }

  async recordFailure(account: string, ip: string): Promise<void> {
    await Promise.all([
      this.fail('acct', account, this.settings.maxFailuresPerAccount),
      this.fail('ip', ip, this.settings.maxFailuresPerIp),
    ]);
  }

  async recordSuccess(account: string): Promise<void> {
    await this.cache.delete(failKey('acct', account));
  }

  private async fail(kind: string, id: string, allowed: number): Promise<void> {
    const failures = await this.cache.increment(failKey(kind, id), 1, WINDOW_MS);
    if (failures < allowed) return;
    const seconds = Math.min(2 ** (failures - allowed), this.settings.maxLockoutSeconds);
    await this.cache.set(lockKey(kind, id), '1', seconds * 1000);
  }
}

const failKey = (kind: string, id: string) => `login:fail:${kind}:${id.toLowerCase()}`;
const lockKey = (kind: string, id: string) => `login:lock:${kind}:${id.toLowerCase()}`;

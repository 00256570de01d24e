import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { CacheWriteRetry } from '../../platform/cache/cache-write-retry.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import { requirePlatformAdmin, requireUser } from '../access/access.service.js';
import type { Principal, RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { TenantRow, TenantsRepository } from '../tenants/tenants.repository.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Mailer } from './mailer.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';
import type { PasswordResetsRepository } from './password-resets.repository.js';
import type { SessionRow, SessionsRepository } from './sessions.repository.js';
import { hashSecret, newSecret, type TokenService } from './token.service.js';
import type { UserRow, UsersRepository } from './users.repository.js';
import type { WechatClient } from './wechat.client.js';

export class InvalidCredentialsError extends UnauthorizedError {
  override readonly code = 'invalid_credentials';
}
export class InvalidRefreshTokenError extends UnauthorizedError {
  override readonly code = 'invalid_refresh_token';
}
export class RefreshTokenReusedError extends UnauthorizedError {
  override readonly code = 'refresh_token_reused';
}
export class SessionRevokedError extends UnauthorizedError {
  override readonly code = 'session_revoked';
}
export class AccountDisabledError extends ForbiddenError {
  override readonly code = 'account_disabled';
}
export class EmailTakenError extends ConflictError {
  override readonly code = 'email_taken';
}
export class InvalidResetTokenError extends UnauthorizedError {
  override readonly code = 'invalid_reset_token';
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  session_id: string;
  user_id: string;
}

export interface AuthSettings {
  refreshTtlSeconds: number;
  passwordMinLength: number;
  passwordResetTtlSeconds: number;
  passwordResetUrl?: string;
}

export interface AuthDeps {
  db: Executor;
  users: UsersRepository;
  sessions: SessionsRepository;
  resets: PasswordResetsRepository;
  tenants: TenantsRepository;
  tokens: TokenService;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  audit: AuditService;
  cache: Cache;
  /** Keeps block-list writes that fail while Redis is away, and writes them when it is back. */
  cacheWrites?: CacheWriteRetry;
  mailer: Mailer;
  wechat: WechatClient;
  settings: AuthSettings;
  logger: Logger;
  /** Forgets cached API keys of a user whose status changed (ApiKeysService). */
  apiKeys: { forgetCreator(userId: string): Promise<void> };
}

const revokedKey = (sessionId: string) => `revoked:session:${sessionId}`;

/**
 * Registration, login (password and WeChat), refresh-token rotation with reuse detection, device sessions,
 * password change and reset. Access tokens are short-lived JWTs; revoking a session puts its id on a
 * revocation list in the shared cache until its last access token would have expired, so the revocation
 * holds on every instance at once.
 */
export class AuthService {
  private dummyHash: Promise<string> | undefined;
  private readonly mailInFlight = new Set<Promise<void>>();

  constructor(private readonly deps: AuthDeps) {}

  async register(
    ctx: RequestContext,
    input: { email: string; password: string; displayName?: string; deviceName?: string },
  ): Promise<{ user: UserRow; tenant: TenantRow; tokens: TokenPair }> {
    const { db, users, hasher, settings } = this.deps;
    const email = input.email.trim();
    checkPassword(input.password, email, settings.passwordMinLength);
    if (await users.findByEmail(db, email))
      throw new EmailTakenError('An account with this email already exists');
    const passwordHash = await hasher.hash(input.password);
    try {
      const { user, tenant } = await withTransaction(db, async (trx) => {
        const user = await users.create(trx, {
          id: newId('usr'),
          email,
          password_hash: passwordHash,
          display_name: input.displayName?.trim() || email.split('@')[0]!,
        });
        const tenant = await this.createPersonalTenant(trx, user);
        return { user, tenant };
      });
      await this.deps.audit.record(ctx, {
        action: 'auth.register',
        result: 'success',
        tenantId: tenant.id,
        actor: { type: 'user', id: user.id },
        target: { type: 'user', id: user.id },
      });
      return { user, tenant, tokens: await this.openSession(ctx, user, input.deviceName) };
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new EmailTakenError('An account with this email already exists');
      throw error;
    }
  }

  async login(
    ctx: RequestContext,
    input: { email: string; password: string; deviceName?: string },
  ): Promise<TokenPair> {
    const { db, users, hasher, throttle, audit } = this.deps;
    const email = input.email.trim().toLowerCase();
    await throttle.check(email, ctx.ip);
    const user = await users.findByEmail(db, email);
    // Unknown email, no password (WeChat-only) and wrong password take the same time and give the same answer.
    const valid = user?.password_hash
      ? await hasher.verify(user.password_hash, input.password)
      : await hasher.verify(await this.dummy(), input.password).then(() => false);
    if (!user || !valid) {
      await throttle.recordFailure(email, ctx.ip);
      await audit.record(ctx, {
        action: 'auth.login',
        result: 'failure',
        actor: { type: 'user', id: user?.id ?? null },
        details: { reason: 'invalid_credentials', email_known: user !== undefined },
      });
      throw new InvalidCredentialsError('The email or password is incorrect');
    }
    if (user.status !== 'active') {
      await audit.record(ctx, {
        action: 'auth.login',
        result: 'failure',
        actor: { type: 'user', id: user.id },
        details: { reason: 'account_disabled' },
      });
      throw new AccountDisabledError('This account is disabled');
    }
    await throttle.recordSuccess(email);
    const tokens = await this.openSession(ctx, user, input.deviceName);
    await audit.record(ctx, {
      action: 'auth.login',
      result: 'success',
      actor: { type: 'user', id: user.id },
      target: { type: 'session', id: tokens.session_id },
    });
    return tokens;
  }

  async loginWithWechat(
    ctx: RequestContext,
    input: { code: string; deviceName?: string },
  ): Promise<TokenPair & { created: boolean }> {
    const { db, users, wechat, audit } = this.deps;
    const identity = await wechat.code2session(input.code);
    const appId = wechat.appId!;
    let user = await users.findByWechat(db, appId, identity.openId);
    let created = false;
    if (!user) {
      try {
        user = await withTransaction(db, async (trx) => {
          const row = await users.create(trx, {
            id: newId('usr'),
            email: null,
            password_hash: null,
            display_name: 'WeChat user',
          });
          await users.linkWechat(trx, {
            app_id: appId,
            open_id: identity.openId,
            union_id: identity.unionId,
            user_id: row.id,
          });
          await this.createPersonalTenant(trx, row);
          return row;
        });
        created = true;
      } catch (error) {
        // Two first logins of the same WeChat user at once: the other one created it.
        if ((error as { code?: string }).code !== '23505') throw error;
        user = await users.findByWechat(db, appId, identity.openId);
        if (!user) throw error;
      }
    } else if (identity.unionId) {
      await users.updateWechatUnionId(db, appId, identity.openId, identity.unionId);
    }
    if (user.status !== 'active') {
      await audit.record(ctx, {
        action: 'auth.wechat_login',
        result: 'failure',
        actor: { type: 'user', id: user.id },
        details: { reason: 'account_disabled' },
      });
      throw new AccountDisabledError('This account is disabled');
    }
    const tokens = await this.openSession(ctx, user, input.deviceName ?? 'WeChat mini-program');
    await audit.record(ctx, {
      action: 'auth.wechat_login',
      result: 'success',
      actor: { type: 'user', id: user.id },
      details: { created },
    });
    return { ...tokens, created };
  }

  /** Rotates the refresh token. A token presented twice revokes its whole session (family). */
  async refresh(ctx: RequestContext, refreshToken: string): Promise<TokenPair> {
    const { db, sessions, users, audit } = this.deps;
    const tokenHash = hashSecret(refreshToken);
    const found = await sessions.findRefreshToken(db, tokenHash);
    if (!found) throw new InvalidRefreshTokenError('The refresh token is invalid');
    if (found.revoked_at) throw new SessionRevokedError('This session has been revoked; log in again');
    const now = new Date();
    if (new Date(found.expires_at) <= now || new Date(found.session_expires_at) <= now) {
      throw new InvalidRefreshTokenError('The refresh token has expired; log in again');
    }
    if (found.used_at || !(await sessions.useRefreshToken(db, tokenHash))) {
      const revoked = await sessions.revoke(db, found.user_id, 'refresh_token_reused', {
        only: found.session_id,
      });
      await this.blockAccessTokens(revoked);
      await audit.record(ctx, {
        action: 'auth.refresh_token_reuse',
        result: 'failure',
        actor: { type: 'user', id: found.user_id },
        target: { type: 'session', id: found.session_id },
        details: { revoked_sessions: revoked },
      });
      throw new RefreshTokenReusedError(
        'This refresh token was already used; the session has been revoked for safety',
      );
    }
    const user = await users.get(db, found.user_id);
    if (user?.status !== 'active') throw new AccountDisabledError('This account is disabled');
    await sessions.touch(db, found.session_id, ctx.ip);
    return this.issueTokens(user, found.session_id, new Date(found.session_expires_at));
  }

  /** Resolves an access token to a principal; a revoked session fails here at once, on every instance. */
  async authenticateAccessToken(token: string): Promise<Principal> {
    const claims = await this.deps.tokens.verifyAccessToken(token);
    if (await this.isRevoked(claims.sid))
      throw new SessionRevokedError('This session has been revoked; log in again');
    return { kind: 'user', userId: claims.sub, sessionId: claims.sid, isPlatformAdmin: claims.adm };
  }

  async getUser(userId: string): Promise<UserRow> {
    const user = await this.deps.users.get(this.deps.db, userId);
    if (!user) throw new NotFoundError('No such user');
    return user;
  }

  async logout(ctx: RequestContext): Promise<void> {
    const user = requireUser(ctx);
    await this.revokeSessions(ctx, user.userId, 'logout', { only: user.sessionId });
  }

  async logoutAll(ctx: RequestContext): Promise<number> {
    const user = requireUser(ctx);
    return (await this.revokeSessions(ctx, user.userId, 'logout_all')).length;
  }

  async listSessions(ctx: RequestContext): Promise<(SessionRow & { current: boolean })[]> {
    const user = requireUser(ctx);
    const rows = await this.deps.sessions.listActive(this.deps.db, user.userId);
    return rows.map((row) => ({ ...row, current: row.id === user.sessionId }));
  }

  async revokeSession(ctx: RequestContext, sessionId: string): Promise<void> {
    const user = requireUser(ctx);
    const revoked = await this.revokeSessions(ctx, user.userId, 'revoked_by_user', { only: sessionId });
    if (revoked.length === 0) throw new NotFoundError('No such active session');
  }

  async changePassword(
    ctx: RequestContext,
    input: { currentPassword: string; newPassword: string },
  ): Promise<void> {
    const principal = requireUser(ctx);
    const { db, users, hasher, settings } = this.deps;
    const user = await users.get(db, principal.userId);
    // Guessing the current password with a stolen access token is throttled like guessing at login.
    const account = user?.email ?? principal.userId;
    await this.deps.throttle.check(account, ctx.ip);
    if (!user?.password_hash || !(await hasher.verify(user.password_hash, input.currentPassword))) {
      await this.deps.throttle.recordFailure(account, ctx.ip);
      await this.deps.audit.record(ctx, {
        action: 'auth.password_change',
        result: 'failure',
        details: { reason: 'invalid_credentials' },
      });
      throw new InvalidCredentialsError('The current password is incorrect');
    }
    await this.deps.throttle.recordSuccess(account);
    checkPassword(input.newPassword, user.email, settings.passwordMinLength, 'new_password');
    const passwordHash = await hasher.hash(input.newPassword);
    await withTransaction(db, async (trx) => {
      await users.setPasswordHash(trx, user.id, passwordHash);
      // A reset mail sent before the change must not be able to undo it.
      await this.deps.resets.consumeAllForUser(trx, user.id);
    });
    await this.revokeSessions(ctx, user.id, 'password_changed', { except: principal.sessionId });
    await this.deps.audit.record(ctx, {
      action: 'auth.password_change',
      result: 'success',
      target: { type: 'user', id: user.id },
    });
  }

  /** Always succeeds from the caller's point of view: whether the email exists is never revealed. */
  async requestPasswordReset(ctx: RequestContext, email: string): Promise<void> {
    const { db, users, settings } = this.deps;
    const user = await users.findByEmail(db, email.trim());
    if (!user?.email || user.status !== 'active') {
      await this.dummy();
      return;
    }
    const token = newSecret('nxp_');
    await this.deps.resets.create(db, {
      token_hash: hashSecret(token),
      user_id: user.id,
      expires_at: new Date(Date.now() + settings.passwordResetTtlSeconds * 1000),
    });
    // Sent off the request path: a slow or failing mail server must not make a registered email answer
    // differently (in time or status) from an unknown one. close() waits for mails still going out.
    const sending = this.sendResetMail(ctx, user.id, user.email, token).finally(() =>
      this.mailInFlight.delete(sending),
    );
    this.mailInFlight.add(sending);
  }

  /** Resolves once every password reset mail started so far has been sent or has failed. */
  /** Block-list writes kept while Redis was away and not made yet (operators' and tests' view). */
  get cacheWritesWaiting(): number {
    return this.deps.cacheWrites?.waiting ?? 0;
  }

  async mailSettled(): Promise<void> {
    await Promise.all([...this.mailInFlight]);
  }

  private async sendResetMail(ctx: RequestContext, userId: string, to: string, token: string): Promise<void> {
    const { mailer, settings } = this.deps;
    const link = settings.passwordResetUrl
      ? `${settings.passwordResetUrl}${settings.passwordResetUrl.includes('?') ? '&' : '?'}token=${token}`
      : undefined;
    let result: 'success' | 'failure' = 'success';
    try {
      await mailer.send({
        to,
        subject: 'Reset your Nexus password',
        text: [
          'Someone asked to reset the password of your Nexus account.',
          link ? `Open this link to choose a new password: ${link}` : `Your reset token: ${token}`,
          `It is valid for ${Math.round(settings.passwordResetTtlSeconds / 60)} minutes and works once. If it was not you, ignore this message.`,
        ].join('\n\n'),
      });
    } catch (error) {
      result = 'failure';
      this.deps.logger.error({ err: error, user_id: userId }, 'could not send the password reset mail');
    }
    await this.deps.audit
      .record(ctx, {
        action: 'auth.password_reset_request',
        result,
        actor: { type: 'user', id: userId },
        ...(result === 'failure' ? { details: { reason: 'mail_not_sent' } } : {}),
      })
      .catch((error) => this.deps.logger.error({ err: error }, 'could not audit a password reset request'));
  }

  async confirmPasswordReset(
    ctx: RequestContext,
    input: { token: string; newPassword: string },
  ): Promise<void> {
    const { db, users, hasher, settings } = this.deps;
    const tokenHash = hashSecret(input.token);
    const pending = await this.deps.resets.findPending(db, tokenHash);
    if (!pending) throw new InvalidResetTokenError('The reset token is invalid, used or expired');
    checkPassword(input.newPassword, pending.email, settings.passwordMinLength, 'new_password');
    const passwordHash = await hasher.hash(input.newPassword);
    const consumed = await withTransaction(db, async (trx) => {
      if (!(await this.deps.resets.consume(trx, tokenHash))) return false;
      // Any other token still out there (an older or newer mail) dies with this reset.
      await this.deps.resets.consumeAllForUser(trx, pending.user_id);
      await users.setPasswordHash(trx, pending.user_id, passwordHash);
      return true;
    });
    if (!consumed) throw new InvalidResetTokenError('The reset token is invalid, used or expired');
    await this.revokeSessions(ctx, pending.user_id, 'password_reset');
    await this.deps.audit.record(ctx, {
      action: 'auth.password_reset',
      result: 'success',
      actor: { type: 'user', id: pending.user_id },
    });
  }

  /** Disables or re-enables a user (platform admin); disabling revokes every session at once. */
  async setUserStatus(ctx: RequestContext, userId: string, status: 'active' | 'disabled'): Promise<UserRow> {
    requirePlatformAdmin(ctx);
    const user = await this.deps.users.setStatus(this.deps.db, userId, status);
    if (!user) throw new NotFoundError('No such user');
    if (status === 'disabled') await this.revokeSessions(ctx, userId, 'account_disabled');
    await this.deps.apiKeys.forgetCreator(userId);
    await this.deps.audit.record(ctx, {
      action: status === 'disabled' ? 'admin.user_disable' : 'admin.user_enable',
      result: 'success',
      target: { type: 'user', id: userId },
    });
    return user;
  }

  /** Every user, newest first (platform admin). */
  async listUsers(
    ctx: RequestContext,
    page: { before?: string; limit: number; email?: string },
  ): Promise<UserRow[]> {
    requirePlatformAdmin(ctx);
    return this.deps.users.listAll(this.deps.db, page);
  }

  private async revokeSessions(
    ctx: RequestContext,
    userId: string,
    reason: string,
    scope: { only?: string; except?: string } = {},
  ): Promise<string[]> {
    const revoked = await this.deps.sessions.revoke(this.deps.db, userId, reason, scope);
    await this.blockAccessTokens(revoked);
    if (revoked.length > 0) {
      await this.deps.audit.record(ctx, {
        action: 'auth.session_revoke',
        result: 'success',
        target: { type: 'user', id: userId },
        details: { reason, sessions: revoked },
      });
    }
    return revoked;
  }

  /**
   * Whether a session's access tokens are blocked: the shared cache answers in the normal case. While the
   * cache (Redis) is unreachable, the sessions table — where every revocation is written first — answers
   * instead, so signed-in users keep working through a Redis outage without a revoked token slipping in.
   */
  private async isRevoked(sessionId: string): Promise<boolean> {
    const key = revokedKey(sessionId);
    // A revocation made here while Redis was away and not written to it yet still counts.
    if (this.deps.cacheWrites?.isWaiting(key)) return true;
    try {
      return (await this.deps.cache.get(key)) !== null;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError)) throw error;
      const session = await this.deps.sessions.get(this.deps.db, sessionId);
      return !session || session.revoked_at !== null;
    }
  }

  /** Access tokens of these sessions stop working now, everywhere, until they would have expired anyway. */
  private async blockAccessTokens(sessionIds: string[]): Promise<void> {
    const until = Date.now() + (this.deps.tokens.accessTokenTtlSeconds + 5) * 1000;
    await Promise.all(
      sessionIds.map((id) => {
        const key = revokedKey(id);
        const write = () => this.deps.cache.set(key, '1', Math.max(1, until - Date.now()));
        // While Redis is away every instance checks the sessions table (isRevoked), which already holds
        // the revocation: the block-list entry is written once Redis is back, not lost.
        return this.deps.cacheWrites ? this.deps.cacheWrites.write(key, write, until) : write();
      }),
    );
  }

  private async openSession(
    ctx: RequestContext,
    user: UserRow,
    deviceName: string | undefined,
  ): Promise<TokenPair> {
    const expiresAt = new Date(Date.now() + this.deps.settings.refreshTtlSeconds * 1000);
    const session = await this.deps.sessions.create(this.deps.db, {
      id: newId('ses'),
      user_id: user.id,
      device_name: (deviceName ?? describeDevice(ctx.userAgent)).slice(0, 200),
      ip: ctx.ip,
      user_agent: ctx.userAgent?.slice(0, 512) ?? null,
      expires_at: expiresAt,
    });
    return this.issueTokens(user, session.id, expiresAt);
  }

  private async issueTokens(user: UserRow, sessionId: string, sessionExpiresAt: Date): Promise<TokenPair> {
    const refreshToken = newSecret('nxr_');
    await this.deps.sessions.addRefreshToken(
      this.deps.db,
      sessionId,
      hashSecret(refreshToken),
      sessionExpiresAt,
    );
    return {
      access_token: await this.deps.tokens.signAccessToken({
        userId: user.id,
        sessionId,
        isPlatformAdmin: user.is_platform_admin,
      }),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.deps.tokens.accessTokenTtlSeconds,
      session_id: sessionId,
      user_id: user.id,
    };
  }

  private async createPersonalTenant(db: Executor, user: UserRow): Promise<TenantRow> {
    const tenantId = newId('ten');
    const tenant = await this.deps.tenants.create(db, {
      id: tenantId,
      name: `${user.display_name || 'Personal'}'s workspace`.slice(0, 100),
      slug: `personal-${tenantId.slice(-10)}`,
    });
    await this.deps.tenants.addMember(db, tenantId, user.id, 'owner');
    return tenant;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.deps.hasher.hash('nexus-timing-equaliser-password');
    return this.dummyHash;
  }
}

function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /(Firefox|Edg|Chrome|Safari|MicroMessenger|curl|okhttp|node)/i.exec(userAgent)?.[1];
  const os = /(Windows|Mac OS X|Android|iPhone|iPad|Linux)/i.exec(userAgent)?.[1];
  return [browser, os].filter(Boolean).join(' on ') || userAgent.slice(0, 60);
}

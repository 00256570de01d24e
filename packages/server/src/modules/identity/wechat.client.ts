import { AppError, ProviderUnavailableError, RateLimitedError, UnauthorizedError } from '../../errors.js';

export class WechatCodeInvalidError extends UnauthorizedError {
  override readonly code = 'wechat_code_invalid';
}

export class WechatRateLimitedError extends RateLimitedError {
  override readonly code = 'wechat_rate_limited';
}

export class WechatNotConfiguredError extends AppError {
  readonly code = 'wechat_not_configured';
  readonly status = 501;
}

export interface WechatSession {
  openId: string;
  unionId: string | null;
}

export interface WechatSettings {
  baseUrl: string;
  appId?: string;
  appSecret?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * WeChat mini-program `code2session` (GET /sns/jscode2session). WeChat answers HTTP 200 with `errcode`
 * on failure; the codes that mean "bad code" become 401, its rate limit 429, and anything else ("system
 * busy", a wrong app id or secret, an unreachable or failing API) 502 `provider_unavailable`. WeChat's own
 * message reaches the client only for the first two; for the rest it is kept in the error's cause (logged),
 * since it describes our configuration, not the caller's request.
 */
export class WechatClient {
  constructor(private readonly settings: WechatSettings) {}

  get appId(): string | undefined {
    return this.settings.appId;
  }

  async code2session(code: string): Promise<WechatSession> {
    const { appId, appSecret, baseUrl } = this.settings;
    if (!appId || !appSecret)
      throw new WechatNotConfiguredError('WeChat login is not configured (WECHAT_APP_ID, WECHAT_APP_SECRET)');
    const url = new URL('/sns/jscode2session', baseUrl);
    url.search = new URLSearchParams({
      appid: appId,
      secret: appSecret,
      js_code: code,
      grant_type: 'authorization_code',
    }).toString();
    let body: { openid?: string; unionid?: string; session_key?: string; errcode?: number; errmsg?: string };
    try {
      const response = await (this.settings.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 5_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw new ProviderUnavailableError('WeChat could not be reached; try again', {
        cause: error,
        details: { provider: 'wechat' },
      });
    }
    const errcode = body.errcode ?? 0;
    if (errcode === 0 && body.openid) return { openId: body.openid, unionId: body.unionid ?? null };
    const errmsg = body.errmsg ?? '';
    if (errcode === 40029 || errcode === 40163 || errcode === 40226) {
      throw new WechatCodeInvalidError('The WeChat login code is invalid, used or expired', {
        details: { provider: 'wechat', errcode, errmsg },
      });
    }
    if (errcode === 45011) {
      throw new WechatRateLimitedError('WeChat is rate-limiting logins; try again shortly', {
        details: { provider: 'wechat', errcode, errmsg },
        headers: { 'retry-after': '60' },
      });
    }
    throw new ProviderUnavailableError('WeChat refused the login', {
      details: { provider: 'wechat', errcode },
      cause: new Error(`WeChat code2session errcode ${errcode}: ${errmsg}`),
    });
  }
}

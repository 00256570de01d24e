import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeLocal, listenLocal } from './local-http.js';

/** What the fake answers for one `js_code`. */
export type WechatOutcome =
  /** A good code: WeChat answers the session (and `unionid` when the app is bound to an open-platform account). */
  | { openid: string; unionid?: string }
  /** WeChat's own failure shape: HTTP 200 with `errcode`/`errmsg`. */
  | { errcode: number; errmsg: string }
  /** A broken gateway in front of WeChat: this HTTP status with a non-JSON body. */
  | { httpStatus: number }
  /** Never answers (until the fake is closed). */
  | { hang: true };

/** The errors WeChat documents for `code2session`, with its own messages. */
export const WECHAT_ERRORS = {
  invalidCode: { errcode: 40029, errmsg: 'invalid code' },
  codeUsed: { errcode: 40163, errmsg: 'code been used' },
  highRisk: { errcode: 40226, errmsg: 'high risk user' },
  rateLimited: { errcode: 45011, errmsg: 'api minute-quota reach limit  mustslower  retry next minute' },
  systemBusy: { errcode: -1, errmsg: 'system error' },
  invalidAppId: { errcode: 40013, errmsg: 'invalid appid' },
  invalidSecret: { errcode: 40125, errmsg: 'invalid appsecret' },
  invalidGrantType: { errcode: 40002, errmsg: 'invalid grant_type' },
} as const;

export interface RecordedWechatRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The raw request line target, query string included (it carries the app secret). */
  url: string;
}

/**
 * A local stand-in for WeChat's `GET /sns/jscode2session`, over real HTTP on 127.0.0.1.
 *
 * - `apps` maps app id → secret; a wrong app id answers 40013, a wrong secret 40125 (as WeChat does).
 * - `codes` maps a `js_code` to its outcome. A code that succeeded once is used up (40163), an unknown
 *   code answers 40029. Error outcomes do not use the code up, so a test can retry them.
 * - Every request is recorded in `requests`.
 */
export class FakeWechat {
  readonly apps = new Map<string, string>();
  readonly codes = new Map<string, WechatOutcome>();
  readonly requests: RecordedWechatRequest[] = [];
  private readonly used = new Set<string>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(apps: Record<string, string> = {}): Promise<FakeWechat> {
    let fake: FakeWechat | undefined;
    const { server, origin } = await listenLocal((req, res) => fake!.handle(req, res));
    fake = new FakeWechat(server, origin);
    for (const [appId, secret] of Object.entries(apps)) fake.apps.set(appId, secret);
    return fake;
  }

  /** Sets what `code` answers; returns the code for convenience. */
  on(code: string, outcome: WechatOutcome): string {
    this.codes.set(code, outcome);
    return code;
  }

  /** Requests that reached `/sns/jscode2session` with this `js_code`. */
  requestsFor(code: string): RecordedWechatRequest[] {
    return this.requests.filter((r) => r.query.js_code === code);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    await closeLocal(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, url: req.url ?? '' });
    if (req.method !== 'GET' || url.pathname !== '/sns/jscode2session') {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>404 Not Found</body></html>');
      return;
    }
    const send = (body: object) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(JSON.stringify(body));
    const secret = query.appid === undefined ? undefined : this.apps.get(query.appid);
    if (secret === undefined) return void send(WECHAT_ERRORS.invalidAppId);
    if (query.secret !== secret) return void send(WECHAT_ERRORS.invalidSecret);
    if (query.grant_type !== 'authorization_code') return void send(WECHAT_ERRORS.invalidGrantType);
    const code = query.js_code ?? '';
    if (this.used.has(code)) return void send(WECHAT_ERRORS.codeUsed);
    const outcome = this.codes.get(code);
    if (!outcome) return void send(WECHAT_ERRORS.invalidCode);
    if ('hang' in outcome) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if ('httpStatus' in outcome) {
      res.writeHead(outcome.httpStatus, { 'content-type': 'text/html' }).end('<html>upstream error</html>');
      return;
    }
    if ('errcode' in outcome) return void send(outcome);
    this.used.add(code);
    send({
      openid: outcome.openid,
      session_key: Buffer.from(`session-key-${code}`).toString('base64'),
      ...(outcome.unionid === undefined ? {} : { unionid: outcome.unionid }),
    });
  }
}

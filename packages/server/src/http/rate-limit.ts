import type { FastifyInstance } from 'fastify';
import {
  apiKeySubjects,
  type RateLimiter,
  type RateLimitSubject,
  rateLimitHeaders,
  rateLimitSubjects,
} from '../modules/ratelimit/rate-limiter.js';
import { type Authenticator, presentedApiKey } from './auth.js';

/**
 * Rate limits on every `/v1/*` route (probes, `/metrics`, `/openapi.json` and `/docs` are outside `/v1`
 * and never limited). One `onRequest` hook, before the body is read: it resolves the caller once (the
 * Authenticator remembers the answer for the route) and draws from the client address's bucket plus the
 * API key's or user's (a WebSocket upgrade: the address's only). Bad credentials are not this hook's business: the request then counts as
 * anonymous here and the route answers 401 as usual. With `RATE_LIMIT_ENABLED=false` nothing is installed.
 *
 * @example installRateLimits(app, { limiter, authn });
 */
export function installRateLimits(
  app: FastifyInstance,
  deps: { limiter: RateLimiter; authn: Authenticator },
): void {
  const { limiter, authn } = deps;
  if (!limiter.settings.enabled) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    let subjects: RateLimitSubject[];
    const apiKey = request.headers.upgrade === undefined ? presentedApiKey(request) : undefined;
    if (apiKey !== undefined) {
      // Counted under the key's secret: the key's lookup starts now (the route awaits the same promise),
      // in parallel with the buckets, instead of one round trip after the other.
      authn.optional(request).catch(() => undefined);
      subjects = apiKeySubjects(apiKey, request.ip);
    } else {
      // A WebSocket upgrade counts against its address only: the channel authenticates in its handler
      // (or with its `auth` event) and limits what flows over an open socket itself (docs/realtime.md).
      const ctx =
        request.headers.upgrade === undefined ? await authn.optional(request).catch(() => null) : null;
      subjects = rateLimitSubjects(ctx?.principal ?? null, request.ip);
    }
    const outcome = await limiter.check(subjects);
    if (!outcome.allowed) throw limiter.refusal(outcome);
    if (outcome.decision) reply.headers(rateLimitHeaders(outcome.decision));
  });
}

import { SsrfBlockedError, type SsrfPolicy } from '../../platform/net/ssrf-guard.js';
import { WebhookUrlForbiddenError, WebhookUrlInvalidError } from './webhook-errors.js';

/** Longest webhook URL accepted. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Checks a webhook URL against `policy`, resolving its host: 400 `webhook_url_invalid` (`details.reason`:
 * `too_long`, `malformed`, `scheme`, `credentials`, `unresolvable`) or 400 `webhook_url_forbidden`
 * (`details.reason`: the kind of address, `details.address`: the address) for a host that is, or
 * resolves to, a non-public address the policy does not allow.
 * @example await checkWebhookUrl(new SsrfPolicy([]), 'https://example.com/hook');
 */
export async function checkWebhookUrl(policy: SsrfPolicy, url: string): Promise<void> {
  const invalid = (reason: string, message: string) =>
    new WebhookUrlInvalidError(message, { details: { reason } });
  if (typeof url !== 'string') throw invalid('malformed', 'webhook_url must be a string');
  if (url.length > WEBHOOK_URL_MAX_LENGTH)
    throw invalid('too_long', `webhook_url is longer than ${WEBHOOK_URL_MAX_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('malformed', 'webhook_url is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('scheme', `webhook_url must be an http or https URL (got ${parsed.protocol})`);
  if (parsed.username !== '' || parsed.password !== '')
    throw invalid('credentials', 'webhook_url may not contain credentials (user:password@)');
  try {
    await policy.resolve(parsed.hostname);
  } catch (error) {
    if (!(error instanceof SsrfBlockedError)) throw error;
    if (error.reason === 'unresolvable' || error.reason === 'scheme' || error.reason === 'credentials')
      throw invalid('unresolvable', `webhook_url's host ${parsed.hostname} could not be resolved`);
    throw new WebhookUrlForbiddenError(`webhook_url may not point there: ${error.message}`, {
      details: { reason: error.reason, ...(error.address ? { address: error.address } : {}) },
    });
  }
}

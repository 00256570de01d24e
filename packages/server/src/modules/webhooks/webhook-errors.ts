import { BadRequestError } from '../../errors.js';

/**
 * A webhook URL that is not one: unparsable, not http(s), with credentials (`user:pass@`), longer than
 * 2048 characters, or a host name that does not resolve. `details.reason` says which.
 */
export class WebhookUrlInvalidError extends BadRequestError {
  override readonly code = 'webhook_url_invalid';
}

/**
 * A webhook URL whose host is, or resolves to, an address that is not public (loopback, private,
 * link-local, CGNAT, multicast, reserved, unspecified) and not in `WEBHOOK_URL_ALLOWLIST`.
 * `details.reason` names the kind of address and `details.address` the address.
 */
export class WebhookUrlForbiddenError extends BadRequestError {
  override readonly code = 'webhook_url_forbidden';
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature scheme (Stripe style), shared by the sender and by receivers: the header
 * `Nexus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the tenant's
 * signing secret (the whole `whsec_…` string, as UTF-8). While a rotated secret is still valid the header
 * carries one `v1=` per secret. This file has no dependencies beyond node:crypto, so the docs' snippet and
 * the SDK copy it as it is.
 */

export const SIGNATURE_HEADER = 'Nexus-Signature';

/** Why a signature did not verify. */
export type SignatureFailure = 'malformed_header' | 'timestamp_outside_tolerance' | 'signature_mismatch';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

/** The hex HMAC-SHA256 of `"<timestamp>.<raw body>"` under `secret`. */
export function webhookSignature(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/**
 * The `Nexus-Signature` header value for `rawBody` sent at `timestamp` (unix seconds), with one `v1=` per
 * secret (the current one first; the previous one too while a rotation's overlap lasts).
 * @example signWebhook(['whsec_abc'], 1767225600, '{"id":"task_1"}') // 't=1767225600,v1=5f0c…'
 */
export function signWebhook(
  secrets: readonly string[],
  timestamp: number,
  rawBody: string | Uint8Array,
): string {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${webhookSignature(s, timestamp, rawBody)}`)].join(',');
}

/**
 * Checks a `Nexus-Signature` header against the raw request body (the bytes received, before any JSON
 * parsing) and one secret: the header must have exactly one `t=` (unix seconds) and at least one `v1=`
 * (64 hex characters); other keys are ignored (later schemes); the time must be within
 * `toleranceSeconds` of `now` (milliseconds, default `Date.now()`), against replays; and one `v1=` must
 * equal the HMAC under `secret`, compared in constant time.
 * @example
 * const check = verifyWebhookSignature(secret, req.headers['nexus-signature'], rawBody);
 * if (!check.ok) return res.writeHead(400).end(check.reason);
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  options: { toleranceSeconds?: number; now?: number } = {},
): SignatureCheck {
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const now = options.now ?? Date.now();
  if (typeof header !== 'string' || header.length > 4096) return { ok: false, reason: 'malformed_header' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed_header' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value))
        return { ok: false, reason: 'malformed_header' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return { ok: false, reason: 'malformed_header' };
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed_header' };
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds)
    return { ok: false, reason: 'timestamp_outside_tolerance' };
  const expected = Buffer.from(webhookSignature(secret, timestamp, rawBody), 'hex');
  // Every candidate is compared (no early exit), so the time taken says nothing about which one matched.
  let matched = false;
  for (const given of signatures) if (timingSafeEqual(given, expected)) matched = true;
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'signature_mismatch' };
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature, webhookSignature } from './webhook-signature.js';

const SECRET = 'whsec_test-secret-0123456789abcdefghijklmnop';
const OTHER = 'whsec_another-secret-9876543210zyxwvutsrqpon';
const BODY = '{"id":"task_01","status":"succeeded","output":{"text":"héllo"}}';
const T = 1_767_225_600;
const NOW = T * 1000;

const good = signWebhook([SECRET], T, BODY);
const sig = webhookSignature(SECRET, T, BODY);

const VERIFY_CASES: [
  string,
  string,
  string,
  string | Buffer,
  number,
  { ok: true; timestamp: number } | string,
][] = [
  ['the signed body', SECRET, good, BODY, NOW, { ok: true, timestamp: T }],
  ['the signed body as bytes', SECRET, good, Buffer.from(BODY), NOW, { ok: true, timestamp: T }],
  ['a tampered body', SECRET, good, BODY.replace('succeeded', 'failed'), NOW, 'signature_mismatch'],
  ['re-serialised JSON', SECRET, good, JSON.stringify(JSON.parse(BODY), null, 1), NOW, 'signature_mismatch'],
  ['the wrong secret', OTHER, good, BODY, NOW, 'signature_mismatch'],
  ['a changed timestamp', SECRET, `t=${T + 1},v1=${sig}`, BODY, NOW, 'signature_mismatch'],
  ['5 minutes late (at the limit)', SECRET, good, BODY, NOW + 300_000, { ok: true, timestamp: T }],
  ['just past the tolerance', SECRET, good, BODY, NOW + 301_000, 'timestamp_outside_tolerance'],
  ['from the future', SECRET, good, BODY, NOW - 301_000, 'timestamp_outside_tolerance'],
  ['an unknown scheme beside v1', SECRET, `t=${T},v0=abc,v1=${sig}`, BODY, NOW, { ok: true, timestamp: T }],
  ['upper-case hex', SECRET, `t=${T},v1=${sig.toUpperCase()}`, BODY, NOW, { ok: true, timestamp: T }],
  ['spaces around parts', SECRET, ` t=${T} , v1=${sig} `, BODY, NOW, { ok: true, timestamp: T }],
];

const MALFORMED_HEADERS: [string, string | null | undefined][] = [
  ['missing', undefined],
  ['null', null],
  ['empty', ''],
  ['no timestamp', `v1=${sig}`],
  ['no signature', `t=${T}`],
  ['only other schemes', `t=${T},v0=${sig}`],
  ['two timestamps', `t=${T},t=${T},v1=${sig}`],
  ['a timestamp that is not a number', `t=abc,v1=${sig}`],
  ['a negative timestamp', `t=-${T},v1=${sig}`],
  ['a fractional timestamp', `t=${T}.5,v1=${sig}`],
  ['a timestamp in milliseconds past 12 digits', `t=${NOW}0,v1=${sig}`],
  ['a short signature', `t=${T},v1=${sig.slice(0, 63)}`],
  ['a long signature', `t=${T},v1=${sig}0`],
  ['a signature that is not hex', `t=${T},v1=${'z'.repeat(64)}`],
  ['base64 instead of hex', `t=${T},v1=${Buffer.from(sig, 'hex').toString('base64')}`],
  ['a part without "="', `t=${T},v1=${sig},garbage`],
  ['a part with an empty key', `t=${T},=x,v1=${sig}`],
  ['semicolons for commas', `t=${T};v1=${sig}`],
  ['an oversized header', `t=${T},${`v1=${sig},`.repeat(70)}v1=${sig}`],
];

describe('webhook signatures', () => {
  it('is the hex HMAC-SHA256 of "<t>.<raw body>", as receivers compute it', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`, 'utf8').digest('hex');
    expect(webhookSignature(SECRET, T, BODY)).toBe(expected);
    expect(webhookSignature(SECRET, T, Buffer.from(BODY))).toBe(expected);
    expect(signWebhook([SECRET], T, BODY)).toBe(`t=${T},v1=${expected}`);
  });

  it('signs with every secret during a rotation, the current one first', () => {
    const header = signWebhook([SECRET, OTHER], T, BODY);
    expect(header.split(',')).toEqual([
      `t=${T}`,
      `v1=${webhookSignature(SECRET, T, BODY)}`,
      `v1=${webhookSignature(OTHER, T, BODY)}`,
    ]);
    // A receiver holding either secret accepts it.
    expect(verifyWebhookSignature(SECRET, header, BODY, { now: NOW })).toEqual({ ok: true, timestamp: T });
    expect(verifyWebhookSignature(OTHER, header, BODY, { now: NOW })).toEqual({ ok: true, timestamp: T });
    expect(verifyWebhookSignature('whsec_third', header, BODY, { now: NOW })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook([], T, BODY)).toThrow('at least one secret');
  });

  it.each(VERIFY_CASES)('%s', (_name, secret, header, body, now, expected) => {
    const result = verifyWebhookSignature(secret, header, body, { now });
    expect(result).toEqual(typeof expected === 'string' ? { ok: false, reason: expected } : expected);
  });

  it('takes the tolerance from the options', () => {
    expect(verifyWebhookSignature(SECRET, good, BODY, { now: NOW + 60_000, toleranceSeconds: 30 })).toEqual({
      ok: false,
      reason: 'timestamp_outside_tolerance',
    });
    expect(verifyWebhookSignature(SECRET, good, BODY, { now: NOW + 60_000, toleranceSeconds: 60 }).ok).toBe(
      true,
    );
  });

  it.each(MALFORMED_HEADERS)('a malformed header (%s) is refused', (_name, header) => {
    expect(verifyWebhookSignature(SECRET, header, BODY, { now: NOW })).toEqual({
      ok: false,
      reason: 'malformed_header',
    });
  });
});

/**
 * docs/tasks.md has a receiver's verification function for Node.js; it must agree with this module on
 * every case above (the SDK copies the same code).
 */
describe("the docs' verification snippet", () => {
  const docs = readFileSync(new URL('../../../../../docs/tasks.md', import.meta.url), 'utf8');
  const start = docs.indexOf('function verifyNexusSignature(');
  const source = docs.slice(start, docs.indexOf('\n}\n', start) + 2);
  // Evaluating the documented snippet (Node's own crypto passed in) is the point of this test.
  const verify = new Function(
    'createHmac',
    'timingSafeEqual',
    'Buffer',
    `${source}\nreturn verifyNexusSignature;`,
  )(createHmac, timingSafeEqual, Buffer) as (
    secret: string,
    header: unknown,
    rawBody: string | Buffer,
    toleranceSeconds?: number,
    now?: number,
  ) => boolean;

  it('is in the docs', () => {
    expect(start).toBeGreaterThan(0);
    expect(source).toMatch(/^function verifyNexusSignature\([\s\S]*\n}$/);
  });

  it.each(VERIFY_CASES)('%s', (_name, secret, header, body, now) => {
    const raw = typeof body === 'string' ? Buffer.from(body) : body;
    expect(verify(secret, header, raw, 300, now)).toBe(
      verifyWebhookSignature(secret, header, body, { now }).ok,
    );
  });

  it.each(MALFORMED_HEADERS)('refuses a malformed header (%s)', (_name, header) => {
    expect(verify(SECRET, header, Buffer.from(BODY), 300, NOW)).toBe(false);
  });

  it('accepts both signatures of a rotation', () => {
    const header = signWebhook([SECRET, OTHER], T, BODY);
    expect(verify(SECRET, header, Buffer.from(BODY), 300, NOW)).toBe(true);
    expect(verify(OTHER, header, Buffer.from(BODY), 300, NOW)).toBe(true);
    expect(verify('whsec_third', header, Buffer.from(BODY), 300, NOW)).toBe(false);
  });
});

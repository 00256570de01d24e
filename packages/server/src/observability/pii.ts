import { BlockList, isIPv6 } from 'node:net';

/**
 * Detection and masking of personal data (PII) in free text: Chinese mobile numbers, Chinese resident ID
 * numbers, bank card numbers, email addresses and IP addresses. Pure functions, no I/O; every detector is
 * one linear pass with a precompiled regex (each anchored by a look-behind so a long run of digits or
 * letters is tried once, not once per position) plus a validator (checksum, date, Luhn, IIN).
 * Rules and examples: docs/pii.md.
 */

export type PiiKind = 'id_card' | 'bank_card' | 'phone' | 'email' | 'ip';

export interface PiiMatch {
  kind: PiiKind;
  /** UTF-16 offset of the first character. */
  start: number;
  /** UTF-16 offset just past the last character. */
  end: number;
  /** The matched text as it appears (separators and prefixes included). */
  value: string;
}

export interface PiiOptions {
  /** Only these kinds (default: all). */
  kinds?: readonly PiiKind[];
}

/** The tag {@link maskPii} writes in place of each kind. */
export const PII_TAGS: Readonly<Record<PiiKind, string>> = {
  id_card: '[ID_CARD]',
  bank_card: '[BANK_CARD]',
  phone: '[PHONE]',
  email: '[EMAIL]',
  ip: '[IP]',
};

const ALL_KINDS: readonly PiiKind[] = ['id_card', 'bank_card', 'phone', 'email', 'ip'];
/** On equal length, the earlier kind wins an overlap. */
const PRIORITY: Readonly<Record<PiiKind, number>> = { id_card: 0, bank_card: 1, phone: 2, email: 3, ip: 4 };

// Digits glued to letters, digits or `_` are part of some other token (ids, hashes, order numbers), and a
// digit run after `<digit>.` or before `.<digit>` is part of a decimal or a version string.
const LEFT = String.raw`(?<![0-9A-Za-z_]|\d\.)`;
const RIGHT = String.raw`(?![0-9A-Za-z_]|\.\d)`;

const ID_CARD_RE = new RegExp(
  String.raw`${LEFT}(?:[1-8]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]|[1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})${RIGHT}`,
  'g',
);
const BANK_CARD_RE = new RegExp(
  String.raw`${LEFT}(?:\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})${RIGHT}`,
  'g',
);
const PHONE_RE = new RegExp(
  String.raw`(?<![0-9A-Za-z_+]|\d\.)(?:(?:\+86|0086|86)[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}${RIGHT}`,
  'g',
);
const IPV4_OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_RE = new RegExp(
  String.raw`(?<![0-9A-Za-z_.])${IPV4_OCTET}(?:\.${IPV4_OCTET}){3}(?![0-9A-Za-z_]|\.\d)`,
  'g',
);
const DIGIT_RE = /\d/;

/**
 * Addresses that identify no one: loopback (127.0.0.0/8, ::1) and unspecified (0.0.0.0, ::). They show up
 * in start-up lines (`listening on http://127.0.0.1:8080`) and health output; masking them hides useful
 * facts and protects nothing.
 */
const NOT_PERSONAL = new BlockList();
NOT_PERSONAL.addSubnet('127.0.0.0', 8, 'ipv4');
NOT_PERSONAL.addAddress('0.0.0.0', 'ipv4');
NOT_PERSONAL.addAddress('::1', 'ipv6');
NOT_PERSONAL.addAddress('::', 'ipv6');

const personalIpv4 = (value: string) => !NOT_PERSONAL.check(value, 'ipv4');
const personalIpv6 = (value: string) => !NOT_PERSONAL.check(value, 'ipv6');

/** Chinese province-level region codes: the first two digits of a resident ID. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82, 83,
]);
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

function plausibleBirthDate(year: number, month: number, day: number): boolean {
  if (year < 1880) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return date.getTime() <= Date.now();
}

/** An 18-character ID with a valid ISO 7064 MOD 11-2 check character and birth date, or a 15-digit legacy ID with a valid date. */
export function isValidChineseId(raw: string): boolean {
  if (!PROVINCES.has(Number(raw.slice(0, 2)))) return false;
  if (raw.length === 15) {
    return plausibleBirthDate(
      1900 + Number(raw.slice(6, 8)),
      Number(raw.slice(8, 10)),
      Number(raw.slice(10, 12)),
    );
  }
  if (raw.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (raw.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  if (ID_CHECK[sum % 11] !== raw[17]!.toUpperCase()) return false;
  return plausibleBirthDate(Number(raw.slice(6, 10)), Number(raw.slice(10, 12)), Number(raw.slice(12, 14)));
}

/** The Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Whether the issuer prefix (IIN) and length belong to a card network we recognise. */
function knownIssuer(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19; // Discover
  if (p2 === 36 || (p3 >= 300 && p3 <= 305)) return n === 14; // Diners Club
  return false;
}

/** 13–19 digits (spaces and dashes ignored), Luhn-valid, with a known issuer prefix for that length. */
export function isValidBankCard(raw: string): boolean {
  const digits = raw.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && knownIssuer(digits) && luhnValid(digits);
}

function scan(
  re: RegExp,
  text: string,
  kind: PiiKind,
  out: PiiMatch[],
  valid?: (value: string) => boolean,
): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const value = m[0];
    if (valid === undefined || valid(value))
      out.push({ kind, start: m.index, end: m.index + value.length, value });
  }
}

const LOCAL_CHAR = /[A-Za-z0-9._%+-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TLD = /^[A-Za-z]{2,63}$/;

/**
 * Emails by expanding around each `@` (bounded: 64 characters left, 253 right), so the cost is linear in the
 * text whatever it holds. Practical subset: ASCII local part `[A-Za-z0-9._%+-]`, dotted ASCII domain with an
 * alphabetic top-level label.
 */
function scanEmails(text: string, out: PiiMatch[]): void {
  let at = text.indexOf('@');
  let floor = 0; // never start inside the previous match
  while (at !== -1) {
    let start = at;
    while (start > floor && at - start < 64 && LOCAL_CHAR.test(text[start - 1]!)) start--;
    while (start < at && text[start] === '.') start++;
    let end = at + 1;
    while (end < text.length && end - at <= 253 && DOMAIN_CHAR.test(text[end]!)) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    const local = text.slice(start, at);
    const domain = text.slice(at + 1, end);
    const labels = domain.split('.');
    if (
      local.length > 0 &&
      !local.endsWith('.') &&
      !local.includes('..') &&
      labels.length >= 2 &&
      labels.every((l) => l.length <= 63 && DOMAIN_LABEL.test(l)) &&
      TLD.test(labels[labels.length - 1]!)
    ) {
      out.push({ kind: 'email', start, end, value: text.slice(start, end) });
      floor = end;
    }
    at = text.indexOf('@', at + 1);
  }
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/** A character that glues a candidate to a longer token (`Foo::bar`, `x1::2`, `a.b::c`). */
const V6_GLUE = /[0-9A-Za-z_:.]/;

/**
 * IPv6 by walking the colons: every IPv6 form has two colons at most five characters apart with only hex
 * between, which JSON's `"key":` and single colons never have, so most colons are skipped after one look.
 * The candidate around such a pair (hex, colons, dots; at most 45 characters) is checked with `isIPv6`.
 */
function scanIpv6(text: string, out: PiiMatch[]): void {
  let colon = text.indexOf(':');
  while (colon !== -1) {
    const next = text.indexOf(':', colon + 1);
    if (next === -1) return;
    let hexBetween = next - colon <= 5;
    for (let i = colon + 1; hexBetween && i < next; i++) hexBetween = isHex(text.charCodeAt(i));
    if (!hexBetween) {
      colon = next;
      continue;
    }
    let start = colon;
    while (start > 0 && colon - start < 5 && isHex(text.charCodeAt(start - 1))) start--;
    let end = next + 1;
    while (end < text.length && end - start <= 45) {
      const c = text.charCodeAt(end);
      if (!(isHex(c) || c === 58 || c === 46)) break; // hex, ':' or '.'
      end++;
    }
    while (end > next + 1 && text[end - 1] === '.') end--;
    const value = text.slice(start, end);
    const glued =
      (start > 0 && V6_GLUE.test(text[start - 1]!)) ||
      (end < text.length && /[0-9A-Za-z_:]/.test(text[end]!));
    if (!glued && value.length <= 45 && /[0-9A-Fa-f]/.test(value) && isIPv6(value)) {
      if (personalIpv6(value)) out.push({ kind: 'ip', start, end, value });
      colon = text.indexOf(':', end);
    } else colon = next;
  }
}

/** Keeps, among overlapping matches, the longest (ties: id_card > bank_card > phone > email > ip). */
function resolveOverlaps(matches: PiiMatch[]): PiiMatch[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: PiiMatch[] = [];
  let i = 0;
  while (i < matches.length) {
    // One cluster of transitively overlapping matches; clusters are almost always a single match.
    let j = i + 1;
    let clusterEnd = matches[i]!.end;
    while (j < matches.length && matches[j]!.start < clusterEnd) {
      clusterEnd = Math.max(clusterEnd, matches[j]!.end);
      j++;
    }
    if (j - i === 1) kept.push(matches[i]!);
    else {
      const cluster = matches
        .slice(i, j)
        .sort((a, b) => b.end - b.start - (a.end - a.start) || PRIORITY[a.kind] - PRIORITY[b.kind]);
      const chosen: PiiMatch[] = [];
      for (const m of cluster) if (chosen.every((c) => m.end <= c.start || m.start >= c.end)) chosen.push(m);
      kept.push(...chosen.sort((a, b) => a.start - b.start));
    }
    i = j;
  }
  return kept;
}

/**
 * Every PII match in `text`, in order, without overlaps.
 *
 * @example
 * detectPii('call 138-1234-5678');
 * // [{ kind: 'phone', start: 5, end: 18, value: '138-1234-5678' }]
 */
export function detectPii(text: string, options: PiiOptions = {}): PiiMatch[] {
  const kinds = options.kinds ?? ALL_KINDS;
  const hasDigit = DIGIT_RE.test(text);
  const hasAt = text.includes('@');
  const hasColon = text.includes(':');
  if (!hasDigit && !hasAt && !hasColon) return [];
  const out: PiiMatch[] = [];
  if (hasDigit) {
    if (kinds.includes('id_card')) scan(ID_CARD_RE, text, 'id_card', out, isValidChineseId);
    if (kinds.includes('bank_card')) scan(BANK_CARD_RE, text, 'bank_card', out, isValidBankCard);
    if (kinds.includes('phone')) scan(PHONE_RE, text, 'phone', out);
    if (kinds.includes('ip') && text.includes('.')) scan(IPV4_RE, text, 'ip', out, personalIpv4);
  }
  if (hasAt && kinds.includes('email')) scanEmails(text, out);
  if (hasColon && kinds.includes('ip')) scanIpv6(text, out);
  return resolveOverlaps(out);
}

/** `text` with each match replaced by `replace(match)`. */
function replaceMatches(text: string, matches: PiiMatch[], replace: (m: PiiMatch) => string): string {
  if (matches.length === 0) return text;
  let result = '';
  let last = 0;
  for (const m of matches) {
    result += text.slice(last, m.start) + replace(m);
    last = m.end;
  }
  return result + text.slice(last);
}

/**
 * `text` with every PII value replaced by its kind's tag ({@link PII_TAGS}): full redaction, nothing of
 * the value is kept. Returns the same string when nothing was found.
 *
 * @example
 * maskPii('mail ada@example.com from 10.0.0.7'); // 'mail [EMAIL] from [IP]'
 */
export function maskPii(text: string, options: PiiOptions = {}): string {
  return replaceMatches(text, detectPii(text, options), (m) => PII_TAGS[m.kind]);
}

export interface MaskDeepOptions extends PiiOptions {
  /** Objects and arrays deeper than this are kept as they are (default 8). */
  maxDepth?: number;
  /** At most this many strings are inspected; the rest are kept (default 1000). */
  maxStrings?: number;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with {@link maskPii} applied to every string inside plain objects and arrays (keys
 * are kept), bounded in depth and number of strings. Parts without PII are shared, not copied, and the
 * input is never modified.
 *
 * @example
 * maskPiiDeep({ note: 'call 13812345678', n: 1 }); // { note: 'call [PHONE]', n: 1 }
 */
export function maskPiiDeep<T>(value: T, options: MaskDeepOptions = {}): T {
  const maxDepth = options.maxDepth ?? 8;
  let budget = options.maxStrings ?? 1000;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      if (budget <= 0) return v;
      budget--;
      return maskPii(v, options);
    }
    if (v === null || typeof v !== 'object' || depth >= maxDepth) return v;
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const masked = walk(v[i], depth + 1);
        if (masked !== v[i]) {
          copy ??= [...v];
          copy[i] = masked;
        }
      }
      return copy ?? v;
    }
    if (!isPlainObject(v)) return v;
    let copy: Record<string, unknown> | undefined;
    for (const [key, field] of Object.entries(v)) {
      const masked = walk(field, depth + 1);
      if (masked !== field) {
        copy ??= { ...v };
        copy[key] = masked;
      }
    }
    return copy ?? v;
  };
  return walk(value, 0) as T;
}

const JSON_ESCAPE = /\\(?:u[0-9A-Fa-f]{4}|.)/g;

/**
 * Masks PII in one serialized JSON document (a log line) without parsing it: a match inside a string
 * literal becomes the tag, a match that is a bare number becomes the tag as a string (`"n":"[PHONE]"`), so
 * the line stays valid JSON. Escape sequences are blanked for detection only, so `\n13812345678` is found.
 * Returns the same string when nothing was found.
 */
export function maskPiiInJson(json: string): string {
  const probe = json.includes('\\') ? json.replace(JSON_ESCAPE, (e) => ' '.repeat(e.length)) : json;
  const matches = detectPii(probe);
  if (matches.length === 0) return json;
  // Which matches sit inside a string literal: walk the unescaped quotes once, in step with the matches.
  let inString = false;
  let pos = 0;
  const quoted = matches.map((m) => {
    for (let q = probe.indexOf('"', pos); q !== -1 && q < m.start; q = probe.indexOf('"', q + 1)) {
      inString = !inString;
      pos = q + 1;
    }
    return inString;
  });
  // A bare number takes its minus sign with it, or `-"[PHONE]"` would not be JSON.
  const spans = matches.map((m, i) =>
    !quoted[i] && json[m.start - 1] === '-' ? { ...m, start: m.start - 1 } : m,
  );
  let k = 0;
  return replaceMatches(json, spans, (m) => (quoted[k++] ? PII_TAGS[m.kind] : `"${PII_TAGS[m.kind]}"`));
}

const PLACEHOLDER_RE = /⟦PII_([A-Z_]+)_(\d+)⟧/g;
/** A tail that may still grow into a placeholder: `⟦`, `⟦P`, ..., `⟦PII_EMAIL_1`. */
const PARTIAL_PLACEHOLDER_RE = /^⟦(?:P(?:I(?:I(?:_[A-Z_]*\d*)?)?)?)?$/;
const MAX_PLACEHOLDER_LENGTH = 32;

/** Turns streamed text deltas back into text with the original values. */
export interface PiiRestoreStream {
  /** The restorable part of what was pushed so far; a possible placeholder cut at the end is held back. */
  push(delta: string): string;
  /** Whatever is still held back (an unfinished placeholder is returned as it is). */
  flush(): string;
}

/**
 * Replaces PII with placeholders such as `⟦PII_EMAIL_1⟧` (the same value gets the same placeholder within one
 * vault) and puts the values back later. Meant for prompts sent to a model provider: mask the messages,
 * restore the reply (whole, or streamed with {@link PiiVault.restoreStream}). One vault per conversation
 * turn; it keeps the values in memory only.
 *
 * @example
 * const vault = new PiiVault();
 * const prompt = vault.mask('Write to ada@example.com'); // 'Write to ⟦PII_EMAIL_1⟧'
 * vault.restore('Sent to ⟦PII_EMAIL_1⟧.'); // 'Sent to ada@example.com.'
 */
export class PiiVault {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counters = new Map<PiiKind, number>();

  constructor(private readonly options: PiiOptions = {}) {}

  /** How many distinct values the vault holds. */
  get size(): number {
    return this.byPlaceholder.size;
  }

  mask(text: string): string {
    return replaceMatches(text, detectPii(text, this.options), (m) => this.placeholderFor(m));
  }

  /** `text` with every placeholder of this vault replaced by its value; unknown placeholders are kept. */
  restore(text: string): string {
    if (!text.includes('⟦')) return text;
    return text.replace(PLACEHOLDER_RE, (placeholder) => this.byPlaceholder.get(placeholder) ?? placeholder);
  }

  restoreStream(): PiiRestoreStream {
    let held = '';
    return {
      push: (delta) => {
        const text = held + delta;
        held = '';
        const open = text.lastIndexOf('⟦');
        if (open !== -1 && text.length - open < MAX_PLACEHOLDER_LENGTH) {
          const tail = text.slice(open);
          if (PARTIAL_PLACEHOLDER_RE.test(tail)) {
            held = tail;
            return this.restore(text.slice(0, open));
          }
        }
        return this.restore(text);
      },
      flush: () => {
        const rest = held;
        held = '';
        return this.restore(rest);
      },
    };
  }

  private placeholderFor(m: PiiMatch): string {
    const key = `${m.kind}\u0000${m.value}`;
    let placeholder = this.byValue.get(key);
    if (placeholder === undefined) {
      const n = (this.counters.get(m.kind) ?? 0) + 1;
      this.counters.set(m.kind, n);
      placeholder = `⟦PII_${m.kind.toUpperCase()}_${n}⟧`;
      this.byValue.set(key, placeholder);
      this.byPlaceholder.set(placeholder, m.value);
    }
    return placeholder;
  }
}

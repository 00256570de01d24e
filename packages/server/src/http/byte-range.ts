import type { RangeRequest } from '../platform/storage/object-storage.js';

/**
 * The single byte range of a `Range` header (`bytes=0-99`, `bytes=100-`, `bytes=-500`), or null when
 * the header should be ignored and the whole content sent: absent, another unit, several ranges, or
 * malformed (RFC 9110 §14.2 lets a server ignore any Range it does not support).
 * @example parseRangeHeader('bytes=0-99') // { start: 0, end: 99 }
 */
export function parseRangeHeader(header: string | undefined): RangeRequest | null {
  if (!header) return null;
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match) return null;
  const [, from, to] = match;
  if (from === '' && to === '') return null;
  if (from === '') return { suffix: Number(to) };
  const start = Number(from);
  if (to === '') return { start };
  const end = Number(to);
  return end < start ? null : { start, end };
}

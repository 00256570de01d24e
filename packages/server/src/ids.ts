import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';

/** Prefixes of every public id. Ids are `<prefix>_<lower-case ULID>`: unique, sortable by creation time. */
export const ID_PREFIXES = [
  'usr',
  'ten',
  'conv',
  'msg',
  'kb',
  'doc',
  'chunk',
  'file',
  'task',
  'key',
  'ses',
  'role',
  'evt',
  'inv',
  'call',
  'mdl',
  'whd',
  'topup',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

/**
 * ulid's default PRNG calls crypto.getRandomValues once per character (16 calls per id), a measurable
 * share of a gateway request's CPU. The same crypto randomness drawn from a pooled buffer costs far less.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function pooledRandom(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 256;
}
const nextUlid = monotonicFactory(pooledRandom);
const ULID_BODY = '[0-9a-hjkmnp-tv-z]{26}';

/** @example newId('usr') // 'usr_01jd8x3k5q9v7w2m4n6p8r0s1t' */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_${ULID_BODY}$`).test(value);
}

/** A zod schema for one kind of id, used in route params so a malformed id answers 400 `invalid_id`. */
export function idSchema(prefix: IdPrefix) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_${ULID_BODY}$`), { message: `must be a ${prefix}_ id` })
    .meta({ description: `A \`${prefix}_\` id`, example: `${prefix}_01jd8x3k5q9v7w2m4n6p8r0s1t` });
}

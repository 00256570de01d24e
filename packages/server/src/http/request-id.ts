import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;
// A random per-process prefix plus a counter: unique across instances and restarts, and far cheaper on
// the hot path than drawing fresh randomness for every request.
const PROCESS_PREFIX = `req_${randomBytes(6).toString('hex')}`;
let counter = 0;

/**
 * Uses the caller's `x-request-id` when it is a sane token (so ids follow a request through proxies), else
 * makes a new `req_` id. Anything else (too long, odd characters) is replaced, never trusted into logs.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && ACCEPTABLE.test(incoming)) return incoming;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS_PREFIX}${counter.toString(36).padStart(8, '0')}`;
}

import type { IncomingMessage } from 'node:http';
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Uses the caller's `x-request-id` when it is a sane token (so ids follow a request through proxies), else
 * makes a new `req_` id. Anything else (too long, odd characters) is replaced, never trusted into logs.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && ACCEPTABLE.test(incoming)) return incoming;
  return `req_${nextUlid().toLowerCase()}`;
}

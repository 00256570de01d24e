import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { Executor } from '../../platform/db/transaction.js';
import {
  IdempotencyKeyInUseError,
  IdempotencyKeyMismatchError,
  IdempotencyStreamNotReplayableError,
  InvalidIdempotencyKeyError,
} from './idempotency.errors.js';
import type {
  ClaimRow,
  IdempotencyRecord,
  IdempotencyRepository,
  IdempotencyScope,
} from './idempotency.repository.js';

export type { IdempotencyScope } from './idempotency.repository.js';

export interface IdempotencySettings {
  /** How long a completed key is kept and replayed (`IDEMPOTENCY_TTL_S`). */
  ttlMs: number;
  /**
   * The lease of a running request (`IDEMPOTENCY_LOCK_S`): renewed every third of it while the request
   * runs, so it only runs out when the process stalls or dies; then a retry may run.
   */
  lockMs: number;
  /** Larger response bodies are not kept (a repeat answers `idempotency_stream_not_replayable`). */
  maxResponseBytes: number;
  /** How often expired keys are deleted; 0 turns the timer off (tests call {@link IdempotencyService.purgeExpired}). */
  purgeIntervalMs: number;
}

/** The request a key is used with, reduced to what must match on a repeat. */
export interface IdempotentRequest {
  method: string;
  /** The path with its query string, as sent. */
  path: string;
  /** {@link requestFingerprint} of the method, path and body. */
  fingerprint: string;
}

/** The right to run the request: held by one request at a time, for one key. */
export interface IdempotencyClaim {
  readonly scope: IdempotencyScope;
  readonly key: string;
  readonly token: string;
}

/** A stored response, to send again as it was. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What {@link IdempotencyService.begin} decided: run the request, or answer the stored response. */
export type IdempotencyBegin =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  | { kind: 'replay'; response: StoredResponse };

/** How a claimed request ended: its status, the headers to keep, and its body (null: it was streamed). */
export interface IdempotencyOutcome {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** What was done with an outcome. */
export type IdempotencySettlement = 'stored' | 'not_replayable' | 'released' | 'lost';

/** How the body of a request counts in its fingerprint. */
export type FingerprintBody =
  /** No body. */
  | { kind: 'none' }
  /** A JSON body: the SHA-256 (hex) of its bytes as sent. */
  | { kind: 'json'; sha256: string }
  /** A body the handler streams (multipart uploads): only its media type, without parameters. */
  | { kind: 'stream'; mediaType: string };

const KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;
/** Attempts at claiming a key whose row changes under us (released, taken over) before answering in use. */
const CLAIM_ATTEMPTS = 3;

/**
 * Checks an `Idempotency-Key` header value: 1–255 printable ASCII characters (spaces only inside, since
 * HTTP trims them at the ends). Throws 400 `invalid_idempotency_key`.
 * @example parseIdempotencyKey('3f1c8a2e-order-17') // '3f1c8a2e-order-17'
 */
export function parseIdempotencyKey(value: string | readonly string[]): string {
  if (typeof value !== 'string')
    throw new InvalidIdempotencyKeyError('Send one Idempotency-Key header', {
      details: { reason: 'repeated' },
    });
  if (value.length === 0 || value.length > 255)
    throw new InvalidIdempotencyKeyError('The Idempotency-Key must be 1 to 255 characters long', {
      details: { reason: 'length', length: value.length },
    });
  if (!KEY_PATTERN.test(value))
    throw new InvalidIdempotencyKeyError(
      'The Idempotency-Key must be printable ASCII characters (spaces only between others)',
      { details: { reason: 'characters' } },
    );
  return value;
}

/**
 * The fingerprint a repeat must match: SHA-256 over the method, the path with its query string, and the
 * body as {@link FingerprintBody} describes it.
 * @example requestFingerprint('POST', '/v1/conversations', { kind: 'json', sha256: 'ab…' })
 */
export function requestFingerprint(method: string, path: string, body: FingerprintBody): string {
  const described =
    body.kind === 'none' ? 'none' : body.kind === 'json' ? `json:${body.sha256}` : `stream:${body.mediaType}`;
  return createHash('sha256').update(`${method}\n${path}\n${described}`).digest('hex');
}

/**
 * Idempotency keys with Stripe's semantics, on the database so every instance sees the same keys. A
 * request with a key {@link begin}s: the first one claims the key (one `insert … on conflict do nothing`,
 * so of two concurrent requests on any instances exactly one wins) and runs; when it answers, the edge
 * {@link settle}s the claim: a 2xx–4xx answer is stored and replayed to repeats for `ttlMs`, a 5xx or 429
 * answer releases the key so a retry runs again. A repeat with another body is refused (422), one while
 * the first runs answers 409 (`Retry-After: 1`). The claim is a lease the edge renews ({@link extend});
 * if its process dies, the lease runs out after `lockMs` and a retry takes the key over.
 */
export class IdempotencyService {
  private purger: NodeJS.Timeout | undefined;
  private purging: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      db: Executor;
      keys: IdempotencyRepository;
      logger: Pick<Logger, 'info' | 'warn'>;
      settings: IdempotencySettings;
      /** The clock (tests move it); the database's clock is not used, so leases need synced instance clocks. */
      now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /** How often the edge should {@link extend} a running claim: a third of the lease. */
  get renewEveryMs(): number {
    return Math.max(100, Math.floor(this.deps.settings.lockMs / 3));
  }

  /** Purges expired keys every `purgeIntervalMs` (idempotent; the timer never keeps the process alive). */
  start(): void {
    const every = this.deps.settings.purgeIntervalMs;
    if (this.purger || every <= 0) return;
    this.purger = setInterval(() => {
      this.purging = this.purgeExpired().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'idempotency key purge failed; will retry on the next tick'),
      );
    }, every);
    this.purger.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.purger);
    this.purger = undefined;
    await this.purging;
  }

  /**
   * Claims `key` for `request`, or answers what an earlier request with it left: its stored response
   * (`replay`), 422 `idempotency_key_mismatch` (another method, path or body), 409
   * `idempotency_key_in_use` (still running), 409 `idempotency_stream_not_replayable` (it ran, and
   * answered with a stream). An expired key, or one whose request died (lease run out), is claimed anew.
   * @example const begun = await idempotency.begin({ tenantId, caller: 'key_…' }, key, { method: 'POST', path: '/v1/conversations', fingerprint });
   */
  async begin(scope: IdempotencyScope, key: string, request: IdempotentRequest): Promise<IdempotencyBegin> {
    const { db, keys } = this.deps;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const now = this.now();
      const claim = this.claimRow(request, now);
      if (await keys.insertClaim(db, scope, key, claim))
        return { kind: 'claimed', claim: { scope, key, token: claim.token } };
      const found = await keys.find(db, scope, key);
      if (!found) continue; // released between the insert and the read
      if (isDead(found, now, 'expired')) {
        if (await keys.takeOver(db, scope, key, found.lockToken, claim, now))
          return { kind: 'claimed', claim: { scope, key, token: claim.token } };
        continue;
      }
      if (found.fingerprint !== request.fingerprint)
        throw new IdempotencyKeyMismatchError(
          'This Idempotency-Key was used with a different request (method, path or body); use a new key for a new request',
          { details: { method: found.method, path: found.path } },
        );
      if (found.status === 'completed') return { kind: 'replay', response: replayOf(found) };
      if (isDead(found, now, 'lease')) {
        // Its request died with the key claimed (the lease was not renewed): this retry runs it.
        if (await keys.takeOver(db, scope, key, found.lockToken, claim, now))
          return { kind: 'claimed', claim: { scope, key, token: claim.token } };
        continue;
      }
      break;
    }
    throw new IdempotencyKeyInUseError(
      'A request with this Idempotency-Key is still running; retry after it has finished',
    );
  }

  /** Renews the claim's lease; false when it is no longer this claim's (taken over after a stall). */
  async extend(claim: IdempotencyClaim): Promise<boolean> {
    const until = new Date(this.now().getTime() + this.deps.settings.lockMs);
    return this.deps.keys.extend(this.deps.db, claim.scope, claim.key, claim.token, until);
  }

  /**
   * Ends a claim with its request's outcome: a 5xx or 429 releases the key (a retry runs again); any other
   * status is kept for `ttlMs` — the whole response, or only that it happened when the body was streamed
   * (`body: null`) or larger than `maxResponseBytes`. `lost` when the claim had been taken over.
   */
  async settle(claim: IdempotencyClaim, outcome: IdempotencyOutcome): Promise<IdempotencySettlement> {
    if (outcome.status >= 500 || outcome.status === 429) {
      return (await this.release(claim)) ? 'released' : this.lost(claim);
    }
    const replayable =
      outcome.body !== null && outcome.body.byteLength <= this.deps.settings.maxResponseBytes;
    const stored = await this.deps.keys.complete(this.deps.db, claim.scope, claim.key, claim.token, {
      status: outcome.status,
      headers: outcome.headers,
      body: replayable ? outcome.body : null,
      replayable,
      expiresAt: new Date(this.now().getTime() + this.deps.settings.ttlMs),
    });
    if (!stored) return this.lost(claim);
    return replayable ? 'stored' : 'not_replayable';
  }

  /** Gives the key up (its request failed before it could answer); false when it was no longer this claim's. */
  async release(claim: IdempotencyClaim): Promise<boolean> {
    return this.deps.keys.release(this.deps.db, claim.scope, claim.key, claim.token);
  }

  /**
   * Deletes expired keys (in batches); how many. Keys still running under a live lease stay.
   * @example await idempotency.purgeExpired(new Date(Date.now() + 86_400_000)) // 12
   */
  async purgeExpired(now: Date = this.now()): Promise<number> {
    const batch = 1000;
    let total = 0;
    for (;;) {
      const removed = await this.deps.keys.purgeExpired(this.deps.db, now, batch);
      total += removed;
      if (removed < batch) break;
    }
    if (total > 0) this.deps.logger.info({ purged: total }, 'purged expired idempotency keys');
    return total;
  }

  private claimRow(request: IdempotentRequest, now: Date): ClaimRow {
    const { lockMs, ttlMs } = this.deps.settings;
    return {
      fingerprint: request.fingerprint,
      method: request.method,
      path: request.path.slice(0, 2048),
      token: randomBytes(16).toString('hex'),
      lockedUntil: new Date(now.getTime() + lockMs),
      // At least the lease: a key never expires while its request may still be running.
      expiresAt: new Date(now.getTime() + Math.max(ttlMs, lockMs)),
    };
  }

  private lost(claim: IdempotencyClaim): 'lost' {
    this.deps.logger.warn(
      { idempotencyKey: claim.key, caller: claim.scope.caller },
      'an idempotency key was taken over while its request ran (the lease ran out); its answer is not kept',
    );
    return 'lost';
  }
}

/**
 * `expired`: past its expiry and not running under a live lease (a fresh key again, whatever its request
 * was). `lease`: still running, and its lease ran out (its process died or stalled).
 */
function isDead(record: IdempotencyRecord, now: Date, how: 'expired' | 'lease'): boolean {
  const leaseOver = record.lockedUntil === null || record.lockedUntil.getTime() <= now.getTime();
  if (how === 'lease') return record.status === 'running' && leaseOver;
  return record.expiresAt.getTime() <= now.getTime() && (record.status === 'completed' || leaseOver);
}

function replayOf(record: IdempotencyRecord): StoredResponse {
  const status = record.responseStatus ?? 200;
  const headers = record.responseHeaders ?? {};
  if (!record.replayable || record.responseBody === null)
    throw new IdempotencyStreamNotReplayableError(
      'The request with this Idempotency-Key ran, and its answer was streamed (or too large to keep), so it cannot be sent again; read the result another way or use a new key',
      { details: { status, content_type: headers['content-type'] ?? null } },
    );
  return { status, headers, body: record.responseBody };
}

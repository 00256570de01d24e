import { sql } from 'kysely';
import type { Executor } from '../../platform/db/transaction.js';

/** Whose key it is: the tenant ('' for a user's token without `X-Nexus-Tenant`) and the credential. */
export interface IdempotencyScope {
  tenantId: string;
  /** `key_…` for an API key, `usr_…` for a user's access token. */
  caller: string;
}

/** A stored key as the service reads it. */
export interface IdempotencyRecord {
  fingerprint: string;
  method: string;
  path: string;
  status: 'running' | 'completed';
  lockToken: string | null;
  lockedUntil: Date | null;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: Buffer | null;
  replayable: boolean | null;
  expiresAt: Date;
}

/** What a new claim writes. */
export interface ClaimRow {
  fingerprint: string;
  method: string;
  path: string;
  token: string;
  lockedUntil: Date;
  expiresAt: Date;
}

/** What a completed request leaves for its repeats. */
export interface CompletionRow {
  status: number;
  headers: Record<string, string>;
  /** null for a response that cannot be replayed (nothing of it is kept). */
  body: Uint8Array | null;
  replayable: boolean;
  expiresAt: Date;
}

/**
 * `idempotency_keys`: every statement is scoped to one caller (tenant + credential) through {@link keyed};
 * the claim and its renewals are conditional on the claim's token, so a request whose lease was taken
 * over (its process stalled past the lease) can neither renew nor complete it.
 */
export class IdempotencyRepository {
  /** Inserts a claim unless the key exists (`on conflict do nothing`): true when this call claimed it. */
  async insertClaim(db: Executor, scope: IdempotencyScope, key: string, claim: ClaimRow): Promise<boolean> {
    const row = await db
      .insertInto('idempotency_keys')
      .values({
        tenant_id: scope.tenantId,
        caller: scope.caller,
        key,
        fingerprint: claim.fingerprint,
        method: claim.method,
        path: claim.path,
        status: 'running',
        lock_token: claim.token,
        locked_until: claim.lockedUntil,
        expires_at: claim.expiresAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'caller', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async find(db: Executor, scope: IdempotencyScope, key: string): Promise<IdempotencyRecord | null> {
    const row = await this.keyed(db.selectFrom('idempotency_keys'), scope, key)
      .select([
        'fingerprint',
        'method',
        'path',
        'status',
        'lock_token',
        'locked_until',
        'response_status',
        'response_headers',
        'replayable',
        'expires_at',
        sql<string | null>`encode(response_body, 'base64')`.as('body_base64'),
      ])
      .executeTakeFirst();
    if (!row) return null;
    return {
      fingerprint: row.fingerprint,
      method: row.method,
      path: row.path,
      status: row.status,
      lockToken: row.lock_token,
      lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
      responseStatus: row.response_status,
      responseHeaders: row.response_headers,
      responseBody: row.body_base64 === null ? null : Buffer.from(row.body_base64, 'base64'),
      replayable: row.replayable,
      expiresAt: new Date(row.expires_at),
    };
  }

  /**
   * Replaces a dead row with a new claim: one past its expiry (and not running under a live lease), or one
   * still `running` whose lease ran out (its process died). `observedToken` is the token the caller saw,
   * so of several requests taking over the same row only one wins.
   */
  async takeOver(
    db: Executor,
    scope: IdempotencyScope,
    key: string,
    observedToken: string | null,
    claim: ClaimRow,
    now: Date,
  ): Promise<boolean> {
    const result = await this.keyed(db.updateTable('idempotency_keys'), scope, key)
      .set({
        fingerprint: claim.fingerprint,
        method: claim.method,
        path: claim.path,
        status: 'running',
        lock_token: claim.token,
        locked_until: claim.lockedUntil,
        response_status: null,
        response_headers: null,
        response_body: null,
        replayable: null,
        created_at: now,
        expires_at: claim.expiresAt,
      })
      .where('lock_token', 'is not distinct from', observedToken)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'completed'), eb('expires_at', '<=', now)]),
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', now)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Renews a running claim's lease; false when the claim is no longer this token's. */
  async extend(
    db: Executor,
    scope: IdempotencyScope,
    key: string,
    token: string,
    lockedUntil: Date,
  ): Promise<boolean> {
    const result = await this.keyed(db.updateTable('idempotency_keys'), scope, key)
      .set({ locked_until: lockedUntil })
      .where('status', '=', 'running')
      .where('lock_token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Stores the response of a running claim; false when the claim is no longer this token's. */
  async complete(
    db: Executor,
    scope: IdempotencyScope,
    key: string,
    token: string,
    completion: CompletionRow,
  ): Promise<boolean> {
    const body = completion.body;
    const result = await this.keyed(db.updateTable('idempotency_keys'), scope, key)
      .set({
        status: 'completed',
        lock_token: null,
        locked_until: null,
        response_status: completion.status,
        response_headers: JSON.stringify(completion.headers),
        response_body:
          body === null
            ? null
            : sql<Uint8Array>`decode(${Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64')}, 'base64')`,
        replayable: completion.replayable,
        expires_at: completion.expiresAt,
      })
      .where('status', '=', 'running')
      .where('lock_token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes a running claim (the request failed in a way a retry may fix); false when it was not this token's. */
  async release(db: Executor, scope: IdempotencyScope, key: string, token: string): Promise<boolean> {
    const result = await this.keyed(db.deleteFrom('idempotency_keys'), scope, key)
      .where('status', '=', 'running')
      .where('lock_token', '=', token)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * Deletes up to `limit` dead rows (past `expires_at`, and not running under a live lease); the number
   * deleted. `skip locked`: instances purging at the same time take different rows instead of waiting.
   */
  async purgeExpired(db: Executor, now: Date, limit: number): Promise<number> {
    const result = await sql`
      delete from idempotency_keys where (tenant_id, caller, key) in (
        select tenant_id, caller, key from idempotency_keys
        where expires_at <= ${now} and (status = 'completed' or locked_until <= ${now})
        limit ${limit}
        for update skip locked
      )`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** The one scoping helper: the caller's key. */
  private keyed<
    QB extends {
      where(column: 'tenant_id' | 'caller' | 'key', op: '=', value: string): QB;
    },
  >(qb: QB, scope: IdempotencyScope, key: string): QB {
    return qb
      .where('tenant_id', '=', scope.tenantId)
      .where('caller', '=', scope.caller)
      .where('key', '=', key);
  }
}

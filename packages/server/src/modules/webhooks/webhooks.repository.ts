import { type Selectable, sql } from 'kysely';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookDeliveryStatus,
  WebhookSecretsTable,
} from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;
export type SecretRow = Selectable<WebhookSecretsTable>;

export interface NewDelivery {
  id: string;
  subjectType: 'task';
  subjectId: string;
  event: string;
  url: string;
  body: string;
}

/** One attempt's outcome, and what becomes of the delivery. */
export interface AttemptOutcome {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: Date;
  /** `pending` with `retryAt`, or finished. */
  next: { status: 'pending'; retryAt: Date } | { status: 'delivered' | 'failed' };
}

/** The webhook tables: signing secrets, deliveries (a queue with leases) and their attempt log. */
export class WebhooksRepository {
  /**
   * The tenant's signing secret row, created with `initial` when there is none (concurrent first uses
   * all read the one row the first writer stored).
   */
  async secretOrCreate(db: Executor, tenantId: string, initial: string): Promise<SecretRow> {
    const existing = await db
      .selectFrom('webhook_secrets')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (existing) return existing;
    await db
      .insertInto('webhook_secrets')
      .values({ tenant_id: tenantId, secret: initial })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    return db
      .selectFrom('webhook_secrets')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
  }

  /** Makes `secret` current; the current one stays valid for `overlapMs` (a previous one is dropped). */
  async rotateSecret(db: Executor, tenantId: string, secret: string, overlapMs: number): Promise<SecretRow> {
    return db
      .updateTable('webhook_secrets')
      .set({
        previous_secret: sql<string>`secret`,
        previous_expires_at: sql<Date>`now() + ${overlapMs} * interval '1 millisecond'`,
        secret,
        rotated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', tenantId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Queues a delivery. There is one per subject and event: when it exists already (a retried
   * transaction), its id is returned and nothing changes.
   */
  async insert(db: Executor, tenantId: string, delivery: NewDelivery): Promise<string> {
    const inserted = await db
      .insertInto('webhook_deliveries')
      .values({
        id: delivery.id,
        tenant_id: tenantId,
        subject_type: delivery.subjectType,
        subject_id: delivery.subjectId,
        event: delivery.event,
        url: delivery.url,
        body: delivery.body,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'subject_type', 'subject_id', 'event']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return inserted.id;
    const existing = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('subject_type', '=', delivery.subjectType)
      .where('subject_id', '=', delivery.subjectId)
      .where('event', '=', delivery.event)
      .executeTakeFirstOrThrow();
    return existing.id;
  }

  /** The subject's latest delivery. */
  async latestForSubject(
    db: Executor,
    tenantId: string,
    subjectType: 'task',
    subjectId: string,
  ): Promise<DeliveryRow | undefined> {
    return db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async get(db: Executor, tenantId: string, id: string): Promise<DeliveryRow | undefined> {
    return db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** A delivery's attempts, first first. */
  async attempts(db: Executor, tenantId: string, deliveryId: string): Promise<AttemptRow[]> {
    return db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .execute();
  }

  // --- The delivery queue: these serve every tenant (the workers'), and return the rows' tenants. ---

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: pending, due, and not leased (or the lease ran out:
   * the worker that held it died), with `SELECT … FOR UPDATE SKIP LOCKED` so concurrent workers on any
   * instance never claim the same one. The first claim stamps `first_attempt_at` (the retry window starts
   * there). All tenants.
   */
  async claimDue(db: Executor, workerId: string, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
    if (limit <= 0) return [];
    const { rows } = await sql<DeliveryRow>`
      update webhook_deliveries set
        locked_by = ${workerId},
        locked_until = now() + ${leaseMs} * interval '1 millisecond',
        first_attempt_at = coalesce(first_attempt_at, now())
      where id in (
        select id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= now()
          and (locked_until is null or locked_until < now())
        order by next_attempt_at, id
        limit ${limit}
        for update skip locked
      )
      returning *`.execute(db);
    return rows;
  }

  /**
   * Logs an attempt and moves the delivery on (retry later, delivered or failed), if `workerId` still
   * holds its lease; false (nothing written) when it does not.
   */
  async recordAttempt(
    db: Executor,
    tenantId: string,
    id: string,
    workerId: string,
    outcome: AttemptOutcome,
  ): Promise<boolean> {
    const next = outcome.next;
    const updated = await db
      .updateTable('webhook_deliveries')
      .set({
        attempts: outcome.attempt,
        status: next.status as WebhookDeliveryStatus,
        locked_by: null,
        locked_until: null,
        ...(next.status === 'pending'
          ? { next_attempt_at: next.retryAt }
          : { completed_at: sql<Date>`now()` }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('locked_by', '=', workerId)
      .where('attempts', '=', outcome.attempt - 1)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await db
      .insertInto('webhook_attempts')
      .values({
        delivery_id: id,
        tenant_id: tenantId,
        attempt: outcome.attempt,
        status_code: outcome.statusCode,
        error: outcome.error,
        duration_ms: outcome.durationMs,
        at: outcome.at,
      })
      .execute();
    return true;
  }

  /** Gives a claimed delivery back untried (the worker is stopping): due again at once, for anyone. */
  async release(db: Executor, tenantId: string, id: string, workerId: string): Promise<void> {
    await db
      .updateTable('webhook_deliveries')
      .set({ locked_by: null, locked_until: null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }
}

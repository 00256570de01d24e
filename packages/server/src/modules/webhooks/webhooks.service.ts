import { randomBytes } from 'node:crypto';
import { type Config, ConfigError } from '../../config.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import { ClaimLoop } from '../../platform/jobs/claim-loop.js';
import { GuardedFetchError } from '../../platform/net/guarded-fetch.js';
import { guardedPost } from '../../platform/net/guarded-post.js';
import type { SsrfPolicy } from '../../platform/net/ssrf-guard.js';
import { VERSION } from '../../version.js';
import type { AccessService } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import { nextAttemptAt, parseRetryAfter } from './webhook-retry.js';
import { signWebhook } from './webhook-signature.js';
import { checkWebhookUrl } from './webhook-url.js';
import type { DeliveryRow, SecretRow, WebhooksRepository } from './webhooks.repository.js';

export interface WebhookSettings {
  /** Deadline of one attempt: connecting, sending, and the receiver's answer (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Retries stop this long after the first attempt (`WEBHOOK_RETRY_WINDOW_S`). */
  retryWindowMs: number;
  /** The first retry's delay; later ones are multiples of it (`WEBHOOK_RETRY_BASE_MS`). */
  retryBaseMs: number;
  /** Deliveries sent at once by this instance; 0 sends none (`WEBHOOK_CONCURRENCY`). */
  concurrency: number;
  /** How long a claimed delivery stays claimed; more than an attempt can take (`WEBHOOK_LEASE_MS`). */
  leaseMs: number;
  /** How often an idle worker looks for due deliveries (`WEBHOOK_POLL_MS`). */
  pollMs: number;
  /** How long `close()` waits for sends in flight before giving them back (`WEBHOOK_SHUTDOWN_GRACE_MS`). */
  shutdownGraceMs: number;
}

/** One attempt, as shown on the task (`webhook.deliveries`). */
export interface WebhookAttemptView {
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

export interface WebhookDeliveryView {
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: WebhookAttemptView[];
}

/** The tenant's signing secret, for `GET /v1/webhooks/secret` and the rotation. */
export interface WebhookSecretView {
  secret: string;
  created_at: Date;
  rotated_at: Date | null;
  /** Until when the secret before the last rotation still signs deliveries (a second `v1=`); null when none. */
  previous_expires_at: Date | null;
}

export interface EnqueueWebhook {
  subjectType: 'task';
  subjectId: string;
  url: string;
  /** `Nexus-Event`, e.g. `task.succeeded`. */
  event: string;
  /** Sent as the JSON body, the same bytes on every attempt. */
  payload: unknown;
}

/** How long the secret before a rotation keeps signing (a second `v1=`), so receivers can switch. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;
/** Bytes of a receiver's answer read; the start of a failed answer is kept in the attempt's `error`. */
const RESPONSE_READ_BYTES = 1024;
const EXCERPT_CHARS = 200;
/** A stopping worker waits this long for the deliveries it aborted to be given back. */
const RELEASE_WAIT_MS = 2_000;

/**
 * Webhooks: checks target URLs, queues deliveries durably (a row, in the caller's transaction if it
 * wants), and runs this instance's delivery worker. The worker claims due deliveries from the database
 * with a lease (`FOR UPDATE SKIP LOCKED`: one instance sends a delivery at a time; a dead instance's lease
 * runs out and another takes over), POSTs them through the SSRF guard, signed with the tenant's secret
 * (Stripe-style `Nexus-Signature`), and logs every attempt; a failed one is retried with back-off and
 * jitter until the retry window has passed. See docs/tasks.md#webhooks.
 */
export class WebhooksService {
  readonly workerId = `webhooks_${randomBytes(6).toString('hex')}`;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly loop: ClaimLoop<DeliveryRow>;
  private stopped = true;

  constructor(
    private readonly deps: {
      db: Executor;
      repository: WebhooksRepository;
      access: AccessService;
      audit: AuditService;
      logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
      policy: SsrfPolicy;
      settings: WebhookSettings;
    },
  ) {
    this.loop = new ClaimLoop({
      pollMs: deps.settings.pollMs,
      concurrency: deps.settings.concurrency,
      idOf: (row) => row.id,
      claim: (free) => deps.repository.claimDue(deps.db, this.workerId, deps.settings.leaseMs, free),
      run: (row, signal) => this.attempt(row, signal),
      onError: (error) =>
        deps.logger.warn({ err: error }, 'webhook deliveries could not be claimed; retrying later'),
    });
  }

  /**
   * Checks a webhook URL when it is given (before the task exists): 400 `webhook_url_invalid` for a URL
   * that is not http(s), has credentials, is longer than 2048 characters or names a host that does not
   * resolve; 400 `webhook_url_forbidden` when the host is, or resolves to, a non-public address
   * (loopback, private, link-local, CGNAT, …) not allowed by `WEBHOOK_URL_ALLOWLIST`. The address is
   * checked again at every delivery (DNS answers change).
   * @example await webhooks.checkUrl('https://example.com/hooks/nexus');
   */
  async checkUrl(url: string): Promise<void> {
    await checkWebhookUrl(this.deps.policy, url);
  }

  /**
   * Queues a delivery of `payload` (as JSON) to `url`; returns its id (`whd_…`, sent as
   * `Nexus-Webhook-Id`). It is a row in the database, written on `db` — pass the transaction that ends
   * the task so both commit together. One delivery per subject and event: a repeat returns the first id.
   * Wakes this instance's worker.
   * @example const id = await webhooks.enqueue(trx, tenantId, { subjectType: 'task', subjectId: task.id, url, event: 'task.succeeded', payload: view });
   */
  async enqueue(db: Executor, tenantId: string, input: EnqueueWebhook): Promise<string> {
    const body = JSON.stringify(input.payload);
    if (body === undefined) throw new TypeError('A webhook payload must be JSON-serialisable');
    const id = await this.deps.repository.insert(db, tenantId, {
      id: newId('whd'),
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      event: input.event,
      url: input.url,
      body,
    });
    this.wake();
    // Inside a transaction the row is visible once the caller commits, which this cannot see: look again
    // shortly (the poll would find it too, later).
    if (db.isTransaction) {
      this.wakeIn(20);
      this.wakeIn(200);
    }
    return id;
  }

  /** The subject's delivery (its latest, if there were several events) and its attempts; null without one. */
  async deliveries(
    tenantId: string,
    subjectType: 'task',
    subjectId: string,
  ): Promise<WebhookDeliveryView | null> {
    const { db, repository } = this.deps;
    const row = await repository.latestForSubject(db, tenantId, subjectType, subjectId);
    if (!row) return null;
    const attempts = await repository.attempts(db, tenantId, row.id);
    return {
      url: row.url,
      status: row.status,
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        status_code: a.status_code,
        error: a.error,
        duration_ms: a.duration_ms,
        at: new Date(a.at).toISOString(),
      })),
    };
  }

  /** The caller's tenant's signing secret (created on first use); needs `tenant:update`. */
  async secret(ctx: RequestContext): Promise<WebhookSecretView> {
    const tenantId = await this.adminTenant(ctx);
    const row = await this.secretRow(tenantId);
    await this.deps.audit.record(ctx, {
      action: 'webhooks.secret_read',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
    });
    return secretView(row);
  }

  /**
   * Replaces the caller's tenant's signing secret; the old one keeps signing (a second `v1=`) for 24 h
   * so receivers can switch without missing deliveries. Needs `tenant:update`.
   */
  async rotateSecret(ctx: RequestContext): Promise<WebhookSecretView> {
    const tenantId = await this.adminTenant(ctx);
    await this.secretRow(tenantId);
    const row = await this.deps.repository.rotateSecret(
      this.deps.db,
      tenantId,
      newSecret(),
      ROTATION_OVERLAP_MS,
    );
    await this.deps.audit.record(ctx, {
      action: 'webhooks.secret_rotate',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
    });
    return secretView(row);
  }

  /** Starts this instance's delivery worker (idempotent; nothing with `concurrency` 0). Timers are unref'd. */
  start(): void {
    if (!this.stopped || this.deps.settings.concurrency <= 0) return;
    this.stopped = false;
    this.loop.start();
  }

  /** Looks for due deliveries now. */
  wake(): void {
    this.loop.wake();
  }

  /** Deliveries being sent by this instance. */
  get active(): number {
    return this.loop.active;
  }

  /**
   * Stops claiming, waits up to `shutdownGraceMs` for the sends in flight, then aborts the rest and gives
   * their deliveries back to the queue untried (due at once, for any instance). What is queued stays queued.
   */
  async close(): Promise<void> {
    this.stopped = true;
    this.loop.stopClaiming();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.loop.active === 0) return;
    const settled = this.loop.settled();
    if (await within(settled, this.deps.settings.shutdownGraceMs)) return;
    this.loop.abortAll(new Error('the webhook worker is stopping'));
    if (!(await within(settled, RELEASE_WAIT_MS)))
      this.deps.logger.warn(
        { deliveries: this.loop.active },
        'webhook deliveries were not given back in time; their leases will expire',
      );
  }

  private wakeIn(ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** One attempt of a claimed delivery, and its outcome recorded (or, when stopping, the claim given back). */
  private async attempt(row: DeliveryRow, signal: AbortSignal): Promise<void> {
    const { db, repository, settings, logger } = this.deps;
    const attempt = row.attempts + 1;
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | null = null;
    let secrets: string[];
    try {
      secrets = await this.signingSecrets(row.tenant_id);
    } catch (secretError) {
      // Nothing was sent: the lease runs out and the delivery is tried again.
      logger.warn({ err: secretError, delivery_id: row.id }, 'webhook signing secret could not be read');
      return;
    }
    try {
      const answer = await guardedPost(row.url, {
        policy: this.deps.policy,
        body: row.body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': `Nexus-Webhooks/${VERSION}`,
          'Nexus-Webhook-Id': row.id,
          'Nexus-Event': row.event,
          'Nexus-Signature': signWebhook(secrets, Math.floor(Date.now() / 1000), row.body),
        },
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: RESPONSE_READ_BYTES,
        signal,
      });
      statusCode = answer.status;
      if (answer.status < 200 || answer.status > 299) {
        error = statusError(answer.status, answer.body);
        if (answer.status === 429 || answer.status === 503)
          retryAfterMs = parseRetryAfter(headerValue(answer.headers['retry-after']), Date.now());
      }
    } catch (failure) {
      if (signal.aborted) {
        // Stopping: the attempt does not count; the delivery is due again at once (receivers dedupe by id).
        await repository
          .release(db, row.tenant_id, row.id, this.workerId)
          .catch((e: unknown) =>
            logger.warn({ err: e, delivery_id: row.id }, 'webhook delivery release failed'),
          );
        return;
      }
      if (failure instanceof GuardedFetchError) error = `${failure.code}: ${failure.message}`;
      else {
        logger.error({ err: failure, delivery_id: row.id }, 'webhook attempt failed unexpectedly');
        error = 'internal_error: the attempt failed inside Nexus';
      }
    }
    const now = Date.now();
    const retryAt =
      error === null
        ? null
        : nextAttemptAt({
            attempt,
            now,
            firstAttemptAt: new Date(row.first_attempt_at ?? started).getTime(),
            windowMs: settings.retryWindowMs,
            baseMs: settings.retryBaseMs,
            retryAfterMs,
          });
    const next =
      error === null
        ? ({ status: 'delivered' } as const)
        : retryAt === null
          ? ({ status: 'failed' } as const)
          : ({ status: 'pending', retryAt: new Date(retryAt) } as const);
    try {
      const recorded = await withTransaction(db, (trx) =>
        repository.recordAttempt(trx, row.tenant_id, row.id, this.workerId, {
          attempt,
          statusCode,
          error,
          durationMs: now - started,
          at: new Date(started),
          next,
        }),
      );
      if (!recorded)
        logger.warn({ delivery_id: row.id }, 'webhook delivery lease was lost; attempt not logged');
    } catch (recordError) {
      // The database is away: the lease runs out and the delivery is tried again.
      logger.warn({ err: recordError, delivery_id: row.id }, 'webhook attempt could not be recorded');
      return;
    }
    const log = {
      delivery_id: row.id,
      tenant_id: row.tenant_id,
      event: row.event,
      attempt,
      status_code: statusCode,
    };
    if (next.status === 'delivered') logger.debug(log, 'webhook delivered');
    else if (next.status === 'failed') logger.warn({ ...log, error }, 'webhook delivery failed for good');
    else {
      logger.debug(
        { ...log, error, retry_at: next.retryAt.toISOString() },
        'webhook attempt failed; will retry',
      );
      // A retry sooner than the next poll gets its own wake-up.
      const wait = retryAt! - Date.now();
      if (wait < settings.pollMs) this.wakeIn(Math.max(0, wait));
    }
  }

  /** The secrets a delivery is signed with now: the current one, and the previous one while it overlaps. */
  private async signingSecrets(tenantId: string): Promise<string[]> {
    const row = await this.secretRow(tenantId);
    const previousValid =
      row.previous_secret !== null &&
      row.previous_expires_at !== null &&
      new Date(row.previous_expires_at).getTime() > Date.now();
    return previousValid ? [row.secret, row.previous_secret!] : [row.secret];
  }

  private secretRow(tenantId: string): Promise<SecretRow> {
    return this.deps.repository.secretOrCreate(this.deps.db, tenantId, newSecret());
  }

  private async adminTenant(ctx: RequestContext): Promise<string> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'tenant:update');
    return tenantId;
  }
}

/**
 * The worker settings from the configuration; a lease that an attempt could outlast is refused (another
 * instance would send the delivery again while the first attempt is still waiting for an answer).
 */
export function webhookSettings(config: Config): WebhookSettings {
  if (config.WEBHOOK_LEASE_MS < config.WEBHOOK_TIMEOUT_MS + 5_000)
    throw new ConfigError([
      {
        variable: 'WEBHOOK_LEASE_MS',
        message: `must be at least WEBHOOK_TIMEOUT_MS + 5000 (${config.WEBHOOK_TIMEOUT_MS + 5_000}), so an attempt ends before its lease`,
      },
    ]);
  return {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryWindowMs: config.WEBHOOK_RETRY_WINDOW_S * 1000,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    leaseMs: config.WEBHOOK_LEASE_MS,
    pollMs: config.WEBHOOK_POLL_MS,
    shutdownGraceMs: config.WEBHOOK_SHUTDOWN_GRACE_MS,
  };
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function secretView(row: SecretRow): WebhookSecretView {
  const previousExpires =
    row.previous_expires_at && new Date(row.previous_expires_at).getTime() > Date.now()
      ? new Date(row.previous_expires_at)
      : null;
  return {
    secret: row.secret,
    created_at: new Date(row.created_at),
    rotated_at: row.rotated_at ? new Date(row.rotated_at) : null,
    previous_expires_at: previousExpires,
  };
}

/** The attempt's `error` for an answer that is not 2xx, with the start of the receiver's body. */
function statusError(status: number, body: Uint8Array): string {
  const head =
    status >= 300 && status < 400
      ? `redirect_not_followed: the receiver answered HTTP ${status} (redirects are not followed)`
      : `http_error: the receiver answered HTTP ${status}`;
  const excerpt = Buffer.from(body)
    .toString('utf8')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f\ufffd]+/g, ' ')
    .trim()
    .slice(0, EXCERPT_CHARS);
  return excerpt ? `${head}: ${excerpt}` : head;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

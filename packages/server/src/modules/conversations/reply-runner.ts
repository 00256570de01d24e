import { isAppError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Cache, Lock } from '../../platform/cache/cache.js';
import type { EventLog } from '../../platform/streams/event-log.js';
import type { FinishReason, StreamPart, Usage } from '../../providers/llm/language-model.js';
import { encodeReplyEvent, type ReplyEvent, replyStreamKey } from './reply-events.js';

/** The pub/sub channel every instance's runner listens on; a message is the assistant message id to stop. */
export const CANCEL_CHANNEL = 'replies:cancel';

export interface ReplyRunnerSettings {
  /** How often the content of running replies is written to the database (one statement for all). */
  flushMs: number;
  /** At most one delta event per reply per this many ms: tiny deltas are joined into one event. */
  coalesceMs: number;
  /** How long a finished reply's event log stays replayable. */
  logRetainMs: number;
  /** The conversation lock's lifetime; running replies extend it every third of it. */
  lockTtlMs: number;
  /** On close: how long in-flight replies may still finish before they are stopped and saved as interrupted. */
  shutdownGraceMs: number;
}

/** The final state of a reply, as saved. */
export interface ReplyOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  content: string;
  usage: { input_tokens: number; output_tokens: number } | null;
  error: { code: string; message: string } | null;
  finishReason: FinishReason | null;
  /** What made it fail (not saved): lets a non-streaming request answer with the failure's own status. */
  cause?: unknown;
}

/** A reply as the runner identifies it. */
export interface ReplyIdentity {
  tenantId: string;
  conversationId: string;
  messageId: string;
}

/**
 * Where a running reply is saved. `saveProgress` writes the content of many streaming replies at once
 * (only while they are still `streaming`); `finish` writes the final state and returns the message as the
 * API shows it (the payload of the final event).
 */
export interface ReplyStore {
  saveProgress(batch: readonly (ReplyIdentity & { content: string })[]): Promise<void>;
  finish(reply: ReplyIdentity, outcome: ReplyOutcome): Promise<unknown>;
}

export interface ReplyJob extends ReplyIdentity {
  /** The generation: the gateway's stream of parts, started with `controller.signal`. */
  parts: AsyncIterable<StreamPart>;
  controller: AbortController;
  /** The conversation's one-reply-at-a-time lock, held until the final state is saved. */
  lock: Lock;
  /** Called (in the background) after the final state is saved. */
  onFinished?: (outcome: ReplyOutcome, message: unknown) => void;
}

/** Why a reply was stopped: the status and error it is saved with. */
export class ReplyStop extends Error {
  override name = 'AbortError';
  constructor(
    readonly status: 'cancelled' | 'failed',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const stopReasons = {
  cancelled: () => new ReplyStop('cancelled', 'cancelled', 'The reply was cancelled'),
  clientGone: () =>
    new ReplyStop('cancelled', 'client_disconnected', 'The client went away and asked not to continue'),
  shutdown: () =>
    new ReplyStop('failed', 'interrupted', 'The server shut down before the reply was complete'),
} as const;

/** A reply in flight on this instance. */
interface Run {
  readonly job: ReplyJob;
  readonly stream: string;
  content: string;
  /** Text not yet appended to the event log. */
  pending: string;
  /** The content changed since the last database flush. */
  unsaved: boolean;
  lastEmitAt: number;
  /** Appends in flight (they are chained, so events keep their order). */
  appending: number;
  chain: Promise<void>;
  logFailed: boolean;
  finishing: boolean;
  done: Promise<ReplyOutcome>;
}

/**
 * Runs replies detached from the HTTP request that asked for them: each has its own AbortController, so
 * a client that goes away does not stop it (unless it asked to) and any instance can stop it (pub/sub on
 * {@link CANCEL_CHANNEL}). While a reply runs, its text goes to the event log as coalesced delta events
 * (readers anywhere follow and resume it), and to the database every `flushMs` — for all running replies
 * in one statement — and at the end with the final status, usage and error. Three shared timers serve
 * every reply on the instance (events, flushes, lock extension), so a thousand open replies cost a
 * thousand small objects, not three thousand timers.
 */
export class ReplyRunner {
  private readonly runs = new Map<string, Run>();
  /** Replies with text waiting for the next event tick. */
  private readonly waiting = new Set<Run>();
  private eventTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private closing = false;

  constructor(
    private readonly deps: {
      log: EventLog;
      cache: Cache;
      store: ReplyStore;
      logger: Logger;
      settings: ReplyRunnerSettings;
    },
  ) {}

  /** Subscribes to cancellations from every instance. */
  async listen(): Promise<void> {
    this.unsubscribe = await this.deps.cache.subscribe(CANCEL_CHANNEL, (messageId) => {
      this.stop(messageId, stopReasons.cancelled());
    });
  }

  /** How many replies run on this instance. */
  get size(): number {
    return this.runs.size;
  }

  isRunning(messageId: string): boolean {
    return this.runs.has(messageId);
  }

  /** The outcome of a reply running on this instance; undefined when it does not run here. */
  outcomeOf(messageId: string): Promise<ReplyOutcome> | undefined {
    return this.runs.get(messageId)?.done;
  }

  /**
   * Appends an event to the reply's log before the generation starts (`message.created`), so a reader
   * that arrives right after the request finds the stream.
   */
  async announce(messageId: string, event: ReplyEvent): Promise<string> {
    return this.deps.log.append(replyStreamKey(messageId), encodeReplyEvent(event));
  }

  /** Starts a reply; the returned promise settles with its outcome once it is saved. */
  start(job: ReplyJob): Promise<ReplyOutcome> {
    if (this.closing) {
      job.controller.abort(stopReasons.shutdown());
    }
    const run: Run = {
      job,
      stream: replyStreamKey(job.messageId),
      content: '',
      pending: '',
      unsaved: false,
      // The first delta goes out at once (performance.now() may be smaller than coalesceMs early on).
      lastEmitAt: Number.NEGATIVE_INFINITY,
      appending: 0,
      chain: Promise.resolve(),
      logFailed: false,
      finishing: false,
      done: undefined as unknown as Promise<ReplyOutcome>,
    };
    this.runs.set(job.messageId, run);
    this.startTimers();
    run.done = this.drive(run);
    return run.done;
  }

  /**
   * Stops a reply if it runs on this instance; true when it did. Other instances hear about it through
   * {@link publishCancel}.
   */
  stop(messageId: string, reason: ReplyStop): boolean {
    const run = this.runs.get(messageId);
    if (!run || run.job.controller.signal.aborted) return false;
    run.job.controller.abort(reason);
    return true;
  }

  /** Asks every instance (this one included) to cancel the reply. */
  async publishCancel(messageId: string): Promise<void> {
    if (this.stop(messageId, stopReasons.cancelled())) return;
    await this.deps.cache.publish(CANCEL_CHANNEL, messageId);
  }

  /**
   * Stops taking replies, lets those in flight finish for up to `shutdownGraceMs`, then stops the rest:
   * they are saved as `failed` with code `interrupted` and their text so far. Nothing generated is lost.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.unsubscribe?.().catch(() => undefined);
    const pending = [...this.runs.values()].map((r) => r.done.catch(() => undefined));
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.deps.settings.shutdownGraceMs);
      });
      await Promise.race([Promise.all(pending), graceOver]);
      clearTimeout(timer);
      for (const id of [...this.runs.keys()]) this.stop(id, stopReasons.shutdown());
      await Promise.all(pending);
    }
    this.stopTimers();
  }

  private async drive(run: Run): Promise<ReplyOutcome> {
    const { job } = run;
    const signal = job.controller.signal;
    let usage: Usage | undefined;
    let finishReason: FinishReason | null = null;
    let failure: unknown;
    try {
      for await (const part of job.parts) {
        if (part.type === 'text') {
          if (part.text === '') continue;
          run.content += part.text;
          run.pending += part.text;
          run.unsaved = true;
          if (run.appending === 0 && performance.now() - run.lastEmitAt >= this.deps.settings.coalesceMs)
            this.emitDelta(run);
          else this.waiting.add(run);
        } else if (part.type === 'usage') usage = part.usage;
        else if (part.type === 'finish') finishReason = part.reason;
      }
    } catch (error) {
      failure = error;
    }
    run.finishing = true;
    this.waiting.delete(run);
    const outcome = outcomeOf(run.content, usage, finishReason, failure, signal);
    if (outcome.status === 'failed' && !(failure instanceof ReplyStop)) {
      this.deps.logger.warn(
        { err: failure, message_id: job.messageId, conversation_id: job.conversationId },
        'a reply failed',
      );
    }
    this.emitDelta(run);
    if (outcome.usage) {
      const u = outcome.usage;
      this.append(run, {
        type: 'response.usage',
        message_id: job.messageId,
        usage: { ...u, total_tokens: u.input_tokens + u.output_tokens },
      });
    }
    // The database is the record: the final state is saved before the final event and before the lock goes.
    const message = await this.saveFinal(run, outcome);
    if (outcome.status === 'completed') this.append(run, { type: 'response.completed', message });
    else if (outcome.status === 'cancelled') this.append(run, { type: 'response.cancelled', message });
    else
      this.append(run, {
        type: 'error',
        message_id: job.messageId,
        code: outcome.error?.code ?? 'internal_error',
        message: outcome.error?.message ?? 'The reply failed',
        message_state: message,
      });
    await run.chain;
    await this.deps.log.end(run.stream, this.deps.settings.logRetainMs).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, message_id: job.messageId }, 'could not end a reply event log');
    });
    await job.lock.release().catch((error: unknown) => {
      this.deps.logger.warn(
        { err: error, conversation_id: job.conversationId },
        'could not release a reply lock',
      );
    });
    this.runs.delete(job.messageId);
    if (this.runs.size === 0) this.stopTimers();
    if (message !== undefined) job.onFinished?.(outcome, message);
    return outcome;
  }

  /** Saves the final state, retrying a few times: this is the write that must not be lost. */
  private async saveFinal(run: Run, outcome: ReplyOutcome): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.store.finish(run.job, outcome);
      } catch (error) {
        if (attempt >= 4) {
          // The message stays `streaming` with its last flushed text; the sweeper marks it interrupted.
          this.deps.logger.error(
            { err: error, message_id: run.job.messageId },
            'could not save the final state of a reply',
          );
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  private emitDelta(run: Run): void {
    if (run.pending === '') return;
    const delta = run.pending;
    run.pending = '';
    run.lastEmitAt = performance.now();
    this.append(run, { type: 'response.output_text.delta', message_id: run.job.messageId, delta });
  }

  /** Appends after every earlier event of the reply. A log failure is logged once; the database still has it all. */
  private append(run: Run, event: ReplyEvent): void {
    run.appending++;
    const data = encodeReplyEvent(event);
    run.chain = run.chain
      .then(() => this.deps.log.append(run.stream, data))
      .then(
        () => undefined,
        (error: unknown) => {
          if (!run.logFailed) {
            run.logFailed = true;
            this.deps.logger.warn(
              { err: error, message_id: run.job.messageId },
              'could not append a reply event',
            );
          }
        },
      )
      .finally(() => {
        run.appending--;
      });
  }

  private startTimers(): void {
    const { coalesceMs, flushMs, lockTtlMs } = this.deps.settings;
    this.eventTimer ??= setInterval(() => this.tickEvents(), coalesceMs);
    this.flushTimer ??= setInterval(() => void this.flush(), flushMs);
    this.lockTimer ??= setInterval(() => void this.extendLocks(), Math.max(10, Math.floor(lockTtlMs / 3)));
  }

  private stopTimers(): void {
    clearInterval(this.eventTimer);
    clearInterval(this.flushTimer);
    clearInterval(this.lockTimer);
    this.eventTimer = this.flushTimer = this.lockTimer = undefined;
  }

  private tickEvents(): void {
    const now = performance.now();
    for (const run of this.waiting) {
      if (run.appending > 0 || now - run.lastEmitAt < this.deps.settings.coalesceMs) continue;
      this.waiting.delete(run);
      this.emitDelta(run);
    }
  }

  /** Writes the text of every reply that changed since the last flush, in one statement. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const batch: (ReplyIdentity & { content: string })[] = [];
    for (const run of this.runs.values()) {
      if (!run.unsaved || run.finishing) continue;
      run.unsaved = false;
      const { tenantId, conversationId, messageId } = run.job;
      batch.push({ tenantId, conversationId, messageId, content: run.content });
    }
    if (batch.length === 0) return Promise.resolve();
    this.flushing = this.deps.store
      .saveProgress(batch)
      .catch((error: unknown) => {
        // The next flush writes the full text again; mark them unsaved so it does.
        for (const row of batch) {
          const run = this.runs.get(row.messageId);
          if (run) run.unsaved = true;
        }
        this.deps.logger.warn(
          { err: error, replies: batch.length },
          'could not save the progress of replies',
        );
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  private async extendLocks(): Promise<void> {
    const ttl = this.deps.settings.lockTtlMs;
    await Promise.all(
      [...this.runs.values()].map(async (run) => {
        const held = await run.job.lock.extend(ttl).catch(() => false);
        if (!held && !run.finishing) {
          this.deps.logger.warn(
            { conversation_id: run.job.conversationId, message_id: run.job.messageId },
            'a running reply lost its conversation lock',
          );
        }
      }),
    );
  }
}

/** The final state from how the stream ended. */
function outcomeOf(
  content: string,
  usage: Usage | undefined,
  finishReason: FinishReason | null,
  failure: unknown,
  signal: AbortSignal,
): ReplyOutcome {
  const savedUsage = usage ? { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens } : null;
  // A stream that ran to its finish is complete even if a stop arrived in the same moment.
  if (failure === undefined && (!signal.aborted || finishReason !== null)) {
    return { status: 'completed', content, usage: savedUsage, error: null, finishReason };
  }
  if (signal.aborted) {
    const reason = signal.reason instanceof ReplyStop ? signal.reason : stopReasons.cancelled();
    return {
      status: reason.status,
      content,
      usage: savedUsage,
      error: reason.status === 'cancelled' ? null : { code: reason.code, message: reason.message },
      finishReason,
    };
  }
  const error = isAppError(failure)
    ? { code: failure.code, message: failure.message }
    : { code: 'provider_unavailable', message: 'The model stream broke off' };
  return { status: 'failed', content, usage: savedUsage, error, finishReason, cause: failure };
}

/** One claimed job running on this instance. */
interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

export interface ClaimLoopOptions<Job> {
  /** How often an idle loop looks for work (a `wake()` looks at once). */
  pollMs: number;
  /** Jobs run at once by this instance. */
  concurrency: number;
  /** Claims up to `free` due jobs (with a lease, `FOR UPDATE SKIP LOCKED`); fewer or none when there are none. */
  claim(free: number): Promise<Job[]>;
  /** The job's id (a job is tracked under it while it runs). */
  idOf(job: Job): string;
  /** Runs one claimed job to its end; `signal` aborts it (a stop, a cancel). A throw goes to `onError`. */
  run(job: Job, signal: AbortSignal): Promise<void>;
  /** Runs before claiming, at most once per `pollMs` (e.g. reclaiming the expired leases of dead instances). */
  housekeeping?(): Promise<void>;
  /** A claim, housekeeping or job failed unexpectedly; the loop goes on (claims again on the next wake or poll). */
  onError(error: unknown): void;
}

/**
 * The claim loop of a database-coordinated background worker, shared by knowledge-base ingestion, async
 * tasks and webhook deliveries: polls (and wakes at once when work is queued on this instance), claims up
 * to `concurrency` jobs, runs each with its own AbortController, and claims again as jobs finish. One
 * claim round runs at a time; a wake during a round runs another after it.
 *
 * @example
 * const loop = new ClaimLoop({ pollMs: 1000, concurrency: 4, claim: (n) => repo.claim(db, id, n), idOf: (j) => j.id,
 *   run: (job, signal) => work(job, signal), onError: (e) => logger.warn({ err: e }, 'claim failed') });
 * loop.start(); // … later: loop.stopClaiming(); loop.abortAll(reason); await loop.settled();
 */
export class ClaimLoop<Job> {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, RunningJob>();
  private filling = false;
  private again = false;
  private stopped = true;
  private lastHousekeeping = 0;

  constructor(private readonly options: ClaimLoopOptions<Job>) {}

  /** Starts polling (idempotent; nothing with `concurrency` 0). The timer does not keep the process alive. */
  start(): void {
    if (!this.stopped || this.options.concurrency <= 0) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now. */
  wake(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    void this.fill();
  }

  /** Jobs running on this instance. */
  get active(): number {
    return this.running.size;
  }

  /** Stops polling and claiming; running jobs go on. */
  stopClaiming(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Aborts every running job with `reason`. */
  abortAll(reason: unknown): void {
    for (const job of this.running.values()) job.controller.abort(reason);
  }

  /** Settles when every job running now has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((job) => job.done));
  }

  private async fill(): Promise<void> {
    this.filling = true;
    try {
      do {
        this.again = false;
        const { options } = this;
        if (options.housekeeping && Date.now() - this.lastHousekeeping >= options.pollMs) {
          this.lastHousekeeping = Date.now();
          await options.housekeeping();
        }
        const free = options.concurrency - this.running.size;
        if (free <= 0 || this.stopped) break;
        const claimed = await options.claim(free);
        for (const job of claimed) this.launch(job);
        // A full batch may have left more due jobs behind.
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.filling = false;
    }
  }

  private launch(job: Job): void {
    const id = this.options.idOf(job);
    const controller = new AbortController();
    const done = this.options
      .run(job, controller.signal)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.running.delete(id);
        this.wake();
      });
    this.running.set(id, { controller, done });
  }
}

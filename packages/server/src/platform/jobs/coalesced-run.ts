/**
 * A reload that never runs twice at once and never misses a change: a call while a run is going asks for
 * one more run after it, and every caller gets the promise that settles once that covering run is done.
 * Used by the in-memory copies (model catalog, runtime config) that pub/sub and polling both refresh.
 * @example const reload = new CoalescedRun(() => this.load()); await reload.request();
 */
export class CoalescedRun {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly run: () => Promise<void>) {}

  /** Runs now, or once more after the run in progress; settles when a run that started after this call ends. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.run();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** The run in progress, if any (shutdown waits for it). */
  get inProgress(): Promise<void> | undefined {
    return this.running;
  }
}

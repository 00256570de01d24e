import { APIUserAbortError, WaitTimeoutError } from '../errors.js';
import { sleep } from './runtime.js';

/** How a `waitFor` helper polls. */
export interface WaitOptions {
  /** Milliseconds between two reads (default 1000). */
  pollInterval?: number;
  /** Milliseconds to wait in all before giving up with `WaitTimeoutError` (default 600000, 10 minutes). */
  timeout?: number;
  /** Stops waiting (rejects with `APIUserAbortError`). */
  signal?: AbortSignal;
}

/**
 * Calls `read` until `done` says the value is final, `pollInterval` apart, for at most `timeout`.
 * @example const task = await pollUntil(() => tasks.retrieve(id), (t) => t.status !== 'running', {}, 'task');
 */
export async function pollUntil<T>(
  read: (signal: AbortSignal | undefined) => Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions,
  what: string,
): Promise<T> {
  const interval = Math.max(0, options.pollInterval ?? 1000);
  const timeout = options.timeout ?? 600_000;
  const deadline = Date.now() + timeout;
  while (true) {
    const value = await read(options.signal);
    if (done(value)) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(`${what} did not finish within ${timeout} ms`, value);
    try {
      await sleep(Math.min(interval, left), options.signal);
    } catch (cause) {
      throw new APIUserAbortError({ cause, message: `Stopped waiting for ${what}` });
    }
  }
}

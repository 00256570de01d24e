import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Running the offline speech engines (espeak-ng, pocketsphinx, sox) as child processes: finding them on
 * the PATH once, feeding stdin, capping output, killing them on abort or timeout, and limiting how many
 * run at once (each pocketsphinx loads its acoustic model; a burst of requests must not fork without end).
 */

/** Whether `file` is an executable regular file. */
function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The first of `names` found on `searchPath` (a PATH-style list). An `override` containing a slash is
 * used as is (and only if it is executable); a bare name is looked up instead of `names`.
 * @example locateExecutable(['espeak-ng'], { searchPath: '/usr/bin:/bin' }) // '/usr/bin/espeak-ng'
 */
export function locateExecutable(
  names: readonly string[],
  options: { override?: string | undefined; searchPath: string },
): string | undefined {
  const override = options.override?.trim();
  if (override) {
    if (override.includes('/')) return isExecutable(override) ? path.resolve(override) : undefined;
    names = [override];
  }
  const dirs = options.searchPath.split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  for (const name of names)
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  return undefined;
}

/** An engine binary, looked up once (on first use) and remembered, found or not. */
export class Executable {
  private found: { path: string | undefined } | undefined;

  constructor(
    readonly names: readonly string[],
    private readonly options: { override?: string | undefined; searchPath: string },
  ) {}

  get path(): string | undefined {
    this.found ??= { path: locateExecutable(this.names, this.options) };
    return this.found.path;
  }
}

export type ProcessFailureKind = 'spawn' | 'timeout' | 'output_limit' | 'exit';

/** Why a child process did not finish well; `stderr` holds the end of what it wrote there. */
export class ProcessFailure extends Error {
  constructor(
    readonly kind: ProcessFailureKind,
    message: string,
    readonly stderr = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProcessFailure';
  }
}

export interface ProcessOptions {
  /** Written to the child's stdin, which is then closed (ignored when absent). */
  stdin?: Uint8Array | string;
  signal: AbortSignal;
  timeoutMs: number;
  /** The child is killed, and the run fails with `output_limit`, once stdout passes this. */
  maxStdoutBytes: number;
}

const STDERR_KEEP = 4096;

/**
 * Runs `file` with `args` (never through a shell) and answers its stdout. Rejects with the signal's
 * reason when aborted, or a ProcessFailure; in every case the child has been killed (SIGKILL).
 * @example const { stdout } = await runProcess('/usr/bin/espeak-ng', ['--stdout'], { stdin: 'hi', signal, timeoutMs: 10_000, maxStdoutBytes: 1e7 });
 */
export function runProcess(
  file: string,
  args: readonly string[],
  options: ProcessOptions,
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    options.signal.throwIfAborted();
    const child = spawn(file, args, {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { LC_ALL: 'C.UTF-8' },
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let settled = false;
    const finish = (error: unknown, value?: { stdout: Buffer; stderr: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (error === undefined) resolve(value!);
      else reject(error);
    };
    const onAbort = () => finish(options.signal.reason);
    options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(new ProcessFailure('timeout', `took longer than ${options.timeoutMs} ms`, stderr)),
      options.timeoutMs,
    );
    child.on('error', (error) =>
      finish(new ProcessFailure('spawn', `could not be started: ${error.message}`, stderr, { cause: error })),
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        finish(new ProcessFailure('output_limit', `wrote more than ${options.maxStdoutBytes} bytes`, stderr));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.on('close', (code, signal) => {
      if (code === 0) finish(undefined, { stdout: Buffer.concat(stdout), stderr });
      else
        finish(
          new ProcessFailure(
            'exit',
            `exited with ${code === null ? `signal ${signal}` : `code ${code}`}`,
            stderr,
          ),
        );
    });
    if (options.stdin !== undefined) {
      // A child that exits without reading all of stdin makes the write fail with EPIPE: its exit says why.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.stdin);
    }
  });
}

/** At most `limit` callers inside at once; the rest wait in order (and stop waiting when aborted). */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.enter(signal);
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private enter(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(admit);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(admit);
    });
  }

  /** Callers inside now, and waiting (for tests and metrics). */
  get counts(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}

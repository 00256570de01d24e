/**
 * Servers under benchmark run in child processes, one process each, so that the CPU time and memory of each
 * one (a gateway, the fake upstream) can be measured on its own. The child side calls `serveStats()`; the
 * parent side `forkServer()` and then `stats()` around each measured run.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

export interface ProcessStats {
  /** User + system CPU time of the whole process since it started, in microseconds. */
  cpuMicros: number;
  rss: number;
  /** Highest RSS sampled (every 50 ms) since the previous `stats({ reset: true })`. */
  peakRss: number;
}

/**
 * Child side: answers `{ type: 'stats' }` over IPC with CPU time and RSS, and `{ type: 'profile' }` by
 * starting (`file` absent) or stopping a V8 CPU profile written to `file` — so that a profile covers the
 * measured runs only, not start-up.
 */
export function serveStats(): void {
  let session: Session | undefined;
  process.on('message', async (message: { type?: string; file?: string }) => {
    if (message?.type !== 'profile') return;
    if (!message.file) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    } else if (session) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      await writeFile(message.file, JSON.stringify(profile));
    }
    process.send?.({ type: 'profile', file: message.file ?? null });
  });
  let peak = process.memoryUsage.rss();
  setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50).unref();
  process.on('message', (message: { type?: string; reset?: boolean }) => {
    if (message?.type !== 'stats') return;
    const rss = process.memoryUsage.rss();
    const cpu = process.cpuUsage();
    process.send?.({ type: 'stats', cpuMicros: cpu.user + cpu.system, rss, peakRss: Math.max(peak, rss) });
    if (message.reset) peak = rss;
  });
}

export interface ServerChild<Ready> {
  child: ChildProcess;
  ready: Ready;
  stats(options?: { reset?: boolean }): Promise<ProcessStats>;
  /** Starts a CPU profile in the child, or (with `file`) stops it and writes it there. */
  profile(file?: string): Promise<void>;
  /** Sends one IPC request to the child and waits for its answer: the next message of the same `type`. */
  ask<T>(message: { type: string; [key: string]: unknown }): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Forks `bench/<file>` (TypeScript through tsx) and waits for its first IPC message, which describes the
 * server (its port and the like). A child that exits first rejects with its exit code.
 */
export async function forkServer<Ready>(
  file: string,
  env: Record<string, string | undefined> = {},
  execArgv: string[] = [],
): Promise<ServerChild<Ready>> {
  const child = fork(path.join(import.meta.dirname, file), [], {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`${file} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as Ready);
    });
  });
  const ask = <T>(message: { type: string; [key: string]: unknown }) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type?: string }) => {
        if (m?.type !== message.type) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      if (!child.send(message)) {
        child.off('message', onMessage);
        reject(new Error(`${file} is gone`));
      }
    });
  return {
    child,
    ready,
    stats: (options = {}) => ask<ProcessStats>({ type: 'stats', reset: options.reset === true }),
    profile: (output) => ask<void>({ type: 'profile', ...(output ? { file: output } : {}) }),
    ask,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send('stop');
      }),
  };
}

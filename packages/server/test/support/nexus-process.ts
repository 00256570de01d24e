import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** A Nexus server running as its own operating-system process (`src/main.ts` through tsx). */
export interface NexusProcess {
  url: string;
  pid: number;
  /** What the process has written to stderr so far (its start-up banner and any error). */
  stderr(): string;
  /** Sends SIGTERM and waits for the exit code (graceful shutdown). */
  stop(): Promise<number | null>;
}

const MAIN = path.resolve(import.meta.dirname, '../../src/main.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `src/main.ts` in a child process with `env` on top of this process's environment (PORT 0 on
 * 127.0.0.1 unless given) and waits until it prints where it runs. The child is killed if it does not
 * start within `startTimeoutMs`.
 * @example const a = await startNexusProcess({ DATABASE_URL, REDIS_URL }); await fetch(`${a.url}/healthz`); await a.stop();
 */
export async function startNexusProcess(
  env: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<NexusProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + startTimeoutMs;
  let match = /Nexus is running at (\S+)/.exec(stderr);
  while (!match) {
    if (exitCode !== undefined) throw new Error(`nexus exited with ${exitCode} before starting:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nexus did not start within ${startTimeoutMs} ms:\n${stderr}`);
    }
    await sleep(50);
    match = /Nexus is running at (\S+)/.exec(stderr);
  }
  return {
    url: match[1]!,
    pid: child.pid!,
    stderr: () => stderr,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

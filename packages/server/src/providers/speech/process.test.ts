import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyGate, Executable, locateExecutable, ProcessFailure, runProcess } from './process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-process-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A shell script in the test folder, executable or not. */
function script(name: string, body: string, executable = true): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, executable ? 0o755 : 0o644);
  return file;
}

const signal = () => new AbortController().signal;
const options = { timeoutMs: 10_000, maxStdoutBytes: 1_000_000 };

describe('finding an engine binary', () => {
  const tool = script('nexus-fake-tool', 'echo tool');
  script('nexus-not-executable', 'echo no', false);
  const searchPath = ['relative/dir', '/nonexistent-dir', dir].join(path.delimiter);

  it.each<[string, readonly string[], string | undefined, string | undefined]>([
    ['the first name found on the PATH', ['nexus-missing', 'nexus-fake-tool'], undefined, tool],
    ['nothing when no name is found', ['nexus-missing'], undefined, undefined],
    ['nothing for a file that is not executable', ['nexus-not-executable'], undefined, undefined],
    ['an override path as is', ['nexus-missing'], tool, tool],
    [
      'nothing for an override path that does not exist (no PATH fallback)',
      ['nexus-fake-tool'],
      path.join(dir, 'gone'),
      undefined,
    ],
    ['an override bare name looked up on the PATH', ['nexus-missing'], 'nexus-fake-tool', tool],
    ['nothing for a folder', ['nexus-fake-tool'], dir, undefined],
  ])('finds %s', (_name, names, override, expected) => {
    expect(locateExecutable(names, { override, searchPath })).toBe(expected);
  });

  it('ignores relative PATH entries (a PATH with "." must not run a file from the working folder)', () => {
    expect(
      locateExecutable(['nexus-fake-tool'], { searchPath: path.relative(process.cwd(), dir) }),
    ).toBeUndefined();
  });

  it('looks once and remembers the answer', () => {
    const name = 'nexus-appears-later';
    const executable = new Executable([name], { searchPath: dir });
    expect(executable.path).toBeUndefined();
    script(name, 'true');
    expect(executable.path).toBeUndefined();
    expect(new Executable([name], { searchPath: dir }).path).toBe(path.join(dir, name));
  });
});

describe('running an engine', () => {
  it('feeds stdin and answers stdout', async () => {
    const cat = script('nexus-cat', 'cat');
    const { stdout } = await runProcess(cat, [], { ...options, stdin: 'héllo\nworld', signal: signal() });
    expect(stdout.toString('utf8')).toBe('héllo\nworld');
  });

  it('passes arguments as they are, never through a shell', async () => {
    const echo = script('nexus-echo-args', 'for a in "$@"; do echo "[$a]"; done');
    const { stdout } = await runProcess(echo, ['$(id)', '; rm -rf /', '--flag'], {
      ...options,
      signal: signal(),
    });
    expect(stdout.toString()).toBe('[$(id)]\n[; rm -rf /]\n[--flag]\n');
  });

  it('gives the child none of our environment (no secrets in engines)', async () => {
    const env = script('nexus-env', 'env');
    const { stdout } = await runProcess(env, [], { ...options, signal: signal() });
    expect(stdout.toString().trim().split('\n').sort()).toEqual([
      'LC_ALL=C.UTF-8',
      expect.stringMatching(/^PWD=/),
    ]);
  });

  it.each<[string, string, Partial<typeof options>, string, RegExp]>([
    ['a non-zero exit, with its stderr', 'echo "it broke" >&2; exit 3', {}, 'exit', /code 3/],
    ['too much output', 'yes nexus', { maxStdoutBytes: 10_000 }, 'output_limit', /more than 10000 bytes/],
    ['a timeout', 'sleep 30', { timeoutMs: 200 }, 'timeout', /longer than 200 ms/],
  ])('fails on %s', async (_name, body, extra, kind, message) => {
    const file = script(`nexus-fail-${kind}`, body);
    const failure = await runProcess(file, [], { ...options, ...extra, signal: signal() }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ProcessFailure);
    expect((failure as ProcessFailure).kind).toBe(kind);
    expect((failure as ProcessFailure).message).toMatch(message);
    if (kind === 'exit') expect((failure as ProcessFailure).stderr).toContain('it broke');
  });

  it('fails to start a file that is not there', async () => {
    const failure = await runProcess(path.join(dir, 'gone'), [], { ...options, signal: signal() }).catch(
      (e) => e,
    );
    expect((failure as ProcessFailure).kind).toBe('spawn');
  });

  it('kills the child when aborted and rejects with the reason', async () => {
    const pidFile = path.join(dir, 'pid');
    const file = script('nexus-sleeper', `echo $$ > ${pidFile}; exec sleep 30`);
    const controller = new AbortController();
    const running = runProcess(file, [], { ...options, signal: controller.signal });
    const { readFile } = await import('node:fs/promises');
    let pid: number | undefined;
    while (!pid) {
      await new Promise((r) => setTimeout(r, 20));
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined;
    }
    const reason = new Error('client gone');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    // The process is gone (signal 0 only checks existence); allow the kernel a moment to reap it.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});

describe('the concurrency gate', () => {
  it('lets `limit` callers in and the rest in order as places free up', async () => {
    const gate = new ConcurrencyGate(2);
    const order: string[] = [];
    const releases: Array<() => void> = [];
    const job = (name: string) =>
      gate.run(signal(), async () => {
        order.push(name);
        await new Promise<void>((resolve) => releases.push(resolve));
      });
    const jobs = ['a', 'b', 'c', 'd'].map(job);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a', 'b']);
    expect(gate.counts).toEqual({ active: 2, waiting: 2 });
    releases.shift()!();
    await jobs[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a', 'b', 'c']);
    while (releases.length > 0 || order.length < 4) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(jobs);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.counts).toEqual({ active: 0, waiting: 0 });
  });

  it('stops waiting when the waiter is aborted', async () => {
    const gate = new ConcurrencyGate(1);
    let release!: () => void;
    const first = gate.run(signal(), () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const second = gate.run(controller.signal, async () => 'ran');
    controller.abort(new Error('gave up'));
    await expect(second).rejects.toThrow('gave up');
    expect(gate.counts.waiting).toBe(0);
    release();
    await first;
    expect(await gate.run(signal(), async () => 'next')).toBe('next');
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../src/http/drain.js';
import { createTestApp } from '../support/app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful shutdown', () => {
  it('refuses new requests, lets in-flight ones finish, then closes resources and returns 0', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let arrived!: () => void;
    const inHandler = new Promise<void>((r) => {
      arrived = r;
    });
    const t = await createTestApp({
      register: (app) => {
        app.get('/v1/test/slow', async () => {
          arrived();
          await gate;
          return { finished: true };
        });
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

    const inFlight = fetch(`${base}/v1/test/slow`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    // Shut down only once the request is in flight (a first request can take a while to reach the handler).
    await inHandler;

    let closedResources = false;
    const deadlineWarnings: unknown[] = [];
    const logger = Object.assign(Object.create(t.container.logger), {
      warn: (...args: unknown[]) => deadlineWarnings.push(args),
    });
    const stopping = shutdown({
      app: t.app,
      drain: t.container.drain,
      timeoutMs: 10_000,
      logger,
      closeResources: async () => {
        closedResources = true;
        await t.close();
      },
    });
    await sleep(20);

    // New connections are refused: the server stopped listening.
    await expect(fetch(`${base}/healthz`, { headers: { connection: 'close' } })).rejects.toThrow();
    expect(closedResources).toBe(false);

    release();
    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    expect(await stopping).toBe(0);
    expect(closedResources).toBe(true);
    // Drained, not cut at the deadline: the in-flight request's keep-alive connection was closed once idle.
    expect(deadlineWarnings).toEqual([]);
  });

  it('while draining, requests that still reach the app are refused and probes keep answering', async () => {
    const t = await createTestApp();
    t.container.drain.start();
    const refused = await t.app.inject({ method: 'GET', url: '/v1/status' });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('shutting_down');
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['retry-after']).toBe('1');
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().failing).toEqual(['draining']);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await t.close();
  });

  it('cuts requests that outlive the deadline and still exits 0', async () => {
    const t = await createTestApp({
      register: (app) => {
        app.get('/v1/test/hang', () => new Promise(() => {}));
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const hanging = fetch(`${base}/v1/test/hang`).then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(50);
    const started = Date.now();
    const code = await shutdown({
      app: t.app,
      drain: t.container.drain,
      timeoutMs: 200,
      logger: t.container.logger,
      closeResources: () => t.close(),
    });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await hanging).toBe('cut');
    expect(t.logs.lines.some((l) => l.msg === 'drain deadline passed; closing remaining connections')).toBe(
      true,
    );
  });
});

describe('the real process', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on embedded defaults, prints how to log in, and exits 0 on SIGTERM', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-proc-'));
    const main = path.resolve(import.meta.dirname, '../../src/main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NEXUS_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        NEXUS_ADMIN_PASSWORD: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/Nexus is running at (\S+)/.test(stderr)) {
      if (Date.now() > deadline) throw new Error(`server did not start:\n${stderr}\n${stdout}`);
      await sleep(100);
    }
    const url = /Nexus is running at (\S+)/.exec(stderr)![1]!;
    expect(stderr).toContain(`API docs:           ${url}/docs`);
    expect(stderr).toMatch(/First admin:\s+admin@nexus\.local/);
    const password = /Generated password: (\S+)/.exec(stderr)?.[1];
    expect(password?.length).toBeGreaterThanOrEqual(20);
    // The generated password goes to the terminal once, never into the JSON logs.
    expect(stdout).not.toContain(password);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('shutdown complete');
  });

  it('exits 1 naming the variable when the configuration is bad', async () => {
    const main = path.resolve(import.meta.dirname, '../../src/main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain('PORT:');
    expect(stderr).toContain('"eighty"');
  });
});

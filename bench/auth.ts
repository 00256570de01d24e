/**
 * `npm run bench -- auth`: what authentication adds to a request, and how many logins a core can do.
 *
 * 1. The same probe route called anonymously, with an access JWT and with an API key, in alternating rounds
 *    at 1 connection (latency = service time) and at 50 connections (throughput). Reported: p50/p95 and the
 *    p50 added over the anonymous call (median of the per-round differences).
 * 2. Logins per second over HTTP with one connection (argon2id-bound, one core), beside the raw argon2id
 *    verify rate measured in this process.
 * 3. Failed logins: a wrong password for a registered email beside an unknown email, p50/p95 and their
 *    ratio (they must match, or login timing would reveal who is registered).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import { load, medianOf, percentile } from './load.js';

export interface AuthBenchOptions {
  durationSeconds: number;
  rounds: number;
  loginSeconds: number;
}

type Variant = 'anonymous' | 'JWT' | 'API key';

export async function runAuthBench(options: AuthBenchOptions): Promise<void> {
  const child = fork(path.join(import.meta.dirname, 'auth-servers.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: process.env,
  });
  const server = await new Promise<{
    port: number;
    accessToken: string;
    apiKey: string;
    email: string;
    password: string;
    database: string;
    cache: string;
  }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${server.port}/bench/whoami`;
  const headers: Record<Variant, Record<string, string>> = {
    anonymous: {},
    JWT: { authorization: `Bearer ${server.accessToken}` },
    'API key': { authorization: `Bearer ${server.apiKey}` },
  };
  const variants: Variant[] = ['anonymous', 'JWT', 'API key'];

  const rows: {
    connections: number;
    variant: Variant;
    rps: number;
    p50: number;
    p95: number;
    addedP50: number;
    non2xx: number;
  }[] = [];
  let login: { rps: number; p50: number; non2xx: number } | undefined;
  let failedLogins: FailedLoginTiming | undefined;
  try {
    for (const connections of [1, 50]) {
      const runs = new Map<Variant, { rps: number; p50: number; p95: number; non2xx: number }[]>(
        variants.map((v) => [v, []]),
      );
      for (const variant of variants)
        await load({ url, connections, durationSeconds: 1, headers: headers[variant] });
      for (let round = 0; round < options.rounds; round++) {
        for (const variant of variants) {
          const run = await load({
            url,
            connections,
            durationSeconds: options.durationSeconds,
            headers: headers[variant],
          });
          runs.get(variant)!.push({
            rps: run.rps,
            p50: percentile(run.latencies, 50),
            p95: percentile(run.latencies, 95),
            non2xx: run.non2xx,
          });
        }
      }
      const base = runs.get('anonymous')!;
      for (const variant of variants) {
        const r = runs.get(variant)!;
        rows.push({
          connections,
          variant,
          rps: medianOf(r.map((x) => x.rps)),
          p50: medianOf(r.map((x) => x.p50)),
          p95: medianOf(r.map((x) => x.p95)),
          addedP50: medianOf(r.map((x, i) => x.p50 - base[i]!.p50)),
          non2xx: r.reduce((n, x) => n + x.non2xx, 0),
        });
      }
    }
    const loginRun = await load({
      url: `http://127.0.0.1:${server.port}/v1/auth/login`,
      connections: 1,
      durationSeconds: options.loginSeconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: server.email, password: server.password }),
    });
    login = { rps: loginRun.rps, p50: percentile(loginRun.latencies, 50), non2xx: loginRun.non2xx };
    failedLogins = await timeFailedLogins(`http://127.0.0.1:${server.port}/v1/auth/login`, server.email, 60);
  } finally {
    child.send('stop');
  }

  // The raw argon2id rate with the same parameters (one core), for comparison with logins/s.
  const stored = await hash('bench password long enough', {
    algorithm: 2,
    memoryCost: 19_456,
    timeCost: 2,
    parallelism: 1,
  });
  const started = performance.now();
  let verifies = 0;
  while (performance.now() - started < 3_000) {
    await verify(stored, 'bench password long enough');
    verifies++;
  }
  const verifyRate = verifies / ((performance.now() - started) / 1000);

  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    `\nAuth benchmark: /bench/whoami (authenticate, nothing else), ${options.durationSeconds}s runs, median of ${options.rounds} alternating rounds, database ${server.database}, cache ${server.cache}, node ${process.version}\n`,
  );
  console.log(
    '| connections | credentials | req/s | p50 ms | p95 ms | p50 added vs anonymous (ms) | non-2xx |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.connections} | ${r.variant} | ${fmt(r.rps)} | ${fmt(r.p50, 3)} | ${fmt(r.p95, 3)} | ${r.variant === 'anonymous' ? '—' : fmt(r.addedP50, 3)} | ${r.non2xx} |`,
    );
  }
  console.log('\n| login path | per second (1 connection, 1 core) | p50 ms | non-2xx |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| POST /v1/auth/login over HTTP | ${fmt(login!.rps, 1)} | ${fmt(login!.p50, 1)} | ${login!.non2xx} |`,
  );
  console.log(
    `| raw argon2id verify (same parameters) | ${fmt(verifyRate, 1)} | ${fmt(1000 / verifyRate, 1)} | — |`,
  );
  const f = failedLogins!;
  console.log(
    `\n| failed login (${f.samples} each, alternating) | p50 ms | p95 ms | answers other than 401 |`,
  );
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| wrong password for a registered email | ${fmt(f.wrongPassword.p50, 1)} | ${fmt(f.wrongPassword.p95, 1)} | ${f.wrongPassword.not401} |`,
  );
  console.log(
    `| unknown email | ${fmt(f.unknownEmail.p50, 1)} | ${fmt(f.unknownEmail.p95, 1)} | ${f.unknownEmail.not401} |`,
  );
  console.log(`| ratio unknown / wrong (p50) | ${fmt(f.unknownEmail.p50 / f.wrongPassword.p50, 2)} | | |`);
  console.log(
    `\n${JSON.stringify({ bench: 'auth', options, database: server.database, cache: server.cache, rows, login, failedLogins, argon2_verify_per_s: verifyRate })}`,
  );
}

interface FailedLoginTiming {
  samples: number;
  wrongPassword: { p50: number; p95: number; not401: number };
  unknownEmail: { p50: number; p95: number; not401: number };
}

/**
 * A wrong password and an unknown email must take the same time (the unknown email still pays one
 * argon2id verify against a dummy hash), or login would reveal who is registered. Sequential requests,
 * alternating, so both see the same machine state.
 */
async function timeFailedLogins(url: string, email: string, samples: number): Promise<FailedLoginTiming> {
  const attempt = async (body: object) => {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return { ms: performance.now() - started, status: response.status };
  };
  const wrong: { ms: number; status: number }[] = [];
  const unknown: { ms: number; status: number }[] = [];
  for (let i = 0; i < samples; i++) {
    wrong.push(await attempt({ email, password: `wrong password ${i}` }));
    unknown.push(
      await attempt({ email: `nobody-${i}-${Date.now()}@example.com`, password: 'wrong password' }),
    );
  }
  const summary = (xs: { ms: number; status: number }[]) => {
    const sorted = xs.map((x) => x.ms).sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      not401: xs.filter((x) => x.status !== 401).length,
    };
  };
  return { samples, wrongPassword: summary(wrong), unknownEmail: summary(unknown) };
}

/**
 * `npm run bench -- ops`: what quotas, rate limits and metrics add to a request, and the quota race.
 *
 * Two Nexus child processes on the same stack (embedded defaults, or PostgreSQL/Redis through
 * BENCH_DATABASE_URL/BENCH_REDIS_URL): one with `QUOTAS_ENABLED`, `RATE_LIMIT_ENABLED` and
 * `METRICS_ENABLED` on, one with all three off. The `local` model answers at once, so the numbers are the
 * platform's.
 *
 * - Latency, one request at a time, in turns (request by request, rotating who goes first, so both see
 *   the same machine state): `POST /v1/chat/completions` (quota reserve + settle, rate limit, HTTP and
 *   LLM metrics) and `GET /v1/models` (rate limit and HTTP metrics only). The overhead: the difference of
 *   the medians, and the median of the paired differences (each call against the one beside it).
 * - Throughput: autocannon at `--connections` for `--duration` seconds on chat completions, on and off.
 * - The quota race: a fresh user on a plan allowing `--budget` requests a day sends `--race` requests at
 *   once; exactly the budget must get through, the rest 429 `quota_exceeded`.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { forkServer, type ServerChild } from './child.js';
import { load, percentile } from './load.js';

export interface OpsBenchOptions {
  requests: number;
  warmup: number;
  connections: number;
  durationSeconds: number;
  budget: number;
  race: number;
  /** Turn on only these of `quotas`, `ratelimit`, `metrics` in the measured server (to attribute the cost). */
  only: string[];
  /** Write a V8 CPU profile of each server's load run here (`ops-on.cpuprofile`, `ops-off.cpuprofile`). */
  cpuProfDir?: string;
}

export function opsBenchOptions(values: Record<string, string | boolean | undefined>): OpsBenchOptions {
  const num = (name: string, fallback: number) =>
    values[name] === undefined ? fallback : Number(values[name]);
  return {
    requests: num('requests', 2_000),
    warmup: num('warmup', 200),
    connections: num('connections', 32),
    durationSeconds: num('duration', 10),
    budget: num('budget', 10),
    race: num('race', 50),
    only: typeof values.only === 'string' ? values.only.split(',') : ['quotas', 'ratelimit', 'metrics'],
    ...(typeof values['cpu-prof-dir'] === 'string' ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
  };
}

interface Ready {
  port: number;
  apiKey: string;
  database: string;
  cache: string;
}

const CHAT = JSON.stringify({
  model: 'local',
  messages: [{ role: 'user', content: 'Which animal barks?' }],
  max_tokens: 8,
});

// The limits are checked on every request but set far above what the load run sends, so no request is
// refused: the run measures the cost of the checks, not of 429s.
const OPS_ON = {
  QUOTAS_ENABLED: 'true',
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_IP_PER_MINUTE: '100000000',
  RATE_LIMIT_USER_PER_MINUTE: '100000000',
  RATE_LIMIT_KEY_PER_MINUTE: '100000000',
  METRICS_ENABLED: 'true',
};
const OPS_OFF = { QUOTAS_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false', METRICS_ENABLED: 'false' };

const prefixed = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([name, value]) => [`BENCH_NEXUS_${name}`, value]));

type Call = () => Promise<void>;

interface LatencyRow {
  route: string;
  onP50: number;
  offP50: number;
  onP95: number;
  offP95: number;
  addedP50: number;
  pairedMedian: number;
}

function caller(server: ServerChild<Ready>, route: 'chat' | 'models', apiKey = server.ready.apiKey): Call {
  const base = `http://127.0.0.1:${server.ready.port}`;
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return async () => {
    const response =
      route === 'chat'
        ? await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: CHAT })
        : await fetch(`${base}/v1/models`, { headers });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${route}: HTTP ${response.status} ${text}`);
  };
}

async function timed(call: Call): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const fmt = (n: number, digits = 3) => n.toFixed(digits);

export async function runOpsBench(options: OpsBenchOptions): Promise<void> {
  const pick = (feature: string, setting: string) =>
    options.only.includes(feature) ? {} : { [setting]: 'false' };
  const on = await forkServer<Ready>(
    'ops-nexus-server.ts',
    prefixed({
      ...OPS_ON,
      ...pick('quotas', 'QUOTAS_ENABLED'),
      ...pick('ratelimit', 'RATE_LIMIT_ENABLED'),
      ...pick('metrics', 'METRICS_ENABLED'),
    }),
  );
  const off = await forkServer<Ready>('ops-nexus-server.ts', prefixed(OPS_OFF));
  try {
    const stack = `${on.ready.database} + ${on.ready.cache} cache`;
    const latencyRows: LatencyRow[] = [];
    for (const route of ['chat', 'models'] as const) {
      const calls: [string, Call][] = [
        ['on', caller(on, route)],
        ['off', caller(off, route)],
      ];
      for (const [, call] of calls) for (let i = 0; i < options.warmup; i++) await call();
      const samples: Record<string, number[]> = { on: [], off: [] };
      for (let i = 0; i < options.requests; i++) {
        const order = i % 2 === 0 ? calls : [...calls].reverse();
        for (const [name, call] of order) samples[name]!.push(await timed(call));
      }
      const paired = sorted(samples.on!.map((ms, i) => ms - samples.off![i]!));
      const onSorted = sorted(samples.on!);
      const offSorted = sorted(samples.off!);
      latencyRows.push({
        route: route === 'chat' ? 'POST /v1/chat/completions' : 'GET /v1/models',
        onP50: percentile(onSorted, 50),
        offP50: percentile(offSorted, 50),
        onP95: percentile(onSorted, 95),
        offP95: percentile(offSorted, 95),
        addedP50: percentile(onSorted, 50) - percentile(offSorted, 50),
        pairedMedian: percentile(paired, 50),
      });
    }
    console.log(
      `\n### ${options.only.join(' + ')} overhead, one request at a time (${options.requests} each, ${stack}, local model)\n`,
    );
    console.log(
      '| route | with ops p50 ms | without p50 ms | with p95 ms | without p95 ms | added p50 ms | paired median ms | ratio p50 |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of latencyRows)
      console.log(
        `| ${r.route} | ${fmt(r.onP50)} | ${fmt(r.offP50)} | ${fmt(r.onP95)} | ${fmt(r.offP95)} | ${fmt(r.addedP50)} | ${fmt(r.pairedMedian)} | ${fmt(r.onP50 / r.offP50, 2)}× |`,
      );

    const throughput: Record<string, { rps: number; p50: number; p99: number; non2xx: number }> = {};
    for (const [name, server] of [
      ['on', on],
      ['off', off],
    ] as const) {
      if (options.cpuProfDir) await server.profile();
      const result = await load({
        url: `http://127.0.0.1:${server.ready.port}/v1/chat/completions`,
        connections: options.connections,
        durationSeconds: options.durationSeconds,
        method: 'POST',
        headers: { authorization: `Bearer ${server.ready.apiKey}`, 'content-type': 'application/json' },
        body: CHAT,
      });
      if (options.cpuProfDir) await server.profile(path.join(options.cpuProfDir, `ops-${name}.cpuprofile`));
      throughput[name] = {
        rps: result.rps,
        p50: percentile(result.latencies, 50),
        p99: percentile(result.latencies, 99),
        non2xx: result.non2xx + result.errors,
      };
    }
    console.log(
      `\n### chat completions under load (autocannon, ${options.connections} connections, ${options.durationSeconds} s each)\n`,
    );
    console.log('| server | req/s | p50 ms | p99 ms | non-2xx |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [name, t] of Object.entries(throughput))
      console.log(
        `| ${name === 'on' ? 'quotas + rate limits + metrics' : 'all three off'} | ${fmt(t.rps, 0)} | ${t.p50} | ${t.p99} | ${t.non2xx} |`,
      );
    console.log(`\nthroughput ratio (with / without): ${fmt(throughput.on!.rps / throughput.off!.rps, 3)}`);
    if (throughput.on!.non2xx + throughput.off!.non2xx > 0)
      console.log('\nWARNING: some load-run requests failed; the throughput rows are not comparable.');

    const { apiKey } = await on.ask<{ apiKey: string }>({ type: 'race-user', requests: options.budget });
    const race = caller(on, 'chat', apiKey);
    const outcomes = await Promise.all(
      Array.from({ length: options.race }, () =>
        race().then(
          () => 'ok',
          (error: Error) =>
            /HTTP 429 .*quota_exceeded/.test(error.message) ? 'quota_exceeded' : error.message,
        ),
      ),
    );
    const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
    const others = outcomes.filter((o) => o !== 'ok' && o !== 'quota_exceeded');
    console.log(
      `\n### quota race: ${options.race} requests at once on a budget of ${options.budget} (${stack})\n`,
    );
    console.log('| budget | sent | 200 | 429 quota_exceeded | other | exactly the budget |');
    console.log('| ---: | ---: | ---: | ---: | ---: | --- |');
    console.log(
      `| ${options.budget} | ${options.race} | ${count('ok')} | ${count('quota_exceeded')} | ${others.length} | ${count('ok') === options.budget ? 'yes' : 'NO'} |`,
    );
    if (others.length > 0) console.log(`\nother outcomes: ${[...new Set(others)].join('; ')}`);
    console.log(
      JSON.stringify({
        bench: 'ops',
        stack,
        latency: latencyRows,
        throughput,
        race: {
          budget: options.budget,
          sent: options.race,
          ok: count('ok'),
          quotaExceeded: count('quota_exceeded'),
          other: others.length,
        },
      }),
    );
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}

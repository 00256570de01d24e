/**
 * `npm run bench -- http`: autocannon against /healthz and a database-backed read (/v1/status) on the
 * Nexus stack, each beside the same route on bare Fastify in the same run, and prints req/s and
 * p50/p95/p99 with the ratios. Set BENCH_DATABASE_URL (and BENCH_REDIS_URL) to measure on PostgreSQL/Redis.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { load, percentile } from './load.js';

export interface HttpBenchOptions {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  routes: string[];
  /** Alternating rounds per target; the median round is reported (single runs on 2 cores are noisy). */
  rounds: number;
}

interface Measurement {
  route: string;
  target: 'nexus' | 'bare fastify';
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function median(runs: Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(
  route: string,
  target: Measurement['target'],
  port: number,
  options: HttpBenchOptions,
): Promise<Measurement> {
  const url = `http://127.0.0.1:${port}${route}`;
  if (options.warmupSeconds > 0)
    await load({ url, connections: options.connections, durationSeconds: options.warmupSeconds });
  const run = await load({ url, connections: options.connections, durationSeconds: options.durationSeconds });
  return {
    route,
    target,
    requests: run.requests,
    rps: run.rps,
    p50: percentile(run.latencies, 50),
    p95: percentile(run.latencies, 95),
    p99: percentile(run.latencies, 99),
    errors: run.errors,
    non2xx: run.non2xx,
  };
}

export async function runHttpBench(options: HttpBenchOptions): Promise<void> {
  const child = fork(path.join(import.meta.dirname, 'http-servers.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: process.env,
  });
  const ports = await new Promise<{ nexus: number; bare: number; database: string; cache: string }>(
    (resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
    },
  );

  const rows: Measurement[] = [];
  /** Per route: the median over rounds of (nexus req/s ÷ bare req/s) measured back to back, which cancels
   * the slow drift of a shared 2-core machine better than a ratio of medians. */
  const pairedRatio = new Map<string, number>();
  try {
    for (const route of options.routes) {
      const runs: Record<Measurement['target'], Measurement[]> = { 'bare fastify': [], nexus: [] };
      const ratios: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        const bare = await measure(route, 'bare fastify', ports.bare, options);
        const nexus = await measure(route, 'nexus', ports.nexus, options);
        runs['bare fastify'].push(bare);
        runs.nexus.push(nexus);
        ratios.push(nexus.rps / bare.rps);
      }
      rows.push(median(runs['bare fastify']), median(runs.nexus));
      ratios.sort((x, y) => x - y);
      pairedRatio.set(route, ratios[Math.floor(ratios.length / 2)]!);
    }
  } finally {
    child.send('stop');
  }

  const fmt = (n: number, digits = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log(
    `\nHTTP benchmark: ${options.connections} connections, ${options.durationSeconds}s per run (+${options.warmupSeconds}s warm-up), median of ${options.rounds} alternating rounds, database ${ports.database}, cache ${ports.cache}, node ${process.version}\n`,
  );
  console.log(
    '| route | target | req/s | p50 ms | p95 ms | p99 ms | errors | non-2xx | throughput vs bare (paired median) | p95 vs bare |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const base = rows.find((r) => r.route === row.route && r.target === 'bare fastify')!;
    const paired = pairedRatio.get(row.route)!;
    const ratio =
      row.target === 'nexus' ? `${fmt(paired * 100, 1)}% (cost ${fmt((1 - paired) * 100, 1)}%)` : '100%';
    const p95Ratio = row.target === 'nexus' ? `${fmt(row.p95 / Math.max(base.p95, 0.001), 2)}×` : '1×';
    console.log(
      `| ${row.route} | ${row.target} | ${fmt(row.rps)} | ${fmt(row.p50, 1)} | ${fmt(row.p95, 1)} | ${fmt(row.p99, 1)} | ${row.errors} | ${row.non2xx} | ${ratio} | ${p95Ratio} |`,
    );
  }
  console.log(
    `\n${JSON.stringify({ bench: 'http', options, database: ports.database, cache: ports.cache, rows, paired_throughput_ratio: Object.fromEntries(pairedRatio) })}`,
  );
}

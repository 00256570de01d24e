/**
 * `npm run bench -- gateway`: what an LLM gateway adds to a chat completion. The same load, in one run,
 * against (a) the fake upstream directly, (b) through Nexus (the real app: API-key auth, validation,
 * routing, metering) and (c) through the Portkey open-source gateway, each server in its own process.
 *
 * Two phases, each with streaming and non-streaming requests at each concurrency, in alternating rounds:
 * - latency: the fake upstream answers `tokens` tokens at `tokenRate` tokens/s, the pace of a real model
 *   (default 25 tokens at 50/s: half a second an answer). What a gateway adds to the time to first token and
 *   to the total time (p50/p99, the median of the per-round differences to the direct call) is measured
 *   here, where the latency comes from the upstream, as in production.
 * - throughput: the upstream answers `saturationTokens` at `saturationTokenRate` (default 20 at 5,000/s),
 *   so fast that the gateway's own CPU is the limit: the maximum req/s of each gateway.
 * Every row also has the gateway process's CPU (% of one core, and ms per request) and peak RSS.
 *
 * Targets: added p50 ≤ 1 ms and p99 ≤ 5 ms at 100 concurrent streams (latency phase); Nexus's maximum
 * non-streaming req/s at least twice Portkey's (throughput phase). All processes — load client included —
 * share the machine's cores: at high concurrency the figures are CPU-bound, which the CPU columns show.
 */
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { forkServer, type ProcessStats, type ServerChild } from './child.js';
import { medianOf, percentile } from './load.js';
import { streamLoad } from './stream-load.js';

export interface GatewayBenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  concurrency: number[];
  /** Latency phase: tokens per answer and the upstream's pace (tokens/s). */
  tokens: number;
  tokenRate: number;
  /** Throughput phase: the same, fast enough that the gateways are the bottleneck. */
  saturationTokens: number;
  saturationTokenRate: number;
  /** Concurrency levels of the throughput phase (those of `concurrency` from 100 up by default). */
  saturationConcurrency: number[];
  /** When set, the Nexus process writes a V8 CPU profile of each measured run into this directory. */
  cpuProfDir?: string;
}

type Target = 'direct' | 'nexus' | 'portkey';
type Mode = 'streaming' | 'non-streaming';
type Phase = 'latency' | 'throughput';

/** The fake upstream's profile for each phase, picked by the model name. */
const MODELS: Record<Phase, string> = { latency: 'gpt-bench', throughput: 'gpt-bench-fast' };

interface Run {
  rps: number;
  requests: number;
  errors: number;
  ttftP50: number;
  ttftP99: number;
  totalP50: number;
  totalP99: number;
  /** The gateway process (the upstream's for `direct`), in % of one core. */
  cpuPercent: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  upstreamCpuPercent: number;
  clientCpuPercent: number;
}

interface Row extends Run {
  phase: Phase;
  mode: Mode;
  concurrency: number;
  target: Target;
  addedTtftP50: number;
  addedTtftP99: number;
  addedTotalP50: number;
  addedTotalP99: number;
  errorSamples: string[];
}

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  process: ServerChild<unknown>;
  /** Profiled with `cpuProfDir` (Nexus). */
  profiled?: boolean;
}

const UPSTREAM_KEY = 'sk-bench-upstream';

export async function runGatewayBench(options: GatewayBenchOptions): Promise<void> {
  const children: ServerChild<unknown>[] = [];
  try {
    const upstream = await forkServer<{ port: number }>('fake-upstream-server.ts', {
      BENCH_TOKENS: String(options.tokens),
      BENCH_TOKEN_RATE: String(options.tokenRate),
      BENCH_FAST_MODEL: MODELS.throughput,
      BENCH_FAST_TOKENS: String(options.saturationTokens),
      BENCH_FAST_TOKEN_RATE: String(options.saturationTokenRate),
    });
    children.push(upstream);
    const upstreamUrl = `http://127.0.0.1:${upstream.ready.port}/v1`;
    const nexus = await forkServer<{ port: number; apiKey: string; database: string; cache: string }>(
      'gateway-nexus-server.ts',
      { BENCH_UPSTREAM_URL: upstreamUrl },
    );
    children.push(nexus);

    const endpoints = new Map<Target, Endpoint>([
      [
        'direct',
        {
          url: `${upstreamUrl}/chat/completions`,
          headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
          process: upstream,
        },
      ],
      [
        'nexus',
        {
          url: `http://127.0.0.1:${nexus.ready.port}/v1/chat/completions`,
          headers: { authorization: `Bearer ${nexus.ready.apiKey}` },
          process: nexus,
          profiled: true,
        },
      ],
    ]);
    let portkeyProblem: string | undefined;
    try {
      const portkey = await forkServer<{ port: number }>('gateway-portkey-server.ts');
      children.push(portkey);
      endpoints.set('portkey', {
        url: `http://127.0.0.1:${portkey.ready.port}/v1/chat/completions`,
        headers: {
          authorization: `Bearer ${UPSTREAM_KEY}`,
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': upstreamUrl,
        },
        process: portkey,
      });
    } catch (error) {
      portkeyProblem = `Portkey did not start: ${(error as Error).message}`;
    }

    // One request of each kind through every target first: a target that cannot answer is left out.
    for (const [target, endpoint] of endpoints) {
      for (const stream of [true, false]) {
        const check = await streamLoad({
          ...request(endpoint, stream, 'latency', options),
          concurrency: 1,
          durationSeconds: 0,
        });
        if (check.errors > 0 || check.requests !== 1) {
          const why = `${target} failed a ${stream ? 'streaming' : 'non-streaming'} request: ${check.errorSamples[0]}`;
          if (target !== 'portkey') throw new Error(why);
          portkeyProblem = why;
          endpoints.delete(target);
          break;
        }
      }
    }
    const targets = [...endpoints.keys()];

    const rows: Row[] = [];
    const phases: [Phase, Mode, number][] = [];
    for (const mode of ['streaming', 'non-streaming'] as Mode[])
      for (const c of options.concurrency) phases.push(['latency', mode, c]);
    for (const mode of ['streaming', 'non-streaming'] as Mode[])
      for (const c of options.saturationConcurrency) phases.push(['throughput', mode, c]);
    for (const [phase, mode, concurrency] of phases) {
      const runs = new Map<Target, (Run & { errorSamples: string[] })[]>(targets.map((t) => [t, []]));
      for (let round = 0; round < options.rounds; round++) {
        // Alternate the order so that no target always runs on a warmer or cooler machine.
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const target of order) {
          const run = await measure(endpoints.get(target)!, upstream, phase, mode, concurrency, options);
          runs.get(target)!.push(run);
          console.error(
            `gateway bench: ${phase} ${mode} c=${concurrency} ${target} round ${round + 1}/${options.rounds}: ${run.rps.toFixed(0)} req/s, total p50 ${run.totalP50.toFixed(2)} ms, ${run.errors} errors`,
          );
        }
      }
      const direct = runs.get('direct')!;
      for (const target of targets) {
        const r = runs.get(target)!;
        const m = (f: (x: Run) => number) => medianOf(r.map(f));
        const added = (f: (x: Run) => number) => medianOf(r.map((x, i) => f(x) - f(direct[i]!)));
        rows.push({
          phase,
          mode,
          concurrency,
          target,
          rps: m((x) => x.rps),
          requests: r.reduce((n, x) => n + x.requests, 0),
          errors: r.reduce((n, x) => n + x.errors, 0),
          errorSamples: [...new Set(r.flatMap((x) => x.errorSamples))].slice(0, 3),
          ttftP50: m((x) => x.ttftP50),
          ttftP99: m((x) => x.ttftP99),
          totalP50: m((x) => x.totalP50),
          totalP99: m((x) => x.totalP99),
          addedTtftP50: added((x) => x.ttftP50),
          addedTtftP99: added((x) => x.ttftP99),
          addedTotalP50: added((x) => x.totalP50),
          addedTotalP99: added((x) => x.totalP99),
          cpuPercent: m((x) => x.cpuPercent),
          cpuMsPerRequest: m((x) => x.cpuMsPerRequest),
          peakRssMb: Math.max(...r.map((x) => x.peakRssMb)),
          upstreamCpuPercent: m((x) => x.upstreamCpuPercent),
          clientCpuPercent: m((x) => x.clientCpuPercent),
        });
      }
    }
    report(rows, options, { database: nexus.ready.database, cache: nexus.ready.cache, portkeyProblem });
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

function request(endpoint: Endpoint, stream: boolean, phase: Phase, options: GatewayBenchOptions) {
  return {
    url: endpoint.url,
    headers: endpoint.headers,
    stream,
    expectTokens: phase === 'latency' ? options.tokens : options.saturationTokens,
    body: JSON.stringify({
      model: MODELS[phase],
      messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
      stream,
    }),
  };
}

async function measure(
  endpoint: Endpoint,
  upstream: ServerChild<unknown>,
  phase: Phase,
  mode: Mode,
  concurrency: number,
  options: GatewayBenchOptions,
): Promise<Run & { errorSamples: string[] }> {
  // The measured run reuses the warm-up's connections: connecting is not what is measured.
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const load = { ...request(endpoint, mode === 'streaming', phase, options), concurrency, agent };
  if (options.warmupSeconds > 0) await streamLoad({ ...load, durationSeconds: options.warmupSeconds });
  const gatewayBefore = await endpoint.process.stats({ reset: true });
  const upstreamBefore = endpoint.process === upstream ? gatewayBefore : await upstream.stats();
  const profiled = options.cpuProfDir !== undefined && endpoint.profiled === true;
  if (profiled) await endpoint.process.profile();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const run = await streamLoad({ ...load, durationSeconds: options.durationSeconds });
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const gatewayAfter = await endpoint.process.stats();
  const upstreamAfter = endpoint.process === upstream ? gatewayAfter : await upstream.stats();
  if (profiled) {
    await mkdir(options.cpuProfDir!, { recursive: true });
    await endpoint.process.profile(
      path.join(options.cpuProfDir!, `nexus-${phase}-${mode}-c${concurrency}.cpuprofile`),
    );
  }
  const cpuMs = (before: ProcessStats, after: ProcessStats) => (after.cpuMicros - before.cpuMicros) / 1000;
  const gatewayCpuMs = cpuMs(gatewayBefore, gatewayAfter);
  return {
    rps: run.rps,
    requests: run.requests,
    errors: run.errors,
    errorSamples: run.errorSamples,
    ttftP50: percentile(run.ttft, 50),
    ttftP99: percentile(run.ttft, 99),
    totalP50: percentile(run.total, 50),
    totalP99: percentile(run.total, 99),
    cpuPercent: gatewayCpuMs / seconds / 10,
    cpuMsPerRequest: gatewayCpuMs / Math.max(1, run.requests + run.errors),
    peakRssMb: gatewayAfter.peakRss / 1024 / 1024,
    upstreamCpuPercent: cpuMs(upstreamBefore, upstreamAfter) / seconds / 10,
    clientCpuPercent: (client.user + client.system) / 1000 / seconds / 10,
  };
}

function report(
  rows: Row[],
  options: GatewayBenchOptions,
  context: { database: string; cache: string; portkeyProblem: string | undefined },
): void {
  const fmt = (n: number, digits = 0) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : '—';
  const pair = (a: number, b: number, digits = 2) => `${fmt(a, digits)} / ${fmt(b, digits)}`;
  console.log(
    `\nGateway benchmark: fake upstream ${options.tokens} tokens at ${options.tokenRate} tokens/s (latency phase) and ${options.saturationTokens} tokens at ${options.saturationTokenRate} tokens/s (throughput phase), ${options.durationSeconds}s runs (+${options.warmupSeconds}s warm-up), median of ${options.rounds} alternating round(s), Nexus on database ${context.database}, cache ${context.cache}; node ${process.version}. Every process (load client, upstream, gateways) shares the machine's cores.`,
  );
  if (context.portkeyProblem) console.log(`\nPortkey left out: ${context.portkeyProblem}`);
  for (const [phase, mode] of (['latency', 'throughput'] as Phase[]).flatMap((p) =>
    (['streaming', 'non-streaming'] as Mode[]).map((m) => [p, m] as const),
  )) {
    if (!rows.some((x) => x.phase === phase && x.mode === mode)) continue;
    const streaming = mode === 'streaming';
    console.log(`\n### ${phase} phase, ${mode}\n`);
    console.log(
      `| concurrency | target | req/s |${streaming ? ' TTFT p50 / p99 ms | added TTFT p50 / p99 ms |' : ''} total p50 / p99 ms | added total p50 / p99 ms | process CPU % of a core | CPU ms / request | peak RSS MB | upstream CPU % | errors |`,
    );
    console.log(
      `| ---: | --- | ---: |${streaming ? ' ---: | ---: |' : ''} ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    );
    for (const r of rows.filter((x) => x.phase === phase && x.mode === mode)) {
      const direct = r.target === 'direct';
      console.log(
        `| ${r.concurrency} | ${direct ? 'direct (upstream process)' : r.target} | ${fmt(r.rps)} |${
          streaming
            ? ` ${pair(r.ttftP50, r.ttftP99)} | ${direct ? '—' : pair(r.addedTtftP50, r.addedTtftP99)} |`
            : ''
        } ${pair(r.totalP50, r.totalP99)} | ${direct ? '—' : pair(r.addedTotalP50, r.addedTotalP99)} | ${fmt(r.cpuPercent)} | ${fmt(r.cpuMsPerRequest, 3)} | ${fmt(r.peakRssMb)} | ${fmt(r.upstreamCpuPercent)} | ${r.errors}${r.errorSamples.length ? ` (${r.errorSamples[0]})` : ''} |`,
      );
    }
  }

  const verdicts: Record<string, unknown> = {};
  console.log('');
  for (const target of ['nexus', 'portkey'] as Target[]) {
    const at100 = rows.find(
      (r) => r.phase === 'latency' && r.mode === 'streaming' && r.concurrency === 100 && r.target === target,
    );
    if (!at100) {
      console.log(`${target}: no streaming run at concurrency 100 — latency target not checked`);
      continue;
    }
    const p50 = Math.max(at100.addedTtftP50, at100.addedTotalP50);
    const p99 = Math.max(at100.addedTtftP99, at100.addedTotalP99);
    const ok = p50 <= 1 && p99 <= 5 && at100.errors === 0;
    verdicts[target] = { added_p50_ms: p50, added_p99_ms: p99, pass: ok };
    console.log(
      `${target}: at 100 concurrent streams adds TTFT ${pair(at100.addedTtftP50, at100.addedTtftP99)} ms and total ${pair(at100.addedTotalP50, at100.addedTotalP99)} ms (p50 / p99) — target p50 ≤ 1 ms, p99 ≤ 5 ms: ${ok ? 'PASS' : 'FAIL'}${at100.errors ? ` (${at100.errors} errors)` : ''}`,
    );
  }
  const maxRps = (target: Target) => {
    const candidates = rows.filter(
      (r) => r.phase === 'throughput' && r.mode === 'non-streaming' && r.target === target,
    );
    return candidates.length === 0
      ? undefined
      : candidates.reduce((best, r) => (r.rps > best.rps ? r : best), candidates[0]!);
  };
  const nexusMax = maxRps('nexus');
  const portkeyMax = maxRps('portkey');
  if (nexusMax && portkeyMax) {
    const ratio = nexusMax.rps / portkeyMax.rps;
    verdicts.throughput = {
      nexus_max_rps: nexusMax.rps,
      portkey_max_rps: portkeyMax.rps,
      ratio,
      pass: ratio >= 2,
    };
    console.log(
      `non-streaming maximum req/s: nexus ${fmt(nexusMax.rps)} (c=${nexusMax.concurrency}), portkey ${fmt(portkeyMax.rps)} (c=${portkeyMax.concurrency}): ${fmt(ratio, 2)}× — target ≥ 2×: ${ratio >= 2 ? 'PASS' : 'FAIL'}`,
    );
  } else {
    console.log('non-streaming maximum req/s: not compared (Portkey or Nexus missing)');
  }
  console.log(
    `\n${JSON.stringify({ bench: 'gateway', options, database: context.database, cache: context.cache, portkey_problem: context.portkeyProblem ?? null, rows, verdicts })}`,
  );
}

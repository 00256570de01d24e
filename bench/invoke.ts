/**
 * `npm run bench -- invoke`: what the SDK adds to a task call, and async task throughput, against one
 * Nexus child process on embedded defaults (the `local` model answering at once, so the numbers are the
 * platform's and the client's, not a model's).
 *
 * - Latency, one request at a time: `client.invoke()` from @nexus/sdk against raw `fetch` sending the
 *   same request (same JSON, same headers, a fresh `Idempotency-Key` each time as the SDK sends), in
 *   turns (request by request, rotating who goes first) so all see the same server state. What the SDK
 *   adds: the difference of the medians, and the median of the paired differences (each SDK call against
 *   the raw call beside it, which cancels most of the server's own variation); the client process's CPU
 *   time per call too. A third row sends raw `fetch` without
 *   `Idempotency-Key`: what the server's idempotency record costs.
 * - Throughput: `--tasks` async tasks submitted through the SDK at `--submit-concurrency`, timed from the
 *   first submission to the last task's `completed_at`, beside the same number of synchronous invokes at
 *   the same concurrency (the baseline: no queue).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NexusAI } from '../packages/sdk/src/index.js';
import { forkServer } from './child.js';
import { jsonApi } from './json-api.js';
import { percentile } from './load.js';

export interface InvokeBenchOptions {
  /** Measured requests per client (latency run). */
  requests: number;
  /** Requests per client before measuring. */
  warmup: number;
  /** Requests per client per interleaved block (1: the clients take turns request by request). */
  block: number;
  /** Async tasks in the throughput run. */
  tasks: number;
  /** Submissions (and synchronous invokes) in flight at once in the throughput run. */
  submitConcurrency: number;
  /** `TASKS_CONCURRENCY` of the Nexus under test (default: as many as the submissions in flight). */
  workerConcurrency: number;
}

export function invokeBenchOptions(values: Record<string, string | boolean | undefined>): InvokeBenchOptions {
  const num = (name: string, fallback: number) =>
    values[name] === undefined ? fallback : Number(values[name]);
  return {
    requests: num('requests', 2_000),
    warmup: num('warmup', 200),
    block: num('block', 1),
    tasks: num('tasks', 1_000),
    submitConcurrency: num('submit-concurrency', 16),
    workerConcurrency: num('worker-concurrency', num('submit-concurrency', 16)),
  };
}

const BODY = {
  task_type: 'text_generation',
  input: { prompt: 'Which animal barks?' },
  config: { system: 'Dogs bark. Cats meow.', max_tokens: 16 },
} as const;

interface Sample {
  ms: number;
  cpuMicros: number;
}

type Caller = () => Promise<unknown>;

async function timed(call: Caller): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await call();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMicros: used.user + used.system };
}

function summary(samples: Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const cpu = samples.map((s) => s.cpuMicros).sort((a, b) => a - b);
  return {
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
    cpuP50Micros: percentile(cpu, 50),
  };
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

export async function runInvokeBench(options: InvokeBenchOptions): Promise<void> {
  const server = await forkServer<{ port: number; apiKey: string; database: string }>(
    'invoke-nexus-server.ts',
    {
      BENCH_NEXUS_TASKS_CONCURRENCY: String(options.workerConcurrency),
    },
  );
  try {
    const baseURL = `http://127.0.0.1:${server.ready.port}`;
    const { apiKey } = server.ready;
    const client = new NexusAI({ apiKey, baseURL, maxRetries: 0 });
    const url = `${baseURL}/v1/invoke`;
    const payload = JSON.stringify(BODY);
    const rawFetch =
      (withKey: boolean): Caller =>
      async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
            ...(withKey ? { 'idempotency-key': `nexus-sdk-${randomUUID()}` } : {}),
          },
          body: payload,
        });
        if (response.status !== 200)
          throw new Error(`raw fetch: HTTP ${response.status} ${await response.text()}`);
        return response.json();
      };
    const callers: [string, Caller][] = [
      ['@nexus/sdk client.invoke()', () => client.invoke(BODY)],
      ['raw fetch, same request', rawFetch(true)],
      ['raw fetch, no Idempotency-Key', rawFetch(false)],
    ];
    const check = await jsonApi(baseURL, apiKey, 'POST', '/v1/invoke', BODY);
    if (check.status !== 200) throw new Error(`invoke check failed: ${JSON.stringify(check.json)}`);

    for (const [, call] of callers) for (let i = 0; i < options.warmup; i++) await call();
    const samples = new Map<string, Sample[]>(callers.map(([name]) => [name, []]));
    for (let done = 0; done < options.requests; done += options.block) {
      // Rotate which client goes first so no client always follows another.
      const order = callers.map((_, i) => callers[(i + done / options.block) % callers.length]!);
      for (const [name, call] of order)
        for (let i = 0; i < Math.min(options.block, options.requests - done); i++)
          samples.get(name)!.push(await timed(call));
    }
    const rows = callers.map(([name]) => ({ name, ...summary(samples.get(name)!) }));
    const sdk = rows[0]!;
    const raw = rows[1]!;
    // The i-th SDK call and the i-th raw call ran next to each other: their difference cancels most of
    // the server's own variation.
    const sdkSamples = samples.get(callers[0]![0])!;
    const rawSamples = samples.get(callers[1]![0])!;
    const paired = sdkSamples.map((s, i) => s.ms - rawSamples[i]!.ms).sort((x, y) => x - y);
    const pairedMedian = percentile(paired, 50);
    console.log(
      `\n### invoke latency, one request at a time (${options.requests} each, ${server.ready.database}, local model)\n`,
    );
    console.log('| client | p50 ms | p95 ms | p99 ms | mean ms | client CPU p50 µs |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows)
      console.log(
        `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.mean)} | ${fmt(r.cpuP50Micros, 0)} |`,
      );
    const added = sdk.p50 - raw.p50;
    console.log(
      `\nSDK − raw fetch: p50 ${fmt(added, 3)} ms (ratio ${fmt(sdk.p50 / raw.p50, 3)}×), median of paired differences ` +
        `${fmt(pairedMedian, 3)} ms (target < 0.5 ms: ${pairedMedian < 0.5 ? 'met' : 'missed'}); ` +
        `client CPU ${fmt(sdk.cpuP50Micros - raw.cpuP50Micros, 0)} µs more per call.`,
    );

    const throughput = await measureThroughput(client, options);
    console.log(
      `\n### task throughput (${options.tasks} tasks, ${options.submitConcurrency} in flight, TASKS_CONCURRENCY=${options.workerConcurrency})\n`,
    );
    console.log('| mode | tasks/s end to end | wall s | queue wait p50 ms | queue wait p95 ms |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(
      `| async (queued, worker) | ${fmt(throughput.async.rate, 1)} | ${fmt(throughput.async.seconds)} | ${fmt(throughput.async.waitP50)} | ${fmt(throughput.async.waitP95)} |`,
    );
    console.log(
      `| sync invoke (baseline) | ${fmt(throughput.sync.rate, 1)} | ${fmt(throughput.sync.seconds)} | – | – |`,
    );
    console.log(`\nasync / sync: ${fmt(throughput.async.rate / throughput.sync.rate, 3)}×`);
    console.log(
      JSON.stringify({ bench: 'invoke', options, latency: rows, sdkAddedP50Ms: added, throughput }),
    );
  } finally {
    await server.stop();
  }
}

async function inParallel(
  total: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

async function measureThroughput(client: NexusAI, options: InvokeBenchOptions) {
  const ids: string[] = [];
  const startedAt = Date.now();
  await inParallel(options.tasks, options.submitConcurrency, async () => {
    const task = await client.invoke({ ...BODY, async: true });
    ids.push(task.id);
  });
  const pending = new Set(ids);
  const finished: { created: number; started: number; completed: number }[] = [];
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const task = await client.tasks.retrieve(id);
      if (task.status === 'queued' || task.status === 'running') break;
      if (task.status !== 'succeeded')
        throw new Error(`task ${id} ended ${task.status}: ${JSON.stringify(task.error)}`);
      pending.delete(id);
      finished.push({
        created: Date.parse(task.created_at),
        started: Date.parse(task.started_at ?? task.created_at),
        completed: Date.parse(task.completed_at ?? task.created_at),
      });
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const lastCompleted = Math.max(...finished.map((f) => f.completed));
  const asyncSeconds = (lastCompleted - startedAt) / 1000;
  const waits = finished.map((f) => f.started - f.created).sort((a, b) => a - b);

  const syncStart = performance.now();
  await inParallel(options.tasks, options.submitConcurrency, async () => {
    await client.invoke(BODY);
  });
  const syncSeconds = (performance.now() - syncStart) / 1000;
  return {
    async: {
      rate: options.tasks / asyncSeconds,
      seconds: asyncSeconds,
      waitP50: percentile(waits, 50),
      waitP95: percentile(waits, 95),
    },
    sync: { rate: options.tasks / syncSeconds, seconds: syncSeconds },
  };
}

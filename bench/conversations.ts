/**
 * `npm run bench -- conversations`: what conversations cost on one Nexus instance, against the fake OpenAI
 * upstream at a fixed token rate, with Nexus (the real container and app) and the upstream each in their own
 * child process. Setup (unmeasured): the conversations every phase uses, and the list phase's users. Then,
 * in this order:
 *
 * 1. open streams — `openStreams` replies started (at most `openRamp` starting at once), each of
 *    `replyTokens` tokens spread over `holdSeconds` so that they are all open together, counted by the
 *    client (from `message.created` to the final event) and by the server's reply runner. RSS of the Nexus
 *    process idle (warmed, after a full GC) and at its highest with all open → RSS per open stream (target
 *    < 50 KB), live heap per stream, CPU;
 * 2. fault run — `faultReplies` streaming replies; `cutPercent` % of the clients drop their connection after
 *    `cutAfter` deltas and resume with `Last-Event-ID` on the reply's stream endpoint. Checked through the
 *    API afterwards: every reply `completed`, its saved content equal to the deltas its client received
 *    (first connection + resumed one), event ids increasing without duplicates or gaps, and each assistant
 *    message there exactly once;
 * 3. messages list — `listUsers` users registered through the service (argon2id, own tenant, API key) and
 *    `listClients` conversations of `listMessages` messages imported for them (one each by default);
 *    `listClients` concurrent clients, each listing its own conversation's messages with its owner's key,
 *    for `listSeconds`, once per `listThinkMs` entry (0: closed loop; else the pause between a client's
 *    requests, as users who read before they click again): p50 / p95 / p99 and req/s
 *    (target p95 < 50 ms);
 * 4. time to first token — conversation streaming (`POST /v1/conversations/:id/messages`, `stream: true`,
 *    one conversation per client) versus the gateway alone (`POST /v1/chat/completions`, `stream: true`)
 *    on the same Nexus, same model, same upstream, closed loop at each concurrency (default 1, 100, 1,000):
 *    p50 / p99 of each and what conversations add. Last, because an overloaded instance may open the
 *    gateway's circuit breaker at the highest concurrency, which must not spill into the other phases.
 *
 * Every process (load client, upstream, Nexus) shares the machine's cores; the CPU columns show where the
 * time went. Prints Markdown tables and a verdict per target, then one JSON line.
 */
import http from 'node:http';
import { forkServer, type ProcessStats, type ServerChild } from './child.js';
import { jsonApi } from './json-api.js';
import { percentile } from './load.js';
import { DELTA_EVENT, openReplyStream, type ReplyStreamOutcome, type SseMessage } from './reply-stream.js';
import { streamLoad } from './stream-load.js';

export interface ConversationsBenchOptions {
  /** Phase 4 (time to first token): concurrency levels, seconds per measured run, alternating rounds. */
  concurrency: number[];
  durationSeconds: number;
  rounds: number;
  /** Every reply: this many tokens at this pace (tokens/s) from the fake upstream. */
  replyTokens: number;
  replyTokenRate: number;
  /** Phase 1: streams open at once, and how long each lasts (its tokens are spread over this time). */
  openStreams: number;
  holdSeconds: number;
  /** At most this many of them starting at once (sent, not yet announced by `message.created`). */
  openRamp: number;
  /** Phase 3: users, clients (one conversation each, owned by user i % users), think time, messages, seconds. */
  listUsers: number;
  listClients: number;
  listThinkMs: number[];
  listMessages: number;
  listSeconds: number;
  /** Phase 2: replies, % of them cut, deltas before the cut, wait before resuming. */
  faultReplies: number;
  cutPercent: number;
  cutAfter: number;
  resumeDelayMs: number;
  /** When set, the Nexus process writes a V8 CPU profile (`--cpu-prof`) into this directory. */
  cpuProfDir?: string;
}

export const CONVERSATIONS_DEFAULTS: ConversationsBenchOptions = {
  concurrency: [1, 100, 1000],
  durationSeconds: 10,
  rounds: 1,
  replyTokens: 40,
  replyTokenRate: 20,
  openStreams: 1000,
  holdSeconds: 45,
  openRamp: 50,
  listUsers: 1000,
  listClients: 1000,
  listThinkMs: [0, 2000],
  listMessages: 20,
  listSeconds: 8,
  faultReplies: 200,
  cutPercent: 20,
  cutAfter: 3,
  resumeDelayMs: 500,
};

/** The options from `npm run bench -- conversations [--flag value ...]` (see bench/run.ts), with defaults. */
export function conversationsBenchOptions(
  values: Record<string, string | boolean | undefined>,
): ConversationsBenchOptions {
  const d = CONVERSATIONS_DEFAULTS;
  const num = (name: string, fallback: number) => {
    const raw = values[name];
    if (typeof raw !== 'string') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  const list = values['stream-concurrency'];
  return {
    concurrency: typeof list === 'string' ? list.split(',').filter(Boolean).map(Number) : [...d.concurrency],
    durationSeconds: num('duration', d.durationSeconds),
    rounds: Math.max(1, num('rounds', d.rounds)),
    replyTokens: Math.max(1, num('reply-tokens', d.replyTokens)),
    replyTokenRate: num('reply-token-rate', d.replyTokenRate),
    openStreams: num('open-streams', d.openStreams),
    holdSeconds: Math.max(1, num('hold-seconds', d.holdSeconds)),
    openRamp: Math.max(1, num('open-ramp', d.openRamp)),
    listUsers: Math.max(1, num('list-users', d.listUsers)),
    listClients: num('list-clients', d.listClients),
    listThinkMs:
      typeof values['list-think-ms'] === 'string'
        ? values['list-think-ms'].split(',').filter(Boolean).map(Number)
        : [...d.listThinkMs],
    listMessages: Math.max(1, num('list-messages', d.listMessages)),
    listSeconds: num('list-seconds', d.listSeconds),
    faultReplies: num('fault-replies', d.faultReplies),
    cutPercent: Math.min(100, num('cut-percent', d.cutPercent)),
    cutAfter: Math.max(1, num('cut-after', d.cutAfter)),
    resumeDelayMs: num('resume-delay-ms', d.resumeDelayMs),
    ...(typeof values['cpu-prof-dir'] === 'string' ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
  };
}

/**
 * Models the fake upstream serves: its default model (replies at `replyTokenRate`), and the open-streams
 * phase's slow one. Both are in the upstream's GET /v1/models, which a conversation's model must be.
 */
const MODEL = 'fake-model';
const OPEN_MODEL = 'gpt-bench-hold';
const PROMPT = 'Say hello to the benchmark.';

interface NexusReady {
  port: number;
  apiKey: string;
  database: string;
  cache: string;
  eventLog: string;
}

interface MemoryAnswer {
  gc: boolean;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  runningReplies: number;
}

type Target = 'gateway' | 'conversation';

interface LoadRun {
  requests: number;
  errors: number;
  errorSamples: string[];
  /** 409 reply_in_progress answers, retried (conversation target only). */
  busy: number;
  rps: number;
  ttft: number[];
  total: number[];
}

interface TtftRow {
  concurrency: number;
  target: Target;
  requests: number;
  errors: number;
  errorSamples: string[];
  busy: number;
  rps: number;
  ttftP50: number;
  ttftP99: number;
  totalP50: number;
  totalP99: number;
  addedTtftP50: number;
  addedTtftP99: number;
  nexusCpuPercent: number;
  nexusCpuMsPerRequest: number;
  nexusPeakRssMb: number;
  /** Nexus event-loop delay p99 / max during the run (ms). */
  loopP99Ms: number;
  loopMaxMs: number;
  upstreamCpuPercent: number;
  clientCpuPercent: number;
}

interface OpenStreamsResult {
  streams: number;
  /** Most streams open at once as the client counted them, and as the server's reply runner did. */
  peakOpen: number;
  /** The most open at a memory sample, and the highest RSS sampled with that many open. */
  sampledOpen: number;
  rssAtPeak: number;
  peakRunningOnServer: number;
  /** From the first request to the moment all were open, and how long all stayed open. */
  rampSeconds: number;
  allOpenSeconds: number;
  completed: number;
  errors: number;
  errorSamples: string[];
  idleRss: number;
  rssPerStreamKb: number;
  idleHeapUsed: number;
  heapUsedAllOpen: number;
  heapPerStreamKb: number;
  nexusCpuPercent: number;
  nexusCpuMsPerStream: number;
  nexusPeakRssMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  tokens: number;
  tokenRate: number;
}

interface ListResult {
  users: number;
  clients: number;
  thinkMs: number;
  messagesPerConversation: number;
  seedSeconds: number;
  importSeconds: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  /** Workers whose first answer listed exactly `messagesPerConversation` messages. */
  verifiedClients: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  nexusCpuPercent: number;
  clientCpuPercent: number;
  nexusPeakRssMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

interface FaultResult {
  started: number;
  /** Replies whose client was to drop after `cutAfter` deltas (one that got fewer deltas is not cut). */
  cutPlanned: number;
  cut: number;
  resumed: number;
  complete: number;
  mismatched: number;
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  notExactlyOnce: number;
  errors: number;
  problems: string[];
}

export async function runConversationsBench(options: ConversationsBenchOptions): Promise<void> {
  const children: ServerChild<unknown>[] = [];
  try {
    const upstream = await forkServer<{ port: number }>('fake-upstream-server.ts', {
      BENCH_TOKENS: String(options.replyTokens),
      BENCH_TOKEN_RATE: String(options.replyTokenRate),
      BENCH_FAST_MODEL: OPEN_MODEL,
      BENCH_FAST_TOKENS: String(options.replyTokens),
      BENCH_FAST_TOKEN_RATE: String(options.replyTokens / options.holdSeconds),
    });
    children.push(upstream);
    const nexus = await forkServer<NexusReady>(
      'conversations-nexus-server.ts',
      { BENCH_UPSTREAM_URL: `http://127.0.0.1:${upstream.ready.port}/v1` },
      ['--expose-gc', ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [])],
    );
    children.push(nexus);
    const ctx: BenchContext = { nexus, upstream, port: nexus.ready.port, apiKey: nexus.ready.apiKey };
    log(`Nexus on ${nexus.ready.database} / cache ${nexus.ready.cache} / event log ${nexus.ready.eventLog}`);

    // Setup, unmeasured, side by side: one conversation per client of the fault and time-to-first-token
    // phases, one per stream of the open-streams phase, and the list phase's users and conversations.
    const replyPoolSize = Math.max(...options.concurrency, options.faultReplies, 10);
    const [replyPool, holdPool, listSeed] = await Promise.all([
      createConversations(ctx, MODEL, replyPoolSize),
      createConversations(ctx, OPEN_MODEL, options.openStreams),
      options.listClients > 0 ? seedList(ctx, options) : undefined,
    ]);
    log(`created ${replyPool.length + holdPool.length} conversations`);

    // Warm-up: a few replies of each kind, so that no measured run pays for the first JIT and connections.
    for (const target of ['gateway', 'conversation'] as Target[]) {
      const agent = await connectedAgent(ctx, 10);
      const warm = await runLoad(ctx, target, replyPool, Math.min(10, replyPool.length), 0, options, agent);
      agent.destroy();
      if (warm.errors > 0) throw new Error(`${target} warm-up failed: ${warm.errorSamples[0]}`);
    }

    // The time-to-first-token runs go last: at the highest concurrency Nexus may be overloaded (upstream
    // timeouts open the gateway's circuit breaker for a while), which must not spill into the other phases.
    const open = options.openStreams > 0 ? await openStreamsPhase(ctx, holdPool, options) : undefined;
    const fault = options.faultReplies > 0 ? await faultPhase(ctx, replyPool, options) : undefined;
    const lists: ListResult[] = [];
    for (const thinkMs of listSeed ? options.listThinkMs : [])
      lists.push(await listPhase(ctx, options, listSeed!, thinkMs));
    const ttftRows = await ttftPhase(ctx, replyPool, options);
    report(options, nexus.ready, ttftRows, open, lists, fault);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

interface BenchContext {
  nexus: ServerChild<NexusReady>;
  upstream: ServerChild<unknown>;
  port: number;
  apiKey: string;
}

const benchStarted = performance.now();
function log(line: string): void {
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0);
  console.error(`conversations bench [${seconds}s]: ${line}`);
}

/** A JSON API call, for setup and checks (not measured). */
async function api(
  ctx: BenchContext,
  method: string,
  path: string,
  body?: unknown,
  apiKey = ctx.apiKey,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return jsonApi(`http://127.0.0.1:${ctx.port}`, apiKey, method, path, body);
}

/**
 * A keep-alive agent with `count` connections to Nexus already open (one `GET /healthz` each) and kept
 * (`maxFreeSockets`), so that a measured run does not open them all at once: more simultaneous connects
 * than the server's listen backlog (Node's default: 511) wait for SYN retransmissions (1 s, 3 s, 7 s…).
 */
async function connectedAgent(ctx: BenchContext, count: number): Promise<http.Agent> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: count, maxFreeSockets: count });
  await inParallel(count, count, () => httpGet(agent, ctx.port, '/healthz', {}));
  return agent;
}

/** A GET over `agent`: status, body and time in ms (status 0 for a connection error). */
function httpGet(
  agent: http.Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get({ agent, hostname: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      res.on('error', (e) => resolve({ status: 0, body: e.message, ms: 0 }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message, ms: 0 }));
  });
}

/** Runs `task(i)` for i in [0, count), `concurrency` at a time. */
async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) out[i] = await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker));
  return out;
}

async function createConversations(ctx: BenchContext, model: string, count: number): Promise<string[]> {
  return inParallel(count, 20, async (i) => {
    // A title of their own: no automatic title is generated (no extra upstream call after the first reply).
    const { status, json } = await api(ctx, 'POST', '/v1/conversations', { model, title: `bench ${i}` });
    if (status !== 201) throw new Error(`POST /v1/conversations answered ${status}: ${JSON.stringify(json)}`);
    return json.id as string;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Phase 4: time to first token, conversation versus gateway.

/** Closed-loop load on one target: `concurrency` clients, each one request at a time, for `seconds`. */
async function runLoad(
  ctx: BenchContext,
  target: Target,
  conversations: string[],
  concurrency: number,
  seconds: number,
  options: ConversationsBenchOptions,
  agent: http.Agent,
): Promise<LoadRun> {
  const headers = { authorization: `Bearer ${ctx.apiKey}` };
  if (target === 'gateway') {
    const run = await streamLoad({
      url: `http://127.0.0.1:${ctx.port}/v1/chat/completions`,
      headers,
      stream: true,
      expectTokens: options.replyTokens,
      concurrency,
      durationSeconds: seconds,
      agent,
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], stream: true }),
    });
    return { ...run, busy: 0 };
  }
  const ttft: number[] = [];
  const total: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let busy = 0;
  const fail = (why: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(why);
  };
  const body = JSON.stringify({ content: PROMPT, stream: true });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let lastEnd = started;
  const worker = async (w: number) => {
    const path = `/v1/conversations/${conversations[w]}/messages`;
    do {
      const r = await openReplyStream({ agent, port: ctx.port, method: 'POST', path, headers, body });
      if (r.status === 409) {
        // The previous reply's lock is released just after its final event: try again.
        busy++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (r.status !== 200) fail(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
      else if (r.error) fail(r.error);
      else if (r.final?.event !== 'response.completed')
        fail(`final event ${r.final?.event}: ${r.final?.data.slice(0, 200)}`);
      else if (r.firstDeltaAt === undefined) fail('a reply without deltas');
      else {
        ttft.push(r.firstDeltaAt - r.startedAt);
        total.push(r.endedAt - r.startedAt);
      }
      lastEnd = performance.now();
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  ttft.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  return {
    requests: total.length,
    errors,
    errorSamples,
    busy,
    rps: total.length / Math.max(0.001, (lastEnd - started) / 1000),
    ttft,
    total,
  };
}

async function ttftPhase(
  ctx: BenchContext,
  pool: string[],
  options: ConversationsBenchOptions,
): Promise<TtftRow[]> {
  const rows: TtftRow[] = [];
  const targets: Target[] = ['gateway', 'conversation'];
  for (const concurrency of options.concurrency) {
    const runs = new Map<Target, { run: LoadRun; cpu: CpuSample }[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        // The measured run reuses connections opened beforehand: connecting is not what is measured.
        const agent = await connectedAgent(ctx, concurrency);
        const cpu = await cpuAround(ctx, () =>
          runLoad(ctx, target, pool, concurrency, options.durationSeconds, options, agent),
        );
        agent.destroy();
        runs.get(target)!.push({ run: cpu.result, cpu });
        log(
          `ttft c=${concurrency} ${target} round ${round + 1}/${options.rounds}: ${cpu.result.requests} replies, TTFT p50 ${percentile(cpu.result.ttft, 50).toFixed(1)} ms, ${cpu.result.errors} errors`,
        );
      }
    }
    const merged = new Map<Target, TtftRow>();
    for (const target of targets) {
      const r = runs.get(target)!;
      // Rounds are pooled: every reply's time is one sample.
      const ttft = r.flatMap((x) => x.run.ttft).sort((a, b) => a - b);
      const total = r.flatMap((x) => x.run.total).sort((a, b) => a - b);
      const requests = r.reduce((n, x) => n + x.run.requests, 0);
      const mean = (f: (x: { run: LoadRun; cpu: CpuSample }) => number) =>
        r.reduce((n, x) => n + f(x), 0) / r.length;
      merged.set(target, {
        concurrency,
        target,
        requests,
        errors: r.reduce((n, x) => n + x.run.errors, 0),
        errorSamples: [...new Set(r.flatMap((x) => x.run.errorSamples))].slice(0, 3),
        busy: r.reduce((n, x) => n + x.run.busy, 0),
        rps: mean((x) => x.run.rps),
        ttftP50: percentile(ttft, 50),
        ttftP99: percentile(ttft, 99),
        totalP50: percentile(total, 50),
        totalP99: percentile(total, 99),
        addedTtftP50: Number.NaN,
        addedTtftP99: Number.NaN,
        nexusCpuPercent: mean((x) => x.cpu.nexusCpuPercent),
        nexusCpuMsPerRequest: mean((x) => x.cpu.nexusCpuMs / Math.max(1, x.run.requests + x.run.errors)),
        nexusPeakRssMb: Math.max(...r.map((x) => x.cpu.nexusPeakRss)) / 1024 / 1024,
        loopP99Ms: Math.max(...r.map((x) => x.cpu.loop.p99)),
        loopMaxMs: Math.max(...r.map((x) => x.cpu.loop.max)),
        upstreamCpuPercent: mean((x) => x.cpu.upstreamCpuPercent),
        clientCpuPercent: mean((x) => x.cpu.clientCpuPercent),
      });
    }
    const gateway = merged.get('gateway')!;
    const conversation = merged.get('conversation')!;
    conversation.addedTtftP50 = conversation.ttftP50 - gateway.ttftP50;
    conversation.addedTtftP99 = conversation.ttftP99 - gateway.ttftP99;
    rows.push(gateway, conversation);
  }
  return rows;
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

interface CpuSample {
  seconds: number;
  /** Event-loop delay of the Nexus process during the task (ms). */
  loop: LoopDelay;
  nexusCpuMs: number;
  nexusCpuPercent: number;
  nexusPeakRss: number;
  upstreamCpuPercent: number;
  clientCpuPercent: number;
}

/** Runs `task` and measures the CPU of Nexus, the upstream and this client around it. */
async function cpuAround<T>(ctx: BenchContext, task: () => Promise<T>): Promise<CpuSample & { result: T }> {
  await ctx.nexus.ask<LoopDelay>({ type: 'loop', reset: true });
  const nexusBefore = await ctx.nexus.stats({ reset: true });
  const upstreamBefore = await ctx.upstream.stats();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await task();
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const nexusAfter = await ctx.nexus.stats();
  const upstreamAfter = await ctx.upstream.stats();
  const loop = await ctx.nexus.ask<LoopDelay>({ type: 'loop' });
  const ms = (a: ProcessStats, b: ProcessStats) => (b.cpuMicros - a.cpuMicros) / 1000;
  return {
    result,
    seconds,
    loop: { p50: loop.p50, p99: loop.p99, max: loop.max },
    nexusCpuMs: ms(nexusBefore, nexusAfter),
    nexusCpuPercent: ms(nexusBefore, nexusAfter) / seconds / 10,
    nexusPeakRss: nexusAfter.peakRss,
    upstreamCpuPercent: ms(upstreamBefore, upstreamAfter) / seconds / 10,
    clientCpuPercent: (client.user + client.system) / 1000 / seconds / 10,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Phase 1: many streams open at once.

async function openStreamsPhase(
  ctx: BenchContext,
  pool: string[],
  options: ConversationsBenchOptions,
): Promise<OpenStreamsResult> {
  const n = options.openStreams;
  // Idle: warmed by phase 1, garbage collected, and given a moment for the allocator to settle.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleMemory = await ctx.nexus.ask<MemoryAnswer>({ type: 'memory', gc: true });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = await ctx.nexus.stats({ reset: true });
  const cpuBefore = idle.cpuMicros;
  await ctx.nexus.ask<LoopDelay>({ type: 'loop', reset: true });

  const agent = new http.Agent({ keepAlive: false, maxSockets: n });
  const headers = { authorization: `Bearer ${ctx.apiKey}` };
  const body = JSON.stringify({ content: PROMPT, stream: true });
  let open = 0;
  let peakOpen = 0;
  let allOpenAt: number | undefined;
  let firstClosedAt: number | undefined;
  let peakRunning = 0;
  let heapAllOpen: MemoryAnswer | undefined;
  // The highest RSS sampled while the open count was at the highest count sampled.
  let sampledOpen = 0;
  let rssAtSampledOpen = 0;
  let finished = false;
  const started = performance.now();

  /**
   * Every 200 ms for the whole phase: RSS and the replies the server runs. Once all streams have been open
   * for about two seconds, the live heap too (after a full GC).
   */
  const sampler = (async () => {
    let allOpenSamples = 0;
    while (!finished) {
      const openBefore = open;
      const m = await ctx.nexus.ask<MemoryAnswer>({ type: 'memory' });
      peakRunning = Math.max(peakRunning, m.runningReplies);
      const openNow = Math.min(openBefore, open);
      if (openNow > sampledOpen) {
        sampledOpen = openNow;
        rssAtSampledOpen = m.rss;
      } else if (openNow === sampledOpen) rssAtSampledOpen = Math.max(rssAtSampledOpen, m.rss);
      if (openNow === n && ++allOpenSamples === 10 && open === n)
        heapAllOpen = await ctx.nexus.ask<MemoryAnswer>({ type: 'memory', gc: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();

  // At most `openRamp` streams starting at once: a stream's slot frees when its reply is announced.
  const slots: (() => void)[] = [];
  let starting = 0;
  const acquire = async () => {
    while (starting >= options.openRamp) await new Promise<void>((resolve) => slots.push(resolve));
    starting++;
  };
  const release = () => {
    starting--;
    slots.shift()?.();
  };
  const results = await Promise.all(
    pool.slice(0, n).map(async (conversationId) => {
      await acquire();
      let counted = false;
      let slot = true;
      const freeSlot = () => {
        if (!slot) return;
        slot = false;
        release();
      };
      const close = () => {
        freeSlot();
        if (!counted) return;
        counted = false;
        open--;
        firstClosedAt ??= performance.now();
      };
      const r = await openReplyStream({
        agent,
        port: ctx.port,
        method: 'POST',
        path: `/v1/conversations/${conversationId}/messages`,
        headers,
        body,
        onEvent: (event) => {
          if (event.event === 'message.created' && !counted) {
            counted = true;
            freeSlot();
            open++;
            peakOpen = Math.max(peakOpen, open);
            if (open === n) allOpenAt ??= performance.now();
          } else if (event.event !== DELTA_EVENT && event.event !== 'response.usage') close();
          return undefined;
        },
      });
      close();
      return r;
    }),
  );
  finished = true;
  await sampler;
  agent.destroy();
  const after = await ctx.nexus.stats();
  const loop = await ctx.nexus.ask<LoopDelay>({ type: 'loop' });
  const completed = results.filter((r) => r.final?.event === 'response.completed').length;
  const failures = results.filter((r) => r.final?.event !== 'response.completed');
  const idleRss = idle.rss;
  const cpuMs = (after.cpuMicros - cpuBefore) / 1000;
  const seconds = (performance.now() - started) / 1000;
  const result: OpenStreamsResult = {
    streams: n,
    peakOpen,
    sampledOpen,
    peakRunningOnServer: peakRunning,
    rampSeconds: allOpenAt === undefined ? Number.NaN : (allOpenAt - started) / 1000,
    allOpenSeconds: allOpenAt === undefined ? 0 : ((firstClosedAt ?? performance.now()) - allOpenAt) / 1000,
    completed,
    errors: failures.length,
    errorSamples: [...new Set(failures.map(describeFailure))].slice(0, 3),
    idleRss,
    rssAtPeak: rssAtSampledOpen,
    rssPerStreamKb: (rssAtSampledOpen - idleRss) / Math.max(1, sampledOpen) / 1024,
    idleHeapUsed: idleMemory.heapUsed,
    heapUsedAllOpen: heapAllOpen?.heapUsed ?? Number.NaN,
    heapPerStreamKb: heapAllOpen ? (heapAllOpen.heapUsed - idleMemory.heapUsed) / n / 1024 : Number.NaN,
    nexusCpuPercent: cpuMs / seconds / 10,
    nexusCpuMsPerStream: cpuMs / n,
    nexusPeakRssMb: after.peakRss / 1024 / 1024,
    loopP99Ms: loop.p99,
    loopMaxMs: loop.max,
    tokens: options.replyTokens,
    tokenRate: options.replyTokens / options.holdSeconds,
  };
  log(
    `open streams: peak ${peakOpen}/${n} open (server: ${peakRunning} running), ${completed} completed, RSS ${(idleRss / 1048576).toFixed(0)} → ${(rssAtSampledOpen / 1048576).toFixed(0)} MB with ${sampledOpen} open`,
  );
  return result;
}

function describeFailure(r: ReplyStreamOutcome): string {
  if (r.status !== 200) return `HTTP ${r.status}: ${r.body.slice(0, 160)}`;
  if (r.error) return r.error;
  const data = r.final?.data ?? '';
  const parsed = (() => {
    try {
      return JSON.parse(data) as { code?: string; message?: string };
    } catch {
      return {};
    }
  })();
  return `final event ${r.final?.event}${parsed.code ? ` ${parsed.code}: ${parsed.message}` : `: ${data.slice(0, 300)}`}`;
}

// ---------------------------------------------------------------------------------------------------------
// Phase 3: listing messages, one client per conversation.

interface ListSeed {
  users: number;
  /** Per client: its conversation and its owner's API key. */
  conversations: string[];
  keys: string[];
  seedSeconds: number;
  importSeconds: number;
}

/** Registers the users and imports their conversations (setup: runs beside the other setup, unmeasured). */
async function seedList(ctx: BenchContext, options: ConversationsBenchOptions): Promise<ListSeed> {
  const users = Math.min(options.listUsers, options.listClients);
  const clients = options.listClients;
  log(`registering ${users} users through the service (argon2)...`);
  const seed = await ctx.nexus.ask<{ apiKeys?: string[]; seconds?: number; error?: string }>({
    type: 'seed',
    users,
    concurrency: 4,
  });
  if (!seed.apiKeys) throw new Error(`seeding users failed: ${seed.error}`);
  // Client i lists conversation i, which belongs to user i % users.
  const keys = Array.from({ length: clients }, (_, i) => seed.apiKeys![i % users]!);
  log(`registered ${users} users in ${seed.seconds?.toFixed(1)} s; importing ${clients} conversations...`);
  const importStarted = performance.now();
  const conversations = await inParallel(clients, 16, async (i) => {
    const { status, json } = await api(
      ctx,
      'POST',
      '/v1/conversations/import',
      importDocument(i, options.listMessages),
      keys[i],
    );
    if (status !== 201) throw new Error(`import answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
    return json.id as string;
  });
  const importSeconds = (performance.now() - importStarted) / 1000;
  log(
    `imported ${clients} conversations of ${options.listMessages} messages in ${importSeconds.toFixed(1)} s`,
  );
  return { users, conversations, keys, seedSeconds: seed.seconds ?? Number.NaN, importSeconds };
}

async function listPhase(
  ctx: BenchContext,
  options: ConversationsBenchOptions,
  seeded: ListSeed,
  thinkMs: number,
): Promise<ListResult> {
  const { users, conversations, keys, seedSeconds, importSeconds } = seeded;
  const clients = conversations.length;

  const agent = await connectedAgent(ctx, clients);
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let verified = 0;
  const get = (path: string, key: string) =>
    httpGet(agent, ctx.port, path, { authorization: `Bearer ${key}` });
  // One request per client first (answers checked, caches as in steady use), then the measured run.
  await inParallel(clients, clients, async (i) => {
    const r = await get(`/v1/conversations/${conversations[i]}/messages?limit=50`, keys[i]!);
    if (r.status === 200 && (JSON.parse(r.body) as { data: unknown[] }).data.length === options.listMessages)
      verified++;
  });
  const run = await cpuAround(ctx, async () => {
    const started = performance.now();
    const deadline = started + options.listSeconds * 1000;
    let lastEnd = started;
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        const path = `/v1/conversations/${conversations[i]}/messages?limit=50`;
        // With a think time, clients start spread over it, as users who are not in lockstep.
        if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * thinkMs));
        while (performance.now() < deadline) {
          const r = await get(path, keys[i]!);
          lastEnd = performance.now();
          if (r.status === 200) latencies.push(r.ms);
          else {
            errors++;
            if (errorSamples.length < 3) errorSamples.push(`HTTP ${r.status}: ${r.body.slice(0, 160)}`);
          }
          if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs));
        }
      }),
    );
    return (lastEnd - started) / 1000;
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const result: ListResult = {
    users,
    clients,
    thinkMs,
    messagesPerConversation: options.listMessages,
    seedSeconds,
    importSeconds,
    requests: latencies.length,
    errors,
    errorSamples,
    verifiedClients: verified,
    rps: latencies.length / Math.max(0.001, run.result),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    nexusCpuPercent: run.nexusCpuPercent,
    clientCpuPercent: run.clientCpuPercent,
    nexusPeakRssMb: run.nexusPeakRss / 1024 / 1024,
    loopP99Ms: run.loop.p99,
    loopMaxMs: run.loop.max,
  };
  log(
    `list (${thinkMs ? `${thinkMs} ms think time` : 'closed loop'}): ${result.requests} requests, p95 ${result.p95.toFixed(1)} ms, ${errors} errors`,
  );
  return result;
}

/** An export document of `count` messages alternating user / assistant, realistic lengths. */
function importDocument(user: number, count: number) {
  const messages = Array.from({ length: count }, (_, i) => ({
    id: `m${i}`,
    parent_id: i === 0 ? null : `m${i - 1}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    content:
      i % 2 === 0
        ? `Question ${i / 2} from user ${user}: how do I keep a streaming reply when my connection drops?`
        : `Answer ${(i - 1) / 2}: reconnect to the reply's stream endpoint with the Last-Event-ID header; the server replays what you missed and continues live. `.repeat(
            3,
          ),
    status: 'completed',
    ...(i % 2 === 1 ? { model: MODEL, usage: { input_tokens: 30, output_tokens: 90 } } : {}),
  }));
  return {
    format: 'nexus.conversation',
    version: 1,
    conversation: {
      title: `bench list ${user}`,
      title_source: 'user',
      model: MODEL,
      active_leaf_id: `m${count - 1}`,
    },
    messages,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Phase 2: cut connections mid-stream, resume them, check every reply.

interface FaultReply {
  conversationId: string;
  cutPlanned: boolean;
  assistantId?: string;
  userId?: string;
  ids: string[];
  deltas: string[];
  final?: SseMessage;
  cut: boolean;
  resumed: boolean;
  error?: string;
}

async function faultPhase(
  ctx: BenchContext,
  pool: string[],
  options: ConversationsBenchOptions,
): Promise<FaultResult> {
  const n = Math.min(options.faultReplies, pool.length);
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const headers = { authorization: `Bearer ${ctx.apiKey}` };
  const body = JSON.stringify({ content: PROMPT, stream: true });
  // Spread the cuts evenly: reply i is cut when it crosses the next multiple of 100 / cutPercent.
  const cutPlanned = (i: number) =>
    Math.floor(((i + 1) * options.cutPercent) / 100) > Math.floor((i * options.cutPercent) / 100);

  const collect = (reply: FaultReply, cutAfter: number | undefined) => {
    let deltas = 0;
    return (event: SseMessage): boolean | undefined => {
      if (event.id !== undefined) reply.ids.push(event.id);
      if (event.event === 'message.created') {
        const data = JSON.parse(event.data) as { assistant_message_id: string; user_message_id: string };
        reply.assistantId = data.assistant_message_id;
        reply.userId = data.user_message_id;
      } else if (event.event === DELTA_EVENT) {
        reply.deltas.push((JSON.parse(event.data) as { delta: string }).delta);
        deltas++;
        if (cutAfter !== undefined && deltas >= cutAfter) return true;
      }
      return undefined;
    };
  };

  const replies = await Promise.all(
    pool.slice(0, n).map(async (conversationId, i): Promise<FaultReply> => {
      const reply: FaultReply = {
        conversationId,
        cutPlanned: cutPlanned(i),
        ids: [],
        deltas: [],
        cut: false,
        resumed: false,
      };
      const first = await openReplyStream({
        agent,
        port: ctx.port,
        method: 'POST',
        path: `/v1/conversations/${conversationId}/messages`,
        headers,
        body,
        onEvent: collect(reply, reply.cutPlanned ? options.cutAfter : undefined),
      });
      reply.cut = first.cut;
      reply.final = first.final;
      if (first.status !== 200 || first.error) {
        reply.error = describeFailure(first);
        return reply;
      }
      if (!first.cut) return reply;
      if (!reply.assistantId) {
        reply.error = 'cut before message.created';
        return reply;
      }
      await new Promise((resolve) => setTimeout(resolve, options.resumeDelayMs));
      const lastId = reply.ids.at(-1);
      const resumed = await openReplyStream({
        agent,
        port: ctx.port,
        method: 'GET',
        path: `/v1/conversations/${conversationId}/messages/${reply.assistantId}/stream`,
        headers: { ...headers, ...(lastId === undefined ? {} : { 'last-event-id': lastId }) },
        onEvent: collect(reply, undefined),
      });
      reply.resumed = resumed.status === 200;
      reply.final = resumed.final;
      if (resumed.status !== 200 || resumed.error) reply.error = `resume: ${describeFailure(resumed)}`;
      return reply;
    }),
  );
  agent.destroy();

  const result: FaultResult = {
    started: n,
    cutPlanned: replies.filter((r) => r.cutPlanned).length,
    cut: replies.filter((r) => r.cut).length,
    resumed: replies.filter((r) => r.resumed).length,
    complete: 0,
    mismatched: 0,
    duplicates: 0,
    outOfOrder: 0,
    gaps: 0,
    notExactlyOnce: 0,
    errors: replies.filter((r) => r.error).length,
    problems: [],
  };
  const problem = (why: string) => {
    if (result.problems.length < 5) result.problems.push(why);
  };
  for (const r of replies) if (r.error) problem(r.error);

  await inParallel(replies.length, 20, async (i) => {
    const r = replies[i]!;
    // Event ids: no duplicates, increasing; memory log ids are consecutive integers, so gaps show too.
    if (new Set(r.ids).size !== r.ids.length) {
      result.duplicates++;
      problem(`duplicate event ids in reply ${r.assistantId}`);
    }
    for (let k = 1; k < r.ids.length; k++) {
      const order = compareIds(r.ids[k - 1]!, r.ids[k]!);
      if (order >= 0) {
        result.outOfOrder++;
        problem(`event ids out of order in reply ${r.assistantId}: ${r.ids[k - 1]} then ${r.ids[k]}`);
        break;
      }
      if (/^\d+$/.test(r.ids[k]!) && Number(r.ids[k]) !== Number(r.ids[k - 1]) + 1) {
        result.gaps++;
        problem(`a gap in the event ids of reply ${r.assistantId}: ${r.ids[k - 1]} then ${r.ids[k]}`);
        break;
      }
    }
    if (!r.assistantId || !r.userId) return;
    const received = r.deltas.join('');
    const { status, json: saved } = await api(
      ctx,
      'GET',
      `/v1/conversations/${r.conversationId}/messages/${r.assistantId}`,
    );
    const finalMessage =
      r.final?.event === 'response.completed'
        ? (JSON.parse(r.final.data) as { message?: { content?: string } }).message
        : undefined;
    if (status === 200 && saved.status === 'completed') result.complete++;
    else problem(`reply ${r.assistantId}: ${status} status ${String(saved.status)}`);
    if (saved.content !== received || finalMessage?.content !== received) {
      result.mismatched++;
      problem(
        `reply ${r.assistantId}${r.cut ? ' (cut)' : ''}: received ${received.length} chars, saved ${String(saved.content).length}, final event ${String(finalMessage?.content?.length)}`,
      );
    }
    // Exactly once: the reply is the only answer to its user message, and the branch holds each once.
    const siblings = saved.siblings as { count?: number } | undefined;
    const listed = await api(ctx, 'GET', `/v1/conversations/${r.conversationId}/messages?limit=200`);
    const data = (listed.json.data ?? []) as { id: string; parent_id: string | null; role: string }[];
    const times = (id: string) => data.filter((m) => m.id === id).length;
    const answers = data.filter((m) => m.parent_id === r.userId && m.role === 'assistant').length;
    if (siblings?.count !== 1 || times(r.assistantId) !== 1 || times(r.userId) !== 1 || answers !== 1) {
      result.notExactlyOnce++;
      problem(
        `reply ${r.assistantId}: ${siblings?.count} sibling(s), listed ${times(r.assistantId)}×, its user message ${times(r.userId)}×, ${answers} answer(s) on the branch`,
      );
    }
  });
  log(
    `fault run: ${result.started} started, ${result.cut} cut, ${result.resumed} resumed, ${result.complete} complete, ${result.mismatched} mismatched`,
  );
  return result;
}

/** Orders event ids: decimal integers ("12") or Redis stream ids ("1700000000000-3"). */
function compareIds(a: string, b: string): number {
  const pa = a.split('-').map(Number);
  const pb = b.split('-').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Report.

function report(
  options: ConversationsBenchOptions,
  nexus: NexusReady,
  ttft: TtftRow[],
  open: OpenStreamsResult | undefined,
  lists: ListResult[],
  fault: FaultResult | undefined,
): void {
  const fmt = (n: number, digits = 0) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : '—';
  const pair = (a: number, b: number, digits = 1) => `${fmt(a, digits)} / ${fmt(b, digits)}`;
  const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 1);
  console.log(
    `\nConversations benchmark: fake upstream ${options.replyTokens} tokens at ${options.replyTokenRate} tokens/s, Nexus on database ${nexus.database}, cache ${nexus.cache}, event log ${nexus.eventLog}; node ${process.version}. Every process (load client, upstream, Nexus) shares the machine's cores.`,
  );

  console.log(
    `\n### Time to first token: conversation streaming vs the gateway alone (${options.durationSeconds}s closed-loop runs, ${options.rounds} round(s))\n`,
  );
  console.log(
    '| concurrency | target | replies | replies/s | TTFT p50 / p99 ms | added TTFT p50 / p99 ms | total p50 / p99 ms | Nexus CPU % of a core | Nexus CPU ms / reply | Nexus event-loop delay p99 / max ms | Nexus peak RSS MB | upstream CPU % | client CPU % | errors |',
  );
  console.log(
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of ttft) {
    const conv = r.target === 'conversation';
    console.log(
      `| ${r.concurrency} | ${conv ? 'conversation (POST /v1/conversations/:id/messages)' : 'gateway (POST /v1/chat/completions)'} | ${r.requests} | ${fmt(r.rps, 1)} | ${pair(r.ttftP50, r.ttftP99)} | ${conv ? pair(r.addedTtftP50, r.addedTtftP99) : '—'} | ${pair(r.totalP50, r.totalP99, 0)} | ${fmt(r.nexusCpuPercent)} | ${fmt(r.nexusCpuMsPerRequest, 2)} | ${pair(r.loopP99Ms, r.loopMaxMs, 0)} | ${fmt(r.nexusPeakRssMb)} | ${fmt(r.upstreamCpuPercent)} | ${fmt(r.clientCpuPercent)} | ${r.errors}${r.busy ? ` (+${r.busy} × 409 retried)` : ''}${r.errorSamples.length ? ` (${r.errorSamples[0]})` : ''} |`,
    );
  }

  if (open) {
    console.log(
      `\n### ${open.streams} conversation streams open at once (${open.tokens} tokens each at ${fmt(open.tokenRate, 1)} tokens/s)\n`,
    );
    console.log('| measure | value |');
    console.log('| --- | ---: |');
    const rows: [string, string][] = [
      ['streams started / completed / failed', `${open.streams} / ${open.completed} / ${open.errors}`],
      [
        'most open at once (client count / server reply runner)',
        `${open.peakOpen} / ${open.peakRunningOnServer}`,
      ],
      [
        'time until all were open / all stayed open',
        `${fmt(open.rampSeconds, 1)} s / ${fmt(open.allOpenSeconds, 1)} s`,
      ],
      [
        `Nexus RSS idle (warmed, after GC) → highest with ${open.sampledOpen} open`,
        `${mb(open.idleRss)} → ${mb(open.rssAtPeak)} MB`,
      ],
      ['**RSS per open stream**', `**${fmt(open.rssPerStreamKb, 1)} KB**`],
      ['live heap per open stream (after a full GC, all open)', `${fmt(open.heapPerStreamKb, 1)} KB`],
      [
        'Nexus CPU over the phase (% of a core) / ms per stream',
        `${fmt(open.nexusCpuPercent)} / ${fmt(open.nexusCpuMsPerStream, 2)}`,
      ],
      ['Nexus event-loop delay p99 / max', `${pair(open.loopP99Ms, open.loopMaxMs, 0)} ms`],
    ];
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
    if (open.errorSamples.length) console.log(`\nFailures: ${open.errorSamples.join('; ')}`);
  }

  const first = lists[0];
  if (first) {
    console.log(
      `\n### Messages list: ${first.clients} concurrent clients, each listing its own conversation of ${first.messagesPerConversation} messages (${first.users} users, ${fmt(first.clients / first.users, 1)} conversations each; ${options.listSeconds}s per run)\n`,
    );
    console.log(
      "| clients | users | pause between a client's requests | requests | req/s | p50 / p95 / p99 ms | Nexus CPU % | Nexus event-loop delay p99 / max ms | client CPU % | Nexus peak RSS MB | errors | clients whose first list was checked |",
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const list of lists)
      console.log(
        `| ${list.clients} | ${list.users} | ${list.thinkMs ? `${list.thinkMs} ms` : 'none (closed loop)'} | ${list.requests} | ${fmt(list.rps)} | ${fmt(list.p50, 1)} / ${fmt(list.p95, 1)} / ${fmt(list.p99, 1)} | ${fmt(list.nexusCpuPercent)} | ${pair(list.loopP99Ms, list.loopMaxMs, 0)} | ${fmt(list.clientCpuPercent)} | ${fmt(list.nexusPeakRssMb)} | ${list.errors}${list.errorSamples.length ? ` (${list.errorSamples[0]})` : ''} | ${list.verifiedClients} |`,
      );
    console.log(
      `\nSeeding: ${first.users} users registered through the service (argon2id, own tenant, API key) in ${fmt(first.seedSeconds, 1)} s; ${first.clients} conversations imported through POST /v1/conversations/import in ${fmt(first.importSeconds, 1)} s.${lists.some((l) => !l.thinkMs) ? ` Closed loop: each client waits only for its own answer, so latency ≈ clients ÷ throughput (Little's law) — p95 under 50 ms with ${first.clients} clients needs more than ${fmt(first.clients / 0.05)} req/s.` : ''}`,
    );
  }

  if (fault) {
    console.log(
      `\n### Fault run: ${fault.started} streaming replies, ${options.cutPercent}% cut after ${options.cutAfter} deltas, resumed with Last-Event-ID after ${options.resumeDelayMs} ms\n`,
    );
    console.log(
      '| started | cut (planned) | resumed | complete (saved, status completed) | mismatched content | duplicate ids | out-of-order ids | id gaps | not exactly once | errors |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(
      `| ${fault.started} | ${fault.cut} (${fault.cutPlanned}) | ${fault.resumed} | ${fault.complete} | ${fault.mismatched} | ${fault.duplicates} | ${fault.outOfOrder} | ${fault.gaps} | ${fault.notExactlyOnce} | ${fault.errors} |`,
    );
    if (fault.problems.length) console.log(`\nProblems: ${fault.problems.join('; ')}`);
  }

  const verdicts: Record<string, unknown> = {};
  console.log('');
  if (open) {
    const allOpen = open.peakOpen >= open.streams && open.streams >= 1000;
    const ok = allOpen && open.rssPerStreamKb < 50 && open.errors === 0;
    verdicts.open_streams = {
      streams: open.streams,
      peak_open: open.peakOpen,
      rss_per_stream_kb: open.rssPerStreamKb,
      pass: ok,
    };
    console.log(
      `open streams: ${open.peakOpen} of ${open.streams} open at once, ${fmt(open.rssPerStreamKb, 1)} KB RSS each — target ≥ 1,000 concurrent streams under 50 KB each: ${ok ? 'PASS' : 'FAIL'}${open.errors ? ` (${open.errors} failed)` : ''}`,
    );
  } else console.log('open streams: not run');
  const listVerdicts: Record<string, unknown>[] = [];
  for (const list of lists) {
    const ok = list.p95 < 50 && list.errors === 0 && list.clients >= 1000;
    listVerdicts.push({
      clients: list.clients,
      users: list.users,
      think_ms: list.thinkMs,
      p95_ms: list.p95,
      pass: ok,
    });
    console.log(
      `messages list: p95 ${fmt(list.p95, 1)} ms with ${list.clients} concurrent clients (${list.users} users, ${list.thinkMs ? `${list.thinkMs} ms between a client's requests` : 'closed loop'}) — target p95 < 50 ms with 1,000 concurrent users: ${ok ? 'PASS' : 'FAIL'}${list.errors ? ` (${list.errors} errors)` : ''}`,
    );
  }
  if (lists.length > 0) verdicts.messages_list = listVerdicts;
  else console.log('messages list: not run');
  if (fault) {
    const ok =
      fault.complete === fault.started &&
      fault.mismatched === 0 &&
      fault.duplicates === 0 &&
      fault.outOfOrder === 0 &&
      fault.gaps === 0 &&
      fault.notExactlyOnce === 0 &&
      fault.errors === 0 &&
      fault.resumed === fault.cut;
    verdicts.fault = { ...fault, pass: ok };
    console.log(
      `fault run: ${fault.complete} of ${fault.started} replies complete and saved exactly once (${fault.cut} cut, ${fault.resumed} resumed, ${fault.mismatched} mismatched, ${fault.duplicates} with duplicate ids) — target: all: ${ok ? 'PASS' : 'FAIL'}`,
    );
  } else console.log('fault run: not run');
  for (const r of ttft.filter((x) => x.target === 'conversation')) {
    console.log(
      `time to first token added by conversations at ${r.concurrency} concurrent: p50 ${fmt(r.addedTtftP50, 1)} ms, p99 ${fmt(r.addedTtftP99, 1)} ms (no target; reported)`,
    );
  }
  console.log(
    `\n${JSON.stringify({ bench: 'conversations', options, database: nexus.database, cache: nexus.cache, event_log: nexus.eventLog, ttft, open_streams: open ?? null, messages_list: lists, fault: fault ?? null, verdicts })}`,
  );
}

/**
 * Benchmark entry: `npm run bench -- <name>`. Each benchmark prints a Markdown table with its comparison
 * run beside it, then one JSON line with the raw numbers.
 */
import { parseArgs } from 'node:util';
import { runAuthBench } from './auth.js';
import { conversationsBenchOptions, runConversationsBench } from './conversations.js';
import { runGatewayBench } from './gateway.js';
import { runHttpBench } from './http.js';
import { invokeBenchOptions, runInvokeBench } from './invoke.js';
import { knowledgeBenchOptions, runKnowledgeBench } from './knowledge.js';
import { opsBenchOptions, runOpsBench } from './ops.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string' },
    routes: { type: 'string', default: '/healthz,/v1/status' },
    // Per benchmark default: 3 for http and auth, 1 for gateway (18 runs per round).
    rounds: { type: 'string' },
    'login-seconds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1,100,500' },
    tokens: { type: 'string', default: '25' },
    'token-rate': { type: 'string', default: '50' },
    'saturation-tokens': { type: 'string', default: '20' },
    'saturation-token-rate': { type: 'string', default: '5000' },
    'saturation-concurrency': { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
    // conversations (defaults in bench/conversations.ts; --duration and --rounds apply too)
    'stream-concurrency': { type: 'string' },
    'reply-tokens': { type: 'string' },
    'reply-token-rate': { type: 'string' },
    'open-streams': { type: 'string' },
    'hold-seconds': { type: 'string' },
    'open-ramp': { type: 'string' },
    'list-users': { type: 'string' },
    'list-clients': { type: 'string' },
    'list-think-ms': { type: 'string' },
    'list-messages': { type: 'string' },
    'list-seconds': { type: 'string' },
    'fault-replies': { type: 'string' },
    'cut-percent': { type: 'string' },
    'cut-after': { type: 'string' },
    'resume-delay-ms': { type: 'string' },
    // knowledge (defaults in bench/knowledge.ts)
    sizes: { type: 'string' },
    'search-seconds': { type: 'string' },
    'kb-concurrency': { type: 'string' },
    modes: { type: 'string' },
    'chunk-tokens': { type: 'string' },
    'overlap-tokens': { type: 'string' },
    'database-url': { type: 'string' },
    targets: { type: 'string' },
    'embedded-vector-search': { type: 'string' },
    // invoke (defaults in bench/invoke.ts; --warmup is a request count there)
    requests: { type: 'string' },
    block: { type: 'string' },
    tasks: { type: 'string' },
    'submit-concurrency': { type: 'string' },
    'worker-concurrency': { type: 'string' },
    // ops (defaults in bench/ops.ts; --requests, --warmup, --connections and --duration apply too)
    budget: { type: 'string' },
    race: { type: 'string' },
    only: { type: 'string' },
  },
});

const benches: Record<string, () => Promise<void>> = {
  auth: () =>
    runAuthBench({
      durationSeconds: Number(values.duration),
      rounds: Number(values.rounds ?? 3),
      loginSeconds: Number(values['login-seconds']),
    }),
  http: () =>
    runHttpBench({
      connections: Number(values.connections),
      durationSeconds: Number(values.duration),
      warmupSeconds: Number(values.warmup ?? 2),
      routes: values.routes.split(','),
      rounds: Number(values.rounds ?? 3),
    }),
  gateway: () =>
    runGatewayBench({
      durationSeconds: Number(values.duration),
      warmupSeconds: Number(values.warmup ?? 1),
      rounds: Number(values.rounds ?? 1),
      concurrency: values.concurrency.split(',').map(Number),
      tokens: Number(values.tokens),
      tokenRate: Number(values['token-rate']),
      saturationTokens: Number(values['saturation-tokens']),
      saturationTokenRate: Number(values['saturation-token-rate']),
      saturationConcurrency: (
        values['saturation-concurrency'] ??
        values.concurrency
          .split(',')
          .filter((c) => Number(c) >= 100)
          .join(',')
      )
        .split(',')
        .filter(Boolean)
        .map(Number),
      ...(values['cpu-prof-dir'] ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
    }),
  conversations: () => runConversationsBench(conversationsBenchOptions(values)),
  knowledge: () => runKnowledgeBench(knowledgeBenchOptions(values)),
  invoke: () => runInvokeBench(invokeBenchOptions(values)),
  ops: () => runOpsBench(opsBenchOptions(values)),
};

const name = positionals[0];
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(
    `usage: npm run bench -- <${Object.keys(benches).join('|')}> [--connections 100] [--duration 10] [--warmup 2] [--rounds 3] (gateway: [--concurrency 1,100,500] [--tokens 25] [--token-rate 50] [--saturation-tokens 20] [--saturation-token-rate 5000] [--saturation-concurrency 100,500] [--cpu-prof-dir DIR])`,
  );
  process.exit(2);
}
await bench();

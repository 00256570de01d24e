/**
 * Benchmark entry: `npm run bench -- <name>`. Each benchmark prints a Markdown table with its comparison
 * run beside it, then one JSON line with the raw numbers.
 */
import { parseArgs } from 'node:util';
import { runAuthBench } from './auth.js';
import { runHttpBench } from './http.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    routes: { type: 'string', default: '/healthz,/v1/status' },
    rounds: { type: 'string', default: '3' },
    'login-seconds': { type: 'string', default: '5' },
  },
});

const benches: Record<string, () => Promise<void>> = {
  auth: () =>
    runAuthBench({
      durationSeconds: Number(values.duration),
      rounds: Number(values.rounds),
      loginSeconds: Number(values['login-seconds']),
    }),
  http: () =>
    runHttpBench({
      connections: Number(values.connections),
      durationSeconds: Number(values.duration),
      warmupSeconds: Number(values.warmup),
      routes: values.routes.split(','),
      rounds: Number(values.rounds),
    }),
};

const name = positionals[0];
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(
    `usage: npm run bench -- <${Object.keys(benches).join('|')}> [--connections 100] [--duration 10] [--warmup 2]`,
  );
  process.exit(2);
}
await bench();

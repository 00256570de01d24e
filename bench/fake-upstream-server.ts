/**
 * The upstream for `npm run bench -- gateway`: the test suites' fake OpenAI upstream
 * (packages/server/test/fakes/openai-upstream.ts), in its own child process so its CPU is not counted
 * against any gateway. Every answer is `BENCH_TOKENS` one-word content chunks generated at
 * `BENCH_TOKEN_RATE` per second: streamed at that pace, or as one JSON body once "generated".
 */
import { FakeOpenAI } from '../packages/server/test/fakes/openai-upstream.js';
import { serveStats } from './child.js';

const tokens = Number(process.env.BENCH_TOKENS ?? 20);
const rate = Number(process.env.BENCH_TOKEN_RATE ?? 500);
const fake = await FakeOpenAI.start({
  // No request log: the benchmark sends hundreds of thousands of requests.
  record: false,
  defaults: {
    text: 'tok '.repeat(tokens),
    tokensPerSecond: rate,
    usage: { prompt_tokens: 10, completion_tokens: tokens },
  },
});
serveStats();
process.send?.({ port: Number(new URL(fake.url).port), tokens, rate });
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await fake.close();
  process.exit(0);
});

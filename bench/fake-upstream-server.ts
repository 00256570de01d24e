/**
 * The upstream for `npm run bench -- gateway`: the test suites' fake OpenAI upstream
 * (packages/server/test/fakes/openai-upstream.ts), in its own child process so its CPU is not counted
 * against any gateway. Every answer is `BENCH_TOKENS` one-word content chunks generated at
 * `BENCH_TOKEN_RATE` per second: streamed at that pace, or as one JSON body once "generated". Requests for
 * the model `BENCH_FAST_MODEL` get `BENCH_FAST_TOKENS` at `BENCH_FAST_TOKEN_RATE` instead (the throughput
 * phase).
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
const fastModel = process.env.BENCH_FAST_MODEL;
if (fastModel) {
  const fastTokens = Number(process.env.BENCH_FAST_TOKENS ?? 20);
  fake.on(fastModel, {
    text: 'tok '.repeat(fastTokens),
    tokensPerSecond: Number(process.env.BENCH_FAST_TOKEN_RATE ?? 5000),
    usage: { prompt_tokens: 10, completion_tokens: fastTokens },
  });
}
serveStats();
process.send?.({ port: Number(new URL(fake.url).port), tokens, rate });
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await fake.close();
  process.exit(0);
});

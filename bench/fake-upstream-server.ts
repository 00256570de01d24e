/**
 * The fake OpenAI upstream for `npm run bench -- gateway`, in its own child process so its CPU is not
 * counted against any gateway. Deliberately minimal and fast (node:http, chunks built by string
 * concatenation): every answer is `BENCH_TOKENS` tokens generated at `BENCH_TOKEN_RATE` tokens per second.
 *
 * - `stream: true`: OpenAI's SSE chunks — the role chunk at once, token i at (i + 1) / rate seconds after
 *   the request arrived (scheduled against the clock, so timer lateness does not accumulate), then the
 *   finish chunk, the usage chunk when `stream_options.include_usage` is set, and `[DONE]`.
 * - otherwise: the chat.completion JSON once all tokens are "generated", as a real model answers.
 *
 * (packages/server/test/fakes/openai-upstream.ts is the fake for the test suites; this one only has to be
 * cheap and exact about its pacing.)
 */
import http from 'node:http';
import { serveStats } from './child.js';

const tokens = Number(process.env.BENCH_TOKENS ?? 20);
const rate = Number(process.env.BENCH_TOKEN_RATE ?? 500);
const intervalMs = 1000 / rate;
const TOKEN = 'tok ';
let sequence = 0;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  const arrived = performance.now();
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    raw += chunk;
  });
  req.on('end', () => {
    let body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
    try {
      body = JSON.parse(raw);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bad JSON","type":"invalid_request_error"}}');
      return;
    }
    const id = `chatcmpl-fake${++sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const model = JSON.stringify(body.model ?? 'fake');
    const usage = `{"prompt_tokens":10,"completion_tokens":${tokens},"total_tokens":${10 + tokens}}`;
    if (!body.stream) {
      const timer = setTimeout(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            `{"id":"${id}","object":"chat.completion","created":${created},"model":${model},"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(TOKEN.repeat(tokens))},"refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":${usage}}`,
          );
        },
        Math.max(0, tokens * intervalMs - (performance.now() - arrived)),
      );
      res.once('close', () => clearTimeout(timer));
      return;
    }
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${model},"system_fingerprint":null,"choices":`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(
      `${head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    );
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      if (res.destroyed) return;
      // Every token that is due by now (normally one; more if this tick came late).
      const due = Math.min(tokens, Math.floor((performance.now() - arrived) / intervalMs + 1e-9));
      let out = '';
      for (; sent < due; sent++)
        out += `${head}[{"index":0,"delta":{"content":"${TOKEN}"},"logprobs":null,"finish_reason":null}]}\n\n`;
      if (sent < tokens) {
        if (out) res.write(out);
        timer = setTimeout(tick, Math.max(0, arrived + (sent + 1) * intervalMs - performance.now()));
        return;
      }
      out += `${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n`;
      if (body.stream_options?.include_usage) out += `${head}[],"usage":${usage}}\n\n`;
      res.end(`${out}data: [DONE]\n\n`);
    };
    timer = setTimeout(tick, Math.max(0, arrived + intervalMs - performance.now()));
    res.once('close', () => clearTimeout(timer));
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  serveStats();
  process.send?.({ port: (server.address() as { port: number }).port, tokens, rate });
});
process.on('message', (message) => {
  if (message !== 'stop') return;
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

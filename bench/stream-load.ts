/**
 * A closed-loop load client for chat completions that measures what autocannon cannot: time to first token.
 * `concurrency` workers each send one request at a time over keep-alive sockets (node:http, no undici) for
 * `durationSeconds`; per request it records the time to the first SSE chunk that carries content
 * (`"content":"` followed by a character) and the total time to the end of the response. Non-streaming
 * requests are timed the same way (their "first token" is the whole answer, so only the total is used).
 *
 * A response counts as an error when its status is not 200, the connection fails, or it is incomplete: a
 * stream without `[DONE]` or with fewer content chunks than `expectTokens`.
 */
import http from 'node:http';

export interface StreamLoadOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  concurrency: number;
  durationSeconds: number;
  /** Content chunks a complete stream carries (checked when set). */
  expectTokens?: number;
  /** Keep-alive sockets to reuse (say, those a warm-up opened); by default a new agent, closed at the end. */
  agent?: http.Agent;
}

export interface StreamLoadResult {
  /** Responses completed without error, from requests sent within the duration. */
  requests: number;
  errors: number;
  /** The first few error descriptions, for the report. */
  errorSamples: string[];
  /** Completed requests per second, over the time from the first request to the last response. */
  rps: number;
  /** Time to first content chunk in ms, sorted ascending (streaming only). */
  ttft: number[];
  /** Time to the end of the response in ms, sorted ascending. */
  total: number[];
  elapsedSeconds: number;
}

const CONTENT = '"content":"';

/** Counts content chunks with non-empty content in an SSE body (the role chunk's `""` does not count). */
function countContent(text: string, from = 0): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let i = text.indexOf(CONTENT, from); i >= 0; i = text.indexOf(CONTENT, i + CONTENT.length)) {
    const next = text[i + CONTENT.length];
    if (next !== undefined && next !== '"') {
      count++;
      if (first < 0) first = i;
    }
  }
  return { count, first };
}

export async function streamLoad(options: StreamLoadOptions): Promise<StreamLoadResult> {
  const url = new URL(options.url);
  const agent = options.agent ?? new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const body = Buffer.from(options.body);
  const headers = {
    ...options.headers,
    'content-type': 'application/json',
    'content-length': String(body.length),
    accept: options.stream ? 'text/event-stream' : 'application/json',
  };
  const ttft: number[] = [];
  const total: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const fail = (why: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(why);
  };

  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = http.request(
        { agent, method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname, headers },
        (res) => {
          res.setEncoding('latin1');
          let text = '';
          let firstAt: number | undefined;
          res.on('data', (chunk: string) => {
            if (firstAt === undefined && options.stream) {
              // Look for content in the new data plus a pattern's length of what came before it.
              const from = Math.max(0, text.length - CONTENT.length);
              text += chunk;
              if (countContent(text, from).first >= 0) firstAt = performance.now();
            } else {
              text += chunk;
            }
          });
          res.on('end', () => {
            const ended = performance.now();
            if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
            else if (options.stream && !text.includes('data: [DONE]')) fail(`stream without [DONE]`);
            else if (
              options.stream &&
              options.expectTokens !== undefined &&
              countContent(text).count < options.expectTokens
            )
              fail(`stream with ${countContent(text).count} of ${options.expectTokens} content chunks`);
            else if (!options.stream && !text.includes(CONTENT)) fail(`answer without content`);
            else {
              if (options.stream) ttft.push((firstAt ?? ended) - started);
              total.push(ended - started);
            }
            resolve();
          });
          res.on('error', (error) => {
            fail(error.message);
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        fail(error.message);
        resolve();
      });
      req.end(body);
    });

  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  let lastEnd = started;
  // Each worker sends at least one request, so a zero duration makes a one-request check.
  const worker = async () => {
    do {
      await one();
      lastEnd = performance.now();
    } while (performance.now() < deadline);
  };
  // Bounded: a request still open 30 s after the deadline is cut off (and counted as an error).
  const cutoff = setTimeout(() => agent.destroy(), options.durationSeconds * 1000 + 30_000);
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearTimeout(cutoff);
  if (!options.agent) agent.destroy();
  ttft.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  const elapsedSeconds = (lastEnd - started) / 1000;
  return {
    requests: total.length,
    errors,
    errorSamples,
    rps: total.length / elapsedSeconds,
    ttft,
    total,
    elapsedSeconds,
  };
}

import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import { closeLocal, listenLocal, readJsonBody, watchAnswer } from '../support/local-http.js';

/**
 * What the fake does with one request. Everything is optional: `{}` streams the default reply.
 * "Content chunks" are the chunks after the role chunk that carry text or tool-call pieces.
 */
export interface Behaviour {
  /** Milliseconds to wait before the response headers. */
  latencyMs?: number;
  /** Never answer (until the client gives up or the fake is closed). */
  hang?: boolean;
  /** Answer this HTTP error with OpenAI's error body (and `Retry-After` when given). */
  error?: {
    status: number;
    message?: string;
    type?: string;
    code?: string | null;
    param?: string | null;
    retryAfter?: string;
  };
  /** The reply, streamed one word per content chunk. */
  text?: string;
  /** Tool calls, streamed as OpenAI does: id and name first, then the arguments in pieces. */
  toolCalls?: { id?: string; name: string; arguments: string }[];
  /**
   * Generation pace in content chunks per second; unset or 0 answers as fast as the socket takes it. A
   * non-streaming answer arrives once all chunks would have been generated, as a real model's does.
   */
  tokensPerSecond?: number;
  /** Usage to report; `false` reports none even when asked. Default: a rough count. */
  usage?: { prompt_tokens: number; completion_tokens: number } | false;
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** After this many content chunks, destroy the socket (a connection that drops mid-stream). */
  disconnectAfter?: number;
  /** After this many content chunks, send nothing more and keep the connection open. */
  stallAfter?: number;
  /** After this many content chunks, send a line that is not a chunk (`garbage`) or broken JSON. */
  malformed?: { after: number; kind: 'garbage' | 'invalid-json' };
  /** Images: answer `url`s (served by the fake at `/fake-images/...`) instead of `b64_json`. */
  imageUrls?: boolean;
  /** Images: the `revised_prompt` of each image. */
  revisedPrompt?: string;
  /** Transcriptions: refuse `response_format: verbose_json` with a 400 (as OpenAI's gpt-4o models do). */
  rejectVerboseJson?: boolean;
}

export interface RecordedRequest {
  /** 1-based order of arrival. */
  seq: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /**
   * The parsed JSON body (undefined for GET or a body that is not JSON). For a multipart transcription:
   * its text fields, and `file: { filename, contentType, bytes }`.
   */
  body: Record<string, unknown> | undefined;
  /** `body.model`, for filtering. */
  model: string | undefined;
  /** `performance.now()` when the request arrived (ordering only; tests assert no timings). */
  receivedAt: number;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
}

export interface FakeOpenAIOptions {
  /** The behaviour of requests nothing more specific was set for. */
  defaults?: Behaviour;
  /** Keep `requests` (on by default; a long benchmark may turn it off to keep memory flat). */
  record?: boolean;
}

const DEFAULT_TEXT = 'Hello from the fake upstream.';

/** The POST routes answered with a JSON body (transcriptions are multipart and handled apart). */
const POST_PATHS = new Set([
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/images/generations',
  '/v1/audio/speech',
]);

/** A behaviour's chunk bodies, built once per behaviour object (the benchmark reuses one for every stream). */
interface Script {
  /** The `choices` JSON of each content chunk. */
  content: string[];
  finish: string;
  text: string;
  toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

/**
 * A local stand-in for an OpenAI-compatible upstream over real HTTP on 127.0.0.1:
 * `POST /v1/chat/completions` (SSE or JSON, `stream_options.include_usage` answered with a final chunk
 * that has empty `choices` and the usage, as OpenAI does), `POST /v1/embeddings`, `GET /v1/models`,
 * `POST /v1/images/generations` (solid-colour PNGs of the asked size, base64 or by URL),
 * `POST /v1/audio/speech` (a WAV of silence, 50 ms a character) and `POST /v1/audio/transcriptions`
 * (multipart; `text` is the transcript, `verbose_json` adds language and duration).
 *
 * What a request gets, first match wins: the next behaviour queued for its model (`script`), the next
 * one queued for any model (`script('*', ...)`), the behaviour set for its model (`on`), `defaults`.
 * Every request is recorded in `requests`; every request whose client went away before the answer was
 * complete is also in `aborts` (how tests prove that a client disconnect reaches the upstream).
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  readonly aborts: RecordedRequest[] = [];
  /** Behaviour per model name (the `model` of the request body). */
  readonly scenarios = new Map<string, Behaviour>();
  defaults: Behaviour;
  private readonly queues = new Map<string, Behaviour[]>();
  private readonly scripts = new WeakMap<Behaviour, Script>();
  private readonly record: boolean;
  /** Images answered by URL, by file name. */
  private readonly servedImages = new Map<string, Buffer>();
  private seq = 0;
  private closing = false;

  private constructor(
    private readonly server: Server,
    /** The base URL, ending in `/v1` (what OPENAI_BASE_URL takes). */
    readonly url: string,
    options: FakeOpenAIOptions,
  ) {
    this.defaults = options.defaults ?? {};
    this.record = options.record ?? true;
  }

  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    let fake: FakeOpenAI | undefined;
    const { server, origin } = await listenLocal((req, res) => fake!.handle(req, res), {
      keepAliveTimeout: 60_000,
    });
    fake = new FakeOpenAI(server, `${origin}/v1`, options);
    return fake;
  }

  /** Sets the behaviour of every request for `model`; returns the model name for convenience. */
  on(model: string, behaviour: Behaviour): string {
    this.scenarios.set(model, behaviour);
    return model;
  }

  /** Queues one-shot behaviours for the next requests for `model` (`*`: any model), in order. */
  script(model: string, ...behaviours: Behaviour[]): void {
    const queue = this.queues.get(model) ?? [];
    queue.push(...behaviours);
    this.queues.set(model, queue);
  }

  /** Requests whose body asked for `model`. */
  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((r) => r.model === model);
  }

  async close(): Promise<void> {
    this.closing = true;
    await closeLocal(this.server);
  }

  private behaviourFor(model: string | undefined): Behaviour {
    const key = model ?? '';
    return (
      this.queues.get(key)?.shift() ??
      this.queues.get('*')?.shift() ??
      this.scenarios.get(key) ??
      this.defaults
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && path === '/v1/audio/transcriptions')
      return void this.transcriptionRequest(req, res, path);
    if (req.method === 'GET' && path.startsWith('/fake-images/')) return void this.servedImage(res, path);
    readJsonBody(req, (raw, body) => {
      const model = typeof body?.model === 'string' ? body.model : undefined;
      const recorded: RecordedRequest = {
        seq: ++this.seq,
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        model,
        receivedAt: performance.now(),
        aborted: false,
      };
      if (this.record) this.requests.push(recorded);
      const cut = watchAnswer(
        res,
        () => {
          recorded.aborted = true;
          this.aborts.push(recorded);
        },
        () => this.closing,
      );
      if (req.method === 'GET' && path === '/v1/models') return void this.models(res);
      if (req.method !== 'POST' || !POST_PATHS.has(path)) {
        return void sendError(res, { status: 404, message: `Unknown request URL: ${req.method} ${path}` });
      }
      if (!body || !model) {
        return void sendError(res, {
          status: 400,
          message: 'We could not parse the JSON body of your request.',
        });
      }
      const behaviour = this.behaviourFor(model);
      if (behaviour.hang) return;
      const answer = () => {
        if (res.destroyed) return;
        if (behaviour.error) return void sendError(res, behaviour.error);
        if (path === '/v1/embeddings') return void this.embeddings(res, body, raw.length);
        if (path === '/v1/images/generations') return void this.images(req, res, body, behaviour);
        if (path === '/v1/audio/speech') return void this.speech(res, body);
        if (body.stream === true)
          return void this.stream(res, recorded.seq, body, behaviour, raw.length, cut);
        const generation = behaviour.tokensPerSecond
          ? (this.scriptOf(behaviour).content.length * 1000) / behaviour.tokensPerSecond
          : 0;
        if (generation === 0) return void this.completion(res, recorded.seq, body, behaviour, raw.length);
        const arrived = performance.now();
        const timer = setTimeout(
          () => this.completion(res, recorded.seq, body, behaviour, raw.length),
          Math.max(0, generation - (performance.now() - arrived)),
        );
        res.once('close', () => clearTimeout(timer));
      };
      if (behaviour.latencyMs) setTimeout(answer, behaviour.latencyMs);
      else answer();
    });
  }

  private scriptOf(behaviour: Behaviour): Script {
    let script = this.scripts.get(behaviour);
    if (script) return script;
    const text = behaviour.text ?? (behaviour.toolCalls ? '' : DEFAULT_TEXT);
    const choice = (delta: string) => `[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null}]`;
    const content = (text.match(/\S+\s*/g) ?? []).map((word) =>
      choice(`{"content":${JSON.stringify(word)}}`),
    );
    const toolCalls = (behaviour.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_fake${index}`,
      type: 'function' as const,
      function: { name: call.name, arguments: call.arguments },
    }));
    toolCalls.forEach((call, index) => {
      content.push(
        choice(
          `{"tool_calls":[${JSON.stringify({ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } })}]}`,
        ),
      );
      // The arguments in two pieces, as upstreams split them anywhere (even inside a JSON token).
      const args = call.function.arguments;
      const half = Math.ceil(args.length / 2);
      for (const piece of [args.slice(0, half), args.slice(half)]) {
        if (piece)
          content.push(
            choice(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(piece)}}}]}`),
          );
      }
    });
    const reason = behaviour.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
    script = {
      content,
      finish: `[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}"}]`,
      text,
      toolCalls,
    };
    this.scripts.set(behaviour, script);
    return script;
  }

  private usageOf(behaviour: Behaviour, script: Script, bodyLength: number): string | undefined {
    if (behaviour.usage === false) return undefined;
    const usage = behaviour.usage ?? {
      prompt_tokens: Math.ceil(bodyLength / 4),
      completion_tokens: script.content.length,
    };
    return JSON.stringify({ ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens });
  }

  private stream(
    res: ServerResponse,
    seq: number,
    body: Record<string, unknown>,
    behaviour: Behaviour,
    bodyLength: number,
    cut: () => void,
  ): void {
    const script = this.scriptOf(behaviour);
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const head = `data: {"id":"chatcmpl-fake${seq}","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(body.model)},"system_fingerprint":"fp_fake","choices":`;
    // With include_usage, OpenAI sends `"usage":null` on every chunk but the last.
    const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write(
      `${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${tail}`,
    );
    const { disconnectAfter, stallAfter, malformed } = behaviour;
    const intervalMs = behaviour.tokensPerSecond ? 1000 / behaviour.tokensPerSecond : 0;
    let sent = 0;
    /** Writes the next chunk; false once the stream is over (ended, cut, stalled). */
    const step = (): boolean => {
      if (res.destroyed || sent === stallAfter) return false;
      if (sent === disconnectAfter) {
        cut();
        return false;
      }
      if (sent === malformed?.after) {
        res.end(
          malformed.kind === 'garbage'
            ? 'data: this is not JSON\n\n'
            : `${head}[{"index":0,"delta":{"content":"brok\n\n`,
        );
        return false;
      }
      if (sent < script.content.length) {
        res.write(head + script.content[sent++] + tail);
        return true;
      }
      let end = head + script.finish + tail;
      const usage = includeUsage ? this.usageOf(behaviour, script, bodyLength) : undefined;
      if (usage) end += `${head}[],"usage":${usage}}\n\n`;
      res.end(`${end}data: [DONE]\n\n`);
      return false;
    };
    if (intervalMs === 0) {
      while (step());
      return;
    }
    // Paced against the clock from the headers on (chunk i is due at (i + 1) × interval), so timer lateness
    // under load does not add up: each tick sends every chunk due by then, and the end right after the last.
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      const due = Math.floor((performance.now() - started) / intervalMs + 1e-9);
      while (sent < due || sent === script.content.length) if (!step()) return;
      timer = setTimeout(tick, Math.max(0, started + (sent + 1) * intervalMs - performance.now()));
    };
    timer = setTimeout(tick, intervalMs);
    res.once('close', () => clearTimeout(timer));
  }

  private completion(
    res: ServerResponse,
    seq: number,
    body: Record<string, unknown>,
    behaviour: Behaviour,
    bodyLength: number,
  ): void {
    const script = this.scriptOf(behaviour);
    const usage = this.usageOf(behaviour, script, bodyLength);
    const message = {
      role: 'assistant',
      content: script.toolCalls.length > 0 && script.text === '' ? null : script.text,
      refusal: null,
      ...(script.toolCalls.length > 0 ? { tool_calls: script.toolCalls } : {}),
    };
    sendJson(res, 200, {
      id: `chatcmpl-fake${seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message,
          logprobs: null,
          finish_reason: behaviour.finishReason ?? (script.toolCalls.length > 0 ? 'tool_calls' : 'stop'),
        },
      ],
      ...(usage ? { usage: JSON.parse(usage) } : {}),
      system_fingerprint: 'fp_fake',
    });
  }

  /** Deterministic vectors (a function of the text), `dimensions` long (default 8). */
  private embeddings(res: ServerResponse, body: Record<string, unknown>, bodyLength: number): void {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 8;
    const data = inputs.map((input, index) => {
      const text = String(input);
      let seed = 0;
      for (let i = 0; i < text.length; i++) seed = (seed * 31 + text.charCodeAt(i)) >>> 0;
      const embedding = Array.from({ length: dimensions }, (_, i) => ((seed >>> (i % 24)) % 1000) / 1000);
      // The OpenAI SDK asks for base64 (little-endian float32) unless told otherwise, and decodes it.
      return {
        object: 'embedding',
        index,
        embedding:
          body.encoding_format === 'base64'
            ? Buffer.from(new Float32Array(embedding).buffer).toString('base64')
            : embedding,
      };
    });
    const tokens = Math.ceil(bodyLength / 4);
    sendJson(res, 200, {
      object: 'list',
      data,
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  /** Solid-colour PNGs of the asked `size` (default 256x256), `n` of them. */
  private images(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
    behaviour: Behaviour,
  ): void {
    const [width, height] = String(body.size ?? '256x256')
      .split('x')
      .map(Number) as [number, number];
    const n = typeof body.n === 'number' ? body.n : 1;
    const data = Array.from({ length: n }, (_, i) => {
      const png = solidPng(width || 1, height || 1, [40 * i, 120, 200]);
      const revised = behaviour.revisedPrompt ? { revised_prompt: behaviour.revisedPrompt } : {};
      if (!behaviour.imageUrls) return { b64_json: png.toString('base64'), ...revised };
      const name = `${this.seq}-${i}.png`;
      this.servedImages.set(name, png);
      return { url: `http://${req.headers.host}/fake-images/${name}`, ...revised };
    });
    sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data });
  }

  private servedImage(res: ServerResponse, path: string): void {
    const png = this.servedImages.get(path.slice('/fake-images/'.length));
    if (!png) return void sendError(res, { status: 404, message: 'No such image' });
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
  }

  /** A WAV of silence: 24 kHz mono 16-bit, 50 ms for each character of `input`. */
  private speech(res: ServerResponse, body: Record<string, unknown>): void {
    const samples = Math.round(String(body.input ?? '').length * 0.05 * 24_000);
    const wav = Buffer.alloc(44 + samples * 2);
    wav.write('RIFF', 0, 'latin1');
    wav.writeUInt32LE(36 + samples * 2, 4);
    wav.write('WAVEfmt ', 8, 'latin1');
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(24_000, 24);
    wav.writeUInt32LE(48_000, 28);
    wav.writeUInt16LE(2, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36, 'latin1');
    wav.writeUInt32LE(samples * 2, 40);
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length }).end(wav);
  }

  /** A multipart transcription: recorded (fields, and the file's name, type and bytes), then answered. */
  private transcriptionRequest(req: IncomingMessage, res: ServerResponse, path: string): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = parseMultipart(Buffer.concat(chunks), String(req.headers['content-type'] ?? ''));
      const model = typeof body?.model === 'string' ? body.model : undefined;
      const recorded: RecordedRequest = {
        seq: ++this.seq,
        method: 'POST',
        path,
        headers: req.headers,
        body,
        model,
        receivedAt: performance.now(),
        aborted: false,
      };
      if (this.record) this.requests.push(recorded);
      watchAnswer(
        res,
        () => {
          recorded.aborted = true;
          this.aborts.push(recorded);
        },
        () => this.closing,
      );
      if (!body || !model || !body.file)
        return void sendError(res, { status: 400, message: 'file and model are required' });
      const behaviour = this.behaviourFor(model);
      if (behaviour.hang) return;
      const answer = () => {
        if (res.destroyed) return;
        if (behaviour.error) return void sendError(res, behaviour.error);
        const text = behaviour.text ?? DEFAULT_TEXT;
        if (body.response_format === 'verbose_json') {
          if (behaviour.rejectVerboseJson)
            return void sendError(res, {
              status: 400,
              message:
                "response_format 'verbose_json' is not compatible with this model, use 'json' or 'text'",
              param: 'response_format',
            });
          return void sendJson(res, 200, {
            task: 'transcribe',
            language: 'english',
            duration: 1.5,
            text,
            segments: [],
          });
        }
        sendJson(res, 200, {
          text,
          usage: { type: 'tokens', input_tokens: 10, output_tokens: 5, total_tokens: 15 },
        });
      };
      if (behaviour.latencyMs) setTimeout(answer, behaviour.latencyMs);
      else answer();
    });
  }

  private models(res: ServerResponse): void {
    const ids = new Set(['fake-model', ...this.scenarios.keys()]);
    sendJson(res, 200, {
      object: 'list',
      data: [...ids].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
    });
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
function sendError(res: ServerResponse, error: NonNullable<Behaviour['error']>): void {
  const type =
    error.type ??
    (error.status === 429
      ? 'rate_limit_exceeded'
      : error.status >= 500
        ? 'server_error'
        : 'invalid_request_error');
  sendJson(
    res,
    error.status,
    {
      error: {
        message: error.message ?? `The fake upstream answered HTTP ${error.status}`,
        type,
        param: error.param ?? null,
        code: error.code ?? null,
      },
    },
    error.retryAfter === undefined ? {} : { 'retry-after': error.retryAfter },
  );
}

/** A PNG of one colour (8-bit RGB), built with node:zlib. */
function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.of(0), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3]!)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A multipart/form-data body's text fields, and its `file` part as `{ filename, contentType, bytes }`. */
function parseMultipart(body: Buffer, contentType: string): Record<string, unknown> | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const out: Record<string, unknown> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    if (name !== undefined) {
      out[name] =
        filename === undefined
          ? content.toString('utf8')
          : {
              filename,
              contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? null,
              bytes: content.length,
            };
    }
    start = next;
  }
  return out;
}

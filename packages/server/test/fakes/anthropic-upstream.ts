import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeLocal, listenLocal, readJsonBody, watchAnswer } from '../support/local-http.js';

/** What the fake does with one request. `{}` answers the default text reply. */
export interface AnthropicBehaviour {
  /** Never answer (until the client gives up or the fake is closed). */
  hang?: boolean;
  /** Answer this HTTP error with Anthropic's error body (and `retry-after` when given). */
  error?: { status: number; type?: string; message?: string; retryAfter?: string };
  /** The reply text, streamed one word per `text_delta`. */
  text?: string;
  /** `tool_use` blocks after the text, their input streamed as `input_json_delta` pieces. */
  toolUses?: { id?: string; name: string; input: Record<string, unknown> }[];
  /** Default: `tool_use` when there are tool uses, else `end_turn`. */
  stopReason?: string;
  /** Default: a rough count (request bytes / 4 in, one per delta out). */
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
  };
  /** Streaming: after this many `content_block_delta` events, drop the connection. */
  disconnectAfter?: number;
  /** Streaming: after this many `content_block_delta` events, send an `error` event and end (as on overload). */
  errorEventAfter?: { after: number; type: string; message: string };
}

export interface RecordedAnthropicRequest {
  seq: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  model: string | undefined;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
}

/** Anthropic's error types for the statuses tests use. */
export const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The body parameters of `POST /v1/messages` (API version 2026-10-21); anything else is refused. */
const KNOWN_FIELDS = new Set([
  'cache_control',
  'container',
  'diagnostics',
  'inference_geo',
  'max_tokens',
  'messages',
  'metadata',
  'model',
  'output_config',
  'service_tier',
  'speed',
  'stop_sequences',
  'stream',
  'system',
  'thinking',
  'tool_choice',
  'tools',
]);

const DEFAULT_TEXT = 'Hello from the fake Anthropic upstream.';

/**
 * A local stand-in for Anthropic's `POST /v1/messages` over real HTTP on 127.0.0.1: SSE with the real
 * event sequence (message_start, ping, content_block_start/delta/stop for text and tool_use with
 * input_json_delta, message_delta with stop_reason and cumulative usage, message_stop), or one JSON
 * Message when `stream` is not true.
 *
 * Like the real API it checks the key (`x-api-key`, or `Authorization: Bearer` as SDK 1.x sends it), the
 * `anthropic-version` header, and the body: required `model`/`max_tokens`/`messages`, no unknown fields
 * (API version 2026-10-21 refuses `temperature`, `top_p`, `top_k`), no empty text blocks, and every
 * `tool_use` answered by a `tool_result` in the next user turn (and no `tool_result` without one).
 *
 * What a request gets: the next behaviour queued with `script`, else `defaults`. Every request is
 * recorded in `requests`; one whose client went away first is also in `aborts`.
 */
export class FakeAnthropic {
  readonly requests: RecordedAnthropicRequest[] = [];
  readonly aborts: RecordedAnthropicRequest[] = [];
  defaults: AnthropicBehaviour = {};
  private readonly queue: AnthropicBehaviour[] = [];
  private seq = 0;
  private closing = false;

  private constructor(
    private readonly server: Server,
    /** The base URL (what a deployment's `base_url` takes; the SDK appends `/v1/messages`). */
    readonly url: string,
    readonly apiKey: string,
  ) {}

  static async start(apiKey = 'sk-ant-fake-key'): Promise<FakeAnthropic> {
    let fake: FakeAnthropic | undefined;
    const { server, origin } = await listenLocal((req, res) => fake!.handle(req, res));
    fake = new FakeAnthropic(server, origin, apiKey);
    return fake;
  }

  /** Queues one-shot behaviours for the next requests, in order. */
  script(...behaviours: AnthropicBehaviour[]): void {
    this.queue.push(...behaviours);
  }

  /** The body of the last request (what the adapter sent). */
  get lastBody(): Record<string, unknown> {
    const body = this.requests.at(-1)?.body;
    if (!body) throw new Error('the fake Anthropic upstream has received no request');
    return body;
  }

  async close(): Promise<void> {
    this.closing = true;
    await closeLocal(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    readJsonBody(req, (raw, body) => {
      const recorded: RecordedAnthropicRequest = {
        seq: ++this.seq,
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        model: typeof body?.model === 'string' ? body.model : undefined,
        aborted: false,
      };
      this.requests.push(recorded);
      const cut = watchAnswer(
        res,
        () => {
          recorded.aborted = true;
          this.aborts.push(recorded);
        },
        () => this.closing,
      );
      const fail = (status: number, message: string, headers: Record<string, string> = {}) =>
        sendError(res, status, ANTHROPIC_ERROR_TYPES[status] ?? 'api_error', message, headers);

      if (req.method !== 'POST' || path !== '/v1/messages') return void fail(404, 'Not found');
      const key =
        firstHeader(req.headers['x-api-key']) ??
        /^Bearer (.+)$/.exec(firstHeader(req.headers.authorization) ?? '')?.[1];
      if (key !== this.apiKey) return void fail(401, 'invalid x-api-key');
      if (!req.headers['anthropic-version']) return void fail(400, 'anthropic-version: header is required');
      if (!body) return void fail(400, 'There was an issue with the body of your request: not valid JSON');
      const problem = checkBody(body);
      if (problem) return void fail(400, problem);

      const behaviour = this.queue.shift() ?? this.defaults;
      if (behaviour.hang) return;
      if (behaviour.error) {
        const { status, type, message, retryAfter } = behaviour.error;
        return void sendError(
          res,
          status,
          type ?? ANTHROPIC_ERROR_TYPES[status] ?? 'api_error',
          message ?? `The fake Anthropic upstream answered HTTP ${status}`,
          retryAfter === undefined ? {} : { 'retry-after': retryAfter },
        );
      }
      const reply = replyOf(behaviour, recorded, raw.length);
      if (body.stream === true) this.stream(res, reply, behaviour, cut);
      else sendJson(res, 200, reply.message);
    });
  }

  private stream(res: ServerResponse, reply: Reply, behaviour: AnthropicBehaviour, cut: () => void): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': reply.requestId,
    });
    const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    const { message, usage } = reply;
    res.write(
      event('message_start', {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      }),
    );
    res.write(event('ping', { type: 'ping' }));
    let deltas = 0;
    /** Writes a delta unless the behaviour ends the stream first; false once it has ended. */
    const delta = (index: number, body: object): boolean => {
      if (deltas === behaviour.disconnectAfter) {
        cut();
        return false;
      }
      const failure = behaviour.errorEventAfter;
      if (deltas === failure?.after) {
        res.end(event('error', { type: 'error', error: { type: failure.type, message: failure.message } }));
        return false;
      }
      deltas++;
      res.write(event('content_block_delta', { type: 'content_block_delta', index, delta: body }));
      return true;
    };
    for (const [index, block] of message.content.entries()) {
      if (block.type === 'text') {
        res.write(
          event('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'text', text: '', citations: null },
          }),
        );
        for (const word of block.text.match(/\S+\s*/g) ?? [])
          if (!delta(index, { type: 'text_delta', text: word })) return;
      } else {
        res.write(
          event('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { ...block, input: {} },
          }),
        );
        // The input JSON in pieces split anywhere (even inside a token), after an empty first piece.
        const json = JSON.stringify(block.input);
        const pieces = json === '{}' ? [''] : ['', ...(json.match(/[\s\S]{1,7}/g) ?? [])];
        for (const piece of pieces)
          if (!delta(index, { type: 'input_json_delta', partial_json: piece })) return;
      }
      res.write(event('content_block_stop', { type: 'content_block_stop', index }));
    }
    res.write(
      event('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: message.stop_reason, stop_sequence: null, stop_details: null, container: null },
        usage,
      }),
    );
    res.end(event('message_stop', { type: 'message_stop' }));
  }
}

type Block =
  | { type: 'text'; text: string; citations: null }
  | {
      type: 'tool_use';
      id: string;
      name: string;
      input: Record<string, unknown>;
      caller: { type: 'direct' };
    };

interface Reply {
  requestId: string;
  usage: Record<string, number>;
  message: { content: Block[]; stop_reason: string } & Record<string, unknown>;
}

function replyOf(
  behaviour: AnthropicBehaviour,
  request: RecordedAnthropicRequest,
  bodyLength: number,
): Reply {
  const text = behaviour.text ?? (behaviour.toolUses ? '' : DEFAULT_TEXT);
  const content: Block[] = [];
  if (text) content.push({ type: 'text', text, citations: null });
  for (const [i, use] of (behaviour.toolUses ?? []).entries()) {
    content.push({
      type: 'tool_use',
      id: use.id ?? `toolu_fake${request.seq}_${i}`,
      name: use.name,
      input: use.input,
      caller: { type: 'direct' },
    });
  }
  const usage = {
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...(behaviour.usage ?? {
      input_tokens: Math.ceil(bodyLength / 4),
      output_tokens: (text.match(/\S+/g) ?? []).length + (behaviour.toolUses?.length ?? 0) * 10,
    }),
  };
  return {
    requestId: `req_fake${request.seq}`,
    usage,
    message: {
      id: `msg_fake${request.seq}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: behaviour.stopReason ?? (behaviour.toolUses?.length ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage,
    },
  };
}

type Json = Record<string, unknown>;

/** The checks of the real API that an adapter can get wrong; the first problem found, in its words. */
function checkBody(body: Json): string | undefined {
  for (const key of Object.keys(body))
    if (!KNOWN_FIELDS.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens))
    return 'max_tokens: Field required';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (const [i, message] of (messages as Json[]).entries()) {
    if (!['user', 'assistant', 'system'].includes(message.role as string))
      return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    const blocks =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${i}: content must not be empty`;
    for (const [j, block] of (blocks as Json[]).entries())
      if (block.type === 'text' && !block.text)
        return `messages.${i}.content.${j}: text content blocks must be non-empty`;
    const uses = idsOf(blocks as Json[], 'tool_use', 'id');
    const next = messages[i + 1] as Json | undefined;
    const answered =
      next && Array.isArray(next.content) ? idsOf(next.content as Json[], 'tool_result', 'tool_use_id') : [];
    const missing = uses.filter((id) => !answered.includes(id));
    if (missing.length > 0)
      return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    const previous = messages[i - 1] as Json | undefined;
    const asked =
      previous && Array.isArray(previous.content) ? idsOf(previous.content as Json[], 'tool_use', 'id') : [];
    const orphan = idsOf(blocks as Json[], 'tool_result', 'tool_use_id').find((id) => !asked.includes(id));
    if (orphan !== undefined)
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${orphan}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
  }
  return undefined;
}

function idsOf(blocks: Json[], type: string, field: string): string[] {
  return blocks.filter((b) => b.type === type).map((b) => String(b[field]));
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...headers })
    .end(JSON.stringify(body));
}

/** Anthropic's error body: `{ type: "error", error: { type, message }, request_id }`. */
function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: 'req_fake' }, headers);
}

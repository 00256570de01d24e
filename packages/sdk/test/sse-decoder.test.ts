import { describe, expect, it } from 'vitest';
import { decodeServerSentEvents, type ServerSentEvent } from '../src/index.js';

/** The decoder against the WHATWG event-stream rules, with the input cut into chunks at every position. */

const encoder = new TextEncoder();

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? encoder.encode(c) : c);
      controller.close();
    },
  });
}

async function decode(chunks: (string | Uint8Array)[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const e of decodeServerSentEvents(streamOf(chunks))) events.push(e);
  return events;
}

const CASES: [name: string, input: string, expected: ServerSentEvent[]][] = [
  [
    'named events with ids (what Nexus sends)',
    'id: 1\nevent: message.created\ndata: {"a":1}\n\nid: 2\nevent: response.output_text.delta\ndata: {"b":2}\n\n',
    [
      { event: 'message.created', data: '{"a":1}', id: '1' },
      { event: 'response.output_text.delta', data: '{"b":2}', id: '2' },
    ],
  ],
  ['CRLF line endings', 'event: x\r\ndata: one\r\n\r\n', [{ event: 'x', data: 'one', id: undefined }]],
  ['CR line endings', 'event: x\rdata: one\r\r', [{ event: 'x', data: 'one', id: undefined }]],
  [
    'multi-line data joined with \\n',
    'data: a\ndata: b\ndata:c\n\n',
    [{ event: 'message', data: 'a\nb\nc', id: undefined }],
  ],
  [
    'comments and heartbeats ignored',
    ': open\n\n: ping\n\ndata: x\n: in the middle\n\n',
    [{ event: 'message', data: 'x', id: undefined }],
  ],
  [
    'only one leading space dropped',
    'data:  two spaces\n\n',
    [{ event: 'message', data: ' two spaces', id: undefined }],
  ],
  [
    'an event without data is not dispatched',
    'event: empty\n\ndata: y\n\n',
    [{ event: 'message', data: 'y', id: undefined }],
  ],
  [
    'a retry: field is ignored',
    'retry: 3000\n\ndata: z\n\n',
    [{ event: 'message', data: 'z', id: undefined }],
  ],
  [
    'the id carries over to later events',
    'id: 7\ndata: a\n\ndata: b\n\n',
    [
      { event: 'message', data: 'a', id: '7' },
      { event: 'message', data: 'b', id: '7' },
    ],
  ],
  [
    'an event cut off before its blank line is dropped',
    'data: complete\n\ndata: {"trunc',
    [{ event: 'message', data: 'complete', id: undefined }],
  ],
  ['multi-byte UTF-8', 'data: 你好，世界 ✓\n\n', [{ event: 'message', data: '你好，世界 ✓', id: undefined }]],
];

describe('decodeServerSentEvents', () => {
  it.each(CASES)('%s (whole)', async (_name, input, expected) => {
    expect(await decode([input])).toEqual(expected);
  });

  it.each(CASES)('%s (split at every byte)', async (_name, input, expected) => {
    const bytes = encoder.encode(input);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await decode([bytes.slice(0, cut), bytes.slice(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('one byte per chunk', async () => {
    const bytes = encoder.encode(CASES[1]![1] + CASES[10]![1]);
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(await decode(chunks)).toEqual([CASES[1]![2][0], CASES[10]![2][0]]);
  });

  it('stopping early cancels the body', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode('data: tick\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of decodeServerSentEvents(body)) {
      expect(event.data).toBe('tick');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

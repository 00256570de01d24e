/** One server-sent event as the wire carries it. */
export interface ServerSentEvent {
  /** The `event:` field; `message` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field, when the event had one. */
  id: string | undefined;
}

/**
 * Decodes a `text/event-stream` byte stream into events, following the WHATWG rules: lines end in LF, CR
 * or CRLF (also split across chunks), `:` lines are comments, a blank line dispatches, multi-line `data`
 * is joined with `\n`, one leading space after the colon is dropped, events without data are skipped, and
 * UTF-8 characters split across chunks are decoded whole. An event cut off before its blank line is
 * dropped. Stopping the iteration early cancels the body (closing the connection).
 * @example for await (const e of decodeServerSentEvents(response.body!)) console.log(e.event, e.data);
 */
export async function* decodeServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let carry = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let pendingCR = false;
  let finished = false;

  const lineOf = (line: string): ServerSentEvent | undefined => {
    if (line === '') {
      const dispatched =
        data.length > 0 ? { event: event || 'message', data: data.join('\n'), id } : undefined;
      data = [];
      event = '';
      return dispatched;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    return undefined;
  };

  try {
    while (true) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      let i = 0;
      // The LF of a CRLF whose CR ended the previous chunk is not a second line break.
      if (pendingCR && text.charCodeAt(0) === 10) i = 1;
      if (text.length > 0) pendingCR = false;
      let start = i;
      for (; i < text.length; i++) {
        const ch = text.charCodeAt(i);
        if (ch !== 10 && ch !== 13) continue;
        const dispatched = lineOf(carry + text.slice(start, i));
        carry = '';
        if (dispatched) yield dispatched;
        if (ch === 13) {
          if (i + 1 < text.length) {
            if (text.charCodeAt(i + 1) === 10) i++;
          } else pendingCR = true;
        }
        start = i + 1;
      }
      carry += text.slice(start);
      if (done) {
        finished = true;
        break;
      }
    }
    // An event cut off before its blank line is not dispatched (WHATWG): its data may be incomplete.
  } finally {
    // A consumer that stops early (break, an error) closes the connection instead of leaving it open.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * The events of one streaming reply, as stored in the event log and sent to clients (SSE `event:` + `data:`,
 * and later WebSocket frames). Names follow OpenAI's Responses / Realtime API where one fits. Every event's
 * JSON starts with its `type`, so an edge can name the event without parsing the payload
 * ({@link replyEventType}).
 */
export type ReplyEvent =
  | {
      type: 'message.created';
      conversation_id: string;
      user_message_id: string;
      assistant_message_id: string;
      /** The parent of the assistant message (the user message it answers). */
      parent_id: string;
      model: string;
    }
  | { type: 'response.output_text.delta'; message_id: string; delta: string }
  | {
      type: 'response.usage';
      message_id: string;
      usage: { input_tokens: number; output_tokens: number; total_tokens: number };
    }
  | { type: 'response.completed'; message: unknown }
  | { type: 'response.cancelled'; message: unknown }
  | { type: 'error'; message_id: string; code: string; message: string; message_state?: unknown };

export type ReplyEventType = ReplyEvent['type'];

/** The final events: a stream ends after one of them. */
export const FINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'response.completed',
  'response.cancelled',
  'error',
]);

/** The event log's stream key for one assistant message. */
export function replyStreamKey(messageId: string): string {
  return `reply:${messageId}`;
}

/** Encodes an event for the log: JSON with `type` first. */
export function encodeReplyEvent(event: ReplyEvent): string {
  return JSON.stringify(event);
}

const TYPE_PREFIX = '{"type":"';

/**
 * The `type` of an encoded event, read from its first bytes (no JSON parse per event per reader).
 * @example replyEventType('{"type":"response.output_text.delta","delta":"Hi"}') // 'response.output_text.delta'
 */
export function replyEventType(data: string): string {
  if (!data.startsWith(TYPE_PREFIX)) return 'message';
  const end = data.indexOf('"', TYPE_PREFIX.length);
  return end < 0 ? 'message' : data.slice(TYPE_PREFIX.length, end);
}

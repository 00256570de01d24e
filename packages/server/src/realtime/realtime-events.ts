import { z } from 'zod';
import {
  AppError,
  BadRequestError,
  ForbiddenError,
  InvalidJsonError,
  PayloadTooLargeError,
  ValidationError,
} from '../errors.js';
import { idSchema } from '../ids.js';
import { MAX_CONTENT_CHARS } from '../modules/conversations/conversations.schemas.js';

/**
 * The client events of `GET /v1/realtime` (JSON text frames), named after OpenAI's Realtime API where one
 * fits, and the errors the channel itself raises. docs/realtime.md is the reference. Every client event
 * may carry its own `event_id` (up to 128 characters): an `error` caused by the event names it back.
 */

const clientEventId = z.string().min(1).max(128).optional();

/** What a reconnecting client last received: the SSE `Last-Event-ID` rules (printable ASCII, no spaces). */
const lastEventId = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1–128 printable characters without spaces')
  .nullable()
  .optional();

const token = z.string().min(1).max(8_192);
const tenantId = idSchema('ten').optional();

/** One user message in the Realtime item shape; several `input_text` parts are joined by a line break. */
export const userMessageItem = z
  .object({
    type: z.literal('message'),
    role: z.literal('user'),
    content: z
      .array(z.object({ type: z.literal('input_text'), text: z.string() }).strict())
      .min(1)
      .max(64),
  })
  .strict()
  .refine((item) => textOf(item).trim() !== '', {
    message: 'the message has no text',
    path: ['content'],
  })
  .refine((item) => textOf(item).length <= MAX_CONTENT_CHARS, {
    message: `the message is over ${MAX_CONTENT_CHARS} characters`,
    path: ['content'],
  });

export type UserMessageItem = z.infer<typeof userMessageItem>;

/** A message already in the conversation, by id (OpenAI Realtime's `item_reference`). */
const itemReference = z.object({ type: z.literal('item_reference'), id: idSchema('msg') }).strict();

/**
 * The text of a user message item.
 * @example textOf({ content: [{ type: 'input_text', text: 'a' }, { type: 'input_text', text: 'b' }] }) // 'a\nb'
 */
export function textOf(item: { content: readonly { text: string }[] }): string {
  return item.content.map((part) => part.text).join('\n');
}

const schemas = {
  /** Authenticates a socket whose upgrade request had no `Authorization` header (browsers). */
  auth: z.object({ type: z.literal('auth'), event_id: clientEventId, token, tenant_id: tenantId }).strict(),
  /** Binds the session to a conversation; may also carry the credentials (as the first event). */
  'session.update': z
    .object({
      type: z.literal('session.update'),
      event_id: clientEventId,
      session: z
        .object({
          conversation_id: idSchema('conv').optional(),
          token: token.optional(),
          tenant_id: tenantId,
        })
        .strict(),
    })
    .strict(),
  /** A user message, saved at once (answered `conversation.item.created`); `response.create` answers it. */
  'conversation.item.create': z
    .object({
      type: z.literal('conversation.item.create'),
      event_id: clientEventId,
      previous_item_id: idSchema('msg').nullable().optional(),
      item: userMessageItem,
    })
    .strict(),
  /**
   * Generates a reply: to `response.input` (a new user message, saved with the reply, or an
   * `item_reference` to a message of the conversation), else to the active leaf (the latest message).
   */
  'response.create': z
    .object({
      type: z.literal('response.create'),
      event_id: clientEventId,
      response: z
        .object({
          input: z
            .array(z.union([userMessageItem, itemReference]))
            .length(1)
            .optional(),
          previous_item_id: idSchema('msg').nullable().optional(),
          temperature: z.number().min(0).max(2).optional(),
          max_output_tokens: z.number().int().min(1).max(1_000_000).optional(),
          continue_on_disconnect: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  /** Stops the reply being generated (this session's, or `response_id`). */
  'response.cancel': z
    .object({
      type: z.literal('response.cancel'),
      event_id: clientEventId,
      response_id: idSchema('msg').optional(),
    })
    .strict(),
  /** Replays a reply's events after `last_event_id`, then continues live, from any instance. */
  'response.resume': z
    .object({
      type: z.literal('response.resume'),
      event_id: clientEventId,
      message_id: idSchema('msg'),
      conversation_id: idSchema('conv').optional(),
      last_event_id: lastEventId,
    })
    .strict(),
  /** An application-level ping (browsers cannot send WebSocket pings): answered with `pong`. */
  ping: z.object({ type: z.literal('ping'), event_id: clientEventId }).strict(),
} as const;

export type ClientEventType = keyof typeof schemas;
export type ClientEvent = { [K in ClientEventType]: z.infer<(typeof schemas)[K]> }[ClientEventType];
export const CLIENT_EVENT_TYPES = Object.keys(schemas) as ClientEventType[];

/** A frame the channel does not understand. */
export class UnknownEventError extends BadRequestError {
  override readonly code = 'unknown_event';
}

/** A binary frame: the channel takes JSON text frames (audio arrives in a later version). */
export class BinaryFrameError extends BadRequestError {
  override readonly code = 'binary_not_supported';
}

/** Too many malformed frames within the window: the socket is closed (1008). */
export class TooManyErrorsError extends AppError {
  readonly code = 'too_many_errors';
  readonly status = 429;
}

/** An event that needs a conversation before `session.update` picked one. */
export class ConversationRequiredError extends BadRequestError {
  override readonly code = 'conversation_required';
}

/** An `auth` event on an authenticated session with another user's (or key's) credentials. */
export class PrincipalMismatchError extends ForbiddenError {
  override readonly code = 'principal_mismatch';
}

/** `response.create` with no message to answer (an empty conversation and no `response.input`). */
export class NoUserMessageError extends BadRequestError {
  override readonly code = 'no_user_message';
}

/**
 * Parses one text frame into a client event, or throws the AppError naming what is wrong:
 * `payload_too_large`, `invalid_json`, `unknown_event` or `validation_failed` (with the issues).
 * @example parseClientEvent('{"type":"ping"}', 1024) // { type: 'ping' }
 */
export function parseClientEvent(text: string, maxBytes: number): ClientEvent {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes)
    throw new PayloadTooLargeError(`The event is ${bytes} bytes; the limit is ${maxBytes}`, {
      details: { limit_bytes: maxBytes, size_bytes: bytes },
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(`The frame is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValidationFailed('An event is a JSON object with a "type"', [
      { path: '', message: 'expected an object' },
    ]);
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string')
    throw new ValidationFailed('An event needs a "type" string', [
      { path: 'type', message: 'required string' },
    ]);
  if (!Object.hasOwn(schemas, type))
    throw new UnknownEventError(`Unknown event type "${type.slice(0, 100)}"`, {
      details: { type: type.slice(0, 100), supported: CLIENT_EVENT_TYPES },
    });
  const result = schemas[type as ClientEventType].safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const first = issues[0]!;
    throw new ValidationFailed(
      `Invalid ${type} event: ${first.path === '' ? '' : `${first.path}: `}${first.message}`,
      issues,
    );
  }
  return result.data as ClientEvent;
}

class ValidationFailed extends ValidationError {
  constructor(message: string, issues: { path: string; message: string }[]) {
    super(message, { details: { issues } });
  }
}

/**
 * The client's own `event_id` of a frame, when it can be read (for `error.event_id`).
 * @example clientEventIdOf('{"type":"nope","event_id":"e1"}') // 'e1'
 */
export function clientEventIdOf(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as { event_id?: unknown };
    return typeof value?.event_id === 'string' && value.event_id.length <= 128 ? value.event_id : undefined;
  } catch {
    return undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { MAX_CONTENT_CHARS } from '../modules/conversations/conversations.schemas.js';
import { CLIENT_EVENT_TYPES, clientEventIdOf, parseClientEvent, textOf } from './realtime-events.js';

const LIMIT = 64 * 1024;
const conv = 'conv_01jabcdefghjkmnpqrstvwxyz0';
const msg = 'msg_01jabcdefghjkmnpqrstvwxyz0';
const item = (text: string) => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

function failure(frame: string, limit = LIMIT): AppError {
  try {
    parseClientEvent(frame, limit);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`parsed: ${frame}`);
}

describe('parseClientEvent', () => {
  it.each([
    ['auth', { type: 'auth', token: 'jwt', tenant_id: 'ten_01jabcdefghjkmnpqrstvwxyz0' }],
    ['session.update', { type: 'session.update', event_id: 'e1', session: { conversation_id: conv } }],
    ['session.update with a token', { type: 'session.update', session: { token: 'nx-key' } }],
    ['conversation.item.create', { type: 'conversation.item.create', item: item('hi') }],
    ['an item on a new root', { type: 'conversation.item.create', previous_item_id: null, item: item('hi') }],
    ['response.create', { type: 'response.create' }],
    [
      'response.create with input and parameters',
      {
        type: 'response.create',
        response: {
          input: [item('hi')],
          temperature: 0.2,
          max_output_tokens: 50,
          continue_on_disconnect: false,
        },
      },
    ],
    [
      'response.create answering a message by reference',
      { type: 'response.create', response: { input: [{ type: 'item_reference', id: msg }] } },
    ],
    ['response.cancel', { type: 'response.cancel', response_id: msg }],
    ['response.resume', { type: 'response.resume', message_id: msg, last_event_id: '1732000000000-0' }],
    ['response.resume from the start', { type: 'response.resume', message_id: msg, last_event_id: null }],
    ['ping', { type: 'ping' }],
  ])('accepts %s', (_name, event) => {
    expect(parseClientEvent(JSON.stringify(event), LIMIT)).toEqual(event);
  });

  it.each([
    ['not JSON', 'hello', 'invalid_json', ''],
    ['JSON null', 'null', 'validation_failed', ''],
    ['a string', '"ping"', 'validation_failed', ''],
    ['a numeric type', '{"type":1}', 'validation_failed', 'type'],
    ['an unknown type', '{"type":"response.output_text.delta"}', 'unknown_event', ''],
    ['a missing token', '{"type":"auth"}', 'validation_failed', 'token'],
    ['a malformed tenant', '{"type":"auth","token":"t","tenant_id":"x"}', 'validation_failed', 'tenant_id'],
    ['a missing session', '{"type":"session.update"}', 'validation_failed', 'session'],
    [
      'an unknown session field',
      '{"type":"session.update","session":{"voice":"alloy"}}',
      'validation_failed',
      'session',
    ],
    [
      'an input_audio part',
      JSON.stringify({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_audio', audio: '' }] },
      }),
      'validation_failed',
      'item.content.0.type',
    ],
    [
      'no content parts',
      JSON.stringify({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [] },
      }),
      'validation_failed',
      'item.content',
    ],
    [
      'two input items',
      JSON.stringify({ type: 'response.create', response: { input: [item('a'), item('b')] } }),
      'validation_failed',
      'response.input',
    ],
    [
      'an item_reference without an id',
      JSON.stringify({ type: 'response.create', response: { input: [{ type: 'item_reference' }] } }),
      'validation_failed',
      'response.input.0',
    ],
    [
      'a temperature out of range',
      JSON.stringify({ type: 'response.create', response: { temperature: 3 } }),
      'validation_failed',
      'response.temperature',
    ],
    ['a resume without message', '{"type":"response.resume"}', 'validation_failed', 'message_id'],
    [
      'an over-long client event_id',
      JSON.stringify({ type: 'ping', event_id: 'e'.repeat(129) }),
      'validation_failed',
      'event_id',
    ],
  ])('rejects %s', (_name, frame, code, path) => {
    const error = failure(frame);
    expect(error.code).toBe(code);
    expect(error.status).toBe(400);
    if (path !== '') {
      const issues = (error.details as { issues: { path: string }[] }).issues;
      expect(issues.map((i) => i.path)).toContain(path);
    }
  });

  it('names the supported types for an unknown one', () => {
    const error = failure('{"type":"input_audio_buffer.append"}');
    expect(error.details).toMatchObject({ type: 'input_audio_buffer.append', supported: CLIENT_EVENT_TYPES });
  });

  it('refuses an event over the byte limit before parsing it, naming the limit', () => {
    const frame = JSON.stringify({ type: 'ping', event_id: 'x'.repeat(100) });
    const error = failure(frame, 50);
    expect(error.code).toBe('payload_too_large');
    expect(error.details).toEqual({ limit_bytes: 50, size_bytes: Buffer.byteLength(frame) });
  });

  it('refuses a message over the content limit', () => {
    const frame = JSON.stringify({
      type: 'conversation.item.create',
      item: item('a'.repeat(MAX_CONTENT_CHARS + 1)),
    });
    const error = failure(frame, 10 * MAX_CONTENT_CHARS);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain(String(MAX_CONTENT_CHARS));
  });
});

describe('textOf and clientEventIdOf', () => {
  it('joins text parts with a line break', () => {
    expect(
      textOf({
        content: [
          { type: 'input_text', text: 'a' },
          { type: 'input_text', text: 'b' },
        ],
      } as never),
    ).toBe('a\nb');
  });

  it.each([
    ['{"type":"x","event_id":"e1"}', 'e1'],
    ['{"type":"x","event_id":5}', undefined],
    ['{"type":"x"}', undefined],
    ['not json', undefined],
    ['null', undefined],
  ])('reads the event_id of %s', (frame, id) => {
    expect(clientEventIdOf(frame)).toBe(id);
  });
});

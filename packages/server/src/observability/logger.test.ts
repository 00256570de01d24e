import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { LogCapture } from '../../test/support/app.js';
import { createLogger, markCorrelated, redactUrl } from './logger.js';
import { installContextManager } from './tracing.js';

describe('logger redaction', () => {
  it.each([
    [{ password: 'hunter2' }],
    [{ token: 'tok-secret-1' }],
    [{ body: { refresh_token: 'rt-secret' } }],
    [{ body: { api_key: 'nx-secret' } }],
    [{ req: { headers: { authorization: 'Bearer abc.def.ghi' } } }],
    [{ req: { headers: { cookie: 'session=s3cr3t' } } }],
    [{ user: { secret: 'very-secret' } }],
    [{ request: { body: { credentials: { password: 'hunter2' } } } }],
    [{ items: [{ token: 'tok-secret-1' }] }],
    [{ headers: { Authorization: 'Bearer abc.def.ghi' } }],
  ])('never writes the secret in %j', (fields) => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    logger.info(fields, 'event');
    const secret = JSON.stringify(fields).match(
      /"(hunter2|tok-secret-1|rt-secret|nx-secret|Bearer abc\.def\.ghi|session=s3cr3t|very-secret)"/,
    )?.[1];
    expect(secret).toBeDefined();
    expect(capture.text).not.toContain(secret);
    expect(capture.text).toContain('[redacted]');
  });

  it('keeps error codes and does not alter the object it was given', () => {
    const capture = new LogCapture();
    const fields = { code: 'validation_failed', body: { password: 'hunter2' } };
    createLogger({ level: 'info', destination: capture }).info(fields, 'bad input');
    expect(capture.lines[0]).toMatchObject({ code: 'validation_failed', body: { password: '[redacted]' } });
    expect(fields.body.password).toBe('hunter2');
  });

  it('redacts secrets in child logger bindings too', () => {
    const capture = new LogCapture();
    createLogger({ level: 'info', destination: capture }).child({ api_key: 'nx-secret' }).info('x');
    expect(capture.text).not.toContain('nx-secret');
  });

  it('keeps ordinary fields', () => {
    const capture = new LogCapture();
    createLogger({ level: 'info', destination: capture }).info({ user_id: 'usr_1', count: 3 }, 'hello');
    expect(capture.lines[0]).toMatchObject({
      level: 'info',
      user_id: 'usr_1',
      count: 3,
      msg: 'hello',
      service: 'nexus',
    });
  });

  it.each([
    ['/v1/files/x?token=abc&download=1', '/v1/files/x?token=%5Bredacted%5D&download=1'],
    ['/cb?code=wx-code&state=s', '/cb?code=%5Bredacted%5D&state=s'],
    ['/v1/x?signature=deadbeef', '/v1/x?signature=%5Bredacted%5D'],
    ['/v1/status', '/v1/status'],
    ['/v1/conversations?limit=10', '/v1/conversations?limit=10'],
  ])('redacts secret query parameters in %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('logger PII masking', () => {
  const PHONE = '13812345678';
  const EMAIL = 'ada@example.com';
  const ID = '11010519491231002X';
  const CARD = '4111 1111 1111 1111';
  const IP = '203.0.113.7';
  const ALL = [PHONE, EMAIL, ID, CARD, IP];

  function written(log: (logger: ReturnType<typeof createLogger>) => void) {
    const capture = new LogCapture();
    log(createLogger({ level: 'info', destination: capture }));
    for (const value of ALL) expect(capture.text).not.toContain(value);
    return capture;
  }

  it('masks the message, its format arguments and nested fields', () => {
    const capture = written((logger) => {
      logger.info(`user ${EMAIL} called from ${PHONE}`);
      logger.info('id %s card %s', ID, CARD);
      logger.info(
        { user: { contact: { email: EMAIL, phones: [PHONE] } }, note: `ip=${IP}`, mobile: 13812345678 },
        'nested',
      );
    });
    expect(capture.lines[0]).toMatchObject({ msg: 'user [EMAIL] called from [PHONE]' });
    expect(capture.lines[1]).toMatchObject({ msg: 'id [ID_CARD] card [BANK_CARD]' });
    expect(capture.lines[2]).toMatchObject({
      user: { contact: { email: '[EMAIL]', phones: ['[PHONE]'] } },
      note: 'ip=[IP]',
      mobile: '[PHONE]',
      msg: 'nested',
    });
  });

  it('masks child bindings, errors and what serializers produce', () => {
    const capture = written((logger) => {
      logger.child({ caller: EMAIL }).info('bound');
      logger.error({ err: new Error(`duplicate key (phone)=(${PHONE})`) }, 'insert failed');
      logger
        .child({}, { serializers: { req: (r: { ip: string }) => ({ remoteAddress: r.ip }) } })
        .info({ req: { ip: IP } }, 'incoming request');
    });
    expect(capture.lines[0]).toMatchObject({ caller: '[EMAIL]' });
    expect((capture.lines[1]!.err as { message: string }).message).toBe('duplicate key (phone)=([PHONE])');
    expect(capture.lines[2]).toMatchObject({ req: { remoteAddress: '[IP]' } });
  });

  it('still redacts secret fields, and leaves lines without PII as they were', () => {
    const capture = written((logger) => {
      logger.info({ password: 'hunter2', email: EMAIL }, 'login');
      logger.info({ at: '12:30:45', version: '1.2.3.4.5', order: 'ORD20231125138123456' }, 'plain');
    });
    expect(capture.lines[0]).toMatchObject({ password: '[redacted]', email: '[EMAIL]' });
    expect(capture.lines[1]).toMatchObject({
      at: '12:30:45',
      version: '1.2.3.4.5',
      order: 'ORD20231125138123456',
    });
  });
});

describe('log correlation', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';
  const active = () => trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.NONE });

  it('adds the active trace and span ids to every line, and nothing outside a trace', async () => {
    installContextManager();
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    await context.with(active(), async () => {
      await Promise.resolve();
      logger.info({ step: 1 }, 'inside');
      logger.child({ component: 'x' }).warn('child inside');
    });
    logger.info('outside');
    expect(capture.lines[0]).toMatchObject({ step: 1, trace_id: traceId, span_id: spanId });
    expect(capture.lines[1]).toMatchObject({ component: 'x', trace_id: traceId });
    expect(capture.lines[2]).not.toHaveProperty('trace_id');
  });

  it('lets the fields of a line win, and does not repeat ids a correlated child already binds', () => {
    installContextManager();
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    context.with(active(), () => {
      logger.info({ trace_id: 'explicit' }, 'own field');
      markCorrelated(logger.child({ trace_id: 'bound', span_id: 'bound' })).info('bound');
    });
    expect(capture.lines[0]!.trace_id).toBe('explicit');
    expect(capture.text.split('\n')[1]!.match(/"trace_id"/g)).toHaveLength(1);
    expect(capture.lines[1]!.trace_id).toBe('bound');
  });
});

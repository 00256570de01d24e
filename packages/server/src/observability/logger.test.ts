import { describe, expect, it } from 'vitest';
import { LogCapture } from '../../test/support/app.js';
import { createLogger, redactUrl } from './logger.js';

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

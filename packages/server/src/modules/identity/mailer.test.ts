import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogCapture } from '../../../test/support/app.js';
import { closedPort, type LocalSmtpServer, startSmtpServer } from '../../../test/support/smtp.js';
import { createLogger } from '../../observability/logger.js';
import { LogMailer, SmtpMailer } from './mailer.js';

const FROM = 'Nexus Test <no-reply@nexus.test>';
const TOKEN = 'nxp_4Rk1wUuJp8YV0kq5m3oTtZ2bCw9HfXgLdNaEsQiV7yA';
const message = {
  to: 'ada@example.com',
  subject: 'Reset your Nexus password',
  text: [
    'Someone asked to reset the password of your Nexus account.',
    `Open this link to choose a new password: https://app.example.com/reset?token=${TOKEN}`,
    'It is valid for 30 minutes and works once. If it was not you, ignore this message.',
  ].join('\n\n'),
};

describe('SmtpMailer against a real SMTP server', () => {
  let smtp: LocalSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer({ user: 'nexus', pass: 'smtp-secret' });
  });
  afterAll(() => smtp.close());

  it('logs in with the credentials of the URL and delivers envelope, headers and body', async () => {
    const mailer = new SmtpMailer(`smtp://nexus:smtp-secret@127.0.0.1:${smtp.port}`, FROM);
    expect(mailer.kind).toBe('smtp');
    const before = smtp.received.length;
    await mailer.send(message);
    const mails = smtp.received.slice(before);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.user).toBe('nexus');
    expect(mail.envelope.mailFrom).toMatchObject({ address: 'no-reply@nexus.test' });
    expect(mail.envelope.rcptTo.map((r) => r.address)).toEqual(['ada@example.com']);
    expect(mail.headers.from).toBe(FROM);
    expect(mail.headers.to).toBe('ada@example.com');
    expect(mail.headers.subject).toBe('Reset your Nexus password');
    expect(mail.headers['content-type']).toMatch(/^text\/plain/);
    // The link survives the transfer encoding intact (long lines get soft breaks in quoted-printable).
    expect(mail.body).toBe(message.text);
  });

  it('keeps non-ASCII text and subjects intact', async () => {
    const mailer = new SmtpMailer(`smtp://nexus:smtp-secret@127.0.0.1:${smtp.port}`, FROM);
    const before = smtp.received.length;
    await mailer.send({ to: 'zoe@example.com', subject: 'Réinitialiser — 密码', text: 'Bonjour Zoë, 你好' });
    const mail = smtp.received[before]!;
    expect(mail.body).toBe('Bonjour Zoë, 你好');
    // Encoded-word (RFC 2047) in the header, not raw 8-bit bytes.
    expect(mail.headers.subject).toMatch(/^=\?UTF-8\?/i);
  });

  it('rejects with an authentication error when the server refuses the credentials', async () => {
    const mailer = new SmtpMailer(`smtp://nexus:wrong-password@127.0.0.1:${smtp.port}`, FROM);
    const before = smtp.received.length;
    await expect(mailer.send(message)).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    expect(smtp.received.length).toBe(before);
  });

  it('rejects when the server refuses the message, with the server reply', async () => {
    const mailer = new SmtpMailer(`smtp://nexus:smtp-secret@127.0.0.1:${smtp.port}`, FROM);
    smtp.refuseWith = 'Mailbox queue is full';
    try {
      await expect(mailer.send(message)).rejects.toMatchObject({
        responseCode: 451,
        message: expect.stringContaining('Mailbox queue is full'),
      });
    } finally {
      smtp.refuseWith = undefined;
    }
  });

  it('rejects with a connection error when nothing listens, without the password in the error', async () => {
    const port = await closedPort();
    const mailer = new SmtpMailer(`smtp://nexus:smtp-secret@127.0.0.1:${port}`, FROM);
    const error = await mailer.send(message).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain('ECONNREFUSED');
    expect(error!.message).toContain(`127.0.0.1:${port}`);
    expect(JSON.stringify({ ...error, message: error!.message })).not.toContain('smtp-secret');
  });

  it('does not send over a server that offers STARTTLS with an untrusted certificate', async () => {
    // smtp-server's built-in certificate is self-signed: opportunistic STARTTLS must not silently fall back
    // to plain text. `?ignoreTLS=true` in SMTP_URL is the operator's explicit opt-out for such a server.
    const { SMTPServer } = await import('smtp-server');
    let delivered = 0;
    const tlsServer = new SMTPServer({
      logger: false,
      authOptional: true,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          delivered++;
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const { port } = tlsServer.server.address() as { port: number };
    try {
      await expect(new SmtpMailer(`smtp://127.0.0.1:${port}`, FROM).send(message)).rejects.toThrow();
      expect(delivered).toBe(0);
      await new SmtpMailer(`smtp://127.0.0.1:${port}?ignoreTLS=true`, FROM).send(message);
      expect(delivered).toBe(1);
    } finally {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });
});

describe('LogMailer', () => {
  it('writes the whole message, link and token included, to one warn log line (development use)', async () => {
    // Intended: without SMTP_URL the operator follows the reset link from the log (docs/identity.md), so
    // the body is logged as is. Secret-named fields are still redacted by the logger; `body` is not one.
    // The recipient is PII: like every email in a log line it is written as `[EMAIL]` (docs/pii.md).
    const logs = new LogCapture();
    const mailer = new LogMailer(createLogger({ level: 'warn', destination: logs }));
    expect(mailer.kind).toBe('log');
    await mailer.send(message);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({
      level: 'warn',
      msg: 'mail (log mailer; set SMTP_URL to send)',
      mail: { to: '[EMAIL]', subject: message.subject, body: message.text },
    });
    expect(logs.text).toContain(TOKEN);
    expect(logs.text).not.toContain(message.to);
  });
});

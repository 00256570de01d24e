import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../../observability/logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** The mailer port: password resets and invites go out through it. */
export interface Mailer {
  readonly kind: 'log' | 'smtp';
  send(message: MailMessage): Promise<void>;
}

/**
 * The embedded default: writes the message to the log (so a developer can follow the link), at `warn` so
 * it is visible at every usual log level and an operator notices that mail is not really being sent.
 */
export class LogMailer implements Mailer {
  readonly kind = 'log' as const;
  constructor(private readonly logger: Logger) {}
  async send(message: MailMessage): Promise<void> {
    this.logger.warn(
      { mail: { to: message.to, subject: message.subject, body: message.text } },
      'mail (log mailer; set SMTP_URL to send)',
    );
  }
}

/** Sends through an SMTP server (`SMTP_URL`, e.g. `smtps://user:pass@smtp.example.com:465`). */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp' as const;
  private readonly transport: Transporter;
  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Bounded waits for a silent server (nodemailer's defaults are minutes); query parameters in the URL
    // (`?connectionTimeout=...`) still override these.
    this.transport = nodemailer.createTransport({
      url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }
  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
  }
}

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SMTPServer, type SMTPServerEnvelope } from 'smtp-server';

/** One message as the SMTP server received it. */
export interface ReceivedMail {
  envelope: SMTPServerEnvelope;
  /** The authenticated user, when the client logged in. */
  user: string | undefined;
  headers: Record<string, string>;
  /** The body with its transfer encoding undone. */
  body: string;
  raw: string;
}

export interface LocalSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** While set, the server refuses MAIL FROM with this reply (e.g. a full queue). */
  refuseWith: string | undefined;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (random port), plain text (no STARTTLS advertised), like a local
 * development mail catcher. With `auth`, only that user and password may log in and sending needs a login.
 */
export async function startSmtpServer(auth?: { user: string; pass: string }): Promise<LocalSmtpServer> {
  const handle: LocalSmtpServer = {
    port: 0,
    received: [],
    refuseWith: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !auth,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
        callback(null, { user: credentials.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onMailFrom(_address, _session, callback) {
      if (handle.refuseWith) {
        const error = Object.assign(new Error(handle.refuseWith), { responseCode: 451 });
        callback(error);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const user = typeof session.user === 'string' ? session.user : undefined;
        handle.received.push({ envelope: session.envelope, user, raw, ...parseMessage(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.port = (server.server.address() as AddressInfo).port;
  return handle;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => probe.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** Splits a single-part RFC 5322 message into lower-cased headers and a decoded body. */
export function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const encoded = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let body = encoded;
  if (encoding === 'quoted-printable') {
    const bytes = Buffer.from(
      encoded
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      'latin1',
    );
    body = bytes.toString('utf8');
  } else if (encoding === 'base64') {
    body = Buffer.from(encoded.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { headers, body: body.replace(/\r\n/g, '\n').replace(/\n$/, '') };
}

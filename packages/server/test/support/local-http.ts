import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The plumbing every fake upstream shares: a real HTTP server on 127.0.0.1 and an ephemeral port. */
export async function listenLocal(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  options: { keepAliveTimeout?: number } = {},
): Promise<{ server: Server; origin: string }> {
  const server = createServer(handle);
  if (options.keepAliveTimeout) server.keepAliveTimeout = options.keepAliveTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes a fake's server, cutting open connections (streams and hangs) first. */
export async function closeLocal(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
}

/** Reads a request body; `body` is its JSON, or undefined when empty or not JSON. */
export function readJsonBody(
  req: IncomingMessage,
  done: (raw: string, body: Record<string, unknown> | undefined) => void,
): void {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    raw += chunk;
  });
  req.on('end', () => {
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    done(raw, body);
  });
}

/**
 * Watches one answer of a fake: `onAbandoned` runs when the client went away before the answer completed —
 * not when the fake cut the connection itself, nor while it is closing. Returns `cut`, which drops the
 * connection once what was written has gone out (a plain destroy would discard it).
 */
export function watchAnswer(
  res: ServerResponse,
  onAbandoned: () => void,
  closing: () => boolean,
): () => void {
  let cutOff = false;
  res.once('close', () => {
    if (!res.writableFinished && !cutOff && !closing()) onAbandoned();
  });
  return () => {
    cutOff = true;
    res.socket?.destroySoon();
  };
}

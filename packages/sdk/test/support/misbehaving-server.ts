import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the misbehaving server saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Decides the answer to request number `index` (0-based); it may also destroy the socket. */
export type Behaviour = (index: number, req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A small `node:http` server that answers as told — errors, hangs, dropped connections, broken streams —
 * standing in for a network and a server that fail on demand (a real Nexus does not). Everything it saw
 * is in `requests`.
 * @example const bad = await MisbehavingServer.start((i, _req, res) => i === 0 ? res.writeHead(503).end() : res.end('{}'));
 */
export class MisbehavingServer {
  readonly requests: SeenRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(behaviour: Behaviour): Promise<MisbehavingServer> {
    let self: MisbehavingServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const index = self!.requests.length;
        self!.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        behaviour(index, req, res, body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new MisbehavingServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Answers JSON with a status and optional headers. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A Nexus-shaped error body. */
export function nexusError(code: string, message: string, requestId = 'req_fake0001', details?: unknown) {
  return { error: { code, message, request_id: requestId, ...(details === undefined ? {} : { details }) } };
}

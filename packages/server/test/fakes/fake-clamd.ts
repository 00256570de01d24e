import { createServer, type Server, type Socket } from 'node:net';
import { EICAR } from '../fixtures/files/samples.js';

/** The signature name real ClamAV reports for the EICAR test file. */
export const EICAR_SIGNATURE = 'Win.Test.EICAR_HDB-1';

export interface FakeClamdOptions {
  /**
   * `scan` (default): a working clamd. `error`: answers every scan with an error. `hang`: accepts the
   * connection and never answers. `close`: closes every connection without answering.
   */
  mode?: 'scan' | 'error' | 'hang' | 'close';
  /** clamd's StreamMaxLength: a longer stream gets `INSTREAM size limit exceeded. ERROR` (default 25 MiB). */
  streamMaxLength?: number;
}

/**
 * A stand-in for ClamAV's daemon, speaking its TCP protocol: `zINSTREAM\0` followed by length-prefixed
 * chunks and a zero-length terminator, answered with `stream: OK\0` or `stream: <name> FOUND\0`; and
 * `zPING\0` answered with `PONG\0`. It flags the EICAR test string anywhere in the stream, like clamd.
 * @example const clamd = await FakeClamd.start(); env.CLAMD_HOST = '127.0.0.1'; env.CLAMD_PORT = String(clamd.port);
 */
export class FakeClamd {
  /** One entry per completed INSTREAM scan: how many bytes clamd received. */
  readonly scans: { bytes: number; verdict: string }[] = [];
  mode: NonNullable<FakeClamdOptions['mode']>;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly streamMaxLength: number,
    mode: FakeClamdOptions['mode'],
  ) {
    this.mode = mode ?? 'scan';
  }

  static async start(options: FakeClamdOptions = {}): Promise<FakeClamd> {
    let fake: FakeClamd | undefined;
    const server = createServer((socket) => fake!.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    fake = new FakeClamd(server, port, options.streamMaxLength ?? 25 * 1024 * 1024, options.mode);
    return fake;
  }

  /** The environment that points Nexus at this fake. */
  get env(): Record<string, string> {
    return { CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(this.port) };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (this.mode === 'close') {
      socket.destroy();
      return;
    }
    let buffer = Buffer.alloc(0);
    let command: string | null = null;
    let received = 0;
    // Keeps only what a match can still need: the tail the size of the signature, plus the new data.
    let window = Buffer.alloc(0);
    let found = false;
    socket.on('data', (data: Buffer) => {
      if (this.mode === 'hang') return;
      buffer = Buffer.concat([buffer, data]);
      if (command === null) {
        const end = buffer.indexOf(0);
        if (end === -1) return;
        command = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 1);
        if (command === 'zPING') {
          socket.end('PONG\0');
          return;
        }
        if (command !== 'zINSTREAM') {
          socket.end('UNKNOWN COMMAND\0');
          return;
        }
      }
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (length === 0) {
          const verdict =
            this.mode === 'error'
              ? 'Can not allocate memory ERROR'
              : found
                ? `stream: ${EICAR_SIGNATURE} FOUND`
                : 'stream: OK';
          this.scans.push({ bytes: received, verdict });
          socket.end(`${verdict}\0`);
          return;
        }
        if (buffer.length < 4 + length) return;
        const chunk = buffer.subarray(4, 4 + length);
        buffer = buffer.subarray(4 + length);
        received += chunk.length;
        if (received > this.streamMaxLength) {
          socket.end('INSTREAM size limit exceeded. ERROR\0');
          return;
        }
        window = Buffer.concat([window, chunk]);
        if (!found && window.includes(EICAR)) found = true;
        window = window.subarray(Math.max(0, window.length - EICAR.length));
      }
    });
  }
}

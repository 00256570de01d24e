import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { VirusScanUnavailableError } from '../../errors.js';
import type { ScanVerdict, VirusScanner } from './virus-scanner.js';

export interface ClamdSettings {
  host: string;
  /** clamd's TCP port (`TCPSocket` in clamd.conf), 3310 by default. */
  port: number;
  /** Longest a scan may take, connecting included; past it the scan fails (closed). */
  timeoutMs: number;
  /**
   * The most bytes sent to clamd per file. clamd refuses streams over its `StreamMaxLength` (25 MiB by
   * default) and drops the connection, so Nexus sends at most this many bytes (the start of the file)
   * and lets clamd give its verdict on them. Set it to clamd's `StreamMaxLength`.
   */
  maxBytes: number;
}

/** clamd takes INSTREAM chunks of any size up to StreamMaxLength; 64 KiB keeps the socket busy but small. */
const CHUNK_BYTES = 64 * 1024;

/**
 * ClamAV's daemon over TCP, with the INSTREAM command: `zINSTREAM\0`, then chunks each prefixed by their
 * length (4 bytes, big-endian), then a zero length; clamd answers `stream: OK` or
 * `stream: <signature> FOUND` (NUL-terminated, because the command was `z`-prefixed). One connection per
 * scan. Anything else — no connection, a timeout, an `... ERROR` answer, the connection closing early —
 * throws `virus_scan_unavailable`: a file that could not be scanned is not accepted.
 */
export class ClamdScanner implements VirusScanner {
  readonly kind = 'clamd';

  constructor(private readonly settings: ClamdSettings) {}

  async scan(content: Readable): Promise<ScanVerdict> {
    const answer = await this.exchange(async (socket) => {
      await write(socket, Buffer.from('zINSTREAM\0', 'latin1'));
      let sent = 0;
      for await (const chunk of content) {
        let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        if (sent + data.length > this.settings.maxBytes)
          data = data.subarray(0, this.settings.maxBytes - sent);
        for (let at = 0; at < data.length; at += CHUNK_BYTES) {
          const piece = data.subarray(at, at + CHUNK_BYTES);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(piece.length);
          await write(socket, Buffer.concat([length, piece]));
        }
        sent += data.length;
        if (sent >= this.settings.maxBytes) break;
      }
      await write(socket, Buffer.alloc(4));
    });
    const found = /^stream: (.+) FOUND$/.exec(answer);
    if (found) return { clean: false, signature: found[1]! };
    if (answer === 'stream: OK') return { clean: true };
    throw new VirusScanUnavailableError('The virus scanner could not scan the file; try again shortly', {
      details: { dependency: 'virus_scanner', answer: answer.slice(0, 200) },
    });
  }

  async ping(): Promise<void> {
    const answer = await this.exchange((socket) => write(socket, Buffer.from('zPING\0', 'latin1')));
    if (answer !== 'PONG')
      throw new VirusScanUnavailableError('The virus scanner answered a ping unexpectedly', {
        details: { dependency: 'virus_scanner', answer: answer.slice(0, 200) },
      });
  }

  /** Connects, runs `send`, and resolves to clamd's NUL-terminated answer (trimmed). */
  private exchange(send: (socket: Socket) => Promise<void>): Promise<string> {
    const { host, port, timeoutMs } = this.settings;
    return new Promise<string>((resolve, reject) => {
      const socket = connect({ host, port });
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (error: Error | null, answer?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(unavailable(error));
        else resolve(answer!);
      };
      const timer = setTimeout(
        () => finish(new Error(`no answer from clamd within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const answered = () => {
        const all = Buffer.concat(chunks);
        const end = all.indexOf(0);
        return end === -1 ? null : all.subarray(0, end).toString('utf8').trim();
      };
      socket.on('data', (data: Buffer) => {
        chunks.push(data);
        const answer = answered();
        // clamd may answer before all data is sent (a size limit error): that answer counts.
        if (answer !== null) finish(null, answer);
      });
      socket.on('end', () => {
        const all = Buffer.concat(chunks).toString('utf8').trim();
        if (all) finish(null, all);
        else finish(new Error('clamd closed the connection without an answer'));
      });
      socket.on('error', (error) => {
        // A write failing because clamd already answered and closed is not the verdict; the answer is.
        const answer = answered();
        if (answer !== null) finish(null, answer);
        else finish(error);
      });
      socket.on('close', () => {
        const all = Buffer.concat(chunks).toString('utf8').replace(/\0/g, '').trim();
        if (all) finish(null, all);
        else finish(new Error('clamd closed the connection without an answer'));
      });
      socket.once('connect', () => {
        send(socket).catch((error: Error) => {
          const answer = answered();
          if (answer !== null) finish(null, answer);
          // A write failed because the socket went away: its 'error'/'close' events settle the scan.
          else if (!socket.destroyed) finish(error);
        });
      });
    });
  }
}

function write(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('clamd connection closed'));
    socket.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

function unavailable(cause: Error): VirusScanUnavailableError {
  return new VirusScanUnavailableError('The virus scanner is unavailable; try again shortly', {
    cause,
    details: { dependency: 'virus_scanner' },
  });
}

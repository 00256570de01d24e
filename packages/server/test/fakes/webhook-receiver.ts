import type { IncomingHttpHeaders, Server } from 'node:http';
import { closeLocal, listenLocal } from '../support/local-http.js';

/** One request the receiver got: the raw body exactly as sent (what signatures cover). */
export interface ReceivedWebhook {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** How the receiver answers one request. */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this long (a slow receiver). */
  delayMs?: number;
}

/**
 * A webhook receiver (a customer's endpoint, outside us) on 127.0.0.1: records every request and answers
 * each path from a script — answers in order, the last one repeated; 200 `ok` for paths without one.
 * @example const receiver = await FakeWebhookReceiver.start(); receiver.script('/flaky', [{ status: 500 }, { status: 200 }]);
 */
export class FakeWebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, ReceiverAnswer[]>();
  private readonly served = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeWebhookReceiver> {
    let receiver: FakeWebhookReceiver | undefined;
    const { server, origin } = await listenLocal((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const self = receiver!;
        const path = req.url ?? '/';
        self.requests.push({
          path,
          method: req.method ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        const script = self.scripts.get(path) ?? [];
        const index = self.served.get(path) ?? 0;
        self.served.set(path, index + 1);
        const answer = script[Math.min(index, script.length - 1)] ?? { status: 200, body: 'ok' };
        const send = () => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    receiver = new FakeWebhookReceiver(server, origin);
    return receiver;
  }

  /** Answers for `path`, in order; the last one repeats. */
  script(path: string, answers: ReceiverAnswer[]): void {
    this.scripts.set(path, answers);
    this.served.set(path, 0);
  }

  received(path: string): ReceivedWebhook[] {
    return this.requests.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return closeLocal(this.server);
  }
}

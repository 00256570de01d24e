import type { Server } from 'node:http';
import { closeLocal, listenLocal, readJsonBody } from '../support/local-http.js';

/** Documents containing this word are judged the most relevant by the fake. */
export const PROMOTE = 'promote-me';

export interface RerankCall {
  model: unknown;
  query: unknown;
  documents: unknown;
  top_n: unknown;
  authorization: string | undefined;
}

/**
 * A rerank provider with the Jina/Cohere `/rerank` shape: `POST {model, query, documents, top_n}` →
 * `{results: [{index, relevance_score}]}`. Its judgement is simple and predictable: a document scores
 * 0.9 when it contains {@link PROMOTE}, else 0.1 plus 0.01 per query word it contains. `mode` makes it
 * fail (HTTP 500) or answer malformed results.
 * @example const rerank = await FakeReranker.start(); env.KB_RERANK_BASE_URL = `${rerank.url}/v1`;
 */
export class FakeReranker {
  readonly calls: RerankCall[] = [];
  mode: 'ok' | 'error' | 'malformed' = 'ok';

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeReranker> {
    let fake: FakeReranker | undefined;
    const { server, origin } = await listenLocal((req, res) => {
      readJsonBody(req, (_raw, body) => {
        if (req.method !== 'POST' || req.url !== '/v1/rerank' || !body) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"error":"not found"}');
          return;
        }
        fake!.calls.push({
          model: body.model,
          query: body.query,
          documents: body.documents,
          top_n: body.top_n,
          authorization: req.headers.authorization,
        });
        if (fake!.mode === 'error') {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":"overloaded"}');
          return;
        }
        const documents = Array.isArray(body.documents) ? (body.documents as string[]) : [];
        const words = String(body.query ?? '')
          .toLowerCase()
          .split(/\W+/)
          .filter(Boolean);
        const results = documents
          .map((document, index) => ({
            index: fake!.mode === 'malformed' ? documents.length + index : index,
            relevance_score: document.includes(PROMOTE)
              ? 0.9
              : 0.1 + 0.01 * words.filter((w) => document.toLowerCase().includes(w)).length,
          }))
          .sort((a, b) => b.relevance_score - a.relevance_score)
          .slice(0, Number(body.top_n ?? documents.length));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model: body.model, results }));
      });
    });
    fake = new FakeReranker(server, origin);
    return fake;
  }

  close(): Promise<void> {
    return closeLocal(this.server);
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeirDataset } from '../../src/modules/knowledge/beir-dataset.js';
import { evaluateRetrieval, resultLines, unmet } from '../../src/modules/knowledge/retrieval-eval.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser } from '../support/identity.js';

/**
 * The retrieval evaluation behind `nexus eval retrieval`, through the real knowledge service: a tiny BEIR
 * set is ingested by the worker and searched, and the metrics follow from where the judged documents land.
 */

let t: TestApp;
let tenantId: string;

const dataset: BeirDataset = {
  corpus: [
    { id: 'd1', title: 'Holidays', text: 'Every employee gets twenty-five days of paid holiday a year.' },
    {
      id: 'd2',
      title: 'Expenses',
      text: 'Submit travel expenses within thirty days, with receipts attached.',
    },
    { id: 'd3', title: '出差', text: '出差前需要经理批准。火车票可以报销二等座。' },
  ],
  queries: [
    { id: 'q1', text: 'How many days of paid holiday?' },
    { id: 'q2', text: '出差需要谁批准' },
    { id: 'q3', text: 'receipts for travel expenses' },
    { id: 'unjudged', text: 'anything' },
  ],
  qrels: new Map([
    ['q1', new Map([['d1', 1]])],
    ['q2', new Map([['d3', 2]])],
    // Judged, but its relevant document is not in the corpus: a miss that must count.
    ['q3', new Map([['missing', 1]])],
  ]),
};

beforeAll(async () => {
  t = await createTestApp({ env: { KB_INGEST_POLL_MS: '100' } });
  tenantId = (await registerUser(t.app)).tenantId;
});

afterAll(async () => {
  await t?.close();
});

describe('retrieval evaluation', () => {
  it('ingests through the worker, searches through the service, and scores per document', async () => {
    const { knowledge } = t.container.services;
    const kb = await knowledge.createKnowledgeBase(tenantId, { name: 'eval' });
    const lines: string[] = [];
    const result = await evaluateRetrieval(knowledge, tenantId, kb.row.id, dataset, {
      modes: ['lexical', 'vector'],
      ks: [1, 5],
      progress: (line) => lines.push(line),
    });
    expect(result).toMatchObject({ documents: 3, failedDocuments: 0, chunks: 3, queries: 4 });
    const lexical = result.modes.find((m) => m.mode === 'lexical')!;
    // q1 and q2 find their document first; q3 cannot: 2 of 3 judged queries.
    expect(lexical.metrics.queries).toBe(3);
    expect(lexical.metrics.hit[1]).toBeCloseTo(2 / 3, 5);
    expect(lexical.metrics.mrr10).toBeCloseTo(2 / 3, 5);
    expect(result.modes.map((m) => m.mode)).toEqual(['lexical', 'vector']);
    expect(lines.some((l) => l.startsWith('ingested 3 documents'))).toBe(true);

    const output = resultLines('tiny', result);
    expect(output).toContain('dataset=tiny');
    expect(output).toContain('chunks=3');
    expect(output).toContain('lexical.hit@1=0.6667');
    expect(output.every((l) => /^[a-z0-9_.@]+=\S+$/u.test(l))).toBe(true);
    expect(unmet(lexical, 'hit@1', 0.6)).toBeNull();
    expect(unmet(lexical, 'hit@1', 0.99)).toBe('lexical.hit@1=0.6667 is below 0.99');
    expect(unmet(lexical, 'precision@3', 0.5)).toMatch(/unknown metric/u);
  });
});

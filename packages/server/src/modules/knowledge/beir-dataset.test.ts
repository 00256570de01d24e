import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BeirFormatError, loadBeirDataset, parseQrels } from './beir-dataset.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function dataset(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'beir-'));
  dirs.push(dir);
  await mkdir(join(dir, 'qrels'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

const corpus = [
  JSON.stringify({ _id: 'd1', title: 'One', text: 'first' }),
  '',
  JSON.stringify({ _id: 2, text: 'second', metadata: {} }),
].join('\n');
const queries = `${JSON.stringify({ _id: 'q1', text: 'what' })}\r\n`;

describe('loadBeirDataset', () => {
  it('reads corpus, queries and qrels with a header', async () => {
    const dir = await dataset({
      'corpus.jsonl': corpus,
      'queries.jsonl': queries,
      'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t2\t0\n',
    });
    const loaded = await loadBeirDataset(dir);
    expect(loaded.corpus).toEqual([
      { id: 'd1', title: 'One', text: 'first' },
      { id: '2', title: '', text: 'second' },
    ]);
    expect(loaded.queries).toEqual([{ id: 'q1', text: 'what' }]);
    expect(loaded.qrels.get('q1')).toEqual(
      new Map([
        ['d1', 2],
        ['2', 0],
      ]),
    );
  });

  it('reads qrels without a header, and another split', async () => {
    const dir = await dataset({
      'corpus.jsonl': corpus,
      'queries.jsonl': queries,
      'qrels/dev.tsv': 'q1\td1\t1\n',
    });
    expect((await loadBeirDataset(dir, { split: 'dev' })).qrels.get('q1')?.get('d1')).toBe(1);
  });

  it.each([
    ['a missing qrels file', { 'corpus.jsonl': corpus, 'queries.jsonl': queries }, /test\.tsv: not found/],
    [
      'a line that is not JSON',
      { 'corpus.jsonl': '{"_id":', 'queries.jsonl': queries, 'qrels/test.tsv': '' },
      /corpus\.jsonl:1: not JSON/,
    ],
    [
      'a record without _id',
      { 'corpus.jsonl': '{"text":"x"}', 'queries.jsonl': queries, 'qrels/test.tsv': '' },
      /missing "_id"/,
    ],
    [
      'a JSON array line',
      { 'corpus.jsonl': corpus, 'queries.jsonl': '[1]', 'qrels/test.tsv': '' },
      /queries\.jsonl:1: not a JSON object/,
    ],
    [
      'a bad score',
      { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': 'q1\td1\t1\nq1\td2\tx\n' },
      /test\.tsv:2/,
    ],
  ])('rejects %s', async (_, files, message) => {
    const dir = await dataset(files);
    await expect(loadBeirDataset(dir)).rejects.toThrow(BeirFormatError);
    await expect(loadBeirDataset(dir)).rejects.toThrow(message);
  });
});

describe('parseQrels', () => {
  it('accepts spaces, TREC 4-column lines and blank lines', () => {
    const qrels = parseQrels('q1 d1 1\n\nq2 0 d2 3\n');
    expect(qrels.get('q1')?.get('d1')).toBe(1);
    expect(qrels.get('q2')?.get('d2')).toBe(3);
  });
});

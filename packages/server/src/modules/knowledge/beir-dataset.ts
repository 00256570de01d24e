import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Qrels } from './retrieval-metrics.js';

/**
 * Loader of retrieval evaluation sets in the BEIR layout:
 * `corpus.jsonl` (`{"_id","title","text"}` per line), `queries.jsonl` (`{"_id","text"}`) and
 * `qrels/<split>.tsv` (`query-id corpus-id score`, tab-separated, with or without a header line).
 */

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

export interface BeirDataset {
  corpus: BeirDocument[];
  queries: BeirQuery[];
  qrels: Qrels;
}

export class BeirFormatError extends Error {
  override readonly name = 'BeirFormatError';
}

/**
 * Reads a BEIR folder. Lines are streamed, so a corpus larger than one string can be read. Ids are kept
 * as strings even when the JSON has numbers. Throws {@link BeirFormatError} naming the file and line of
 * the first malformed record, or a missing file.
 * @example const { corpus, queries, qrels } = await loadBeirDataset('../shared/data/retrieval/msmarco-subset');
 */
export async function loadBeirDataset(dir: string, options: { split?: string } = {}): Promise<BeirDataset> {
  const split = options.split ?? 'test';
  const corpusPath = join(dir, 'corpus.jsonl');
  const queriesPath = join(dir, 'queries.jsonl');
  const qrelsPath = join(dir, 'qrels', `${split}.tsv`);
  for (const path of [corpusPath, queriesPath, qrelsPath]) {
    try {
      await access(path);
    } catch {
      throw new BeirFormatError(`${path}: not found`);
    }
  }
  const corpus: BeirDocument[] = [];
  await eachJsonLine(corpusPath, (record, where) => {
    corpus.push({ id: idOf(record._id, where), title: textOf(record.title), text: textOf(record.text) });
  });
  const queries: BeirQuery[] = [];
  await eachJsonLine(queriesPath, (record, where) => {
    queries.push({ id: idOf(record._id, where), text: textOf(record.text) });
  });
  const qrels = parseQrels(await readFile(qrelsPath, 'utf8'), qrelsPath);
  return { corpus, queries, qrels };
}

/**
 * Parses a qrels TSV: `query-id <tab> corpus-id <tab> score` per line; a first line whose score column
 * is not a number is a header and skipped; blank lines are skipped. A TREC-style 4-column line
 * (`qid 0 docid grade`) is accepted too.
 * @example parseQrels('query-id\tcorpus-id\tscore\nq1\td1\t2\n').get('q1')?.get('d1') // 2
 */
export function parseQrels(tsv: string, source = 'qrels'): Qrels {
  const qrels: Qrels = new Map();
  const lines = tsv.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const columns = line.split('\t').map((column) => column.trim());
    if (columns.length < 3) columns.splice(0, columns.length, ...line.trim().split(/\s+/));
    const [queryId, docId, score] =
      columns.length >= 4 ? [columns[0], columns[2], columns[3]] : [columns[0], columns[1], columns[2]];
    const grade = Number(score);
    if (score === undefined || score === '' || !Number.isFinite(grade)) {
      if (i === 0) return; // header
      throw new BeirFormatError(`${source}:${i + 1}: expected "query-id<TAB>corpus-id<TAB>score"`);
    }
    if (!queryId || !docId) throw new BeirFormatError(`${source}:${i + 1}: empty id`);
    let judgements = qrels.get(queryId);
    if (!judgements) {
      judgements = new Map();
      qrels.set(queryId, judgements);
    }
    judgements.set(docId, grade);
  });
  return qrels;
}

async function eachJsonLine(
  path: string,
  onRecord: (record: Record<string, unknown>, where: string) => void,
): Promise<void> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    const where = `${path}:${number}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new BeirFormatError(`${where}: not JSON`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      throw new BeirFormatError(`${where}: not a JSON object`);
    onRecord(record as Record<string, unknown>, where);
  }
}

function idOf(value: unknown, where: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new BeirFormatError(`${where}: missing "_id"`);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import type { Executor } from '../../platform/db/transaction.js';
import { type LlmCallRecord, UsageMeter } from './usage-meter.js';

/** A stand-in for the database's insert: records batches, fails while `failing` is set. */
function fakeDb() {
  const batches: LlmCallRecord[][] = [];
  const state: { failing: boolean; failAfterStatements?: number } = { failing: false };
  const db = {
    insertInto: () => ({
      values: (rows: LlmCallRecord[]) => ({
        execute: async () => {
          if (state.failing) throw new Error('database down');
          if (state.failAfterStatements !== undefined && batches.length >= state.failAfterStatements)
            throw new Error('database went down mid-batch');
          batches.push(rows);
        },
      }),
    }),
  } as unknown as Executor;
  return { db, batches, state };
}

const call = (id: string): LlmCallRecord => ({
  id,
  tenant_id: 'ten_x',
  endpoint: 'chat',
  model: 'local',
  input_tokens: 1,
  output_tokens: 2,
  cost: 0,
  latency_ms: 3,
  status: 'success',
  user_id: null,
  api_key_id: null,
  request_id: null,
  deployment: null,
  provider: null,
  ttft_ms: null,
  error_code: null,
});

const logger = createLogger({ level: 'silent' });

describe('the usage meter', () => {
  it('writes a batch when it is full, and the rest on close', async () => {
    const { db, batches } = fakeDb();
    const meter = new UsageMeter({
      db,
      logger,
      settings: { batchSize: 2, flushIntervalMs: 60_000, maxBuffered: 100 },
    });
    meter.record(call('a'));
    meter.record(call('b'));
    meter.record(call('c'));
    await meter.close();
    expect(batches.map((b) => b.map((r) => r.id))).toEqual([['a', 'b'], ['c']]);
    expect(meter.pending).toBe(0);
  });

  it('writes after the flush interval without a full batch', async () => {
    const { db, batches } = fakeDb();
    const meter = new UsageMeter({
      db,
      logger,
      settings: { batchSize: 100, flushIntervalMs: 10, maxBuffered: 100 },
    });
    meter.record(call('a'));
    for (let i = 0; i < 100 && batches.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([[expect.objectContaining({ id: 'a' })]]);
  });

  it('keeps records while the database is down and writes them when it is back', async () => {
    const { db, batches, state } = fakeDb();
    const meter = new UsageMeter({
      db,
      logger,
      settings: { batchSize: 1, flushIntervalMs: 60_000, maxBuffered: 100 },
    });
    state.failing = true;
    meter.record(call('a'));
    await meter.flush();
    expect(meter.pending).toBe(1);
    state.failing = false;
    meter.record(call('b'));
    await meter.close();
    expect(batches.flat().map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('drops the oldest beyond maxBuffered rather than growing without bound', async () => {
    const { db, batches, state } = fakeDb();
    const meter = new UsageMeter({
      db,
      logger,
      settings: { batchSize: 1000, flushIntervalMs: 60_000, maxBuffered: 2 },
    });
    state.failing = true;
    for (const id of ['a', 'b', 'c']) meter.record(call(id));
    expect(meter.pending).toBe(2);
    state.failing = false;
    await meter.close();
    expect(batches.flat().map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('writes a batch in statements of rowsPerStatement rows', async () => {
    const { db, batches } = fakeDb();
    const meter = new UsageMeter({
      db,
      logger,
      settings: { batchSize: 100, flushIntervalMs: 60_000, maxBuffered: 100, rowsPerStatement: 2 },
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) meter.record(call(id));
    await meter.close();
    expect(batches.map((b) => b.map((r) => r.id))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('retries only the statements that failed, so no record is written twice', async () => {
    const { db, batches, state } = fakeDb();
    const meter = new UsageMeter({
      db,
      logger,
      settings: { batchSize: 100, flushIntervalMs: 60_000, maxBuffered: 100, rowsPerStatement: 2 },
    });
    state.failAfterStatements = 1;
    for (const id of ['a', 'b', 'c', 'd', 'e']) meter.record(call(id));
    await meter.flush();
    expect(meter.pending).toBe(3);
    state.failAfterStatements = undefined;
    await meter.close();
    expect(batches.flat().map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

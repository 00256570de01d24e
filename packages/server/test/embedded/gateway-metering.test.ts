import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { createTestApp, openMemoryDatabase } from '../support/app.js';
import { registerUser } from '../support/identity.js';

/**
 * Metering is written off the request path; a graceful shutdown must still write every call. The
 * database outlives the app here (passed in), so what the app wrote before closing can be read after.
 */
describe('metering across a graceful shutdown', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openMemoryDatabase();
  });
  afterAll(() => database.close());

  it('writes buffered calls when the app closes, with tokens, cost and status', async () => {
    const t = await createTestApp({
      database,
      // Nothing would be written for a minute, or before 1000 calls: only close() can write these.
      env: { LOCAL_MODEL_WORDS_PER_S: '0', METERING_BATCH_SIZE: '1000', METERING_FLUSH_MS: '60000' },
    });
    const s = await registerUser(t.app);
    const ask = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: s.auth, payload });
    expect((await ask({ model: 'local', messages: [{ role: 'user', content: 'one' }] })).statusCode).toBe(
      200,
    );
    const streamed = await ask({
      model: 'local',
      stream: true,
      messages: [{ role: 'user', content: 'two' }],
    });
    expect(streamed.body).toContain('[DONE]');
    expect((await ask({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).statusCode).toBe(404);
    const embedded = await t.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      headers: s.auth,
      payload: { model: 'local-embedding', input: 'three' },
    });
    expect(embedded.statusCode).toBe(200);

    const before = await database.db.selectFrom('llm_calls').selectAll().execute();
    expect(before).toHaveLength(0);
    await t.close();

    const rows = await database.db
      .selectFrom('llm_calls')
      .selectAll()
      .where('tenant_id', '=', s.tenantId)
      .orderBy('id')
      .execute();
    // The unknown model was refused before routing: nothing to meter.
    expect(rows.map((r) => [r.endpoint, r.model, r.status])).toEqual([
      ['chat', 'local', 'success'],
      ['chat', 'local', 'success'],
      ['embeddings', 'local-embedding', 'success'],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ user_id: s.userId, deployment: expect.any(String), provider: 'local' });
      expect(row.input_tokens).toBeGreaterThan(0);
      expect(Number(row.cost)).toBe(0);
    }
    expect(rows[0]!.output_tokens).toBeGreaterThan(0);
    expect(rows[0]!.ttft_ms).not.toBeNull();
  });
});

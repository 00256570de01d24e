import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser } from '../support/identity.js';
import { parseExposition, sampleValue } from '../support/prometheus.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/** `/metrics` and database spans on PostgreSQL and Redis: the same observers as on PGlite. */
describe('observability on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  const exporter = new InMemorySpanExporter();
  const prefix = `${uniqueName('obs')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('obs');
    t = await createTestApp({
      env: { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix },
      spanExporter: exporter,
    });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  it('times statements, counts failures, reads queue depths and traces statements as postgresql', async () => {
    const s = await registerUser(t.app);
    const response = await t.app.inject({ method: 'GET', url: '/v1/me', headers: s.auth });
    expect(response.statusCode).toBe(200);
    await t.container.database.db
      .selectFrom('no_such_table' as never)
      .selectAll()
      .execute()
      .catch(() => undefined);
    const m = parseExposition((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(sampleValue(m, 'nexus_db_query_duration_seconds_count', { operation: 'select' })).toBeGreaterThan(
      0,
    );
    expect(sampleValue(m, 'nexus_db_query_errors_total', { operation: 'select' })).toBe(1);
    for (const queue of ['ingestion', 'tasks', 'webhooks'])
      expect(sampleValue(m, 'nexus_job_queue_depth', { queue })).toBe(0);

    await t.container.tracing.flush();
    const traceId = response.headers['x-trace-id'] as string;
    const db = exporter
      .getFinishedSpans()
      .filter((x) => x.spanContext().traceId === traceId && x.name.startsWith('db '));
    expect(db.length).toBeGreaterThan(0);
    expect(db[0]!.attributes['db.system.name']).toBe('postgresql');
  });
});

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminBootstrapService } from '../../src/modules/identity/admin-bootstrap.service.js';
import { argon2Hasher } from '../../src/modules/identity/password-hasher.js';
import { UsersRepository } from '../../src/modules/identity/users.repository.js';
import { TenantsRepository } from '../../src/modules/tenants/tenants.repository.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { migrateUp } from '../../src/platform/db/migrator.js';

const LATEST = Object.keys(migrations).at(-1)!;

import { createTestApp, type TestApp } from '../support/app.js';
import {
  adminQuery,
  createTestDatabase,
  deleteRedisKeys,
  REDIS_URL,
  uniqueName,
} from '../support/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** Polls /readyz until it answers 200 or `timeoutMs` passes; returns the last status. */
async function readyzOnceRecovered(t: TestApp, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
  while (status !== 200 && Date.now() < deadline) {
    await sleep(100);
    status = (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
  }
  return status;
}

describe('the platform on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  const prefix = `${uniqueName('app')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('app');
    t = await createTestApp({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        READINESS_TIMEOUT_MS: '1500',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  it('switches storage by URL alone and migrates on start', async () => {
    const status = (await t.app.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(status).toMatchObject({
      database: {
        kind: 'postgres',
        schema_version: LATEST,
        migrations_applied: Object.keys(migrations).length,
      },
      cache: { kind: 'redis' },
    });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ database: { status: 'ok' }, cache: { status: 'ok' } });
  });

  it('`nexus migrate status|down|up` works against PostgreSQL', async () => {
    const cli = path.resolve(import.meta.dirname, '../../src/cli.ts');
    const env = { ...process.env, DATABASE_URL: database.url };
    const exec = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args], { env });
    expect((await exec('migrate', 'status')).stdout).toMatch(new RegExp(`^applied\\s+${LATEST}`, 'm'));
    expect((await exec('migrate', 'down')).stdout).toContain(`reverted: ${LATEST}`);
    expect((await exec('migrate', 'status')).stdout).toMatch(new RegExp(`^pending\\s+${LATEST}`, 'm'));
    expect((await exec('migrate', 'up')).stdout).toContain(`applied: ${LATEST}`);
    expect((await exec('migrate', 'up')).stdout).toContain('nothing to do');
    const unknown = await exec('migrate', 'sideways').catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 2 });
  });

  it('creates exactly one first admin when instances start at the same time', async () => {
    const fresh = await createTestDatabase('admin');
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: fresh.url })));
    await migrateUp(dbs[0]!.db);
    const results = await Promise.all(
      dbs.map((d) =>
        new AdminBootstrapService({
          db: d.db,
          users: new UsersRepository(),
          tenants: new TenantsRepository(),
          hasher: argon2Hasher,
        }).ensureAdmin('admin@example.com', 'a-long-enough-password'),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const admins = await dbs[0]!.db.selectFrom('users').selectAll().execute();
    expect(admins).toHaveLength(1);
    await Promise.all(dbs.map((d) => d.close()));
    await fresh.drop();
  });

  it('answers 503 while the database is gone and recovers by itself when it is back', async () => {
    await adminQuery(`drop database "${database.name}" with (force)`);

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'unavailable',
      failing: ['database'],
      checks: { database: { status: 'error' }, cache: { status: 'ok' } },
    });
    const status = await t.app.inject({ method: 'GET', url: '/v1/status' });
    expect(status.statusCode).toBe(503);
    expect(status.json().error).toMatchObject({
      code: 'service_unavailable',
      details: { dependency: 'database' },
    });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await adminQuery(`create database "${database.name}"`);
    expect(await readyzOnceRecovered(t, 20_000)).toBe(200);
    // The recreated database is empty; the next start (or `nexus migrate up`) restores the schema.
    await migrateUp(t.container.database.db);
    expect((await t.app.inject({ method: 'GET', url: '/v1/status' })).statusCode).toBe(200);
  });

  it('answers 503 naming the cache when Redis stops answering, and recovers by itself', async () => {
    const admin = new Redis(REDIS_URL);
    // Redis holds every client's commands for 2.5 s: longer than the 1.5 s readiness timeout.
    await admin.client('PAUSE', 2500, 'ALL');
    const during = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(during.statusCode).toBe(503);
    expect(during.json()).toMatchObject({
      failing: ['cache'],
      checks: { cache: { status: 'error' }, database: { status: 'ok' } },
    });
    expect(await readyzOnceRecovered(t, 10_000)).toBe(200);
    await admin.quit();
  });
});

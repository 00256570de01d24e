import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdf } from '../fixtures/files/samples.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { upload } from '../support/multipart.js';
import { type LocalS3, startS3rver } from '../support/s3rver.js';
import { createTestDatabase, deleteRedisKeys, REDIS_URL, uniqueName } from '../support/services.js';

/**
 * Files on PostgreSQL and Redis, with two instances: on a shared local folder (HMAC links signed by one
 * instance work on the other: the secret lives in the database) and on S3 (s3rver). Races between uploads
 * and deletes of the same content, and between holds and deletes, run on real concurrent connections.
 */

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

async function uploadTo(app: TestApp, who: Session, filename: string, content: Buffer | string) {
  const { payload, headers } = upload('document', filename, content);
  return app.app.inject({ method: 'POST', url: '/v1/files', payload, headers: { ...headers, ...who.auth } });
}

async function uploaded(app: TestApp, who: Session, filename: string, content: Buffer | string) {
  const response = await uploadTo(app, who, filename, content);
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; sha256: string; bytes: number };
}

describe('files on PostgreSQL, two instances sharing a local folder', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let a: TestApp;
  let b: TestApp;
  let user: Session;
  const prefix = `${uniqueName('files')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('files');
    dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-files-shared-'));
    const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, NEXUS_DATA_DIR: dataDir };
    a = await createTestApp({ env });
    b = await createTestApp({ env });
    user = await registerUser(a.app);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function objects(): Promise<string[]> {
    try {
      return (
        await readdir(path.join(dataDir, 'files', user.tenantId), { recursive: true, withFileTypes: true })
      )
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  it('uploads on one instance, lists, downloads and deletes on the other', async () => {
    const file = await uploaded(a, user, 'paper.pdf', pdf());
    const listed = await b.app.inject({ method: 'GET', url: '/v1/files', headers: user.auth });
    expect(listed.json().data.map((f: { id: string }) => f.id)).toContain(file.id);
    const content = await b.app.inject({
      method: 'GET',
      url: `/v1/files/${file.id}/content`,
      headers: user.auth,
    });
    expect(content.rawPayload.equals(pdf())).toBe(true);
    const deleted = await b.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: user.auth });
    expect(deleted.statusCode).toBe(204);
    expect(
      (await a.app.inject({ method: 'GET', url: `/v1/files/${file.id}`, headers: user.auth })).statusCode,
    ).toBe(404);
  });

  it('accepts a signed link made by one instance on the other (one secret, kept in the database)', async () => {
    const file = await uploaded(a, user, 'shared.txt', 'shared across instances');
    const link = await a.app.inject({
      method: 'POST',
      url: `/v1/files/${file.id}/download-url`,
      headers: user.auth,
      payload: { expires_in: 60 },
    });
    const u = new URL(link.json().url);
    const response = await b.app.inject({ method: 'GET', url: `${u.pathname}${u.search}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('shared across instances');
  });

  it('keeps every upload readable when uploads and deletes of the same content race', async () => {
    for (let round = 0; round < 5; round++) {
      const content = `race round ${round} ${Date.now()}`;
      const seeds = [await uploaded(a, user, 's1.txt', content), await uploaded(b, user, 's2.txt', content)];
      const results = await Promise.all([
        ...seeds.map((s, i) =>
          (i % 2 ? a : b).app.inject({ method: 'DELETE', url: `/v1/files/${s.id}`, headers: user.auth }),
        ),
        ...Array.from({ length: 4 }, (_, i) => uploadTo(i % 2 ? a : b, user, `u${i}.txt`, content)),
      ]);
      expect(results.map((r) => r.statusCode)).toEqual([204, 204, 201, 201, 201, 201]);
      for (const r of results.slice(2)) {
        const download = await b.app.inject({
          method: 'GET',
          url: `/v1/files/${r.json().id}/content`,
          headers: user.auth,
        });
        expect(download.statusCode, download.body).toBe(200);
        expect(download.body).toBe(content);
      }
      expect(await objects()).toContain(sha(content));
      // Deleting the survivors removes the object.
      await Promise.all(
        results.slice(2).map((r, i) =>
          (i % 2 ? a : b).app.inject({
            method: 'DELETE',
            url: `/v1/files/${r.json().id}`,
            headers: user.auth,
          }),
        ),
      );
      expect(await objects()).not.toContain(sha(content));
    }
    const rows = await a.container.database.db
      .selectFrom('file_objects')
      .select('sha256')
      .where('tenant_id', '=', user.tenantId)
      .execute();
    expect(rows.map((r) => r.sha256).sort()).toEqual(await objects());
  });

  it('never lets a hold and a delete both win', async () => {
    for (let round = 0; round < 10; round++) {
      const file = await uploaded(a, user, `held${round}.txt`, `held ${round}`);
      const [held, deleted] = await Promise.allSettled([
        b.container.services.files.hold(user.tenantId, file.id, `doc_round${round}`),
        a.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: user.auth }),
      ]);
      const deleteStatus = deleted.status === 'fulfilled' ? deleted.value.statusCode : 0;
      if (held.status === 'fulfilled') {
        expect(deleteStatus).toBe(409);
        await b.container.services.files.release(user.tenantId, file.id, `doc_round${round}`);
        expect(
          (await a.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: user.auth }))
            .statusCode,
        ).toBe(204);
      } else {
        expect(held.reason).toMatchObject({ code: 'not_found' });
        expect(deleteStatus).toBe(204);
      }
    }
  });
});

describe('files on PostgreSQL and S3 (s3rver), two instances', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let s3: LocalS3;
  let a: TestApp;
  let b: TestApp;
  let user: Session;
  const prefix = `${uniqueName('files_s3')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('files_s3');
    s3 = await startS3rver();
    const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, ...s3.env };
    a = await createTestApp({ env });
    b = await createTestApp({ env });
    user = await registerUser(a.app);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await s3?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  it('stores once, serves from either instance, presigns, and deletes with the last file', async () => {
    const content = `on s3 ${Date.now()}`;
    const first = await uploaded(a, user, 'one.txt', content);
    const second = await uploaded(b, user, 'two.txt', content);
    const key = `${user.tenantId}/${first.sha256.slice(0, 2)}/${first.sha256}`;
    expect(await b.container.storage.head(key)).toEqual({ key, size: first.bytes });
    const download = await b.app.inject({
      method: 'GET',
      url: `/v1/files/${first.id}/content`,
      headers: user.auth,
    });
    expect(download.body).toBe(content);
    const link = await b.app.inject({
      method: 'POST',
      url: `/v1/files/${second.id}/download-url`,
      headers: user.auth,
    });
    const fetched = await fetch(link.json().url);
    expect(await fetched.text()).toBe(content);
    await a.app.inject({ method: 'DELETE', url: `/v1/files/${first.id}`, headers: user.auth });
    expect(await a.container.storage.head(key)).not.toBeNull();
    await b.app.inject({ method: 'DELETE', url: `/v1/files/${second.id}`, headers: user.auth });
    expect(await a.container.storage.head(key)).toBeNull();
  });
});

import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { newId } from '../../src/ids.js';
import { DownloadLinkSigner } from '../../src/modules/files/download-links.js';
import type { Database } from '../../src/platform/db/database.js';
import { EICAR_SIGNATURE, FakeClamd } from '../fakes/fake-clamd.js';
import { docx, EICAR, pdf, sampleOf } from '../fixtures/files/samples.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { multipart, streamingUpload, upload } from '../support/multipart.js';
import { type LocalS3, startS3rver } from '../support/s3rver.js';

/**
 * Files through the real app (embedded PGlite, the local folder storage): upload and its validation,
 * listing, metadata, download with ranges, deduplication, deletion, signed links, holds, the tenant size
 * limit, virus scanning against a fake clamd, a large streamed upload, and the same flows on S3 storage
 * (s3rver). The three apps share one in-memory database; each has its own users and storage.
 */

const SECRET = 'files-test-link-signing-secret-0123456789';
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

let database: Database;
let t: TestApp;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  database = await openMemoryDatabase();
  t = await createTestApp({ database, env: { FILES_URL_SIGNING_SECRET: SECRET } });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
});

afterAll(async () => {
  await t?.close();
  await database?.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
function call(app: TestApp, method: Method, url: string, headers: Record<string, string>, payload?: unknown) {
  return app.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function uploadAs(
  who: Session,
  purpose: string,
  filename: string,
  content: Buffer | string,
  app: TestApp = t,
) {
  const { payload, headers } = upload(purpose, filename, content);
  return app.app.inject({ method: 'POST', url: '/v1/files', payload, headers: { ...headers, ...who.auth } });
}

async function uploaded(who: Session, purpose: string, filename: string, content: Buffer | string, app = t) {
  const response = await uploadAs(who, purpose, filename, content, app);
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as {
    id: string;
    object: string;
    bytes: number;
    created_at: number;
    filename: string;
    purpose: string;
    media_type: string;
    sha256: string;
  };
}

/** Every object file in a tenant's part of the local storage folder. */
async function storedObjects(app: TestApp, tenantId: string): Promise<string[]> {
  const root = path.join(app.container.config.dataDir, 'files', tenantId);
  try {
    return (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function fileRows(tenantId: string) {
  return database.db.selectFrom('files').selectAll().where('tenant_id', '=', tenantId).execute();
}

describe('upload', () => {
  it('stores a file and answers OpenAI’s file object plus media_type and sha256', async () => {
    const before = Math.floor(Date.now() / 1000);
    const file = await uploaded(alice, 'document', 'notes.txt', 'hello nexus\n');
    expect(file).toEqual({
      id: expect.stringMatching(/^file_[0-9a-z]{26}$/),
      object: 'file',
      bytes: 12,
      created_at: expect.any(Number),
      filename: 'notes.txt',
      purpose: 'document',
      media_type: 'text/plain',
      sha256: sha('hello nexus\n'),
    });
    expect(file.created_at).toBeGreaterThanOrEqual(before - 1);
  });

  it.each([
    ['image', 'pixel.png', sampleOf('png').bytes, 'image/png'],
    ['audio', 'voice.wav', sampleOf('wav').bytes, 'audio/wav'],
    ['video', 'movie.webm', sampleOf('webm').bytes, 'video/webm'],
    ['document', 'paper.pdf', pdf(), 'application/pdf'],
    [
      'document',
      'letter.docx',
      docx(),
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
  ])('detects the media type of a %s (%s) from its bytes', async (purpose, filename, bytes, mediaType) => {
    const file = await uploaded(alice, purpose, filename, bytes);
    expect(file.media_type).toBe(mediaType);
    expect(file.sha256).toBe(sha(bytes));
  });

  it('keeps a Unicode file name and drops any path the client sent', async () => {
    expect((await uploaded(alice, 'document', '季度报告.md', '# 报告')).filename).toBe('季度报告.md');
    expect((await uploaded(alice, 'document', '../../etc/passwd.txt', 'x')).filename).toBe('passwd.txt');
    expect((await uploaded(alice, 'document', 'C:\\Users\\me\\plan.txt', 'y')).filename).toBe('plan.txt');
  });

  const rejected: [string, () => ReturnType<typeof multipart>, number, string][] = [
    ['0 bytes', () => upload('document', 'empty.txt', ''), 400, 'file_empty'],
    [
      'a PNG named .pdf',
      () => upload('document', 'image.pdf', sampleOf('png').bytes),
      400,
      'file_type_mismatch',
    ],
    [
      'a zip named .docx',
      () => upload('document', 'a.docx', Buffer.from(docx()).fill(0, 0, 4)),
      400,
      'file_type_mismatch',
    ],
    [
      'binary named .txt',
      () => upload('document', 'a.txt', Buffer.from([0, 1, 2, 255])),
      400,
      'file_type_mismatch',
    ],
    ['a PDF for purpose image', () => upload('image', 'paper.pdf', pdf()), 400, 'file_type_not_allowed'],
    ['an .exe', () => upload('document', 'setup.exe', 'MZ'), 400, 'file_type_not_allowed'],
    ['no extension', () => upload('document', 'README', 'text'), 400, 'file_type_not_allowed'],
    ['an unknown purpose', () => upload('assistants', 'a.txt', 'x'), 400, 'validation_failed'],
    [
      'purpose after the file',
      () =>
        multipart([
          { name: 'file', filename: 'a.txt', content: 'x' },
          { name: 'purpose', value: 'document' },
        ]),
      400,
      'validation_failed',
    ],
    ['no file', () => multipart([{ name: 'purpose', value: 'document' }]), 400, 'validation_failed'],
    [
      'an unknown field',
      () =>
        multipart([
          { name: 'purpose', value: 'document' },
          { name: 'expires_after', value: '1' },
          { name: 'file', filename: 'a.txt', content: 'x' },
        ]),
      400,
      'validation_failed',
    ],
    [
      'the file in another field',
      () =>
        multipart([
          { name: 'purpose', value: 'document' },
          { name: 'upload', filename: 'a.txt', content: 'x' },
        ]),
      400,
      'validation_failed',
    ],
    [
      'a file name that is only a path',
      () =>
        multipart([
          { name: 'purpose', value: 'document' },
          { name: 'file', filename: 'dir/', content: 'x' },
        ]),
      400,
      'validation_failed',
    ],
  ];

  it.each(rejected)('refuses %s and stores nothing', async (_case, body, status, code) => {
    const objects = await storedObjects(t, bob.tenantId);
    const rows = await fileRows(bob.tenantId);
    const { payload, headers } = body();
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      payload,
      headers: { ...headers, ...bob.auth },
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBe(code);
    expect(await storedObjects(t, bob.tenantId)).toEqual(objects);
    expect(await fileRows(bob.tenantId)).toEqual(rows);
  });

  it('refuses a JSON body with 415', async () => {
    const response = await call(t, 'POST', '/v1/files', alice.auth, { purpose: 'document' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('unsupported_media_type');
  });

  it('needs credentials and files:write', async () => {
    const { payload, headers } = upload('document', 'a.txt', 'x');
    const anonymous = await t.app.inject({ method: 'POST', url: '/v1/files', payload, headers });
    expect(anonymous.statusCode).toBe(401);
    const key = await call(t, 'POST', '/v1/api-keys', alice.auth, { name: 'reader', scopes: ['files:read'] });
    const readOnly = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      payload,
      headers: { ...headers, 'x-api-key': key.json().secret },
    });
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json().error.code).toBe('insufficient_scope');
  });
});

describe('list and get', () => {
  let carol: Session;
  const ids: string[] = [];

  beforeAll(async () => {
    carol = await registerUser(t.app);
    for (let i = 0; i < 5; i++) ids.push((await uploaded(carol, 'document', `doc${i}.txt`, `doc ${i}`)).id);
    ids.push((await uploaded(carol, 'image', 'pixel.gif', sampleOf('gif').bytes)).id);
  });

  it('pages through the tenant’s files, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/files?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(t, 'GET', url, carol.auth);
      expect(page.statusCode, page.body).toBe(200);
      seen.push(...page.json().data.map((f: { id: string }) => f.id));
      cursor = page.json().next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by purpose', async () => {
    const images = await call(t, 'GET', '/v1/files?purpose=image', carol.auth);
    expect(images.json().data.map((f: { id: string }) => f.id)).toEqual([ids[5]]);
    expect(images.json().next_cursor).toBeNull();
  });

  it.each([
    ['/v1/files?purpose=other', 400, 'validation_failed'],
    ['/v1/files?cursor=garbage', 400, 'invalid_cursor'],
    ['/v1/files?limit=0', 400, 'validation_failed'],
    ['/v1/files?after=x', 400, 'unknown_parameter'],
  ])('GET %s → %d %s', async (url, status, code) => {
    const response = await call(t, 'GET', url, carol.auth);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
  });

  it('gets one file, and another tenant’s file is 404', async () => {
    const file = await call(t, 'GET', `/v1/files/${ids[0]}`, carol.auth);
    expect(file.json()).toMatchObject({ id: ids[0], filename: 'doc0.txt', bytes: 5 });
    const other = await call(t, 'GET', `/v1/files/${ids[0]}`, alice.auth);
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
    expect((await call(t, 'GET', '/v1/files/file_nope', carol.auth)).json().error.code).toBe('invalid_id');
  });
});

describe('download', () => {
  let file: Awaited<ReturnType<typeof uploaded>>;
  const content = '0123456789abcdefghij';

  beforeAll(async () => {
    file = await uploaded(alice, 'document', 'alpha 字母.csv', content);
  });

  it('streams the content with its type, name, length and hash', async () => {
    const response = await call(t, 'GET', `/v1/files/${file.id}/content`, alice.auth);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(content);
    expect(response.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-length': '20',
      'content-disposition': `attachment; filename="alpha __.csv"; filename*=UTF-8''alpha%20%E5%AD%97%E6%AF%8D.csv`,
      etag: `"${sha(content)}"`,
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    });
  });

  it.each([
    ['bytes=0-3', 206, '0123', 'bytes 0-3/20'],
    ['bytes=15-', 206, 'fghij', 'bytes 15-19/20'],
    ['bytes=-3', 206, 'hij', 'bytes 17-19/20'],
    ['bytes=18-100', 206, 'ij', 'bytes 18-19/20'],
    ['bytes=0-19', 200, content, undefined],
    ['bytes=0-1,4-5', 200, content, undefined],
    ['pages=1', 200, content, undefined],
  ])('Range: %s → %d', async (range, status, body, contentRange) => {
    const response = await call(t, 'GET', `/v1/files/${file.id}/content`, { ...alice.auth, range });
    expect(response.statusCode).toBe(status);
    expect(response.body).toBe(body);
    expect(response.headers['content-range']).toBe(contentRange);
    expect(response.headers['content-length']).toBe(String(body.length));
  });

  it('answers 416 for a range past the end', async () => {
    const response = await call(t, 'GET', `/v1/files/${file.id}/content`, {
      ...alice.auth,
      range: 'bytes=20-',
    });
    expect(response.statusCode).toBe(416);
    expect(response.json().error.code).toBe('range_not_satisfiable');
    expect(response.headers['content-range']).toBe('bytes */20');
  });

  it('answers HEAD with the headers only', async () => {
    const response = await call(t, 'HEAD', `/v1/files/${file.id}/content`, alice.auth);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe('20');
    expect(response.body).toBe('');
  });

  it('is 404 for another tenant and 401 without credentials', async () => {
    expect((await call(t, 'GET', `/v1/files/${file.id}/content`, bob.auth)).statusCode).toBe(404);
    expect((await call(t, 'GET', `/v1/files/${file.id}/content`, {})).statusCode).toBe(401);
  });
});

describe('deduplication and delete', () => {
  it('stores the same content once per tenant and deletes it with its last file', async () => {
    const dave = await registerUser(t.app);
    const content = `same bytes ${Date.now()}`;
    const first = await uploaded(dave, 'document', 'one.txt', content);
    const second = await uploaded(dave, 'document', 'two.md', content);
    expect(second.id).not.toBe(first.id);
    expect(second.sha256).toBe(first.sha256);
    expect(await storedObjects(t, dave.tenantId)).toEqual([first.sha256]);
    // Another tenant's copy is its own object.
    const other = await uploaded(bob, 'document', 'copy.txt', content);
    expect(await storedObjects(t, bob.tenantId)).toContain(other.sha256);

    expect((await call(t, 'DELETE', `/v1/files/${first.id}`, dave.auth)).statusCode).toBe(204);
    expect((await call(t, 'GET', `/v1/files/${first.id}`, dave.auth)).statusCode).toBe(404);
    expect(await storedObjects(t, dave.tenantId)).toEqual([first.sha256]);
    expect((await call(t, 'GET', `/v1/files/${second.id}/content`, dave.auth)).body).toBe(content);

    expect((await call(t, 'DELETE', `/v1/files/${second.id}`, dave.auth)).statusCode).toBe(204);
    expect(await storedObjects(t, dave.tenantId)).toEqual([]);
    expect((await call(t, 'DELETE', `/v1/files/${second.id}`, dave.auth)).statusCode).toBe(404);
    expect(await storedObjects(t, bob.tenantId)).toContain(other.sha256);
    const objects = await database.db
      .selectFrom('file_objects')
      .selectAll()
      .where('tenant_id', '=', dave.tenantId)
      .execute();
    expect(objects).toEqual([]);
  });

  it('keeps uploads and deletes of the same content consistent when they race', async () => {
    const erin = await registerUser(t.app);
    const content = `racing ${Date.now()}`;
    const seed = await uploaded(erin, 'document', 'seed.txt', content);
    const results = await Promise.all([
      call(t, 'DELETE', `/v1/files/${seed.id}`, erin.auth),
      ...Array.from({ length: 4 }, (_, i) => uploadAs(erin, 'document', `r${i}.txt`, content)),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([204, 201, 201, 201, 201]);
    for (const r of results.slice(1)) {
      const download = await call(t, 'GET', `/v1/files/${r.json().id}/content`, erin.auth);
      expect(download.body).toBe(content);
    }
    expect(await storedObjects(t, erin.tenantId)).toEqual([seed.sha256]);
  });
});

describe('download links', () => {
  let file: Awaited<ReturnType<typeof uploaded>>;
  const signer = new DownloadLinkSigner(new TextEncoder().encode(SECRET));

  beforeAll(async () => {
    file = await uploaded(alice, 'document', 'shared.txt', 'shared content');
  });

  async function link(expiresIn?: number) {
    const response = await call(
      t,
      'POST',
      `/v1/files/${file.id}/download-url`,
      alice.auth,
      expiresIn === undefined ? undefined : { expires_in: expiresIn },
    );
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { url: string; expires_at: string };
  }

  const pathOf = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };

  it('hands out a signed link that works without credentials until it expires', async () => {
    const before = Date.now();
    const { url, expires_at } = await link();
    expect(url).toMatch(new RegExp(`^http://localhost(:\\d+)?/v1/files/${file.id}/content\\?tenant=`));
    const expiresAt = Date.parse(expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_601_000);
    const response = await t.app.inject({ method: 'GET', url: pathOf(url) });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('shared content');
    expect(response.headers['content-disposition']).toContain('shared.txt');
    const ranged = await t.app.inject({ method: 'GET', url: pathOf(url), headers: { range: 'bytes=0-5' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.body).toBe('shared');
  });

  it.each([
    [
      'a changed signature',
      (u: URL) => {
        const signature = u.searchParams.get('signature')!;
        u.searchParams.set('signature', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
      },
    ],
    [
      'a later expiry',
      (u: URL) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 1)),
    ],
    ['another tenant', (u: URL) => u.searchParams.set('tenant', bob.tenantId)],
    ['no signature', (u: URL) => u.searchParams.delete('signature')],
    [
      'only a signature',
      (u: URL) => {
        u.searchParams.delete('tenant');
        u.searchParams.delete('expires');
      },
    ],
  ])('refuses a link with %s: 403 download_link_invalid', async (_case, tamper) => {
    const u = new URL((await link()).url);
    tamper(u);
    const response = await t.app.inject({ method: 'GET', url: pathOf(u.toString()) });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('download_link_invalid');
  });

  it('refuses a link to another file', async () => {
    const other = await uploaded(alice, 'document', 'other.txt', 'other content');
    const u = new URL((await link()).url);
    u.pathname = `/v1/files/${other.id}/content`;
    const response = await t.app.inject({ method: 'GET', url: pathOf(u.toString()) });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('download_link_invalid');
  });

  it('refuses an expired link: 403 download_link_expired', async () => {
    const expires = Math.floor(Date.now() / 1000) - 1;
    const signature = signer.sign({ tenantId: alice.tenantId, fileId: file.id, expires });
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/files/${file.id}/content?tenant=${alice.tenantId}&expires=${expires}&signature=${signature}`,
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('download_link_expired');
  });

  it('limits the lifetime to 7 days and stops working once the file is deleted', async () => {
    const tooLong = await call(t, 'POST', `/v1/files/${file.id}/download-url`, alice.auth, {
      expires_in: 604_801,
    });
    expect(tooLong.statusCode).toBe(400);
    const { url } = await link(60);
    const doomed = await uploaded(alice, 'document', 'doomed.txt', 'doomed');
    const doomedLink = (
      await call(t, 'POST', `/v1/files/${doomed.id}/download-url`, alice.auth, { expires_in: 60 })
    ).json().url as string;
    expect((await call(t, 'DELETE', `/v1/files/${doomed.id}`, alice.auth)).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: pathOf(doomedLink) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: pathOf(url) })).statusCode).toBe(200);
  });
});

describe('holds (files used by ingestion or tasks)', () => {
  it('refuses to delete a held file until every holder released it', async () => {
    const files = t.container.services.files;
    const file = await uploaded(alice, 'document', 'held.txt', 'held content');
    await files.hold(alice.tenantId, file.id, 'doc_01j0000000000000000000000a');
    await files.hold(alice.tenantId, file.id, 'task_01j0000000000000000000000b');
    await files.hold(alice.tenantId, file.id, 'task_01j0000000000000000000000b');
    const refused = await call(t, 'DELETE', `/v1/files/${file.id}`, alice.auth);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'file_in_use',
      details: { holders: ['doc_01j0000000000000000000000a', 'task_01j0000000000000000000000b'] },
    });
    await files.release(alice.tenantId, file.id, 'doc_01j0000000000000000000000a');
    expect((await call(t, 'DELETE', `/v1/files/${file.id}`, alice.auth)).statusCode).toBe(409);
    await files.release(alice.tenantId, file.id, 'task_01j0000000000000000000000b');
    await files.release(alice.tenantId, file.id, 'task_01j0000000000000000000000b');
    expect((await call(t, 'DELETE', `/v1/files/${file.id}`, alice.auth)).statusCode).toBe(204);
    await files.release(alice.tenantId, file.id, 'task_01j0000000000000000000000b');
  });

  it('cannot hold a missing file or another tenant’s file', async () => {
    const files = t.container.services.files;
    const file = await uploaded(alice, 'document', 'mine.txt', 'mine');
    await expect(files.hold(bob.tenantId, file.id, 'doc_x')).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      files.hold(alice.tenantId, 'file_01j00000000000000000000000', 'doc_x'),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(files.hold(alice.tenantId, 'not-an-id', 'doc_x')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('gives internal readers the content: whole, bounded, or as a stream', async () => {
    const files = t.container.services.files;
    const file = await uploaded(alice, 'document', 'internal.txt', 'internal content');
    expect(Buffer.from(await files.readContent(alice.tenantId, file.id, { maxBytes: 1000 })).toString()).toBe(
      'internal content',
    );
    await expect(files.readContent(alice.tenantId, file.id, { maxBytes: 5 })).rejects.toMatchObject({
      code: 'file_too_large',
    });
    const opened = await files.openContent(alice.tenantId, file.id);
    expect(opened.file).toMatchObject({ id: file.id, format: 'txt', media_type: 'text/plain', bytes: 16 });
    const chunks: Buffer[] = [];
    for await (const chunk of opened.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('internal content');
    expect((await files.get(alice.tenantId, file.id)).filename).toBe('internal.txt');
    await expect(files.get(bob.tenantId, file.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('interrupted uploads', () => {
  it('are swept: old spool files, and old uploading rows with the objects only they used', async () => {
    const judy = await registerUser(t.app);
    const files = t.container.services.files;
    const storage = t.container.storage;
    const content = Buffer.from('left behind by a crash');
    const digest = sha(content);
    const key = `${judy.tenantId}/${digest.slice(0, 2)}/${digest}`;
    const old = new Date(Date.now() - 7 * 3600_000);
    await database.db
      .insertInto('file_objects')
      .values({ tenant_id: judy.tenantId, sha256: digest, bytes: content.length, storage_key: key })
      .execute();
    await database.db
      .insertInto('files')
      .values({
        id: newId('file'),
        tenant_id: judy.tenantId,
        sha256: digest,
        filename: 'crash.txt',
        purpose: 'document',
        format: 'txt',
        bytes: content.length,
        media_type: 'text/plain',
        status: 'uploading',
        created_by: judy.userId,
        created_at: old,
      })
      .execute();
    await storage.put(key, content);
    const spool = path.join(t.container.config.dataDir, 'spool');
    await mkdir(spool, { recursive: true });
    const stale = path.join(spool, 'upload-stale');
    const fresh = path.join(spool, 'upload-fresh');
    await writeFile(stale, 'x');
    await writeFile(fresh, 'y');
    await utimes(stale, old, old);

    const swept = await files.sweep();
    expect(swept.uploads).toBeGreaterThanOrEqual(1);
    expect(swept.spoolFiles).toBeGreaterThanOrEqual(1);
    expect(await fileRows(judy.tenantId)).toEqual([]);
    expect(await storage.head(key)).toBeNull();
    expect((await readdir(spool)).filter((n) => n.startsWith('upload-'))).toEqual(['upload-fresh']);
    await rm(fresh);
  });
});

describe('tenant size limit', () => {
  it('cuts off an upload over the tenant’s limit with 413 and keeps nothing', async () => {
    const frank = await registerUser(t.app);
    const settingsUrl = `/v1/tenants/${frank.tenantId}/file-settings`;
    const initial = await call(t, 'GET', settingsUrl, frank.auth);
    expect(initial.json()).toMatchObject({
      tenant_id: frank.tenantId,
      max_file_bytes: 536_870_912,
      max_file_bytes_override: null,
      default_max_file_bytes: 536_870_912,
      ceiling_max_file_bytes: 5_368_709_120,
      updated_at: null,
    });
    const set = await call(t, 'PUT', settingsUrl, frank.auth, { max_file_bytes: 1000 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ max_file_bytes: 1000, max_file_bytes_override: 1000 });

    await uploaded(frank, 'document', 'exactly.txt', 'x'.repeat(1000));
    const over = await uploadAs(frank, 'document', 'over.txt', 'y'.repeat(100_000));
    expect(over.statusCode).toBe(413);
    expect(over.json().error).toMatchObject({ code: 'file_too_large', details: { limit_bytes: 1000 } });
    expect((await fileRows(frank.tenantId)).length).toBe(1);
    expect((await storedObjects(t, frank.tenantId)).length).toBe(1);
    const spool = path.join(t.container.config.dataDir, 'spool');
    expect((await readdir(spool)).filter((n) => n.startsWith('upload-'))).toEqual([]);

    expect(
      (await call(t, 'PUT', settingsUrl, frank.auth, { max_file_bytes: null })).json().max_file_bytes,
    ).toBe(536_870_912);
    await uploaded(frank, 'document', 'later.txt', 'y'.repeat(100_000));
  });

  it.each([
    [{ max_file_bytes: 5_368_709_121 }, 400, 'validation_failed'],
    [{ max_file_bytes: 0 }, 400, 'validation_failed'],
    [{ max_file_bytes: '1000' }, 400, 'validation_failed'],
    [{}, 400, 'validation_failed'],
  ])('PUT file-settings %j → %d %s', async (body, status, code) => {
    const response = await call(t, 'PUT', `/v1/tenants/${alice.tenantId}/file-settings`, alice.auth, body);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
  });

  it('is changed by owners and admins only (tenant:update), never in another tenant', async () => {
    const key = await call(t, 'POST', '/v1/api-keys', alice.auth, {
      name: 'files',
      scopes: ['files:read', 'files:write'],
    });
    const response = await call(
      t,
      'PUT',
      `/v1/tenants/${alice.tenantId}/file-settings`,
      { 'x-api-key': key.json().secret },
      { max_file_bytes: 10 },
    );
    expect(response.statusCode).toBe(403);
    const foreign = await call(t, 'PUT', `/v1/tenants/${alice.tenantId}/file-settings`, bob.auth, {
      max_file_bytes: 10,
    });
    expect(foreign.statusCode).toBe(404);
  });
});

describe('a large upload', () => {
  it('streams 50 MB through to storage without holding it in memory', async () => {
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const size = 50 * 1024 * 1024;
    const hash = createHash('sha256');
    const line = Buffer.from(`${'nexus streams large uploads '.repeat(4)}\n`);
    function* chunks() {
      for (let sent = 0; sent < size; ) {
        const chunk = Buffer.alloc(Math.min(64 * 1024, size - sent));
        for (let at = 0; at < chunk.length; at += line.length)
          line.copy(chunk, at, 0, Math.min(line.length, chunk.length - at));
        hash.update(chunk);
        sent += chunk.length;
        yield chunk;
      }
    }
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 20);
    const { body, headers } = streamingUpload('document', 'large.txt', chunks());
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        `${url}/v1/files`,
        { method: 'POST', headers: { ...headers, ...alice.auth } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      body.pipe(request);
    });
    clearInterval(sampler);
    expect(response.status, response.body).toBe(201);
    const file = JSON.parse(response.body);
    expect(file.bytes).toBe(size);
    expect(file.sha256).toBe(hash.digest('hex'));
    const stored = await t.container.storage.head(
      `${alice.tenantId}/${file.sha256.slice(0, 2)}/${file.sha256}`,
    );
    expect(stored?.size).toBe(size);
    // Informational only (no threshold: heap figures vary with GC timing).
    console.info(
      `50 MB upload: heap before ${(heapBefore / 1e6).toFixed(1)} MB, peak ${(heapPeak / 1e6).toFixed(1)} MB`,
    );
  });
});

describe('an upload over the limit, over real HTTP', () => {
  it('is answered 413 while the client is still sending, and the connection is closed', async () => {
    const url = t.app.server.listening
      ? `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
      : await t.app.listen({ port: 0, host: '127.0.0.1' });
    const ivan = await registerUser(t.app);
    const limit = await call(t, 'PUT', `/v1/tenants/${ivan.tenantId}/file-settings`, ivan.auth, {
      max_file_bytes: 1024 * 1024,
    });
    expect(limit.statusCode).toBe(200);
    const total = 256 * 1024 * 1024;
    let produced = 0;
    function* chunks() {
      const chunk = Buffer.alloc(64 * 1024, 'z');
      while (produced < total) {
        produced += chunk.length;
        yield chunk;
      }
    }
    const { body, headers } = streamingUpload('document', 'huge.txt', chunks());
    const response = await new Promise<{ status: number; body: string; connection?: string }>(
      (resolve, reject) => {
        const request = httpRequest(
          `${url}/v1/files`,
          { method: 'POST', headers: { ...headers, ...ivan.auth } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => {
              text += d;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }),
            );
          },
        );
        // Writes fail once the server has answered and closed the connection; the answer is still read.
        // An error with no answer at all fails the test (after a grace period, not as a timing check).
        request.on('error', (error) => {
          setTimeout(() => reject(error), 5_000).unref();
        });
        body.pipe(request);
      },
    );
    body.destroy();
    expect(response.status, response.body).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe('file_too_large');
    expect(response.connection).toBe('close');
    // The server stopped reading long before the end of the body.
    expect(produced).toBeLessThan(total);
    expect(await fileRows(ivan.tenantId)).toEqual([]);
  });
});

describe('virus scanning (fake clamd)', () => {
  let clamd: FakeClamd;
  let scanned: TestApp;
  let grace: Session;

  beforeAll(async () => {
    clamd = await FakeClamd.start();
    scanned = await createTestApp({ database, env: { ...clamd.env, CLAMD_TIMEOUT_MS: '1000' } });
    grace = await registerUser(scanned.app);
  });
  afterAll(async () => {
    await scanned?.close();
    await clamd?.close();
  });

  it('scans clean uploads and stores them', async () => {
    const scans = clamd.scans.length;
    await uploaded(grace, 'document', 'clean.txt', 'nothing to see', scanned);
    expect(clamd.scans.length).toBe(scans + 1);
    expect(clamd.scans.at(-1)).toEqual({ bytes: 14, verdict: 'stream: OK' });
  });

  it('refuses an infected upload with 422 file_infected, stores nothing and writes the audit log', async () => {
    const response = await uploadAs(grace, 'document', 'eicar.txt', `prefix ${EICAR} suffix`, scanned);
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({
      code: 'file_infected',
      details: { signature: EICAR_SIGNATURE },
    });
    expect((await fileRows(grace.tenantId)).map((f) => f.filename)).toEqual(['clean.txt']);
    expect(await storedObjects(scanned, grace.tenantId)).toHaveLength(1);
    const audit = await call(scanned, 'GET', '/v1/audit-events?action=file.upload_infected', grace.auth);
    expect(audit.json().data).toEqual([
      expect.objectContaining({
        action: 'file.upload_infected',
        result: 'failure',
        details: expect.objectContaining({ filename: 'eicar.txt', signature: EICAR_SIGNATURE }),
      }),
    ]);
  });

  it('fails closed with 503 virus_scan_unavailable when clamd does not answer', async () => {
    clamd.mode = 'hang';
    try {
      const response = await uploadAs(grace, 'document', 'unscanned.txt', 'content', scanned);
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('virus_scan_unavailable');
      expect(response.headers['retry-after']).toBe('5');
      expect((await fileRows(grace.tenantId)).map((f) => f.filename)).toEqual(['clean.txt']);
    } finally {
      clamd.mode = 'scan';
    }
  });
});

describe('on S3 storage (s3rver)', () => {
  let s3: LocalS3;
  let onS3: TestApp;
  let heidi: Session;

  beforeAll(async () => {
    s3 = await startS3rver();
    onS3 = await createTestApp({ database, env: s3.env });
    heidi = await registerUser(onS3.app);
  });
  afterAll(async () => {
    await onS3?.close();
    await s3?.close();
  });

  it('uploads, deduplicates, downloads (with ranges), presigns and deletes', async () => {
    expect(onS3.container.storage.kind).toBe('s3');
    const bytes = pdf('Stored on S3');
    const first = await uploaded(heidi, 'document', 'report.pdf', bytes, onS3);
    const second = await uploaded(heidi, 'document', 'copy.pdf', bytes, onS3);
    const key = `${heidi.tenantId}/${first.sha256.slice(0, 2)}/${first.sha256}`;
    expect(await onS3.container.storage.head(key)).toEqual({ key, size: bytes.length });

    const download = await call(onS3, 'GET', `/v1/files/${first.id}/content`, heidi.auth);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(bytes)).toBe(true);
    expect(download.headers['content-type']).toBe('application/pdf');
    const ranged = await call(onS3, 'GET', `/v1/files/${first.id}/content`, {
      ...heidi.auth,
      range: 'bytes=0-7',
    });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.body).toBe('%PDF-1.4');
    expect(ranged.headers['content-range']).toBe(`bytes 0-7/${bytes.length}`);

    const link = await call(onS3, 'POST', `/v1/files/${first.id}/download-url`, heidi.auth, {
      expires_in: 120,
    });
    const url = new URL(link.json().url);
    expect(url.origin).toBe(s3.url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    expect(fetched.headers.get('content-disposition')).toContain('report.pdf');

    expect((await call(onS3, 'DELETE', `/v1/files/${first.id}`, heidi.auth)).statusCode).toBe(204);
    expect(await onS3.container.storage.head(key)).not.toBeNull();
    expect((await call(onS3, 'DELETE', `/v1/files/${second.id}`, heidi.auth)).statusCode).toBe(204);
    expect(await onS3.container.storage.head(key)).toBeNull();
  });

  it('streams a large upload up in parts', async () => {
    const size = 70 * 1024 * 1024;
    const hash = createHash('sha256');
    const body = Readable.from(
      (function* () {
        const chunk = Buffer.alloc(1024 * 1024, 'a');
        for (let i = 0; i < size / chunk.length; i++) {
          hash.update(chunk);
          yield chunk;
        }
      })(),
    );
    const file = await onS3.container.services.files.upload(
      {
        principal: { kind: 'user', userId: heidi.userId, sessionId: heidi.sessionId, isPlatformAdmin: false },
        ip: '127.0.0.1',
        userAgent: null,
        requestId: 'req_test',
      },
      { purpose: 'document', filename: 'big.txt', content: body },
    );
    expect(file.bytes).toBe(size);
    expect(file.sha256).toBe(hash.digest('hex'));
    const key = `${heidi.tenantId}/${file.sha256.slice(0, 2)}/${file.sha256}`;
    expect((await onS3.container.storage.head(key))?.size).toBe(size);
  });
});

describe('OpenAPI', () => {
  it('documents the file routes', async () => {
    const response = await call(t, 'GET', '/openapi.json', {});
    expect(response.statusCode, response.body).toBe(200);
    const doc = response.json() as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties: object }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/files',
        '/v1/files/{id}',
        '/v1/files/{id}/content',
        '/v1/files/{id}/download-url',
        '/v1/tenants/{id}/file-settings',
      ]),
    );
    // HEAD is served but not listed.
    expect(Object.keys(doc.paths['/v1/files/{id}/content']!)).toEqual(['get']);
    expect(doc.components.schemas.File?.properties).toHaveProperty('sha256');
  });
});

describe('configuration', () => {
  it.each([
    [{ S3_ENDPOINT: 'http://minio:9000' }, 'S3_ENDPOINT'],
    [{ S3_ACCESS_KEY_ID: 'key' }, 'S3_ACCESS_KEY_ID'],
    [{ S3_BUCKET: 'nexus', S3_ACCESS_KEY_ID: 'key' }, 'S3_SECRET_ACCESS_KEY'],
    [{ S3_BUCKET: 'nexus', S3_SECRET_ACCESS_KEY: 'secret' }, 'S3_ACCESS_KEY_ID'],
  ])('refuses an incomplete S3 setup %j before opening anything', async (env, variable) => {
    const error = await createContainer(loadConfig(env)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toContain(variable);
  });

  it.each([
    [{ FILES_URL_SIGNING_SECRET: 'too short' }, 'FILES_URL_SIGNING_SECRET'],
    [{ FILES_MAX_BYTES: '0' }, 'FILES_MAX_BYTES'],
    [{ S3_ENDPOINT: 'ftp://x' }, 'S3_ENDPOINT'],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE'],
    [{ CLAMD_PORT: '70000' }, 'CLAMD_PORT'],
  ])('refuses %j', (env, variable) => {
    expect(() => loadConfig(env)).toThrowError(
      expect.objectContaining({ problems: [expect.objectContaining({ variable })] }),
    );
  });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      FILES_MAX_BYTES: 536_870_912,
      FILES_MAX_BYTES_CEILING: 5_368_709_120,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: true,
      CLAMD_PORT: 3310,
      CLAMD_TIMEOUT_MS: 30_000,
      CLAMD_STREAM_MAX_BYTES: 26_214_400,
    });
  });
});

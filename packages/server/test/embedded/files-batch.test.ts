import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { EICAR_SIGNATURE, FakeClamd } from '../fakes/fake-clamd.js';
import { EICAR, pdf, sampleOf } from '../fixtures/files/samples.js';
import { createTestApp, openMemoryDatabase, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { multipart, type Part } from '../support/multipart.js';

/**
 * `POST /v1/files/batch` through the real app (embedded PGlite, folder storage, a fake clamd): a table of
 * good and bad files in one request, each with the result a single upload gets and none failing the
 * others; the request-level errors (too many files, purpose, field order, content type, permission) that
 * store nothing.
 */

const MAX_FILES = 10;
const LIMIT_BYTES = 64 * 1024;
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

let database: Database;
let clamd: FakeClamd;
let t: TestApp;
let user: Session;

beforeAll(async () => {
  database = await openMemoryDatabase();
  clamd = await FakeClamd.start();
  t = await createTestApp({
    database,
    env: { ...clamd.env, CLAMD_TIMEOUT_MS: '5000', FILES_BATCH_MAX_FILES: String(MAX_FILES) },
  });
  user = await registerUser(t.app);
  const limited = await t.app.inject({
    method: 'PUT',
    url: `/v1/tenants/${user.tenantId}/file-settings`,
    headers: user.auth,
    payload: { max_file_bytes: LIMIT_BYTES },
  });
  expect(limited.statusCode, limited.body).toBe(200);
});

afterAll(async () => {
  await t?.close();
  await clamd?.close();
  await database?.close();
});

function batch(parts: Part[], who: Session = user) {
  const { payload, headers } = multipart(parts);
  return t.app.inject({
    method: 'POST',
    url: '/v1/files/batch',
    payload,
    headers: { ...headers, ...who.auth },
  });
}

const file = (filename: string, content: Buffer | string): Part => ({ name: 'file', filename, content });
const purpose = (value = 'document'): Part => ({ name: 'purpose', value });

async function fileIds(who: Session = user): Promise<string[]> {
  const response = await t.app.inject({ method: 'GET', url: '/v1/files?limit=200', headers: who.auth });
  return response.json().data.map((f: { id: string }) => f.id);
}

describe('POST /v1/files/batch', () => {
  const table: { filename: string; content: Buffer | string; expected: string; details?: object }[] = [
    { filename: 'paper.pdf', content: pdf('Batch one'), expected: 'succeeded' },
    { filename: 'tool.exe', content: 'MZ not allowed', expected: 'file_type_not_allowed' },
    { filename: 'empty.txt', content: '', expected: 'file_empty' },
    {
      filename: 'fake.pdf',
      content: sampleOf('png').bytes,
      expected: 'file_type_mismatch',
      details: { declared: 'pdf', detected: 'png' },
    },
    // Over the tenant's limit in the middle of the batch: cut off, and the files after it still arrive.
    { filename: 'huge.txt', content: 'a'.repeat(LIMIT_BYTES * 16), expected: 'file_too_large' },
    { filename: 'binary.txt', content: Buffer.from([0x68, 0x00, 0x69]), expected: 'file_type_mismatch' },
    {
      filename: 'eicar.txt',
      content: EICAR,
      expected: 'file_infected',
      details: { signature: EICAR_SIGNATURE },
    },
    { filename: 'notes.md', content: '# Notes\n\nBatch two\n', expected: 'succeeded' },
    { filename: '', content: 'no name', expected: 'validation_failed' },
    { filename: 'data.json', content: '{"batch":3}', expected: 'succeeded' },
  ];

  it('answers one result per file, in order; bad files do not fail the good ones', async () => {
    const before = await fileIds();
    const response = await batch([purpose(), ...table.map((row) => file(row.filename, row.content))]);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(table.length);
    for (const [index, row] of table.entries()) {
      const item = body.data[index];
      expect(item.index, row.filename).toBe(index);
      if (row.expected === 'succeeded') {
        expect(item.status, JSON.stringify(item)).toBe('succeeded');
        expect(item.file).toMatchObject({
          object: 'file',
          filename: row.filename,
          purpose: 'document',
          bytes: Buffer.byteLength(row.content),
          sha256: sha(row.content),
        });
        const stored = await t.app.inject({
          method: 'GET',
          url: `/v1/files/${item.file.id}`,
          headers: user.auth,
        });
        expect(stored.json()).toEqual(item.file);
        const content = await t.app.inject({
          method: 'GET',
          url: `/v1/files/${item.file.id}/content`,
          headers: user.auth,
        });
        expect(content.rawPayload.equals(Buffer.from(row.content))).toBe(true);
      } else {
        expect(item, row.filename).toMatchObject({
          status: 'failed',
          filename: row.filename,
          error: {
            code: row.expected,
            message: expect.any(String),
            ...(row.details ? { details: row.details } : {}),
          },
        });
        expect(item.file).toBeUndefined();
      }
    }
    const added = (await fileIds()).filter((id) => !before.includes(id));
    const succeeded = body.data.filter((i: { status: string }) => i.status === 'succeeded');
    expect(added.sort()).toEqual(succeeded.map((i: { file: { id: string } }) => i.file.id).sort());
  });

  it('a batch whose every file is refused still answers 200', async () => {
    const response = await batch([purpose('image'), file('a.txt', 'text'), file('b.png', '')]);
    expect(response.statusCode).toBe(200);
    expect(response.json().data.map((i: { error: { code: string } }) => i.error.code)).toEqual([
      'file_type_not_allowed',
      'file_empty',
    ]);
  });

  it('accepts a single file and exactly FILES_BATCH_MAX_FILES files', async () => {
    const one = await batch([purpose(), file('one.txt', 'just one')]);
    expect(one.json().data).toMatchObject([{ index: 0, status: 'succeeded' }]);
    const full = await batch([
      purpose(),
      ...Array.from({ length: MAX_FILES }, (_, i) => file(`f${i}.txt`, `file ${i}`)),
    ]);
    expect(full.statusCode, full.body).toBe(200);
    expect(full.json().data.every((i: { status: string }) => i.status === 'succeeded')).toBe(true);
    expect(full.json().data).toHaveLength(MAX_FILES);
  });

  it.each([
    [
      'more than FILES_BATCH_MAX_FILES files',
      'batch_too_large',
      [purpose(), ...Array.from({ length: MAX_FILES + 1 }, (_, i) => file(`g${i}.txt`, `good ${i}`))],
    ],
    ['no file', 'validation_failed', [purpose()]],
    ['no purpose', 'validation_failed', [file('a.txt', 'text')]],
    ['an unknown purpose', 'validation_failed', [purpose('archive'), file('a.txt', 'text')]],
    [
      'purpose sent again after the files',
      'validation_failed',
      [purpose(), file('a.txt', 'text'), purpose()],
    ],
    ['a text field named file', 'validation_failed', [purpose(), { name: 'file', value: 'not a file' }]],
    [
      'an unknown field',
      'validation_failed',
      [purpose(), file('a.txt', 'text'), { name: 'note', value: 'x' }],
    ],
    ['a file named purpose', 'validation_failed', [{ name: 'purpose', filename: 'p.txt', content: 'x' }]],
  ] as [string, string, Part[]][])('%s: 400 %s, and nothing is stored', async (_label, code, parts) => {
    const before = await fileIds();
    const response = await batch(parts);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe(code);
    expect(await fileIds()).toEqual(before);
  });

  it('batch_too_large names the limit', async () => {
    const response = await batch([
      purpose(),
      ...Array.from({ length: MAX_FILES + 1 }, (_, i) => file(`h${i}.txt`, `x${i}`)),
    ]);
    expect(response.json().error.details).toEqual({ limit: MAX_FILES });
  });

  it('answers 415 to a body that is not multipart', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/files/batch',
      headers: user.auth,
      payload: { purpose: 'document' },
    });
    expect(response.statusCode).toBe(415);
  });

  it('needs files:write', async () => {
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.auth,
      payload: { name: 'reader', scopes: ['files:read'] },
    });
    const reader = { auth: { authorization: `Bearer ${key.json().secret}` } } as Session;
    const before = await fileIds();
    const response = await batch([purpose(), file('a.txt', 'text')], reader);
    expect(response.statusCode).toBe(403);
    expect(await fileIds()).toEqual(before);
  });

  it('is documented in the OpenAPI document', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    const operation = response.json().paths['/v1/files/batch'].post;
    expect(operation.responses['200']).toBeDefined();
    expect(response.json().components.schemas.FileBatch).toBeDefined();
  });
});

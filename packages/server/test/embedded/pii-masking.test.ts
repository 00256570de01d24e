import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser, type Session } from '../support/identity.js';
import { upload } from '../support/multipart.js';

/**
 * PII masking through the real app and its embedded database (docs/pii.md): audit details are masked
 * before the row is stored (an upload whose file name holds a phone number, and a direct
 * `AuditService.record` with PII at several depths), and the app's own log lines carry no PII.
 */

let t: TestApp;
let alice: Session;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
});
afterAll(() => t?.close());

async function storedDetails(action: string): Promise<Record<string, unknown>[]> {
  const rows = await t.container.database.db
    .selectFrom('audit_events')
    .select('details')
    .where('action', '=', action)
    .execute();
  return rows.map((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details));
}

describe('audit details are stored with PII masked', () => {
  it('masks a phone number in an uploaded file name, in the row and in the audit API', async () => {
    const { payload, headers } = upload('document', '合同-13812345678.txt', 'hello');
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      payload,
      headers: { ...headers, ...alice.auth },
    });
    expect(response.statusCode, response.body).toBe(201);
    // The file itself keeps its name; only the audit log is masked.
    expect(response.json().filename).toBe('合同-13812345678.txt');
    const [details] = await storedDetails('file.upload');
    expect(details).toMatchObject({ filename: '合同-[PHONE].txt', purpose: 'document', bytes: 5 });
    const listed = await t.app.inject({
      method: 'GET',
      url: '/v1/audit-events?action=file.upload',
      headers: alice.auth,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain('13812345678');
  });

  it('masks strings at any depth and keeps the other values', async () => {
    await t.container.services.audit.record(null, {
      action: 'test.pii_details',
      result: 'success',
      details: {
        email: 'ada@example.com',
        reason: 'invalid_credentials',
        count: 2,
        nested: { ids: ['11010519491231002X'], card: '4111 1111 1111 1111', from: '203.0.113.7' },
      },
    });
    const stored = await storedDetails('test.pii_details');
    expect(stored).toEqual([
      {
        email: '[EMAIL]',
        reason: 'invalid_credentials',
        count: 2,
        nested: { ids: ['[ID_CARD]'], card: '[BANK_CARD]', from: '[IP]' },
      },
    ]);
  });
});

describe('log lines of the real app', () => {
  it('masks the client address and an email in the access line and in the request URL', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/conversations?note=ada@example.com',
      remoteAddress: '203.0.113.7',
      headers: alice.auth,
    });
    const line = t.logs.lines.find(
      (l) => l.request_id === response.headers['x-request-id'] && l.msg === 'request completed',
    );
    expect(line, t.logs.text).toMatchObject({ remote_address: '[IP]' });
    expect(line!.url).toBe('/v1/conversations?note=[EMAIL]');
    expect(t.logs.text).not.toContain('203.0.113.7');
    expect(t.logs.text).not.toContain('ada@example.com');
  });
});

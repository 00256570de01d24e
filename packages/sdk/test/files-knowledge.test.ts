import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, type FileObject, type NexusAI, NotFoundError } from '../src/index.js';
import { type RunningNexus, startNexus } from './support/nexus.js';

/**
 * Files (uploads from every kind of input, listing, download, links, delete) and knowledge bases
 * (documents from text, a path and a file id, ingestion, search) through the SDK against a real Nexus.
 */

let nexus: RunningNexus;
let client: NexusAI;
let dir: string;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  nexus = await startNexus();
  client = nexus.client();
  dir = await mkdtemp(path.join(tmpdir(), 'nexus-sdk-files-'));
});
afterAll(async () => {
  await nexus?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('files.upload from every kind of input', () => {
  const text = (label: string) => `# ${label}\n\nUploaded through the SDK: ünïcödé ✓\n`;

  it.each([
    [
      'a path',
      async () => {
        const file = path.join(dir, 'from-path.md');
        await writeFile(file, text('path'));
        return { input: { file, purpose: 'document' as const }, name: 'from-path.md', content: text('path') };
      },
    ],
    [
      'a Buffer',
      async () => ({
        input: { file: Buffer.from(text('buffer')), filename: 'buffer.md', purpose: 'document' as const },
        name: 'buffer.md',
        content: text('buffer'),
      }),
    ],
    [
      'a Uint8Array',
      async () => ({
        input: {
          file: new TextEncoder().encode(text('bytes')),
          filename: 'bytes.txt',
          purpose: 'document' as const,
        },
        name: 'bytes.txt',
        content: text('bytes'),
      }),
    ],
    [
      'an ArrayBuffer',
      async () => ({
        input: {
          file: new TextEncoder().encode(text('ab')).buffer as ArrayBuffer,
          filename: 'ab.md',
          purpose: 'document' as const,
        },
        name: 'ab.md',
        content: text('ab'),
      }),
    ],
    [
      'a Blob',
      async () => ({
        input: { file: new Blob([text('blob')]), filename: 'blob.md', purpose: 'document' as const },
        name: 'blob.md',
        content: text('blob'),
      }),
    ],
    [
      'a File (its own name)',
      async () => ({
        input: { file: new File([text('file')], '季度报告.md'), purpose: 'document' as const },
        name: '季度报告.md',
        content: text('file'),
      }),
    ],
    [
      'an fs.ReadStream (its path gives the name)',
      async () => {
        const file = path.join(dir, 'read-stream.md');
        await writeFile(file, text('read stream'));
        return {
          input: { file: createReadStream(file), purpose: 'document' as const },
          name: 'read-stream.md',
          content: text('read stream'),
        };
      },
    ],
    [
      'a Node Readable',
      async () => ({
        input: {
          file: Readable.from([Buffer.from('# node'), Buffer.from(' readable\n')]),
          filename: 'readable.md',
          purpose: 'document' as const,
        },
        name: 'readable.md',
        content: '# node readable\n',
      }),
    ],
    [
      'a web ReadableStream',
      async () => ({
        input: {
          file: new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('# web'));
              controller.enqueue(new TextEncoder().encode(' stream\n'));
              controller.close();
            },
          }),
          filename: 'web-stream.md',
          purpose: 'document' as const,
        },
        name: 'web-stream.md',
        content: '# web stream\n',
      }),
    ],
    [
      'a PNG image',
      async () => ({
        input: { file: PNG, filename: 'pixel.png', purpose: 'image' as const },
        name: 'pixel.png',
        content: PNG,
      }),
    ],
  ])('%s', async (_what, make) => {
    const { input, name, content } = await make();
    const file = await client.files.upload(input);
    expect(file).toMatchObject({
      object: 'file',
      filename: name,
      purpose: input.purpose,
      bytes: Buffer.byteLength(content),
      sha256: sha256(content),
    });
    expect(file.id).toMatch(/^file_/);
    const downloaded = Buffer.from(await (await client.files.content(file.id)).arrayBuffer());
    expect(downloaded.equals(Buffer.from(content))).toBe(true);
  });

  it("the server's own checks still apply: bytes that are not what the name says", async () => {
    const error = (await client.files
      .upload({ file: new TextEncoder().encode('not a png'), filename: 'fake.png', purpose: 'image' })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.code).toBe('file_type_mismatch');
    expect(error.details).toMatchObject({ declared: 'png' });
  });
});

describe('files: list, retrieve, content, links, delete', () => {
  let uploaded: FileObject[];
  beforeAll(async () => {
    uploaded = [];
    for (let i = 0; i < 3; i++)
      uploaded.push(
        await client.files.upload({
          file: Buffer.from(`csv,${i}\n`),
          filename: `t${i}.csv`,
          purpose: 'document',
        }),
      );
  });

  it('lists with a filter and pages through everything', async () => {
    const images = await client.files.list({ purpose: 'image' });
    expect(images.data.every((f) => f.purpose === 'image')).toBe(true);
    const ids: string[] = [];
    for await (const file of client.files.list({ limit: 2 })) ids.push(file.id);
    expect(ids).toEqual(expect.arrayContaining(uploaded.map((f) => f.id)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await client.files.retrieve(uploaded[0]!.id)).toEqual(uploaded[0]);
  });

  it('downloads a byte range', async () => {
    const response = await client.files.content(uploaded[1]!.id, { range: 'bytes=0-2' });
    expect(response.status).toBe(206);
    expect(await response.text()).toBe('csv');
  });

  it('a download link works without credentials', async () => {
    const link = await client.files.createDownloadUrl(uploaded[2]!.id, { expires_in: 60 });
    expect(Date.parse(link.expires_at)).toBeGreaterThan(Date.now());
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('csv,2\n');
  });

  it('delete removes the file', async () => {
    const file = await client.files.upload({
      file: Buffer.from('bye'),
      filename: 'bye.txt',
      purpose: 'document',
    });
    await client.files.delete(file.id);
    await expect(client.files.retrieve(file.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.content(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('knowledge bases', () => {
  it('create, add documents from text, a path and a file id, wait, search, delete', async () => {
    const kb = await client.knowledgeBases.create({ name: 'Handbook', description: 'HR' });
    expect(kb).toMatchObject({ object: 'knowledge_base', name: 'Handbook', description: 'HR' });
    expect(await client.knowledgeBases.retrieve(kb.id)).toMatchObject({ id: kb.id });
    const listed: string[] = [];
    for await (const k of client.knowledgeBases.list()) listed.push(k.id);
    expect(listed).toContain(kb.id);

    const fromText = await client.knowledgeBases.uploadDocument(kb.id, {
      text: '# Leave\n\nEvery employee gets twenty-five days of paid holiday a year.',
      format: 'md',
      title: 'Leave policy',
      metadata: { team: 'hr' },
    });
    expect(fromText).toMatchObject({
      object: 'knowledge_base.document',
      source: 'text',
      title: 'Leave policy',
    });

    const file = path.join(dir, 'expenses.md');
    await writeFile(file, '# Expenses\n\nTaxi receipts are reimbursed within thirty days of submission.\n');
    const fromPath = await client.knowledgeBases.uploadDocument(kb.id, {
      file,
      metadata: { team: 'finance' },
    });
    expect(fromPath).toMatchObject({ source: 'file', title: 'expenses.md' });
    expect(fromPath.file_id).toMatch(/^file_/);

    const uploaded = await client.files.upload({
      file: Buffer.from('Badges are collected at the front desk on the first day.'),
      filename: 'badges.txt',
      purpose: 'document',
    });
    const fromId = await client.knowledgeBases.uploadDocument(kb.id, {
      file_id: uploaded.id,
      title: 'Badges',
    });
    expect(fromId).toMatchObject({ source: 'file', file_id: uploaded.id, title: 'Badges' });

    for (const doc of [fromText, fromPath, fromId]) {
      const done = await client.knowledgeBases.documents.waitFor(kb.id, doc.id, {
        pollInterval: 100,
        timeout: 30_000,
      });
      expect(done.status, JSON.stringify(done.error)).toBe('ready');
    }
    const docs = await client.knowledgeBases.documents.list(kb.id, { status: 'ready' });
    expect(docs.data.map((d) => d.id).sort()).toEqual([fromText.id, fromPath.id, fromId.id].sort());

    const result = await client.knowledgeBases.search(kb.id, {
      query: 'How many days of paid holiday?',
      top_k: 2,
    });
    expect(result.object).toBe('list');
    expect(result.data[0]).toMatchObject({ document: { id: fromText.id, title: 'Leave policy' } });
    expect(result.data[0]!.text).toContain('twenty-five days');

    const filtered = await client.knowledgeBases.search(kb.id, {
      query: 'receipts',
      filters: { metadata: { team: 'finance' } },
    });
    expect(filtered.data.map((r) => r.document.id)).toEqual([fromPath.id]);

    await client.knowledgeBases.documents.delete(kb.id, fromId.id);
    await expect(client.knowledgeBases.documents.retrieve(kb.id, fromId.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );

    await client.knowledgeBases.delete(kb.id);
    await expect(client.knowledgeBases.retrieve(kb.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("surfaces the server's refusals unchanged: a private URL", async () => {
    const kb = await client.knowledgeBases.create({ name: 'Refusals' });
    const url = (await client.knowledgeBases
      .uploadDocument(kb.id, { url: 'http://127.0.0.1:1/internal.html' })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(url).toBeInstanceOf(BadRequestError);
    expect(url.code).toBe('url_not_allowed');
  });
});

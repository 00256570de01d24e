import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningNexus, startNexus } from './support/nexus.js';

/**
 * The SDK outside Node: bundled for browsers by esbuild (which fails on any static `node:` import), then
 * run in a process whose `process` global has been removed before the SDK loads — only the web platform
 * (fetch, streams, Blob/File, FormData, TextEncoder, crypto) is left — against a real Nexus.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
let nexus: RunningNexus;
let dir: string;
let bundleFile: string;

beforeAll(async () => {
  nexus = await startNexus();
  dir = await mkdtemp(path.join(tmpdir(), 'nexus-sdk-browser-'));
  bundleFile = path.join(dir, 'sdk.browser.mjs');
  const result = await build({
    entryPoints: [path.join(here, '../src/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: bundleFile,
    logLevel: 'silent',
  });
  expect(result.errors).toEqual([]);
});
afterAll(async () => {
  await nexus?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs in the child: hides `process`, loads the bundle, and prints what it got as one JSON line. */
const SCENARIO = `
const [bundle, baseURL, apiKey] = process.argv.slice(2);
const out = (value) => console.log(JSON.stringify(value));
delete globalThis.process;
const results = { hasProcess: typeof process !== 'undefined' };
const sdk = await import(bundle);
try {
  new sdk.NexusAI({ baseURL });
} catch (e) {
  results.noKey = e.code;
}
const client = new sdk.NexusAI({ apiKey, baseURL });
results.models = (await client.models.list()).data.map((m) => m.id);
const task = await client.invoke({ task_type: 'text_generation', input: { prompt: 'Hi from a browser' } });
results.task = task.status;
const stream = await client.invokeStream({ task_type: 'text_generation', input: { prompt: 'Stream please' } });
const types = [];
for await (const chunk of stream) types.push(chunk.type);
results.streamTypes = [types[0], types.at(-1)];
const file = await client.files.upload({ file: new File(['# From a File'], 'page.md'), purpose: 'document' });
results.file = [file.filename, await (await client.files.content(file.id)).text()];
try {
  await client.files.upload({ file: '/etc/hosts.txt', purpose: 'document' });
} catch (e) {
  results.path = [e.name, e.message];
}
out(results);
`;

describe('in a runtime without Node globals (as in a browser)', () => {
  it('bundles without node: imports and works against Nexus with only web APIs', async () => {
    const script = path.join(dir, 'scenario.mjs');
    await writeFile(script, SCENARIO);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, bundleFile, nexus.url, nexus.apiKey],
      {
        timeout: 60_000,
      },
    );
    const results = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(results).toEqual({
      hasProcess: false,
      // No process.env: the key is not read from the environment.
      noKey: 'missing_api_key',
      models: expect.arrayContaining(['local']),
      task: 'succeeded',
      streamTypes: ['task.created', 'task.completed'],
      file: ['page.md', '# From a File'],
      path: [
        'NexusValidationError',
        'A file path can only be uploaded in Node.js; in a browser pass a File, a Blob or bytes',
      ],
    });
  });
});

/**
 * Generates `packages/sdk/src/generated/openapi.ts` from the server's own OpenAPI document: builds the real
 * app on embedded defaults (in-memory PGlite, a temporary data folder, no environment read), asks it for
 * `GET /openapi.json`, turns that into types with openapi-typescript, and formats them with the project's
 * Biome settings. `npm run sdk:generate` (or `npm run generate -w packages/sdk`) runs it; a test fails
 * when the committed file differs from a fresh generation.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { loadConfig } from '../../server/src/config.js';
import { createContainer } from '../../server/src/container.js';
import { buildApp } from '../../server/src/http/app.js';
import { createLogger } from '../../server/src/observability/logger.js';
import { openDatabase } from '../../server/src/platform/db/database.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (Biome's configuration lives there). */
export const REPO_ROOT = path.resolve(here, '../../..');
/** Where the generated types are committed. */
export const GENERATED_FILE = path.join(REPO_ROOT, 'packages/sdk/src/generated/openapi.ts');

const HEADER = `/**
 * Types of the Nexus HTTP API, generated from the server's GET /openapi.json by openapi-typescript.
 * Do not edit: run \`npm run sdk:generate\` (packages/sdk/scripts/generate-types.ts) after changing a route.
 */
`;

/**
 * The server's OpenAPI document, from the real app built on embedded defaults. Only a data folder and the
 * log level are set: nothing is read from the environment, so every machine generates the same document.
 * @example const doc = await fetchServerOpenApi(); // doc.openapi === '3.1.0'
 */
export async function fetchServerOpenApi(): Promise<OpenAPI3> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-sdk-generate-'));
  const config = loadConfig({ NEXUS_DATA_DIR: dataDir, LOG_LEVEL: 'error' });
  const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  try {
    const container = await createContainer(config, {
      database,
      logger: createLogger({ level: 'error' }),
    });
    try {
      const app = await buildApp(container);
      try {
        const response = await app.inject({ method: 'GET', url: '/openapi.json' });
        if (response.statusCode !== 200)
          throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body}`);
        return response.json() as OpenAPI3;
      } finally {
        await app.close();
      }
    } finally {
      await container.close();
    }
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Formats TypeScript source as the committed file would be formatted (`biome format`, the repository's
 * settings), through stdin so no file is touched.
 * @example formatLikeRepository('export type A={a:1}') // "export type A = { a: 1 };\n"
 */
export function formatLikeRepository(source: string, file = GENERATED_FILE): string {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  const result = spawnSync(
    process.execPath,
    [biome, 'format', `--stdin-file-path=${path.relative(REPO_ROOT, file)}`],
    { cwd: REPO_ROOT, input: source, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`biome format failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

/**
 * The generated file's content: openapi-typescript's types of the server's document, formatted.
 * @example const source = await generateOpenApiTypes();
 */
export async function generateOpenApiTypes(document?: OpenAPI3): Promise<string> {
  const ast = await openapiTS(document ?? (await fetchServerOpenApi()));
  return formatLikeRepository(HEADER + astToString(ast));
}

async function main(): Promise<void> {
  const source = await generateOpenApiTypes();
  const before = await readFile(GENERATED_FILE, 'utf8').catch(() => '');
  await writeFile(GENERATED_FILE, source);
  const lines = source.split('\n').length;
  console.log(
    `${path.relative(REPO_ROOT, GENERATED_FILE)}: ${lines} lines, ${before === source ? 'unchanged' : 'updated'}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

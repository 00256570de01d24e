import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { type Container, createContainer } from '../../src/container.js';
import { type BuildAppOptions, buildApp } from '../../src/http/app.js';
import type { Mailer } from '../../src/modules/identity/mailer.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Cache } from '../../src/platform/cache/cache.js';
import { type Database, openDatabase } from '../../src/platform/db/database.js';

/** Collects every JSON log line the app writes, so tests can assert on logs. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line));
    done();
  }
  get text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

/** An in-memory PGlite: one per test file (opening one costs seconds), never shared across files. */
export function openMemoryDatabase(): Promise<Database> {
  return openDatabase({ kind: 'pglite', dataDir: 'memory://' });
}

export interface TestApp {
  app: FastifyInstance;
  container: Container;
  logs: LogCapture;
  close(): Promise<void>;
}

/** The real app over the real container, with the given environment on top of test defaults. */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    database?: Database;
    cache?: Cache;
    mailer?: Mailer;
    fetch?: typeof fetch;
    /** Records the app's spans here (e.g. an `InMemorySpanExporter`). */
    spanExporter?: SpanExporter;
  } & BuildAppOptions = {},
): Promise<TestApp> {
  // Files (uploads, the spool) go to a fresh folder removed on close, never to the repository's ./data.
  const ownDataDir = options.env?.NEXUS_DATA_DIR
    ? undefined
    : await mkdtemp(path.join(tmpdir(), 'nexus-test-data-'));
  const config = loadConfig({
    LOG_LEVEL: 'info',
    ...(ownDataDir ? { NEXUS_DATA_DIR: ownDataDir } : {}),
    ...options.env,
  });
  const logs = new LogCapture();
  // Without DATABASE_URL the app gets its own in-memory PGlite (never a folder on disk shared between files).
  const ownDatabase = !options.database && !config.DATABASE_URL ? await openMemoryDatabase() : undefined;
  const database = options.database ?? ownDatabase;
  const container = await createContainer(config, {
    logger: createLogger({ level: config.LOG_LEVEL, destination: logs }),
    ...(database ? { database } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.mailer ? { mailer: options.mailer } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.spanExporter ? { spanExporter: options.spanExporter } : {}),
  });
  const app = await buildApp(container, options.register ? { register: options.register } : {});
  return {
    app,
    container,
    logs,
    close: async () => {
      await app.close();
      await container.close();
      await ownDatabase?.close();
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}

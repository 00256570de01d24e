import type { FastifyInstance } from 'fastify';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type Container, createContainer } from './container.js';
import { buildApp } from './http/app.js';
import { shutdown } from './http/drain.js';

/** Parses the environment or exits 1 with a message naming each bad variable. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee docs/configuration.md for every setting.\n`);
      process.exit(1);
    }
    throw error;
  }
}

export interface RunningServer {
  app: FastifyInstance;
  container: Container;
  url: string;
  /** Drains and stops; resolves to the exit code. */
  stop(): Promise<number>;
}

/** config → container → admin bootstrap → app → listen. Used by `npm start` and `nexus serve`. */
export async function startServer(config: Config): Promise<RunningServer> {
  const container = await createContainer(config);
  const { logger } = container;
  try {
    const admin = await container.services.adminBootstrap.ensureAdmin(
      config.NEXUS_ADMIN_EMAIL,
      config.NEXUS_ADMIN_PASSWORD,
    );
    const app = await buildApp(container);
    const address = await app.listen({
      port: config.PORT,
      host: config.HOST,
      backlog: config.LISTEN_BACKLOG,
    });
    const url = config.PUBLIC_URL ?? address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
    logger.info(
      {
        url,
        docs: `${url}/docs`,
        database: container.database.kind,
        cache: container.cache.kind,
        admin: admin.email,
      },
      'nexus is listening',
    );
    printBanner(url, container, admin);
    let stopping: Promise<number> | undefined;
    return {
      app,
      container,
      url,
      stop: () => {
        stopping ??= shutdown({
          app,
          drain: container.drain,
          timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
          logger,
          closeResources: () => container.close(),
        });
        return stopping;
      },
    };
  } catch (error) {
    await container.close();
    throw error;
  }
}

function printBanner(
  url: string,
  container: Container,
  admin: Awaited<ReturnType<Container['services']['adminBootstrap']['ensureAdmin']>>,
): void {
  const lines = [
    '',
    `  Nexus is running at ${url}`,
    `  API docs:           ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    `  Storage:            ${container.database.kind === 'pglite' ? `embedded PGlite in ${container.config.dataDir}` : 'PostgreSQL'}, ${container.cache.kind === 'memory' ? 'in-process cache' : 'Redis'}`,
  ];
  if (admin.created && 'generatedPassword' in admin && admin.generatedPassword) {
    lines.push(
      `  First admin:        ${admin.email}`,
      `  Generated password: ${admin.generatedPassword}`,
      '                      (shown once; set NEXUS_ADMIN_PASSWORD before the first start to choose it)',
    );
  } else if (admin.created) {
    lines.push(`  First admin:        ${admin.email} with the password from NEXUS_ADMIN_PASSWORD`);
  } else {
    lines.push(`  Admin:              log in as your platform admin (${admin.email} on first start)`);
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);
}

/** Wires SIGTERM/SIGINT to a graceful drain, then exits with its code. */
export function exitOnSignals(server: RunningServer): void {
  const onSignal = (signal: NodeJS.Signals) => {
    server.container.logger.info({ signal }, 'signal received');
    void server.stop().then((code) => process.exit(code));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

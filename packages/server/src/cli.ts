#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evalCommand } from './eval-command.js';
import { openDatabase } from './platform/db/database.js';
import { migrateDown, migrateUp, migrationStatus } from './platform/db/migrator.js';
import { exitOnSignals, loadConfigOrExit, startServer } from './server.js';

const USAGE = `Usage: nexus <command>

Commands:
  serve                 start the platform (same as npm start)
  migrate up            apply every pending migration
  migrate down          revert the most recent migration
  migrate status        list migrations and whether each is applied
  eval retrieval        measure knowledge-base retrieval on a BEIR dataset (nexus eval retrieval --help)

Configuration comes from the environment; see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'eval') return evalCommand(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  if (command === 'serve') {
    exitOnSignals(await startServer(loadConfigOrExit()));
    return -1;
  }
  if (command === 'migrate' && (sub === 'up' || sub === 'down' || sub === 'status')) {
    const config = loadConfigOrExit();
    const database = await openDatabase({
      kind: config.databaseKind,
      url: config.DATABASE_URL,
      dataDir: path.join(config.dataDir, 'pglite'),
    });
    try {
      if (sub === 'status') {
        for (const m of await migrationStatus(database.db)) {
          process.stdout.write(
            `${m.applied ? 'applied ' : 'pending '} ${m.name}${m.applied_at ? `  (${m.applied_at.toISOString()})` : ''}\n`,
          );
        }
      } else {
        const names = sub === 'up' ? await migrateUp(database.db) : await migrateDown(database.db);
        process.stdout.write(
          names.length === 0
            ? 'nothing to do\n'
            : `${sub === 'up' ? 'applied' : 'reverted'}: ${names.join(', ')}\n`,
        );
      }
      return 0;
    } finally {
      await database.close();
    }
  }
  process.stderr.write(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`nexus: ${(error as Error).message}\n`);
    process.exit(1);
  },
);

#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backupCommand } from './backup/backup-command.js';
import { evalCommand } from './eval-command.js';
import { openDatabase } from './platform/db/database.js';
import { migrateDown, migrateDownTo, migrateUp, migrationStatus } from './platform/db/migrator.js';
import { exitOnSignals, loadConfigOrExit, startServer } from './server.js';

const USAGE = `Usage: nexus <command>

Commands:
  serve                 start the platform (same as npm start)
  migrate up            apply every pending migration
  migrate down          revert the most recent migration (--steps N: the N most recent; --to NAME:
                        every one after NAME; production is forward-only, see docs/upgrading.md)
  migrate status        list migrations and whether each is applied
  backup --out FILE     back up the database (and --include-files) into one archive (nexus backup --help)
  restore --in FILE     restore a backup, verify every table, migrate forward (nexus restore --help)
  eval retrieval        measure knowledge-base retrieval on a BEIR dataset (nexus eval retrieval --help)

Configuration comes from the environment; see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'eval') return evalCommand(argv.slice(1));
  if (argv[0] === 'backup' || argv[0] === 'restore') return backupCommand(argv, loadConfigOrExit);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, steps: { type: 'string' }, to: { type: 'string' } },
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
    const steps = values.steps === undefined ? undefined : Number(values.steps);
    const badDown =
      (values.steps !== undefined || values.to !== undefined) && sub !== 'down'
        ? '--steps and --to go with migrate down'
        : values.steps !== undefined && values.to !== undefined
          ? 'give --steps or --to, not both'
          : steps !== undefined && !(Number.isInteger(steps) && steps >= 1)
            ? `--steps must be a whole number of 1 or more, not "${values.steps}"`
            : undefined;
    if (badDown) {
      process.stderr.write(`nexus migrate: ${badDown}\n\n${USAGE}\n`);
      return 2;
    }
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
        let names: string[];
        if (sub === 'up') names = await migrateUp(database.db);
        else if (steps === undefined && values.to === undefined) names = await migrateDown(database.db);
        else {
          const applied = (await migrationStatus(database.db)).filter((m) => m.applied).map((m) => m.name);
          if (values.to !== undefined && !applied.includes(values.to)) {
            process.stderr.write(
              `nexus migrate: --to ${values.to} is not an applied migration (see nexus migrate status)\n`,
            );
            return 2;
          }
          const target =
            values.to ??
            (steps !== undefined && steps < applied.length ? applied[applied.length - 1 - steps]! : null);
          names = await migrateDownTo(database.db, target);
        }
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

import { exitOnSignals, loadConfigOrExit, startServer } from './server.js';

/** Process entry for `npm start`: config → container → app → listen → graceful shutdown on SIGTERM. */
const config = loadConfigOrExit();
try {
  exitOnSignals(await startServer(config));
} catch (error) {
  process.stderr.write(`Nexus failed to start: ${(error as Error).message}\n`);
  process.exit(1);
}

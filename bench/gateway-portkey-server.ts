/**
 * The Portkey open-source gateway (`@portkey-ai/gateway`, a dev dependency) for `npm run bench -- gateway`,
 * in its own child process. Its package is a single bundle whose import starts the server (hono +
 * @hono/node-server) on the `--port=` given in argv, so this picks a free port, puts it in argv and imports
 * the bundle as `npx @portkey-ai/gateway` would run it (headless: no UI routes).
 *
 * @hono/node-server replaces the global `Response` with its own, whose headers Portkey's streaming path
 * then cannot modify ("TypeError: immutable", Portkey issue #1389): every streamed chat answered
 * `{"status":"failure"}`. Putting Node's own `Response` back after the import fixes it.
 *
 * (Its `postinstall`, patch-package, is irrelevant here: the published package ships no `patches/`.)
 */

import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serveStats } from './child.js';

const port = await new Promise<number>((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});
process.argv.push(`--port=${port}`, '--headless');

const NodeResponse = globalThis.Response;
const entry = createRequire(import.meta.url).resolve('@portkey-ai/gateway/build/start-server.js');
await import(pathToFileURL(entry).href);
globalThis.Response = NodeResponse;

// The bundle listens without waiting; make sure it answers before reporting ready.
for (let attempt = 0; ; attempt++) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.arrayBuffer();
    break;
  } catch (error) {
    if (attempt > 50) throw error;
    await new Promise((r) => setTimeout(r, 100));
  }
}

serveStats();
process.send?.({ port });
process.on('message', (message) => {
  // The bundle keeps no handle to its server; exiting is the way to stop it.
  if (message === 'stop') process.exit(0);
});

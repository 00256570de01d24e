// Fails loudly (exit 1, naming the service) when PostgreSQL or Redis cannot be reached, so the integration
// suite never silently skips. Uses the project's own client libraries.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
const pg = require('pg');
const { Redis } = require('ioredis');

const pgUrl = process.env.NEXUS_TEST_POSTGRES_URL;
const redisUrl = process.env.NEXUS_TEST_REDIS_URL;
let failed = false;

try {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  const { rows } = await client.query('select version()');
  await client.end();
  console.log(`PostgreSQL ok: ${rows[0].version.split(',')[0]}`);
} catch (error) {
  failed = true;
  console.error(`PostgreSQL is NOT reachable at ${pgUrl}: ${error.message}`);
  console.error('  start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start');
}

try {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  await redis.connect();
  const info = await redis.info('server');
  await redis.quit();
  console.log(`Redis ok: ${/redis_version:(\S+)/.exec(info)?.[1]}`);
} catch (error) {
  failed = true;
  console.error(`Redis is NOT reachable at ${redisUrl}: ${error.message}`);
  console.error(
    '  start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  );
}

process.exit(failed ? 1 : 0);

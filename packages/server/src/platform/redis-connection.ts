import { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../errors.js';

/**
 * What the Redis adapters (cache, event log) share: one way to open a connection, to report a failed
 * first connect, and to turn an unreachable Redis into `service_unavailable`.
 */

/**
 * A lazily connecting ioredis client that fails fast while disconnected (a request gets a clear 503
 * instead of hanging) and reconnects by itself.
 * @example const client = redisClient('redis://127.0.0.1:6379', 5_000); await client.connect();
 */
export function redisClient(url: string, connectTimeoutMs = 5_000): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  client.on('error', () => {
    // ioredis reconnects by itself; failures reach callers as service_unavailable.
  });
  return client;
}

/** The error for a first connect that failed, naming the URL without its password. */
export function redisConnectError(url: string, error: unknown): Error {
  return new Error(`cannot connect to Redis at ${redactCredentials(url)}: ${(error as Error).message}`, {
    cause: error,
  });
}

/**
 * Runs a Redis command: a ReplyError (Redis refusing a command, a bug on our side) is rethrown as is,
 * anything else means Redis is unreachable and becomes `service_unavailable` naming `dependency`.
 * @example await runRedis(() => client.get(key), 'The cache is unavailable', 'cache');
 */
export async function runRedis<T>(
  operation: () => Promise<T>,
  message: string,
  dependency: string,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if ((error as Error).name === 'ReplyError') throw error;
    throw new ServiceUnavailableError(message, { cause: error, details: { dependency } });
  }
}

function redactCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[invalid url]';
  }
}

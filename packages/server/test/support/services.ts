import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Connection settings for the real services the integration suite runs against. `.ci/run` sets these;
 * the defaults are the machine's local PostgreSQL and Redis. Missing services fail the suite loudly.
 */
export const POSTGRES_ADMIN_URL =
  process.env.NEXUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.NEXUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(label: string): string {
  return `nexus_test_${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function databaseUrl(database: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates an empty database for one test file and returns its URL and a function that drops it. */
export async function createTestDatabase(
  label: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = uniqueName(label);
  await adminQuery(`create database "${name}"`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery(`drop database if exists "${name}" with (force)`),
  };
}

export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Deletes every Redis key under a test's prefix (each test file uses its own). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

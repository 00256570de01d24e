import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from './backup-errors.js';

export type PgTool = 'pg_dump' | 'pg_restore';

/**
 * Finds `pg_dump`/`pg_restore`: the configured path, else the first one on PATH. Throws
 * `backup_tool_missing` naming the tool and how to install it.
 * @example await findPgTool('pg_dump', config.PG_DUMP_PATH) // '/usr/bin/pg_dump'
 */
export async function findPgTool(
  tool: PgTool,
  configured: string | undefined,
  envPath = process.env.PATH ?? '',
): Promise<string> {
  const candidates = configured
    ? [configured]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, tool));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  const setting = tool === 'pg_dump' ? 'PG_DUMP_PATH' : 'PG_RESTORE_PATH';
  throw new BackupError(
    'backup_tool_missing',
    configured
      ? `${tool} is not an executable file at ${configured} (${setting})`
      : `${tool} was not found on PATH: install the PostgreSQL client tools of your server's major version or newer (Debian/Ubuntu: apt-get install postgresql-client; Alpine: apk add postgresql-client; macOS: brew install libpq) or set ${setting}`,
    { details: { tool } },
  );
}

/**
 * A libpq connection for the PostgreSQL tools: the URL without its password (passed as PGPASSWORD in the
 * environment, never on the command line where `ps` shows it), and the node-postgres `ssl=true` spelled
 * as libpq's `sslmode=require`.
 * @example libpqConnection('postgres://u:pw@db/nexus') // { dbname: 'postgres://u@db/nexus', env: { PGPASSWORD: 'pw' }, display: … }
 */
export function libpqConnection(databaseUrl: string): {
  dbname: string;
  env: Record<string, string>;
  display: string;
} {
  const url = new URL(databaseUrl);
  const env: Record<string, string> = {};
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  url.password = '';
  const ssl = url.searchParams.get('ssl');
  if (ssl !== null) {
    url.searchParams.delete('ssl');
    if (!url.searchParams.has('sslmode') && (ssl === 'true' || ssl === '1'))
      url.searchParams.set('sslmode', 'require');
  }
  const display = `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`;
  return { dbname: url.toString(), env, display };
}

/**
 * Removes a password from tool output before it is shown.
 * @example redact('auth failed for pw', 'pw') // 'auth failed for ***'
 */
export function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

/**
 * Runs a tool to completion; resolves with its stderr, or rejects with the exit code and stderr.
 * @example await runTool('/usr/bin/pg_dump', ['--version'], {});
 */
export function runTool(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64_000) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stderr);
      else
        reject(
          Object.assign(new Error(`${path.basename(file)} exited with ${code ?? signal}`), {
            stderr: stderr.trim(),
          }),
        );
    });
  });
}

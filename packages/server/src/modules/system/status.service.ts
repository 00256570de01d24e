import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../platform/db/schema.js';

export interface PlatformStatus {
  version: string;
  database: { kind: string; schema_version: string | null; migrations_applied: number };
  cache: { kind: string };
  uptime_s: number;
}

export interface StatusDeps {
  db: Kysely<DB>;
  version: string;
  databaseKind: string;
  cacheKind: string;
  startedAt: number;
}

/** What a client (or an operator's script) needs to know about this instance: version and schema state. */
export class StatusService {
  constructor(private readonly deps: StatusDeps) {}

  async status(): Promise<PlatformStatus> {
    const row = await sql<{ latest: string | null; applied: number }>`
      select max(name) as latest, count(*)::int as applied from nexus_migrations`
      .execute(this.deps.db)
      .then((r) => r.rows[0]);
    return {
      version: this.deps.version,
      database: {
        kind: this.deps.databaseKind,
        schema_version: row?.latest ?? null,
        migrations_applied: row?.applied ?? 0,
      },
      cache: { kind: this.deps.cacheKind },
      uptime_s: Math.round((Date.now() - this.deps.startedAt) / 1000),
    };
  }
}

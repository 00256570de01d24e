import type { SchemaState } from '../../platform/db/migrator.js';

export interface PlatformStatus {
  version: string;
  database: { kind: string; schema_version: string | null; migrations_applied: number };
  cache: { kind: string };
  uptime_s: number;
}

export interface StatusDeps {
  schemaState: () => Promise<SchemaState>;
  version: string;
  databaseKind: string;
  cacheKind: string;
  startedAt: number;
}

/** What a client (or an operator's script) needs to know about this instance: version and schema state. */
export class StatusService {
  constructor(private readonly deps: StatusDeps) {}

  async status(): Promise<PlatformStatus> {
    const schema = await this.deps.schemaState();
    return {
      version: this.deps.version,
      database: {
        kind: this.deps.databaseKind,
        schema_version: schema.latest,
        migrations_applied: schema.applied,
      },
      cache: { kind: this.deps.cacheKind },
      uptime_s: Math.round((Date.now() - this.deps.startedAt) / 1000),
    };
  }
}

import { sql } from 'kysely';
import type { Executor } from '../../platform/db/transaction.js';

/** A stored config version as read back (documents and diffs parsed). */
export interface ConfigVersionRow {
  version: number;
  document: Record<string, unknown>;
  diff: unknown[];
  message: string;
  author_id: string | null;
  author_email: string | null;
  created_at: Date;
}

/** Which version is active and which, if any, is in canary (for `canary_percent` % of users). */
export interface ConfigStateRow {
  active_version: number | null;
  canary_version: number | null;
  canary_percent: number | null;
  revision: number;
  updated_by: string | null;
  updated_at: Date;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

const versionRow = (row: Record<string, unknown>): ConfigVersionRow => ({
  version: Number(row.version),
  document: json(row.document),
  diff: json(row.diff),
  message: row.message as string,
  author_id: row.author_id as string | null,
  author_email: row.author_email as string | null,
  created_at: row.created_at as Date,
});

/**
 * Runtime config versions and the one state row. The config is platform-wide (no tenant scope): only
 * platform admins reach it. Versions are only ever inserted (a trigger refuses updates and deletes).
 */
export class RuntimeConfigRepository {
  async state(db: Executor, options: { forUpdate?: boolean } = {}): Promise<ConfigStateRow> {
    let query = db.selectFrom('runtime_config_state').selectAll().where('id', '=', true);
    if (options.forUpdate) query = query.forUpdate();
    const row = await query.executeTakeFirstOrThrow();
    return {
      active_version: row.active_version,
      canary_version: row.canary_version,
      canary_percent: row.canary_percent === null ? null : Number(row.canary_percent),
      revision: Number(row.revision),
      updated_by: row.updated_by,
      updated_at: row.updated_at,
    };
  }

  /** The state's revision only: what each instance polls. */
  async revision(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('runtime_config_state')
      .select('revision')
      .where('id', '=', true)
      .executeTakeFirstOrThrow();
    return Number(row.revision);
  }

  /** Sets the active and canary versions and bumps the revision; answers the new state. */
  async setState(
    db: Executor,
    next: { active: number | null; canary: { version: number; percent: number } | null; by: string | null },
  ): Promise<ConfigStateRow> {
    await db
      .updateTable('runtime_config_state')
      .set({
        active_version: next.active,
        canary_version: next.canary?.version ?? null,
        canary_percent: next.canary?.percent ?? null,
        revision: sql<number>`revision + 1`,
        updated_by: next.by,
        updated_at: new Date(),
      })
      .where('id', '=', true)
      .execute();
    return this.state(db);
  }

  async latestVersion(db: Executor): Promise<ConfigVersionRow | undefined> {
    const row = await db
      .selectFrom('runtime_config_versions')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && versionRow(row);
  }

  async get(db: Executor, version: number): Promise<ConfigVersionRow | undefined> {
    const row = await db
      .selectFrom('runtime_config_versions')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst();
    return row && versionRow(row);
  }

  /** Versions newest first, below `before` when given. */
  async list(
    db: Executor,
    options: { limit: number; before?: number | undefined },
  ): Promise<ConfigVersionRow[]> {
    let query = db.selectFrom('runtime_config_versions').selectAll();
    if (options.before !== undefined) query = query.where('version', '<', options.before);
    const rows = await query.orderBy('version', 'desc').limit(options.limit).execute();
    return rows.map(versionRow);
  }

  async insert(db: Executor, row: Omit<ConfigVersionRow, 'created_at'>): Promise<ConfigVersionRow> {
    const inserted = await db
      .insertInto('runtime_config_versions')
      .values({
        version: row.version,
        document: JSON.stringify(row.document),
        diff: JSON.stringify(row.diff),
        message: row.message,
        author_id: row.author_id,
        author_email: row.author_email,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return versionRow(inserted);
  }
}

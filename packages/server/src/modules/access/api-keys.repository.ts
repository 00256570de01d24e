import type { Selectable } from 'kysely';
import type { ApiKeysTable } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/transaction.js';

export type ApiKeyRow = Omit<Selectable<ApiKeysTable>, 'scopes'> & { scopes: string[] };

const parse = (row: Selectable<ApiKeysTable>): ApiKeyRow => ({
  ...row,
  scopes: typeof row.scopes === 'string' ? JSON.parse(row.scopes) : (row.scopes as string[]),
});

/** API keys of one tenant; the secret itself is never stored, only its SHA-256. */
export class ApiKeysRepository {
  async create(
    db: Executor,
    tenantId: string,
    key: {
      id: string;
      name: string;
      prefix: string;
      secret_hash: string;
      scopes: string[];
      created_by: string;
      expires_at: Date | null;
    },
  ): Promise<ApiKeyRow> {
    return parse(
      await db
        .insertInto('api_keys')
        .values({ ...key, tenant_id: tenantId, scopes: JSON.stringify(key.scopes) })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async list(db: Executor, tenantId: string): Promise<ApiKeyRow[]> {
    return (
      await db
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'desc')
        .execute()
    ).map(parse);
  }

  async get(db: Executor, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    const row = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', keyId)
      .executeTakeFirst();
    return row && parse(row);
  }

  /** Looks a presented secret up by its hash (the only lookup not scoped by tenant: the key names its tenant). */
  async findBySecretHash(
    db: Executor,
    secretHash: string,
  ): Promise<(ApiKeyRow & { creator_status: string }) | undefined> {
    const row = await db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.created_by')
      .selectAll('api_keys')
      .select('users.status as creator_status')
      .where('api_keys.secret_hash', '=', secretHash)
      .executeTakeFirst();
    return row && { ...parse(row), creator_status: row.creator_status };
  }

  /** The secret hashes of every key a user created, in any tenant (to drop them from the lookup cache). */
  async secretHashesCreatedBy(db: Executor, userId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('api_keys')
      .select('secret_hash')
      .where('created_by', '=', userId)
      .execute();
    return rows.map((r) => r.secret_hash);
  }

  async revoke(db: Executor, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    const row = await db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && parse(row);
  }

  async touch(db: Executor, keyIds: string[], at: Date): Promise<void> {
    if (keyIds.length === 0) return;
    await db.updateTable('api_keys').set({ last_used_at: at }).where('id', 'in', keyIds).execute();
  }
}

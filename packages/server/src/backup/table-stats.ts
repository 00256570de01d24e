import { type QueryExecutorProvider, sql } from 'kysely';

/** Row count and an order-independent hash of one table's rows. */
export interface TableStats {
  rows: number;
  /** Sum of the first 60 bits of each row's md5, as a decimal string (constant memory, any row order). */
  hash: string;
}

/**
 * Every ordinary table outside the system schemas, as `schema.table`, sorted. Read from
 * information_schema so tables added by later migrations are covered without a list to keep up to date.
 * @example await listTables(db) // ['public.api_keys', …, 'public.users']
 */
export async function listTables(db: QueryExecutorProvider): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_schema || '.' || table_name as name
    from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
      and table_schema not like 'pg\_%'
    order by 1`.execute(db);
  return rows.map((r) => r.name);
}

function quoted(qualifiedName: string): string {
  const dot = qualifiedName.indexOf('.');
  const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return `${ident(qualifiedName.slice(0, dot))}.${ident(qualifiedName.slice(dot + 1))}`;
}

/**
 * Fixes, for the rest of the current transaction, every setting that changes how a row prints as text, so
 * hashes taken on one server match those taken on another (a different TimeZone or DateStyle in
 * postgresql.conf would otherwise change every timestamp).
 * @example await db.transaction().execute(async (trx) => { await pinTextOutput(trx); return tableStats(trx); });
 */
export async function pinTextOutput(trx: QueryExecutorProvider): Promise<void> {
  await sql`select set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, MDY', true),
    set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '1', true),
    set_config('bytea_output', 'hex', true)`.execute(trx);
}

/**
 * Row counts and row hashes of every table (call {@link pinTextOutput} first, in the same transaction), keyed by `schema.table`. Backups record them in their manifest
 * and restores compare against them, so a restore that lost or changed a row is caught.
 * @example const stats = await tableStats(db); // { 'public.users': { rows: 3, hash: '1234…' }, … }
 */
export async function tableStats(db: QueryExecutorProvider): Promise<Record<string, TableStats>> {
  const result: Record<string, TableStats> = {};
  for (const table of await listTables(db)) {
    const { rows } = await sql<{ rows: number; hash: string | null }>`
      select count(*)::int as rows,
        sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint)::text as hash
      from ${sql.raw(quoted(table))} as t`.execute(db);
    result[table] = { rows: rows[0]?.rows ?? 0, hash: rows[0]?.hash ?? '0' };
  }
  return result;
}

/**
 * Tables whose rows differ between what a backup recorded and what a database holds.
 * @example statsDifferences(manifest.tables, await tableStats(trx)) // ['public.users: 2 rows, expected 3']
 */
export function statsDifferences(
  expected: Record<string, TableStats>,
  actual: Record<string, TableStats>,
): string[] {
  const problems: string[] = [];
  for (const [table, want] of Object.entries(expected)) {
    const got = actual[table];
    if (!got) problems.push(`${table}: missing`);
    else if (got.rows !== want.rows) problems.push(`${table}: ${got.rows} rows, expected ${want.rows}`);
    else if (got.hash !== want.hash) problems.push(`${table}: row contents differ`);
  }
  return problems;
}

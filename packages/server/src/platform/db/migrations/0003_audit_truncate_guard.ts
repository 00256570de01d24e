import { type Kysely, sql } from 'kysely';

/** Row triggers do not fire on TRUNCATE: a statement trigger makes the audit log refuse it too. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists audit_events_no_truncate on audit_events`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * Metering of the gateway's image and audio calls: `llm_calls.endpoint` also takes `images`,
 * `audio.speech` and `audio.transcriptions` (docs/gateway.md, "Images and speech").
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table llm_calls drop constraint if exists llm_calls_endpoint_check`.execute(db);
  await sql`
    alter table llm_calls add constraint llm_calls_endpoint_check
      check (endpoint in ('chat', 'embeddings', 'images', 'audio.speech', 'audio.transcriptions'))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table llm_calls drop constraint if exists llm_calls_endpoint_check`.execute(db);
  // Rows metered for images and audio stay; the old rule holds for new rows only.
  await sql`
    alter table llm_calls add constraint llm_calls_endpoint_check
      check (endpoint in ('chat', 'embeddings')) not valid`.execute(db);
}

import { sql } from 'kysely';
import type { Executor } from '../db/transaction.js';

/**
 * Background jobs waiting to be claimed, across all instances, in one statement: knowledge-base documents
 * queued for ingestion, queued tasks, and pending webhook deliveries (those due now or later). Read by
 * `/metrics` at scrape time (`nexus_job_queue_depth`).
 *
 * @example const { ingestion, tasks, webhooks } = await queueDepths(db);
 */
export async function queueDepths(db: Executor): Promise<Record<'ingestion' | 'tasks' | 'webhooks', number>> {
  const { rows } = await sql<{ ingestion: number; tasks: number; webhooks: number }>`
    select
      (select count(*) from kb_documents where status = 'queued') as ingestion,
      (select count(*) from tasks where status = 'queued') as tasks,
      (select count(*) from webhook_deliveries where status = 'pending') as webhooks
  `.execute(db);
  const row = rows[0];
  return {
    ingestion: Number(row?.ingestion ?? 0),
    tasks: Number(row?.tasks ?? 0),
    webhooks: Number(row?.webhooks ?? 0),
  };
}

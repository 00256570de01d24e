import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_identity.js';
import * as m0003 from './0003_audit_truncate_guard.js';
import * as m0004 from './0004_gateway.js';
import * as m0005 from './0005_gateway_cache.js';
import * as m0006 from './0006_model_catalog.js';
import * as m0007 from './0007_conversations.js';
import * as m0008 from './0008_files.js';
import * as m0009 from './0009_knowledge.js';
import * as m0010 from './0010_idempotency.js';
import * as m0011 from './0011_webhooks.js';
import * as m0012 from './0012_tasks.js';
import * as m0013 from './0013_llm_call_endpoints.js';
import * as m0014 from './0014_quotas.js';
import * as m0015 from './0015_tenant_security.js';
import * as m0016 from './0016_runtime_config.js';

/**
 * Every migration, in order. Listed by hand (no folder scan) so the compiled server and the tests see the
 * same set, and one set serves PGlite and PostgreSQL.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_identity': m0002,
  '0003_audit_truncate_guard': m0003,
  '0004_gateway': m0004,
  '0005_gateway_cache': m0005,
  '0006_model_catalog': m0006,
  '0007_conversations': m0007,
  '0008_files': m0008,
  '0009_knowledge': m0009,
  '0010_idempotency': m0010,
  '0011_webhooks': m0011,
  '0012_tasks': m0012,
  '0013_llm_call_endpoints': m0013,
  '0014_quotas': m0014,
  '0015_tenant_security': m0015,
  '0016_runtime_config': m0016,
};

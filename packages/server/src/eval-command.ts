import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { createContainer } from './container.js';
import { newId } from './ids.js';
import { loadBeirDataset } from './modules/knowledge/beir-dataset.js';
import { SEARCH_MODES, type SearchMode } from './modules/knowledge/knowledge-settings.js';
import { evaluateRetrieval, resultLines, unmet } from './modules/knowledge/retrieval-eval.js';
import { TenantsRepository } from './modules/tenants/tenants.repository.js';

export const EVAL_USAGE = `Usage: nexus eval retrieval --dataset DIR [options]

Ingests a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/test.tsv) into a new knowledge base
through Nexus's own ingestion, searches every query through its own search, and prints one name=value
per line: hit@k, recall@k, MRR@10, nDCG@10, ingestion throughput and search latency.

Options:
  --dataset DIR            the BEIR folder (required)
  --mode MODES             vector, lexical, hybrid, or a comma list; "all" for every one (default:
                           the new knowledge base's default mode, as users get it)
  --k LIST                 the k of hit@k and recall@k (default: 1,5,10)
  --min METRIC=VALUE       exit 1 when a mode scores below, e.g. --min hit@5=0.99 (repeatable)
  --database-url URL       use this PostgreSQL database (a throwaway tenant, removed afterwards) instead
                           of a temporary embedded one
  --chunk-tokens N         the knowledge base's chunk size (default: KB_CHUNK_TOKENS)
  --overlap-tokens N       the knowledge base's chunk overlap (default: KB_CHUNK_OVERLAP_TOKENS)
  --embedding-model NAME   the knowledge base's embedding model (default: KB_EMBEDDING_MODEL)
  --split NAME             the qrels file under qrels/ (default: test)`;

/** `nexus eval retrieval ...`: exit code 0, 1 (below a --min) or 2 (bad arguments). */
export async function evalCommand(argv: string[]): Promise<number> {
  const usageError = (message: string) => {
    process.stderr.write(`nexus eval: ${message}\n\n${EVAL_USAGE}\n`);
    return 2;
  };
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dataset: { type: 'string' },
        mode: { type: 'string' },
        k: { type: 'string', default: '1,5,10' },
        min: { type: 'string', multiple: true, default: [] },
        'database-url': { type: 'string' },
        'chunk-tokens': { type: 'string' },
        'overlap-tokens': { type: 'string' },
        'embedding-model': { type: 'string' },
        split: { type: 'string', default: 'test' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'retrieval' || positionals.length > 1)
    return usageError(`unknown evaluation "${positionals.join(' ')}"`);
  if (!values.dataset) return usageError('--dataset is required');
  const modes =
    values.mode === undefined
      ? []
      : values.mode === 'all'
        ? [...SEARCH_MODES]
        : values.mode.split(',').map((m) => m.trim());
  const badMode = modes.find((m) => !(SEARCH_MODES as readonly string[]).includes(m));
  if (badMode !== undefined) return usageError(`unknown mode "${badMode}" (${SEARCH_MODES.join(', ')}, all)`);
  const ks = values.k.split(',').map(Number);
  if (ks.some((k) => !Number.isInteger(k) || k < 1 || k > 100))
    return usageError(`--k must list integers from 1 to 100, not "${values.k}"`);
  const minimums: Array<{ metric: string; value: number }> = [];
  for (const spec of values.min) {
    const match = /^([a-z]+@\d+)=([0-9.]+)$/u.exec(spec);
    if (!match) return usageError(`--min must look like hit@5=0.99, not "${spec}"`);
    minimums.push({ metric: match[1]!, value: Number(match[2]) });
  }
  const sizes: Record<string, number | undefined> = {};
  for (const name of ['chunk-tokens', 'overlap-tokens'] as const) {
    const value = values[name];
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) return usageError(`--${name} must be a whole number, not "${value}"`);
    sizes[name] = n;
  }
  const chunkTokens = sizes['chunk-tokens'];
  const overlapTokens = sizes['overlap-tokens'];

  const dataset = await loadBeirDataset(values.dataset, { split: values.split });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nexus-eval-'));
  const progress = (line: string) => process.stderr.write(`eval: ${line}\n`);
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'NEXUS_DATA_DIR', 'NEXUS_MODELS_FILE'])
    env[name] = undefined;
  const container = await createContainer(
    loadConfig({
      ...env,
      NEXUS_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : {}),
      ...(process.env.NEXUS_MODELS_FILE ? { NEXUS_MODELS_FILE: process.env.NEXUS_MODELS_FILE } : {}),
    }),
  );
  const tenantId = newId('ten');
  try {
    const { knowledge } = container.services;
    await new TenantsRepository().create(container.database.db, {
      id: tenantId,
      name: 'Retrieval evaluation',
      slug: `eval-${tenantId.slice(4).toLowerCase()}`,
    });
    const kb = await knowledge.createKnowledgeBase(tenantId, {
      name: `eval ${path.basename(path.resolve(values.dataset))}`,
      settings: {
        ...(chunkTokens === undefined ? {} : { chunk_tokens: chunkTokens }),
        ...(overlapTokens === undefined ? {} : { overlap_tokens: overlapTokens }),
        ...(values['embedding-model'] ? { embedding_model: values['embedding-model'] } : {}),
      },
    });
    progress(
      `${dataset.corpus.length} documents, ${dataset.queries.length} queries, database ${container.database.kind}, settings ${JSON.stringify(kb.settings)}`,
    );
    const result = await evaluateRetrieval(knowledge, tenantId, kb.row.id, dataset, {
      modes: modes.length > 0 ? (modes as SearchMode[]) : [kb.settings.search.mode],
      ks,
      progress,
    });
    process.stdout.write(`${resultLines(path.basename(path.resolve(values.dataset)), result).join('\n')}\n`);
    const failures = result.modes.flatMap((m) =>
      minimums.map(({ metric, value }) => unmet(m, metric, value)).filter((f): f is string => f !== null),
    );
    for (const failure of failures) process.stderr.write(`eval: FAILED ${failure}\n`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    if (values['database-url']) {
      // Everything the evaluation made belongs to its tenant and goes with it.
      await container.database.db
        .deleteFrom('tenants')
        .where('id', '=', tenantId)
        .execute()
        .catch((error: unknown) =>
          progress(`could not remove tenant ${tenantId}: ${(error as Error).message}`),
        );
    }
    await container.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

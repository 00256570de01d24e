import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { parseIpRange } from '../../platform/net/ip-ranges.js';
import { deploymentId, MODEL_NAME, type ModelSpec } from '../gateway/catalog.js';
import { modelEntryBodySchema, specFromEntry } from '../gateway/model-catalog.service.js';

/** A flag key: lower-case letters, digits, `_`, `.`, `-`; starts with a letter or digit (≤ 64 characters). */
export const FLAG_KEY = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** The most flags, rules per flag and entries per list one document may hold (they are all kept in memory). */
export const DOCUMENT_LIMITS = Object.freeze({
  flags: 200,
  rulesPerFlag: 20,
  listEntries: 1000,
  aliases: 200,
  modelEntries: 100,
  systemPromptChars: 100_000,
  maxTopK: 100,
});

/** An IPv4/IPv6 address or CIDR block (`10.0.0.0/8`, `2001:db8::/32`, `203.0.113.7`). */
export const cidrSchema = z
  .string()
  .trim()
  .refine((value) => typeof parseIpRange(value) !== 'string', {
    error: 'must be an IPv4 or IPv6 address or CIDR block (e.g. 10.0.0.0/8)',
  });

const percentageRule = z
  .object({
    type: z.literal('percentage'),
    percent: z.number().min(0).max(100).meta({
      description:
        'Share of users (0–100, two decimals count): a stable hash of flag key and user id picks them',
    }),
  })
  .strict();
const ipRule = z
  .object({
    type: z.literal('ip'),
    cidrs: z.array(cidrSchema).min(1).max(DOCUMENT_LIMITS.listEntries),
  })
  .strict();
const tenantsRule = z
  .object({
    type: z.literal('tenants'),
    tenant_ids: z.array(z.string().min(1).max(64)).min(1).max(DOCUMENT_LIMITS.listEntries),
  })
  .strict();
const usersRule = z
  .object({
    type: z.literal('users'),
    user_ids: z.array(z.string().min(1).max(64)).min(1).max(DOCUMENT_LIMITS.listEntries),
  })
  .strict();

/** One targeting rule; a flag is on for a request when any of its rules matches (see targeting.ts). */
export const flagRuleSchema = z
  .discriminatedUnion('type', [percentageRule, ipRule, tenantsRule, usersRule])
  .meta({ id: 'FlagRule' });
export type FlagRule = z.infer<typeof flagRuleSchema>;

export const flagSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'The kill switch: false turns the flag off for everyone' }),
    description: z.string().max(500).optional(),
    rules: z
      .array(flagRuleSchema)
      .max(DOCUMENT_LIMITS.rulesPerFlag)
      .default([])
      .meta({ description: 'Any match turns the flag on; no rules: on for everyone (while enabled)' }),
  })
  .strict()
  .meta({ id: 'FeatureFlag' });
export type Flag = z.infer<typeof flagSchema>;

const modelName = z.string().regex(MODEL_NAME, { error: 'must be a model name (letters, digits, ._:/-)' });

/**
 * The runtime config document: what a config version holds. Every section has a default, so `{}` is a
 * valid document (and the built-in one, served while no version is active).
 */
export const runtimeConfigDocumentSchema = z
  .object({
    flags: z
      .record(z.string().regex(FLAG_KEY, { error: 'flag keys are lower-case [a-z0-9_.-], ≤ 64' }), flagSchema)
      .default({})
      .refine((flags) => Object.keys(flags).length <= DOCUMENT_LIMITS.flags, {
        error: `at most ${DOCUMENT_LIMITS.flags} flags`,
      })
      .meta({ description: 'Feature flags by key, evaluated per request (GET /v1/me/features)' }),
    prompts: z
      .object({
        default_system: z.string().max(DOCUMENT_LIMITS.systemPromptChars).nullable().default(null).meta({
          description: 'The system prompt of conversations (and sessions) that set none; null: none',
        }),
      })
      .strict()
      .default({ default_system: null }),
    rag: z
      .object({
        top_k: z.number().int().min(1).max(DOCUMENT_LIMITS.maxTopK).nullable().default(null).meta({
          description:
            'How many chunks a conversation turn retrieves from its knowledge bases; null: each knowledge base’s own top_k',
        }),
      })
      .strict()
      .default({ top_k: null }),
    models: z
      .object({
        aliases: z
          .record(modelName, modelName)
          .default({})
          .refine((aliases) => Object.keys(aliases).length <= DOCUMENT_LIMITS.aliases, {
            error: `at most ${DOCUMENT_LIMITS.aliases} aliases`,
          })
          .meta({
            description:
              'Model routing overrides: a request for the alias is routed to the target model — a catalog model or one of `entries` (one hop)',
          }),
        entries: z
          .record(modelName, modelEntryBodySchema)
          .default({})
          .refine((entries) => Object.keys(entries).length <= DOCUMENT_LIMITS.modelEntries, {
            error: `at most ${DOCUMENT_LIMITS.modelEntries} model entries`,
          })
          .meta({
            description:
              'Models of this version by public name (the body of PUT /v1/admin/models/{name}); they override a catalog model of the same name for the users this version is effective for',
          }),
      })
      .strict()
      .default({ aliases: {}, entries: {} }),
  })
  .strict()
  .meta({ id: 'RuntimeConfigDocument' });

export type RuntimeConfigDocument = z.infer<typeof runtimeConfigDocumentSchema>;

/** The document served while no version has been activated: no flags, no prompt, no overrides. */
export const DEFAULT_DOCUMENT: RuntimeConfigDocument = Object.freeze(runtimeConfigDocumentSchema.parse({}));

/** The document's `models.entries` as catalog model specs (the refused `api_key` fields dropped). */
export function modelSpecsOf(document: RuntimeConfigDocument): ModelSpec[] {
  return Object.entries(document.models.entries).map(([name, entry]) => specFromEntry(name, entry));
}

/** Problems of one model entry (paths relative to it), as the model catalog's own checks find them. */
export type ModelEntryCheck = (
  spec: ModelSpec,
  siblings: ReadonlySet<string>,
) => { path: string; message: string }[];

/**
 * Parses a document; a bad one throws 400 `validation_failed` whose details name each problem's path
 * (`document.flags.beta.rules.0.percent`). `modelExists` adds the catalog check of alias targets,
 * `checkModelEntry` the catalog's checks of each `models.entries` entry.
 * @example const doc = parseDocument({ flags: { beta: { enabled: true, rules: [{ type: 'percentage', percent: 10 }] } } });
 */
export function parseDocument(
  input: unknown,
  options: { modelExists?: (name: string) => boolean; checkModelEntry?: ModelEntryCheck } = {},
): RuntimeConfigDocument {
  const parsed = runtimeConfigDocumentSchema.safeParse(input);
  const problems: { path: string; message: string }[] = [];
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      problems.push({ path: ['document', ...issue.path.map(String)].join('.'), message: issue.message });
  else {
    const { aliases, entries } = parsed.data.models;
    for (const [alias, target] of Object.entries(aliases)) {
      const path = `document.models.aliases.${alias}`;
      if (alias === target) problems.push({ path, message: 'an alias cannot point at itself' });
      else if (aliases[target] !== undefined)
        problems.push({ path, message: `"${target}" is itself an alias; point at a catalog model` });
      else if (entries[alias] !== undefined)
        problems.push({ path, message: `"${alias}" is also defined in models.entries; keep one` });
      else if (entries[target] === undefined && options.modelExists && !options.modelExists(target))
        problems.push({ path, message: `"${target}" is not a model in the catalog or in models.entries` });
    }
    const siblings = new Set(Object.keys(entries));
    // Deployment ids key rate limits: two of this version's models must not share one.
    const ids = new Map<string, string>();
    for (const spec of modelSpecsOf(parsed.data)) {
      const path = `document.models.entries.${spec.name}`;
      spec.deployments.forEach((d, i) => {
        const id = deploymentId(spec, d, i);
        const owner = ids.get(id);
        if (owner !== undefined && owner !== spec.name)
          problems.push({
            path: `${path}.deployments.${i}.id`,
            message: `"${id}" is also used by "${owner}"`,
          });
        ids.set(id, spec.name);
      });
      for (const problem of options.checkModelEntry?.(spec, siblings) ?? [])
        problems.push({ path: `${path}.${problem.path}`, message: problem.message });
    }
  }
  if (problems.length > 0 || !parsed.success)
    throw new ValidationError(
      `The config document is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { details: problems.map((p) => ({ location: 'body', ...p })) },
    );
  return parsed.data;
}

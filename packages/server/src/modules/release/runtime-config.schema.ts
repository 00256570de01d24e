import { isIP } from 'node:net';
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { MODEL_NAME } from '../gateway/catalog.js';

/** A flag key: lower-case letters, digits, `_`, `.`, `-`; starts with a letter or digit (≤ 64 characters). */
export const FLAG_KEY = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** The most flags, rules per flag and entries per list one document may hold (they are all kept in memory). */
export const DOCUMENT_LIMITS = Object.freeze({
  flags: 200,
  rulesPerFlag: 20,
  listEntries: 1000,
  aliases: 200,
  systemPromptChars: 100_000,
  maxTopK: 100,
});

/** An IPv4/IPv6 address or CIDR block (`10.0.0.0/8`, `2001:db8::/32`, `203.0.113.7`). */
export const cidrSchema = z
  .string()
  .trim()
  .refine((value) => parseCidr(value) !== null, {
    error: 'must be an IPv4 or IPv6 address or CIDR block (e.g. 10.0.0.0/8)',
  });

/** `a.b.c.d/n` or a bare address, as the parts `net.BlockList` takes; null when malformed. */
export function parseCidr(
  value: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, extra] = value.split('/');
  if (extra !== undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

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
              'Model routing overrides: a request for the alias is routed to the target catalog model (one hop)',
          }),
      })
      .strict()
      .default({ aliases: {} }),
  })
  .strict()
  .meta({ id: 'RuntimeConfigDocument' });

export type RuntimeConfigDocument = z.infer<typeof runtimeConfigDocumentSchema>;

/** The document served while no version has been activated: no flags, no prompt, no overrides. */
export const DEFAULT_DOCUMENT: RuntimeConfigDocument = Object.freeze(runtimeConfigDocumentSchema.parse({}));

/**
 * Parses a document; a bad one throws 400 `validation_failed` whose details name each problem's path
 * (`document.flags.beta.rules.0.percent`). `checkAlias` adds the catalog check of alias targets.
 * @example const doc = parseDocument({ flags: { beta: { enabled: true, rules: [{ type: 'percentage', percent: 10 }] } } });
 */
export function parseDocument(
  input: unknown,
  options: { modelExists?: (name: string) => boolean } = {},
): RuntimeConfigDocument {
  const parsed = runtimeConfigDocumentSchema.safeParse(input);
  const problems: { path: string; message: string }[] = [];
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      problems.push({ path: ['document', ...issue.path.map(String)].join('.'), message: issue.message });
  else
    for (const [alias, target] of Object.entries(parsed.data.models.aliases)) {
      const path = `document.models.aliases.${alias}`;
      if (alias === target) problems.push({ path, message: 'an alias cannot point at itself' });
      else if (parsed.data.models.aliases[target] !== undefined)
        problems.push({ path, message: `"${target}" is itself an alias; point at a catalog model` });
      else if (options.modelExists && !options.modelExists(target))
        problems.push({ path, message: `"${target}" is not a model in the catalog` });
    }
  if (problems.length > 0 || !parsed.success)
    throw new ValidationError(
      `The config document is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { details: problems.map((p) => ({ location: 'body', ...p })) },
    );
  return parsed.data;
}

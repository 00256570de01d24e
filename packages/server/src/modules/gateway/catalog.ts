import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The model catalog: public model names, each served by one or more deployments (provider, upstream model,
 * base URL, credentials by environment reference, weight, rpm/tpm limits, price, context window).
 * Sources, later ones winning by name: the built-in offline models (`local`, `local-embedding`,
 * `local-image`, `local-tts`, `local-asr`), `OPENAI_BASE_URL` + `OPENAI_API_KEY`
 * (which also serves any other model name the upstream knows), and `NEXUS_MODELS_FILE` (YAML or JSON).
 */

const price = z
  .object({
    input: z.number().min(0).meta({ description: 'Price per million input tokens' }),
    output: z.number().min(0).meta({ description: 'Price per million output tokens' }),
  })
  .strict();

export const deploymentSpecSchema = z
  .object({
    id: z.string().min(1).max(100).optional(),
    provider: z.enum(['openai-compatible', 'anthropic', 'local']),
    model: z.string().min(1).max(200),
    base_url: z.url().optional(),
    /** The name of the environment variable holding the API key (never the key itself). */
    api_key_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
    weight: z.number().positive().max(1000).default(1),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    price: price.default({ input: 0, output: 0 }),
    stream_usage: z.boolean().default(true),
  })
  .strict();

/** What a public model name may be: the catalog checks entries with it, passthrough checks asked names. */
export const MODEL_NAME = /^[A-Za-z0-9._:/-]{1,200}$/;

/**
 * What a model does: `chat` (chat completions), `embedding`, `image` (image generation), `speech` (text to
 * speech) or `transcription` (speech to text). Each endpoint serves one kind and refuses the others.
 */
export const MODEL_KINDS = ['chat', 'embedding', 'image', 'speech', 'transcription'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Image sizes an image model supports when its entry names none. */
export const DEFAULT_IMAGE_SIZES: readonly string[] = ['256x256', '512x512', '1024x1024'];
/** The largest width or height an `image_sizes` entry may name. */
export const MAX_IMAGE_SIDE = 4096;

const imageSize = z
  .string()
  .regex(/^[1-9]\d{0,3}x[1-9]\d{0,3}$/, { message: 'must be WIDTHxHEIGHT in pixels, e.g. 1024x1024' })
  .refine((size) => size.split('x').every((side) => Number(side) <= MAX_IMAGE_SIDE), {
    message: `width and height must be at most ${MAX_IMAGE_SIDE}`,
  });

export const modelSpecSchema = z
  .object({
    name: z.string().min(1).max(200).regex(MODEL_NAME),
    kind: z.enum(MODEL_KINDS).default('chat'),
    /** Image models only: the sizes (`WIDTHxHEIGHT`) they generate; default {@link DEFAULT_IMAGE_SIZES}. */
    image_sizes: z.array(imageSize).min(1).max(50).optional(),
    context_window: z.number().int().positive().default(8192),
    routing: z.enum(['weighted', 'least-in-flight']).default('weighted'),
    fallbacks: z.array(z.string().min(1)).max(10).default([]),
    deployments: z.array(deploymentSpecSchema).min(1).max(50),
  })
  .strict();

export const catalogFileSchema = z.object({ models: z.array(modelSpecSchema).max(1000) }).strict();

export type DeploymentSpec = z.infer<typeof deploymentSpecSchema>;
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export interface CatalogSettings {
  modelsFile?: string;
  openaiBaseUrl?: string;
  openaiApiKey?: string;
  /** Reads an environment variable named by `api_key_env` (config.ts is the only reader of the environment). */
  readEnv: (name: string) => string | undefined;
}

export const LOCAL_MODEL = 'local';
export const LOCAL_EMBEDDING_MODEL = 'local-embedding';
/** The offline image model: labelled test images (a gradient seeded by the prompt), not a model's work. */
export const LOCAL_IMAGE_MODEL = 'local-image';
/** The offline text-to-speech model (espeak-ng). */
export const LOCAL_TTS_MODEL = 'local-tts';
/** The offline speech-to-text model (pocketsphinx, US English). */
export const LOCAL_ASR_MODEL = 'local-asr';
export const OPENAI_ENV_KEY = 'OPENAI_API_KEY';

/** The sizes `spec` generates (image models): its `image_sizes`, else the defaults. */
export function imageSizesOf(spec: ModelSpec): readonly string[] {
  return spec.image_sizes ?? DEFAULT_IMAGE_SIZES;
}

/** Providers whose adapter has no image, speech or transcription endpoint. */
const CHAT_ONLY_PROVIDERS: ReadonlySet<DeploymentSpec['provider']> = new Set(['anthropic']);

/** Builds the static catalog (built-in, environment, file); throws CatalogError naming what is wrong. */
export function loadCatalog(settings: CatalogSettings): {
  models: ModelSpec[];
  passthrough?: DeploymentSpec;
  /** The names NEXUS_MODELS_FILE defined (the rest are built in), for the admin API's listing. */
  fromFile: ReadonlySet<string>;
} {
  const byName = new Map<string, ModelSpec>();
  const add = (spec: ModelSpec) => byName.set(spec.name, spec);
  add(
    modelSpecSchema.parse({
      name: LOCAL_MODEL,
      context_window: 128_000,
      deployments: [{ id: 'local', provider: 'local', model: LOCAL_MODEL }],
    }),
  );
  add(
    modelSpecSchema.parse({
      name: LOCAL_EMBEDDING_MODEL,
      kind: 'embedding',
      context_window: 8192,
      deployments: [{ id: 'local-embedding', provider: 'local', model: LOCAL_EMBEDDING_MODEL }],
    }),
  );
  add(
    modelSpecSchema.parse({
      name: LOCAL_IMAGE_MODEL,
      kind: 'image',
      image_sizes: DEFAULT_IMAGE_SIZES,
      deployments: [{ id: 'local-image', provider: 'local', model: LOCAL_IMAGE_MODEL }],
    }),
  );
  add(
    modelSpecSchema.parse({
      name: LOCAL_TTS_MODEL,
      kind: 'speech',
      deployments: [{ id: 'local-tts', provider: 'local', model: LOCAL_TTS_MODEL }],
    }),
  );
  add(
    modelSpecSchema.parse({
      name: LOCAL_ASR_MODEL,
      kind: 'transcription',
      deployments: [{ id: 'local-asr', provider: 'local', model: LOCAL_ASR_MODEL }],
    }),
  );
  let passthrough: DeploymentSpec | undefined;
  if (settings.openaiBaseUrl && settings.openaiApiKey) {
    passthrough = deploymentSpecSchema.parse({
      id: 'openai',
      provider: 'openai-compatible',
      model: '*',
      base_url: settings.openaiBaseUrl,
      api_key_env: OPENAI_ENV_KEY,
    });
  }
  const fromFile = new Set<string>();
  if (settings.modelsFile) {
    for (const spec of readModelsFile(settings.modelsFile)) {
      add(spec);
      fromFile.add(spec.name);
    }
  }
  const models = [...byName.values()];
  checkCatalog(models, settings, passthrough);
  return { models, ...(passthrough ? { passthrough } : {}), fromFile };
}

export class CatalogError extends Error {}

function readModelsFile(file: string): ModelSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogError(`NEXUS_MODELS_FILE: cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new CatalogError(`NEXUS_MODELS_FILE: ${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
  const parsed = catalogFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CatalogError(`NEXUS_MODELS_FILE: ${file} is invalid: ${issues.join('; ')}`);
  }
  return parsed.data.models;
}

/** Fallbacks must name known models, deployment ids must be unique, credentials must be set. */
export function checkCatalog(
  models: readonly ModelSpec[],
  settings: Pick<CatalogSettings, 'readEnv'>,
  passthrough?: DeploymentSpec,
): void {
  const names = new Set(models.map((m) => m.name));
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const model of models) {
    if (model.image_sizes && model.kind !== 'image')
      problems.push(`${model.name}: image_sizes is for image models (kind: image), not ${model.kind}`);
    for (const fallback of model.fallbacks)
      if (!names.has(fallback) && !passthrough)
        problems.push(`${model.name}: fallback "${fallback}" is not a model in the catalog`);
    model.deployments.forEach((d, i) => {
      const id = deploymentId(model, d, i);
      if (ids.has(id)) problems.push(`${model.name}: deployment id "${id}" is used twice`);
      ids.add(id);
      if (d.provider !== 'local' && !d.base_url && d.provider === 'openai-compatible')
        problems.push(`${model.name}: deployment "${id}" needs base_url`);
      if (CHAT_ONLY_PROVIDERS.has(d.provider) && model.kind !== 'chat' && model.kind !== 'embedding')
        problems.push(
          `${model.name}: deployment "${id}": provider ${d.provider} cannot serve ${model.kind} models`,
        );
      if (d.api_key_env && settings.readEnv(d.api_key_env) === undefined)
        problems.push(`${model.name}: deployment "${id}" reads ${d.api_key_env}, which is not set`);
    });
  }
  if (problems.length > 0) throw new CatalogError(`The model catalog is invalid: ${problems.join('; ')}`);
}

export function deploymentId(model: ModelSpec, deployment: DeploymentSpec, index: number): string {
  return deployment.id ?? `${model.name}#${index}`;
}

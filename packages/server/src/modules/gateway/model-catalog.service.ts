import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import { CoalescedRun } from '../../platform/jobs/coalesced-run.js';
import {
  type AccessService,
  requirePlatformAdmin,
  requirePrincipal,
  TenantNotFoundError,
} from '../access/access.service.js';
import type { Permission } from '../access/permissions.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { TenantsRepository } from '../tenants/tenants.repository.js';
import {
  CatalogError,
  checkCatalog,
  type DeploymentSpec,
  deploymentSpecSchema,
  type ModelSpec,
  modelSpecSchema,
} from './catalog.js';
import type { ModelCatalogRepository, ModelEntryRow } from './model-catalog.repository.js';
import type { CatalogEntry, ModelRegistry } from './model-registry.js';

/** The pub/sub channel a catalog change is announced on; the message is the new version. */
export const CATALOG_CHANNEL = 'gateway:model-catalog';

/** Keeps one tenant's entries (all held in every instance's memory) within reason. */
const MAX_TENANT_ENTRIES = 100;

const noLiteralKey = z
  .never({
    error: 'API keys are never stored; put the key in an environment variable and name it in api_key_env',
  })
  .optional()
  .meta({ description: 'Refused: name the environment variable holding the key in `api_key_env` instead' });

/**
 * The body of `PUT .../models/:name`: the catalog's model spec without the name (the path carries it). A
 * literal `api_key` is refused with a message that says what to do instead.
 */
export const modelEntryBodySchema = modelSpecSchema
  .omit({ name: true })
  .extend({
    deployments: z
      .array(deploymentSpecSchema.extend({ api_key: noLiteralKey }))
      .min(1)
      .max(50),
    api_key: noLiteralKey,
  })
  .meta({ id: 'ModelEntrySpec' });

export type ModelEntryInput = z.input<typeof modelEntryBodySchema>;

/**
 * The catalog's model spec named `name` from a parsed {@link modelEntryBodySchema} body (the refused
 * `api_key` fields dropped).
 * @example const spec = specFromEntry('gpt-4o', modelEntryBodySchema.parse(body));
 */
export function specFromEntry(name: string, entry: z.output<typeof modelEntryBodySchema>): ModelSpec {
  const { api_key: _a, deployments, ...rest } = entry;
  return { ...rest, name, deployments: deployments.map(({ api_key: _k, ...d }) => d) };
}
export type ModelEntrySpec = Omit<ModelSpec, 'name'>;

/** A public model name: what `modelSpecSchema` accepts (letters, digits, `._:/-`). */
export const modelNameSchema = modelSpecSchema.shape.name;

export type EntrySource = 'database' | 'file' | 'built-in';

export interface ModelEntryView {
  id: string | null;
  name: string;
  tenant_id: string | null;
  source: EntrySource;
  /** False when a database entry of the same name overrides this one. */
  active: boolean;
  spec: ModelEntrySpec;
  created_by: string | null;
  created_at: Date | null;
  updated_at: Date | null;
}

export interface ModelCatalogServiceDeps {
  db: Executor;
  entries: ModelCatalogRepository;
  registry: ModelRegistry;
  access: AccessService;
  audit: AuditService;
  tenants: TenantsRepository;
  cache: Cache;
  logger: Logger;
  /** Reads an environment variable a deployment names in `api_key_env` (config.readEnv). */
  readEnv: (name: string) => string | undefined;
  /** The names NEXUS_MODELS_FILE defined (the rest of the static catalog is built in). */
  fromFile: ReadonlySet<string>;
  /**
   * Environment variables that are Nexus's own settings: a catalog entry may not send them upstream as
   * an API key (else `api_key_env: JWT_SIGNING_KEYS` would hand a secret to any base URL).
   */
  reservedEnv: ReadonlySet<string>;
  /** How often each instance checks the catalog version, should a pub/sub message be lost. */
  pollIntervalMs?: number;
}

/**
 * Catalog entries managed through the API: global ones (platform admins) and each tenant's own (visible
 * and usable only in that tenant, where they override a global or file model of the same name). Every
 * change is validated like the file (schemas, credentials set, fallbacks resolvable), audit-logged, bumps
 * the catalog version and is announced on the cache's pub/sub, so every instance reloads at once; each
 * also polls the version as a safety net.
 */
export class ModelCatalogService {
  private loadedVersion = -1;
  private readonly reloads = new CoalescedRun(() => this.load());
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly deps: ModelCatalogServiceDeps) {}

  /** Loads the database entries and starts following changes (pub/sub and polling). */
  async start(): Promise<void> {
    // A database that is not ready yet (or not migrated) must not stop the process: polling retries.
    await this.reload().catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'could not load the model catalog; retrying'),
    );
    this.unsubscribe = await this.deps.cache.subscribe(CATALOG_CHANNEL, (message) => {
      if (Number(message) !== this.loadedVersion) this.requestReload();
    });
    this.timer = setInterval(() => this.poll(), this.deps.pollIntervalMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.unsubscribe?.().catch(() => undefined);
    this.unsubscribe = undefined;
    await this.reloads.inProgress?.catch(() => undefined);
  }

  /** The catalog version this instance serves. */
  get version(): number {
    return this.loadedVersion;
  }

  /** Global database entries and the static catalog, each marked with its source (platform admin). */
  async adminList(ctx: RequestContext): Promise<{
    version: number;
    passthrough: DeploymentSpec | null;
    entries: ModelEntryView[];
  }> {
    requirePlatformAdmin(ctx);
    const rows = await this.deps.entries.list(this.deps.db, null);
    const overridden = new Set(rows.map((r) => r.name));
    const fixed = this.deps.registry.staticModels().map(
      ({ spec: { name, ...spec } }): ModelEntryView => ({
        id: null,
        name,
        tenant_id: null,
        source: this.deps.fromFile.has(name) ? 'file' : 'built-in',
        active: !overridden.has(name),
        spec,
        created_by: null,
        created_at: null,
        updated_at: null,
      }),
    );
    return {
      version: this.loadedVersion,
      passthrough: this.deps.registry.passthrough ?? null,
      entries: [...rows.map(view), ...fixed].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  async adminPut(
    ctx: RequestContext,
    name: string,
    input: unknown,
  ): Promise<{ entry: ModelEntryView; created: boolean }> {
    requirePlatformAdmin(ctx);
    return this.upsert(ctx, null, name, input, true);
  }

  async adminDelete(ctx: RequestContext, name: string): Promise<void> {
    requirePlatformAdmin(ctx);
    await this.remove(ctx, null, name);
  }

  /** The tenant's own entries (`chat:read` there). */
  async list(ctx: RequestContext, tenantId: string): Promise<ModelEntryView[]> {
    await this.authorize(ctx, tenantId, 'chat:read');
    return (await this.deps.entries.list(this.deps.db, tenantId)).map(view);
  }

  /** Creates or replaces one of the tenant's own entries (`tenant:update` there). */
  async put(
    ctx: RequestContext,
    tenantId: string,
    name: string,
    input: unknown,
  ): Promise<{ entry: ModelEntryView; created: boolean }> {
    const { operator } = await this.authorize(ctx, tenantId, 'tenant:update');
    return this.upsert(ctx, tenantId, name, input, operator);
  }

  async delete(ctx: RequestContext, tenantId: string, name: string): Promise<void> {
    await this.authorize(ctx, tenantId, 'tenant:update');
    await this.remove(ctx, tenantId, name);
  }

  /**
   * Members need `permission` in the tenant; a platform admin (the operator) may manage any tenant's
   * entries, which is how a tenant gets a model on the operator's credentials.
   */
  private async authorize(
    ctx: RequestContext,
    tenantId: string,
    permission: Permission,
  ): Promise<{ operator: boolean }> {
    const principal = requirePrincipal(ctx);
    if (principal.kind === 'user' && principal.isPlatformAdmin) {
      if (!(await this.deps.tenants.get(this.deps.db, tenantId))) throw new TenantNotFoundError();
      return { operator: true };
    }
    await this.deps.access.require(ctx, tenantId, permission);
    return { operator: false };
  }

  /** Reloads the database entries into the registry; calls that arrive during a reload share one more. */
  reload(): Promise<void> {
    return this.reloads.request();
  }

  private async upsert(
    ctx: RequestContext,
    tenantId: string | null,
    name: string,
    input: unknown,
    operator: boolean,
  ): Promise<{ entry: ModelEntryView; created: boolean }> {
    const spec = this.validate(tenantId, name, input, operator);
    const { name: _name, ...stored } = spec;
    const { row, created, version } = await withTransaction(this.deps.db, async (trx) => {
      if (tenantId !== null && !(await this.deps.entries.get(trx, tenantId, name))) {
        if ((await this.deps.entries.count(trx, tenantId)) >= MAX_TENANT_ENTRIES)
          throw new ConflictError(`A tenant may have at most ${MAX_TENANT_ENTRIES} model entries`, {
            details: { limit: MAX_TENANT_ENTRIES },
          });
      }
      const result = await this.deps.entries.upsert(trx, tenantId, {
        id: newId('mdl'),
        name,
        spec: stored,
        createdBy: ctx.principal?.userId ?? null,
      });
      return { ...result, version: await this.deps.entries.bumpVersion(trx) };
    });
    await this.deps.audit.record(ctx, {
      action: 'model.upsert',
      result: 'success',
      tenantId,
      target: { type: 'model', id: row.id },
      details: { name, scope: tenantId === null ? 'global' : 'tenant', created, version },
    });
    await this.changed(version);
    return { entry: view(row), created };
  }

  private async remove(ctx: RequestContext, tenantId: string | null, name: string): Promise<void> {
    const removed = await withTransaction(this.deps.db, async (trx) => {
      const row = await this.deps.entries.delete(trx, tenantId, name);
      return row && { row, version: await this.deps.entries.bumpVersion(trx) };
    });
    if (!removed)
      throw new NotFoundError(
        tenantId === null && this.deps.registry.staticModels().some((m) => m.spec.name === name)
          ? `"${name}" comes from NEXUS_MODELS_FILE or is built in; change it there`
          : `No model entry named "${name}"`,
      );
    await this.deps.audit.record(ctx, {
      action: 'model.delete',
      result: 'success',
      tenantId,
      target: { type: 'model', id: removed.row.id },
      details: { name, scope: tenantId === null ? 'global' : 'tenant', version: removed.version },
    });
    await this.changed(removed.version);
  }

  /**
   * The same checks the file gets (schema, base URL, credentials set on this instance), plus: fallbacks
   * must resolve in the entry's scope, deployment ids must not collide, the provider must have an adapter,
   * and credentials are environment references only. Credentials are the operator's: only a platform
   * admin may name one, else a tenant could point `base_url` at itself and read the key, or wrap the
   * operator's upstream in its own entry without the global entry's price and limits.
   */
  private validate(tenantId: string | null, name: string, input: unknown, operator: boolean): ModelSpec {
    const parsed = modelEntryBodySchema.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        location: 'body',
        path: i.path.join('.'),
        message: i.message,
        issue: i.code,
      }));
      throw new ValidationError(
        `The model spec is invalid: ${issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; ')}`,
        { details: issues },
      );
    }
    const spec = specFromEntry(name, parsed.data);
    const problems = this.problemsOf(spec, tenantId, operator);
    if (problems.length > 0)
      throw new ValidationError(
        `The model spec is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        { details: problems.map((p) => ({ location: 'body', ...p })) },
      );
    return spec;
  }

  /**
   * The checks a platform admin's global entry gets, for a model entry of a runtime config version
   * (modules/release): paths are relative to the entry. Fallbacks may also name `siblings` (the version's
   * other entries). Deployment ids are not checked against the catalog's: the version's models get their
   * own (`runtime-config/…`, see ModelRegistry.buildOverlay).
   * @example const problems = modelCatalog.checkConfigEntry(specFromEntry('canary', body), new Set(['canary']));
   */
  checkConfigEntry(spec: ModelSpec, siblings: ReadonlySet<string>): { path: string; message: string }[] {
    return this.problemsOf(spec, null, true, siblings);
  }

  private problemsOf(
    spec: ModelSpec,
    tenantId: string | null,
    operator: boolean,
    siblings?: ReadonlySet<string>,
  ): { path: string; message: string }[] {
    const name = spec.name;
    const problems: { path: string; message: string }[] = [];
    spec.deployments.forEach((d, i) => {
      const path = `deployments.${i}`;
      if (d.base_url) {
        const url = new URL(d.base_url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          problems.push({ path: `${path}.base_url`, message: 'must be an http(s) URL' });
        if (url.username || url.password)
          problems.push({
            path: `${path}.base_url`,
            message: 'must not carry credentials; name an environment variable in api_key_env',
          });
      }
      // The server calls base_url itself: letting tenant members choose it would let them make Nexus
      // request internal addresses (SSRF). Operators point entries at upstreams; tenants reuse them.
      if (d.base_url && !operator)
        problems.push({
          path: `${path}.base_url`,
          message: 'only a platform admin may point an entry at an upstream URL; leave base_url out',
        });
      if (d.api_key_env && this.deps.reservedEnv.has(d.api_key_env))
        problems.push({
          path: `${path}.api_key_env`,
          message: `${d.api_key_env} is a Nexus setting, not an upstream API key`,
        });
      else if (d.api_key_env && !operator)
        problems.push({
          path: `${path}.api_key_env`,
          message: 'only a platform admin may give an entry a credential; leave api_key_env out',
        });
    });
    spec.fallbacks.forEach((fallback, i) => {
      if (fallback === name)
        problems.push({ path: `fallbacks.${i}`, message: 'a model cannot fall back to itself' });
      else if (!siblings?.has(fallback) && !this.deps.registry.resolve(fallback, tenantId ?? undefined))
        problems.push({ path: `fallbacks.${i}`, message: `"${fallback}" is not a model in the catalog` });
    });
    if (!siblings)
      for (const id of this.deps.registry.conflictingDeploymentIds(spec, tenantId))
        problems.push({ path: 'deployments', message: `deployment id "${id}" is used by another model` });
    try {
      // Fallbacks were checked above against the whole catalog; this checks base URLs and credentials.
      checkCatalog([{ ...spec, fallbacks: [] }], { readEnv: this.deps.readEnv });
      this.deps.registry.checkProviders(spec);
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      problems.push({ path: 'deployments', message: error.message });
    }
    return problems;
  }

  /** Applies a change on this instance now and tells the others. */
  private async changed(version: number): Promise<void> {
    await this.reload();
    await this.deps.cache.publish(CATALOG_CHANNEL, String(version)).catch((error: unknown) => {
      // The others still pick it up when they next poll the version.
      this.deps.logger.warn({ err: error }, 'could not announce a model catalog change');
    });
  }

  private requestReload(): void {
    this.reload().catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'could not reload the model catalog'),
    );
  }

  private poll(): void {
    this.deps.entries
      .version(this.deps.db)
      .then((version) => {
        if (version !== this.loadedVersion) this.requestReload();
      })
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'could not check the model catalog version'),
      );
  }

  private async load(): Promise<void> {
    // The version first: rows read after it are at least that new, so nothing is missed.
    const version = await this.deps.entries.version(this.deps.db);
    const rows = await this.deps.entries.listAll(this.deps.db);
    const entries: CatalogEntry[] = [];
    for (const row of rows) {
      const parsed = modelSpecSchema.safeParse({ ...row.spec, name: row.name });
      if (!parsed.success) {
        this.deps.logger.error(
          { model: row.name, tenant_id: row.tenant_id, issues: parsed.error.issues },
          'skipping an invalid model catalog entry',
        );
        continue;
      }
      for (const d of parsed.data.deployments)
        if (d.api_key_env && this.deps.readEnv(d.api_key_env) === undefined)
          this.deps.logger.warn(
            { model: row.name, tenant_id: row.tenant_id, variable: d.api_key_env },
            'a model catalog entry names an environment variable this instance does not have',
          );
      entries.push({ tenantId: row.tenant_id, spec: parsed.data });
    }
    for (const { entry, error } of this.deps.registry.replaceEntries(entries))
      this.deps.logger.error(
        { err: error, model: entry.spec.name, tenant_id: entry.tenantId },
        'skipping a model catalog entry this instance cannot serve',
      );
    this.loadedVersion = version;
  }
}

const view = (row: ModelEntryRow): ModelEntryView => {
  // Rows were validated when written; one that no longer parses is shown as stored (the registry skips it).
  const parsed = modelSpecSchema.safeParse({ ...row.spec, name: row.name });
  const { name: _name, ...spec } = parsed.success
    ? parsed.data
    : ({ ...row.spec, name: row.name } as ModelSpec);
  return {
    id: row.id,
    name: row.name,
    tenant_id: row.tenant_id,
    source: 'database',
    active: true,
    spec,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
};

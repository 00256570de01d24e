import { createHash } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { LanguageModel } from '../../providers/llm/language-model.js';
import {
  CatalogError,
  type DeploymentSpec,
  deploymentId,
  MODEL_NAME,
  type ModelSpec,
  modelSpecSchema,
} from './catalog.js';
import { CircuitBreaker, type Deployment, type ModelOverlay, type RoutedModel } from './router.js';

export type ProviderFactory = (deployment: DeploymentSpec) => LanguageModel;

export type { ModelOverlay } from './router.js';

/** A catalog entry from the database: global (`tenantId` null) or one tenant's own. */
export interface CatalogEntry {
  tenantId: string | null;
  spec: ModelSpec;
}

/** How long GET /v1/models reuses the passthrough upstream's model list (and how long after a failure). */
const UPSTREAM_LIST_TTL_MS = 60_000;
const UPSTREAM_LIST_RETRY_MS = 10_000;
const UPSTREAM_LIST_TIMEOUT_MS = 10_000;

/**
 * The live catalog: each model's deployments with their provider clients, in-flight counts and circuit
 * breakers. A name resolves, for a tenant, to that tenant's own database entry, else a global database
 * entry, else the static catalog (built-in, `NEXUS_MODELS_FILE`); a name none of them lists goes to the
 * `OPENAI_BASE_URL` upstream when one is configured (so that upstream's whole model list is served),
 * remembered for later calls.
 */
export class ModelRegistry {
  private readonly models = new Map<string, RoutedModel>();
  private readonly passthroughModels = new Map<string, RoutedModel>();
  private global = new Map<string, RoutedModel>();
  private tenants = new Map<string, Map<string, RoutedModel>>();
  /** The database entries as last built, by scope and name, with their spec's JSON (to reuse unchanged ones). */
  private built = new Map<string, { json: string; routed: RoutedModel }>();
  private upstreamList: { until: number; ids: Promise<string[]> } | undefined;
  private upstreamClient: LanguageModel | undefined;

  constructor(
    private readonly deps: {
      models: readonly ModelSpec[];
      passthrough?: DeploymentSpec;
      providers: Partial<Record<DeploymentSpec['provider'], ProviderFactory>>;
      circuit: { failures: number; cooldownMs: number };
      logger?: Pick<Logger, 'warn'>;
    },
  ) {
    for (const spec of deps.models) this.models.set(spec.name, this.build(spec, null));
  }

  /**
   * The model `name` as `tenantId` sees it (without a tenant: global and static models only); `overlay`'s
   * models come first.
   */
  resolve(name: string, tenantId?: string, overlay?: ModelOverlay): RoutedModel | undefined {
    const known =
      overlay?.get(name) ??
      (tenantId === undefined ? undefined : this.tenants.get(tenantId)?.get(name)) ??
      this.global.get(name) ??
      this.models.get(name) ??
      this.passthroughModels.get(name);
    if (known) return known;
    const passthrough = this.deps.passthrough;
    if (!passthrough || !MODEL_NAME.test(name)) return undefined;
    // Bounded: a client inventing model names cannot grow this without limit.
    if (this.passthroughModels.size >= 1000) this.passthroughModels.clear();
    const routed = this.build(
      modelSpecSchema.parse({
        name,
        context_window: 1_000_000,
        deployments: [{ ...passthrough, model: name }],
      }),
      null,
    );
    routed.passthrough = true;
    this.passthroughModels.set(name, routed);
    return routed;
  }

  /**
   * The catalog's models as `tenantId` sees them, one per name (not the passthrough upstream's, which
   * {@link upstreamModels} asks it for).
   */
  list(tenantId?: string, overlay?: ModelOverlay): RoutedModel[] {
    const byName = new Map(this.models);
    for (const [name, routed] of this.global) byName.set(name, routed);
    for (const [name, routed] of (tenantId && this.tenants.get(tenantId)) || []) byName.set(name, routed);
    for (const [name, routed] of overlay ?? []) byName.set(name, routed);
    return [...byName.values()];
  }

  /**
   * Builds an immutable overlay of `specs` (a runtime config version's model entries). Their deployment
   * ids live under `runtime-config/`, so their rate limits never share a catalog deployment's. Throws
   * CatalogError when this instance has no adapter for a provider.
   * @example const overlay = registry.buildOverlay([spec]); registry.resolve(spec.name, tenantId, overlay);
   */
  buildOverlay(specs: readonly ModelSpec[]): ModelOverlay {
    return new Map(
      specs.map((spec) => {
        const digest = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
        const routed = this.build(spec, 'runtime-config');
        routed.cacheName = `runtime-config:${spec.name}:${digest}`;
        return [spec.name, routed];
      }),
    );
  }

  /** The static catalog (built-in and `NEXUS_MODELS_FILE`), whatever overrides it. */
  staticModels(): RoutedModel[] {
    return [...this.models.values()];
  }

  get passthrough(): DeploymentSpec | undefined {
    return this.deps.passthrough;
  }

  /**
   * Replaces the database entries with `entries`. An entry whose spec did not change keeps its
   * deployments, so in-flight counts and circuit breakers survive reloads. Entries that cannot be built
   * here are skipped and returned (one bad row must not take the rest of the catalog down).
   */
  replaceEntries(entries: readonly CatalogEntry[]): { entry: CatalogEntry; error: Error }[] {
    const global = new Map<string, RoutedModel>();
    const tenants = new Map<string, Map<string, RoutedModel>>();
    const built = new Map<string, { json: string; routed: RoutedModel }>();
    const skipped: { entry: CatalogEntry; error: Error }[] = [];
    for (const entry of entries) {
      const key = `${entry.tenantId ?? ''}\u0000${entry.spec.name}`;
      const json = JSON.stringify(entry.spec);
      const previous = this.built.get(key);
      let routed: RoutedModel;
      try {
        routed = previous?.json === json ? previous.routed : this.build(entry.spec, entry.tenantId);
      } catch (error) {
        skipped.push({ entry, error: error as Error });
        continue;
      }
      built.set(key, { json, routed });
      if (entry.tenantId === null) global.set(entry.spec.name, routed);
      else {
        const own = tenants.get(entry.tenantId) ?? new Map<string, RoutedModel>();
        own.set(entry.spec.name, routed);
        tenants.set(entry.tenantId, own);
      }
    }
    this.global = global;
    this.tenants = tenants;
    this.built = built;
    return skipped;
  }

  /** Throws CatalogError when this instance has no adapter for one of the spec's providers. */
  checkProviders(spec: ModelSpec): void {
    for (const d of spec.deployments)
      if (!this.deps.providers[d.provider])
        throw new CatalogError(`${spec.name}: no adapter for provider "${d.provider}"`);
  }

  /**
   * Deployment ids of `spec` that another model visible in the same scope already uses. Rate limits are
   * kept per deployment id, so two models sharing one would share (and confuse) their limits.
   */
  conflictingDeploymentIds(spec: ModelSpec, tenantId: string | null): string[] {
    const mine = spec.deployments.map((d, i) => scopedId(tenantId, deploymentId(spec, d, i)));
    const taken = new Set<string>(this.deps.passthrough?.id ? [this.deps.passthrough.id] : []);
    for (const model of this.list(tenantId ?? undefined))
      if (model.spec.name !== spec.name) for (const d of model.deployments) taken.add(d.id);
    return mine.filter((id) => taken.has(id));
  }

  /**
   * The model ids the `OPENAI_BASE_URL` upstream serves, asked for at most once a minute. A failure is
   * logged and answers an empty list (the catalog still lists); it is asked again after a short pause.
   */
  upstreamModels(): Promise<string[]> {
    const passthrough = this.deps.passthrough;
    if (!passthrough) return Promise.resolve([]);
    const now = Date.now();
    if (!this.upstreamList || now >= this.upstreamList.until) {
      const entry = { until: now + UPSTREAM_LIST_TTL_MS, ids: Promise.resolve<string[]>([]) };
      entry.ids = this.fetchUpstreamModels(passthrough).catch((error: unknown) => {
        entry.until = Date.now() + UPSTREAM_LIST_RETRY_MS;
        this.deps.logger?.warn(
          { err: error },
          'could not list the OPENAI_BASE_URL upstream models; GET /v1/models lists the catalog only',
        );
        return [];
      });
      this.upstreamList = entry;
    }
    return this.upstreamList.ids;
  }

  private async fetchUpstreamModels(passthrough: DeploymentSpec): Promise<string[]> {
    this.upstreamClient ??= this.deps.providers[passthrough.provider]?.(passthrough);
    if (!this.upstreamClient?.listModels) return [];
    return this.upstreamClient.listModels({ signal: AbortSignal.timeout(UPSTREAM_LIST_TIMEOUT_MS) });
  }

  private build(spec: ModelSpec, tenantId: string | null): RoutedModel {
    const deployments: Deployment[] = spec.deployments.map((d, i) => {
      const factory = this.deps.providers[d.provider];
      if (!factory) throw new CatalogError(`${spec.name}: no adapter for provider "${d.provider}"`);
      return {
        id: scopedId(tenantId, deploymentId(spec, d, i)),
        spec: d,
        model: factory(d),
        inFlight: 0,
        breaker: new CircuitBreaker(this.deps.circuit.failures, this.deps.circuit.cooldownMs),
      };
    });
    return { spec, deployments };
  }
}

/**
 * A tenant's deployments get ids under the tenant: rate-limit buckets are keyed by deployment id, and one
 * tenant's entry must never share (or drain) another's, or a global deployment's, limits.
 */
function scopedId(tenantId: string | null, id: string): string {
  return tenantId === null ? id : `${tenantId}/${id}`;
}

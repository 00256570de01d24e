import type { LanguageModel } from '../../providers/llm/language-model.js';
import {
  CatalogError,
  type DeploymentSpec,
  deploymentId,
  type ModelSpec,
  modelSpecSchema,
} from './catalog.js';
import { CircuitBreaker, type Deployment, type RoutedModel } from './router.js';

export type ProviderFactory = (deployment: DeploymentSpec) => LanguageModel;

/**
 * The live catalog: each model's deployments with their provider clients, in-flight counts and circuit
 * breakers. A model name the catalog does not list goes to the `OPENAI_BASE_URL` upstream when one is
 * configured (so that upstream's whole model list is served), remembered for later calls.
 */
export class ModelRegistry {
  private readonly models = new Map<string, RoutedModel>();
  private readonly passthroughModels = new Map<string, RoutedModel>();

  constructor(
    private readonly deps: {
      models: readonly ModelSpec[];
      passthrough?: DeploymentSpec;
      providers: Partial<Record<DeploymentSpec['provider'], ProviderFactory>>;
      circuit: { failures: number; cooldownMs: number };
    },
  ) {
    for (const spec of deps.models) this.models.set(spec.name, this.build(spec));
  }

  resolve(name: string): RoutedModel | undefined {
    const known = this.models.get(name) ?? this.passthroughModels.get(name);
    if (known) return known;
    const passthrough = this.deps.passthrough;
    if (!passthrough || !/^[A-Za-z0-9._:/-]{1,200}$/.test(name)) return undefined;
    // Bounded: a client inventing model names cannot grow this without limit.
    if (this.passthroughModels.size >= 1000) this.passthroughModels.clear();
    const routed = this.build(
      modelSpecSchema.parse({
        name,
        context_window: 1_000_000,
        deployments: [{ ...passthrough, model: name }],
      }),
    );
    routed.passthrough = true;
    this.passthroughModels.set(name, routed);
    return routed;
  }

  /** The catalog's models (not the passthrough upstream's, which GET /v1/models asks it for). */
  list(): RoutedModel[] {
    return [...this.models.values()];
  }

  get passthrough(): DeploymentSpec | undefined {
    return this.deps.passthrough;
  }

  private build(spec: ModelSpec): RoutedModel {
    const deployments: Deployment[] = spec.deployments.map((d, i) => {
      const factory = this.deps.providers[d.provider];
      if (!factory) throw new CatalogError(`${spec.name}: no adapter for provider "${d.provider}"`);
      return {
        id: deploymentId(spec, d, i),
        spec: d,
        model: factory(d),
        inFlight: 0,
        breaker: new CircuitBreaker(this.deps.circuit.failures, this.deps.circuit.cooldownMs),
      };
    });
    return { spec, deployments };
  }
}

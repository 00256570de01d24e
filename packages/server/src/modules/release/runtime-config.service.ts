import { ConflictError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Cache } from '../../platform/cache/cache.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import { CoalescedRun } from '../../platform/jobs/coalesced-run.js';
import { requirePlatformAdmin } from '../access/access.service.js';
import type { RequestContext } from '../access/principal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ModelSpec } from '../gateway/catalog.js';
import type { ModelOverlay } from '../gateway/router.js';
import type { UsersRepository } from '../identity/users.repository.js';
import { type DiffEntry, jsonDiff } from './json-diff.js';
import type {
  ConfigStateRow,
  ConfigVersionRow,
  RuntimeConfigRepository,
} from './runtime-config.repository.js';
import {
  DEFAULT_DOCUMENT,
  type ModelEntryCheck,
  modelSpecsOf,
  parseDocument,
  type RuntimeConfigDocument,
} from './runtime-config.schema.js';
import { inPercentage } from './targeting.js';

/** The pub/sub channel a config state change is announced on; the message is the new revision. */
export const RUNTIME_CONFIG_CHANNEL = 'release:runtime-config';

/** 404 `config_version_not_found`: no config version with that number. */
export class ConfigVersionNotFoundError extends NotFoundError {
  override readonly code = 'config_version_not_found';
}

/** 409 `config_version_already_active`: activating (or canarying) the version that is already active. */
export class ConfigVersionAlreadyActiveError extends ConflictError {
  override readonly code = 'config_version_already_active';
}

/** 409 `config_canary_not_running`: promote or roll back with no canary in progress. */
export class ConfigCanaryNotRunningError extends ConflictError {
  override readonly code = 'config_canary_not_running';
}

/** Where a request's effective config came from. */
export type ConfigSource = 'default' | 'active' | 'canary';

/** The config a request runs with: the active version's, or the canary's for users in the canary. */
export interface EffectiveConfig {
  /** The version number; null while no version was ever activated (the built-in default document). */
  version: number | null;
  source: ConfigSource;
  document: RuntimeConfigDocument;
  /** The document's `models.entries`, built once when the version was loaded; absent when it has none. */
  models?: ModelOverlay;
}

/** A version as the API shows it. `diff` is against the version before it (empty for version 1's base). */
export interface ConfigVersionView {
  version: number;
  message: string;
  author: { id: string | null; email: string | null };
  created_at: Date;
  document: RuntimeConfigDocument;
  diff: DiffEntry[];
  status: 'active' | 'canary' | 'inactive';
}

export interface ConfigStateView {
  active_version: number | null;
  canary: { version: number; percent: number } | null;
  revision: number;
  updated_by: string | null;
  updated_at: Date;
}

export interface RuntimeConfigServiceDeps {
  db: Executor;
  repository: RuntimeConfigRepository;
  users: UsersRepository;
  audit: AuditService;
  cache: Cache;
  logger: Logger;
  /** Whether a model name is in the catalog (alias targets are checked against it). */
  modelExists?: (name: string) => boolean;
  /** The model catalog's checks of one `models.entries` entry (ModelCatalogService.checkConfigEntry). */
  checkModelEntry?: ModelEntryCheck;
  /** Builds a version's `models.entries` into routable models (ModelRegistry.buildOverlay). */
  buildModels?: (specs: readonly ModelSpec[]) => ModelOverlay;
  /** How often each instance checks the revision, should a pub/sub message be lost (`RUNTIME_CONFIG_POLL_MS`). */
  pollIntervalMs?: number;
}

interface Loaded {
  revision: number;
  state: ConfigStateRow | null;
  active: EffectiveConfig;
  canary: { config: EffectiveConfig; percent: number } | null;
}

const DEFAULT_CONFIG: EffectiveConfig = Object.freeze({
  version: null,
  source: 'default',
  document: DEFAULT_DOCUMENT,
});

/**
 * Versioned runtime config (docs/runtime-config.md): immutable versions with author, message and diff;
 * one active version; optionally a canary version for a share of users (stable hash of the user id).
 * Every state change is audit-logged, bumps the state's revision and is announced on the cache's pub/sub
 * ({@link RUNTIME_CONFIG_CHANNEL}), so every instance reloads within moments; each also polls the
 * revision as a safety net. Requests read the loaded state from memory ({@link effectiveFor}).
 *
 * @example
 * const v = await runtimeConfig.create(ctx, { document: { rag: { top_k: 8 } }, message: 'more context' });
 * await runtimeConfig.activate(ctx, v.version);
 * runtimeConfig.effectiveFor('usr_01H...').document.rag.top_k; // 8
 */
export class RuntimeConfigService {
  private loaded: Loaded = { revision: -1, state: null, active: DEFAULT_CONFIG, canary: null };
  private readonly reloads = new CoalescedRun(() => this.load());
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly deps: RuntimeConfigServiceDeps) {}

  /** Loads the state and starts following changes (pub/sub and polling). */
  async start(): Promise<void> {
    // A database that is not ready yet must not stop the process: polling retries.
    await this.reload().catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'could not load the runtime config; retrying'),
    );
    this.unsubscribe = await this.deps.cache.subscribe(RUNTIME_CONFIG_CHANNEL, (message) => {
      if (Number(message) !== this.loaded.revision) this.requestReload();
    });
    this.timer = setInterval(() => this.poll(), this.deps.pollIntervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.unsubscribe?.().catch(() => undefined);
    this.unsubscribe = undefined;
    await this.reloads.inProgress?.catch(() => undefined);
  }

  /** The state revision this instance serves (-1 before the first load). */
  get revision(): number {
    return this.loaded.revision;
  }

  /**
   * The config a request of `userId` runs with: the canary version's when one runs and the user's bucket
   * under `canary:<version>` is within its percentage, else the active version's (else the default).
   * Without a user id (background work) the active config. Synchronous: it reads the loaded state.
   * @example const { document, version } = runtimeConfig.effectiveFor(ctx.principal?.userId ?? null);
   */
  effectiveFor(userId: string | null): EffectiveConfig {
    const { canary, active } = this.loaded;
    if (canary && userId !== null && inPercentage(`canary:${canary.config.version}`, userId, canary.percent))
      return canary.config;
    return active;
  }

  /** The active config (no canary): for work that belongs to no user. */
  get active(): EffectiveConfig {
    return this.loaded.active;
  }

  /**
   * The models `userId`'s effective config adds to the catalog (its `models.entries`, overriding catalog
   * models of the same name); undefined when it adds none.
   * @example router.plan(runtimeConfig.resolveModel(name, userId), tenantId, runtimeConfig.modelsFor(userId));
   */
  modelsFor(userId: string | null): ModelOverlay | undefined {
    return this.effectiveFor(userId).models;
  }

  /** `name` after the model aliases of `userId`'s effective config (one hop), else `name` itself. */
  resolveModel(name: string, userId: string | null): string {
    return this.effectiveFor(userId).document.models.aliases[name] ?? name;
  }

  // --- Admin API (platform admins) ---

  /**
   * Stores a new version (immutable) with its diff against the latest version; does not activate it.
   * 400 `validation_failed` naming the document's paths when it is invalid (nothing is stored).
   */
  async create(
    ctx: RequestContext,
    input: { document: unknown; message: string },
  ): Promise<ConfigVersionView> {
    const admin = requirePlatformAdmin(ctx);
    const document = parseDocument(input.document, {
      ...(this.deps.modelExists ? { modelExists: this.deps.modelExists } : {}),
      ...(this.deps.checkModelEntry ? { checkModelEntry: this.deps.checkModelEntry } : {}),
    });
    const author = await this.deps.users.get(this.deps.db, admin.userId);
    const { row, state } = await withTransaction(this.deps.db, async (trx) => {
      // The state row's lock serialises version numbers (and state changes).
      const state = await this.deps.repository.state(trx, { forUpdate: true });
      const latest = await this.deps.repository.latestVersion(trx);
      const previous = latest ? latest.document : (DEFAULT_DOCUMENT as Record<string, unknown>);
      const row = await this.deps.repository.insert(trx, {
        version: (latest?.version ?? 0) + 1,
        document: document as unknown as Record<string, unknown>,
        diff: jsonDiff(previous, document),
        message: input.message,
        author_id: admin.userId,
        author_email: author?.email ?? null,
      });
      await this.deps.audit.record(
        ctx,
        {
          action: 'config.version.create',
          result: 'success',
          target: { type: 'config_version', id: String(row.version) },
          details: { version: row.version, message: row.message, changes: row.diff.length },
        },
        trx,
      );
      return { row, state };
    });
    return this.view(row, state);
  }

  async list(
    ctx: RequestContext,
    options: { limit: number; before?: number | undefined },
  ): Promise<{ versions: ConfigVersionView[]; state: ConfigStateView }> {
    requirePlatformAdmin(ctx);
    const [rows, state] = await Promise.all([
      this.deps.repository.list(this.deps.db, options),
      this.deps.repository.state(this.deps.db),
    ]);
    return { versions: rows.map((r) => this.view(r, state)), state: stateView(state) };
  }

  /** One version with its document and diff; 404 `config_version_not_found`. */
  async get(ctx: RequestContext, version: number): Promise<ConfigVersionView> {
    requirePlatformAdmin(ctx);
    const [row, state] = await Promise.all([
      this.deps.repository.get(this.deps.db, version),
      this.deps.repository.state(this.deps.db),
    ]);
    if (!row) throw notFound(version);
    return this.view(row, state);
  }

  /** The active version (null with the default document while none was activated) and the canary, if any. */
  async activeState(
    ctx: RequestContext,
  ): Promise<{ state: ConfigStateView; active: ConfigVersionView | null; document: RuntimeConfigDocument }> {
    requirePlatformAdmin(ctx);
    const state = await this.deps.repository.state(this.deps.db);
    const row =
      state.active_version === null
        ? undefined
        : await this.deps.repository.get(this.deps.db, state.active_version);
    const active = row ? this.view(row, state) : null;
    return { state: stateView(state), active, document: active?.document ?? DEFAULT_DOCUMENT };
  }

  /**
   * Makes `version` the active one for everybody — activating an earlier version is the rollback. Ends a
   * running canary. 404 for an unknown version; 409 `config_version_already_active` when it is already
   * active (nothing changes).
   */
  async activate(ctx: RequestContext, version: number): Promise<ConfigStateView> {
    const admin = requirePlatformAdmin(ctx);
    return this.transition(ctx, async (trx, state) => {
      if (!(await this.deps.repository.get(trx, version))) throw notFound(version);
      if (state.active_version === version)
        throw new ConfigVersionAlreadyActiveError(`Config version ${version} is already active`, {
          details: { version },
        });
      const rollback = state.active_version !== null && version < state.active_version;
      return {
        next: { active: version, canary: null, by: admin.userId },
        audit: {
          action: rollback ? 'config.version.rollback' : 'config.version.activate',
          details: {
            version,
            previous_version: state.active_version,
            ...(state.canary_version === null ? {} : { ended_canary_version: state.canary_version }),
          },
        },
      };
    });
  }

  /**
   * Starts (or changes) a canary: `version` for `percent` % of users, the active version for the rest.
   * 404 for an unknown version, 409 when it is the active one.
   */
  async canary(ctx: RequestContext, version: number, percent: number): Promise<ConfigStateView> {
    const admin = requirePlatformAdmin(ctx);
    return this.transition(ctx, async (trx, state) => {
      if (!(await this.deps.repository.get(trx, version))) throw notFound(version);
      if (state.active_version === version)
        throw new ConfigVersionAlreadyActiveError(
          `Config version ${version} is already active for everybody; a canary needs another version`,
          { details: { version } },
        );
      return {
        next: { active: state.active_version, canary: { version, percent }, by: admin.userId },
        audit: {
          action: 'config.canary.start',
          details: {
            version,
            percent,
            active_version: state.active_version,
            previous_canary: state.canary_version,
          },
        },
      };
    });
  }

  /** Makes the canary version active for everybody. 409 `config_canary_not_running` without one. */
  async promoteCanary(ctx: RequestContext): Promise<ConfigStateView> {
    const admin = requirePlatformAdmin(ctx);
    return this.transition(ctx, async (_trx, state) => {
      const canary = runningCanary(state);
      return {
        next: { active: canary.version, canary: null, by: admin.userId },
        audit: {
          action: 'config.canary.promote',
          details: {
            version: canary.version,
            percent: canary.percent,
            previous_version: state.active_version,
          },
        },
      };
    });
  }

  /** Ends the canary: everybody is back on the active version. 409 `config_canary_not_running` without one. */
  async rollbackCanary(ctx: RequestContext): Promise<ConfigStateView> {
    const admin = requirePlatformAdmin(ctx);
    return this.transition(ctx, async (_trx, state) => {
      const canary = runningCanary(state);
      return {
        next: { active: state.active_version, canary: null, by: admin.userId },
        audit: {
          action: 'config.canary.rollback',
          details: { version: canary.version, percent: canary.percent, active_version: state.active_version },
        },
      };
    });
  }

  /** Reloads the state into memory; calls that arrive during a reload share one more. */
  reload(): Promise<void> {
    return this.reloads.request();
  }

  // --- Internals ---

  /** One state change: locked, checked, written and audit-logged in one transaction, then announced. */
  private async transition(
    ctx: RequestContext,
    decide: (
      trx: Executor,
      state: ConfigStateRow,
    ) => Promise<{
      next: { active: number | null; canary: { version: number; percent: number } | null; by: string | null };
      audit: { action: string; details: Record<string, unknown> };
    }>,
  ): Promise<ConfigStateView> {
    const state = await withTransaction(this.deps.db, async (trx) => {
      const current = await this.deps.repository.state(trx, { forUpdate: true });
      const { next, audit } = await decide(trx, current);
      const updated = await this.deps.repository.setState(trx, next);
      await this.deps.audit.record(
        ctx,
        {
          action: audit.action,
          result: 'success',
          target: { type: 'config_version', id: String(next.canary?.version ?? next.active ?? '') },
          details: { ...audit.details, revision: updated.revision },
        },
        trx,
      );
      return updated;
    });
    await this.reload();
    await this.deps.cache.publish(RUNTIME_CONFIG_CHANNEL, String(state.revision)).catch((error: unknown) => {
      // The others still pick it up when they next poll the revision.
      this.deps.logger.warn({ err: error }, 'could not announce a runtime config change');
    });
    return stateView(state);
  }

  private requestReload(): void {
    this.reload().catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'could not reload the runtime config'),
    );
  }

  private poll(): void {
    this.deps.repository
      .revision(this.deps.db)
      .then((revision) => {
        if (revision !== this.loaded.revision) this.requestReload();
      })
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'could not check the runtime config revision'),
      );
  }

  private async load(): Promise<void> {
    const state = await this.deps.repository.state(this.deps.db);
    if (state.revision === this.loaded.revision) return;
    const [activeRow, canaryRow] = await Promise.all([
      state.active_version === null
        ? undefined
        : this.deps.repository.get(this.deps.db, state.active_version),
      state.canary_version === null
        ? undefined
        : this.deps.repository.get(this.deps.db, state.canary_version),
    ]);
    const active = activeRow ? this.effective(activeRow, 'active') : DEFAULT_CONFIG;
    const canaryConfig = canaryRow ? this.effective(canaryRow, 'canary') : null;
    this.loaded = {
      revision: state.revision,
      state,
      active: active ?? DEFAULT_CONFIG,
      canary:
        canaryConfig && state.canary_percent !== null
          ? { config: canaryConfig, percent: state.canary_percent }
          : null,
    };
    this.deps.logger.info(
      {
        revision: state.revision,
        active_version: state.active_version,
        canary_version: state.canary_version,
        canary_percent: state.canary_percent,
      },
      'runtime config loaded',
    );
  }

  /** A stored version as served; one that no longer parses (a schema change) is logged and skipped. */
  private effective(row: ConfigVersionRow, source: ConfigSource): EffectiveConfig | null {
    let document: RuntimeConfigDocument;
    try {
      document = parseDocument(row.document);
    } catch (error) {
      this.deps.logger.error(
        { err: error, version: row.version },
        'a stored runtime config version does not parse; not serving it',
      );
      return null;
    }
    const models = this.modelsOf(row.version, document);
    return { version: row.version, source, document, ...(models ? { models } : {}) };
  }

  /**
   * A version's models: the ones already built when this instance serves the version (versions are
   * immutable, and circuit breakers and in-flight counts survive a reload), else built now. A version
   * whose models cannot be built here is served without them (logged).
   */
  private modelsOf(version: number, document: RuntimeConfigDocument): ModelOverlay | undefined {
    const specs = modelSpecsOf(document);
    if (specs.length === 0 || !this.deps.buildModels) return undefined;
    for (const served of [this.loaded.active, this.loaded.canary?.config])
      if (served?.version === version && served.models) return served.models;
    try {
      return this.deps.buildModels(specs);
    } catch (error) {
      this.deps.logger.error(
        { err: error, version },
        'could not build the models of a runtime config version; serving it without them',
      );
      return undefined;
    }
  }

  private view(row: ConfigVersionRow, state: ConfigStateRow): ConfigVersionView {
    return {
      version: row.version,
      message: row.message,
      author: { id: row.author_id, email: row.author_email },
      created_at: row.created_at,
      document: row.document as unknown as RuntimeConfigDocument,
      diff: row.diff as DiffEntry[],
      status:
        state.active_version === row.version
          ? 'active'
          : state.canary_version === row.version
            ? 'canary'
            : 'inactive',
    };
  }
}

function stateView(state: ConfigStateRow): ConfigStateView {
  return {
    active_version: state.active_version,
    canary:
      state.canary_version === null || state.canary_percent === null
        ? null
        : { version: state.canary_version, percent: state.canary_percent },
    revision: state.revision,
    updated_by: state.updated_by,
    updated_at: state.updated_at,
  };
}

function runningCanary(state: ConfigStateRow): { version: number; percent: number } {
  if (state.canary_version === null || state.canary_percent === null)
    throw new ConfigCanaryNotRunningError('No config canary is running');
  return { version: state.canary_version, percent: state.canary_percent };
}

const notFound = (version: number) =>
  new ConfigVersionNotFoundError(`No config version ${version}`, { details: { version } });

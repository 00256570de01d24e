export type DependencyName = 'database' | 'cache';

export interface DependencyCheck {
  status: 'ok' | 'error';
  latency_ms: number;
  error?: string;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  /** Names of the dependencies that failed (empty when ready). */
  failing: string[];
  checks: Record<string, DependencyCheck>;
}

export interface ReadinessDeps {
  probes: Record<DependencyName, (timeoutMs: number) => Promise<void>>;
  timeoutMs: number;
  isDraining: () => boolean;
}

/** Asks each dependency, in parallel and with a timeout, whether it answers. */
export class ReadinessService {
  constructor(private readonly deps: ReadinessDeps) {}

  async check(): Promise<Readiness> {
    const entries = await Promise.all(
      Object.entries(this.deps.probes).map(async ([name, probe]): Promise<[string, DependencyCheck]> => {
        const start = performance.now();
        try {
          await probe(this.deps.timeoutMs);
          return [name, { status: 'ok', latency_ms: elapsed(start) }];
        } catch (error) {
          return [name, { status: 'error', latency_ms: elapsed(start), error: describe(error) }];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const failing = entries.filter(([, c]) => c.status === 'error').map(([name]) => name);
    if (this.deps.isDraining()) failing.push('draining');
    return { status: failing.length === 0 ? 'ok' : 'unavailable', failing, checks };
  }
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 100) / 100;

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  // A short, safe description: no connection strings, no stack.
  const message = (e.message ?? String(error)).replace(/\w+:\/\/[^\s]+/g, '[url]').slice(0, 200);
  return e.code ? `${e.code}: ${message}` : message;
}

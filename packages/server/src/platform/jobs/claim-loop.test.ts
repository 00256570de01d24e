import { describe, expect, it } from 'vitest';
import { ClaimLoop } from './claim-loop.js';

/** A queue of numbered jobs, claimed like a database would hand them out. */
function setup(total: number, concurrency: number, hold = true) {
  const queue = Array.from({ length: total }, (_, i) => i);
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  const errors: unknown[] = [];
  let claims = 0;
  let maxRunning = 0;
  let housekeeping = 0;
  const loop: ClaimLoop<number> = new ClaimLoop<number>({
    pollMs: 60_000,
    concurrency,
    idOf: (job) => String(job),
    claim: async (free) => {
      claims++;
      return queue.splice(0, free);
    },
    housekeeping: async () => {
      housekeeping++;
    },
    run: (job, signal) => {
      started.push(job);
      maxRunning = Math.max(maxRunning, loop.active + 1);
      if (job === 99) return Promise.reject(new Error('job blew up'));
      if (!hold) return Promise.resolve();
      return new Promise<void>((resolve) => {
        releases.set(job, resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
    onError: (error) => errors.push(error),
  });
  return {
    loop,
    queue,
    started,
    releases,
    errors,
    stats: () => ({ claims, maxRunning, housekeeping }),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ClaimLoop', () => {
  it('never runs more than its concurrency, and claims again as jobs finish', async () => {
    const t = setup(10, 3);
    t.loop.start();
    await tick();
    expect(t.started).toEqual([0, 1, 2]);
    expect(t.loop.active).toBe(3);
    t.releases.get(1)!();
    await tick();
    expect(t.started).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 20 && t.started.length < 10; i++) {
      for (const [job, release] of t.releases) {
        release();
        t.releases.delete(job);
      }
      await tick();
    }
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(t.stats().maxRunning).toBeLessThanOrEqual(3);
    t.loop.stopClaiming();
  });

  it('claims again at once when a full batch may have left work behind', async () => {
    const t = setup(7, 10, false);
    t.loop.start();
    await tick();
    expect(t.started).toHaveLength(7);
    expect(t.queue).toHaveLength(0);
    t.loop.stopClaiming();
  });

  it('runs housekeeping at most once per poll interval', async () => {
    const t = setup(0, 2);
    t.loop.start();
    for (let i = 0; i < 5; i++) {
      t.loop.wake();
      await tick();
    }
    expect(t.stats().housekeeping).toBe(1);
    t.loop.stopClaiming();
  });

  it('does nothing with concurrency 0', async () => {
    const t = setup(3, 0);
    t.loop.start();
    t.loop.wake();
    await tick();
    expect(t.started).toEqual([]);
    expect(t.stats().claims).toBe(0);
  });

  it('stops claiming, aborts running jobs with the reason, and settles', async () => {
    const t = setup(5, 2);
    t.loop.start();
    await tick();
    t.loop.stopClaiming();
    t.loop.abortAll(new Error('stopping'));
    await t.loop.settled();
    expect(t.loop.active).toBe(0);
    t.loop.wake();
    await tick();
    expect(t.started).toEqual([0, 1]);
  });

  it('reports a job that throws and goes on', async () => {
    const t = setup(0, 2, false);
    t.queue.push(99, 5);
    t.loop.start();
    await tick();
    expect(t.started).toEqual([99, 5]);
    expect(t.errors).toHaveLength(1);
    expect((t.errors[0] as Error).message).toBe('job blew up');
    expect(t.loop.active).toBe(0);
    t.loop.stopClaiming();
  });
});

import { describe, expect, it } from 'vitest';
import { CoalescedRun } from './coalesced-run.js';

describe('CoalescedRun', () => {
  it('runs once more after the run in progress for any number of calls during it, never two at once', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const gates: (() => void)[] = [];
    const reload = new CoalescedRun(async () => {
      active += 1;
      most = Math.max(most, active);
      runs += 1;
      await new Promise<void>((resolve) => gates.push(resolve));
      active -= 1;
    });
    const first = reload.request();
    expect(reload.inProgress).toBe(first);
    const during = [reload.request(), reload.request(), reload.request()];
    expect(runs).toBe(1);
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    // The three calls made during the first run share one more run.
    expect(runs).toBe(2);
    gates.shift()!();
    await Promise.all([first, ...during]);
    expect(runs).toBe(2);
    expect(most).toBe(1);
    expect(reload.inProgress).toBeUndefined();
  });

  it('lets the next call start afresh after a failed run, and hands the failure to its callers', async () => {
    let fail = true;
    let runs = 0;
    const reload = new CoalescedRun(async () => {
      runs += 1;
      if (fail) throw new Error('database away');
    });
    await expect(reload.request()).rejects.toThrow('database away');
    expect(reload.inProgress).toBeUndefined();
    fail = false;
    await reload.request();
    expect(runs).toBe(2);
  });
});

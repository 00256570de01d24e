import { afterEach, describe, expect, it, vi } from 'vitest';
import { evalCommand } from './eval-command.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('nexus eval: bad arguments', () => {
  it.each([
    ['no evaluation named', [], 'unknown evaluation'],
    ['an unknown evaluation', ['generation', '--dataset', 'x'], 'unknown evaluation "generation"'],
    ['no --dataset', ['retrieval'], '--dataset is required'],
    ['an unknown mode', ['retrieval', '--dataset', 'x', '--mode', 'semantic'], 'unknown mode "semantic"'],
    ['a k of 0', ['retrieval', '--dataset', 'x', '--k', '0,5'], '--k must list integers'],
    ['a malformed --min', ['retrieval', '--dataset', 'x', '--min', 'hit5>0.9'], '--min must look like'],
    ['a fractional chunk size', ['retrieval', '--dataset', 'x', '--chunk-tokens', '1.5'], '--chunk-tokens'],
    ['a negative overlap', ['retrieval', '--dataset', 'x', '--overlap-tokens=-4'], '--overlap-tokens'],
    ['an unknown option', ['retrieval', '--dataset', 'x', '--top-k', '5'], "Unknown option '--top-k'"],
    ['an option without its value', ['retrieval', '--dataset'], "'--dataset <value>' argument missing"],
  ])('%s: exit code 2 and a message, before opening anything', async (_name, argv, message) => {
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors.push(String(chunk));
      return true;
    });
    expect(await evalCommand(argv)).toBe(2);
    expect(errors.join('')).toContain(message);
    expect(errors.join('')).toContain('Usage: nexus eval retrieval');
  });
});

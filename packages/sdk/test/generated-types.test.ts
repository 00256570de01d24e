import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generateOpenApiTypes } from '../scripts/generate-types.js';

/**
 * The committed `src/generated/openapi.ts` must be what the server's OpenAPI document generates today:
 * a route or schema change without `npm run sdk:generate` fails here.
 */
describe('generated OpenAPI types', () => {
  it('match a fresh generation from the server (run npm run sdk:generate)', {
    timeout: 180_000,
  }, async () => {
    const fresh = await generateOpenApiTypes();
    const committed = await readFile(GENERATED_FILE, 'utf8');
    if (committed !== fresh) {
      const a = committed.split('\n');
      const b = fresh.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      const at = line < 0 ? Math.min(a.length, b.length) : line;
      expect.fail(
        `packages/sdk/src/generated/openapi.ts is stale: run npm run sdk:generate.\n` +
          `First difference at line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  generated: ${b[at] ?? '(end of file)'}`,
      );
    }
    expect(fresh).toContain('export interface paths');
    expect(fresh).toContain("'/v1/conversations'");
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError, LOCAL_EMBEDDING_MODEL, LOCAL_MODEL, loadCatalog } from './catalog.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-catalog-'));
let n = 0;
function file(content: string, ext = 'yaml'): string {
  const p = path.join(dir, `models-${n++}.${ext}`);
  writeFileSync(p, content);
  return p;
}
const env = (vars: Record<string, string>) => (name: string) => vars[name];

describe('the model catalog', () => {
  it('always has the offline local chat and embedding models', () => {
    const { models, passthrough } = loadCatalog({ readEnv: env({}) });
    expect(models.map((m) => m.name)).toEqual([LOCAL_MODEL, LOCAL_EMBEDDING_MODEL]);
    expect(passthrough).toBeUndefined();
  });

  it('serves any model name through OPENAI_BASE_URL + OPENAI_API_KEY alone', () => {
    const { passthrough } = loadCatalog({
      openaiBaseUrl: 'https://api.example.com/v1',
      openaiApiKey: 'sk-x',
      readEnv: env({ OPENAI_API_KEY: 'sk-x' }),
    });
    expect(passthrough).toMatchObject({
      provider: 'openai-compatible',
      base_url: 'https://api.example.com/v1',
    });
  });

  it('reads YAML and JSON files with defaults filled in, later entries winning by name', () => {
    const yaml = file(`
models:
  - name: gpt-4o-mini
    context_window: 128000
    fallbacks: [local]
    deployments:
      - provider: openai-compatible
        model: gpt-4o-mini
        base_url: https://api.openai.com/v1
        api_key_env: MY_KEY
        price: { input: 0.15, output: 0.6 }
        rpm: 500
  - name: local
    context_window: 4096
    deployments: [{ provider: local, model: local }]
`);
    const { models } = loadCatalog({ modelsFile: yaml, readEnv: env({ MY_KEY: 'k' }) });
    const gpt = models.find((m) => m.name === 'gpt-4o-mini')!;
    expect(gpt).toMatchObject({ kind: 'chat', routing: 'weighted', fallbacks: ['local'] });
    expect(gpt.deployments[0]).toMatchObject({ weight: 1, rpm: 500, price: { input: 0.15, output: 0.6 } });
    expect(models.find((m) => m.name === 'local')?.context_window).toBe(4096);
    const json = file(
      JSON.stringify({ models: [{ name: 'm', deployments: [{ provider: 'local', model: 'local' }] }] }),
      'json',
    );
    expect(loadCatalog({ modelsFile: json, readEnv: env({}) }).models.map((m) => m.name)).toContain('m');
  });

  it.each([
    ['an unreadable file', null, /cannot read/],
    ['not YAML', 'models: [unclosed', /not valid YAML/],
    [
      'an unknown field',
      'models: [{name: m, colour: red, deployments: [{provider: local, model: x}]}]',
      /colour/,
    ],
    ['no deployments', 'models: [{name: m, deployments: []}]', /deployments/],
    ['an unknown provider', 'models: [{name: m, deployments: [{provider: azure, model: x}]}]', /provider/],
    [
      'a key instead of a key reference',
      'models: [{name: m, deployments: [{provider: local, model: x, api_key: sk-1}]}]',
      /api_key/,
    ],
    [
      'a missing base_url',
      'models: [{name: m, deployments: [{provider: openai-compatible, model: x}]}]',
      /needs base_url/,
    ],
    [
      'an unset key variable',
      'models: [{name: m, deployments: [{provider: openai-compatible, model: x, base_url: "http://h/v1", api_key_env: NOPE}]}]',
      /NOPE, which is not set/,
    ],
    [
      'an unknown fallback',
      'models: [{name: m, fallbacks: [ghost], deployments: [{provider: local, model: x}]}]',
      /fallback "ghost"/,
    ],
    [
      'a duplicate deployment id',
      'models: [{name: m, deployments: [{id: a, provider: local, model: x}, {id: a, provider: local, model: y}]}]',
      /used twice/,
    ],
    [
      'a negative price',
      'models: [{name: m, deployments: [{provider: local, model: x, price: {input: -1, output: 0}}]}]',
      /price/,
    ],
  ])('refuses %s with a message naming it', (_label, content, message) => {
    const modelsFile = content === null ? path.join(dir, 'missing.yaml') : file(content);
    expect(() => loadCatalog({ modelsFile, readEnv: env({}) })).toThrow(CatalogError);
    expect(() => loadCatalog({ modelsFile, readEnv: env({}) })).toThrow(message);
  });
});

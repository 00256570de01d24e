import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CatalogError,
  DEFAULT_IMAGE_SIZES,
  imageSizesOf,
  LOCAL_ASR_MODEL,
  LOCAL_EMBEDDING_MODEL,
  LOCAL_IMAGE_MODEL,
  LOCAL_MODEL,
  LOCAL_TTS_MODEL,
  loadCatalog,
} from './catalog.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-catalog-'));
let n = 0;
function file(content: string, ext = 'yaml'): string {
  const p = path.join(dir, `models-${n++}.${ext}`);
  writeFileSync(p, content);
  return p;
}
const env = (vars: Record<string, string>) => (name: string) => vars[name];

describe('the model catalog', () => {
  it('always has the offline local chat, embedding, image, speech and transcription models', () => {
    const { models, passthrough } = loadCatalog({ readEnv: env({}) });
    expect(models.map((m) => [m.name, m.kind, m.deployments[0]?.provider])).toEqual([
      [LOCAL_MODEL, 'chat', 'local'],
      [LOCAL_EMBEDDING_MODEL, 'embedding', 'local'],
      [LOCAL_IMAGE_MODEL, 'image', 'local'],
      [LOCAL_TTS_MODEL, 'speech', 'local'],
      [LOCAL_ASR_MODEL, 'transcription', 'local'],
    ]);
    expect(models.find((m) => m.name === LOCAL_IMAGE_MODEL)?.image_sizes).toEqual(DEFAULT_IMAGE_SIZES);
    expect(passthrough).toBeUndefined();
  });

  it('reads image, speech and transcription models; image sizes default when not given', () => {
    const yaml = file(`
models:
  - name: dall-e-3
    kind: image
    image_sizes: [1024x1024, 1792x1024]
    deployments: [{ provider: openai-compatible, model: dall-e-3, base_url: "https://api.openai.com/v1" }]
  - name: sd
    kind: image
    deployments: [{ provider: openai-compatible, model: sdxl, base_url: "http://sd.internal/v1" }]
  - name: tts-1
    kind: speech
    deployments: [{ provider: openai-compatible, model: tts-1, base_url: "https://api.openai.com/v1" }]
  - name: whisper-1
    kind: transcription
    deployments: [{ provider: openai-compatible, model: whisper-1, base_url: "https://api.openai.com/v1" }]
`);
    const { models } = loadCatalog({ modelsFile: yaml, readEnv: env({}) });
    const byName = new Map(models.map((m) => [m.name, m]));
    expect(imageSizesOf(byName.get('dall-e-3')!)).toEqual(['1024x1024', '1792x1024']);
    expect(imageSizesOf(byName.get('sd')!)).toEqual(['256x256', '512x512', '1024x1024']);
    expect(byName.get('tts-1')?.kind).toBe('speech');
    expect(byName.get('whisper-1')?.kind).toBe('transcription');
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
      'an unknown kind',
      'models: [{name: m, kind: video, deployments: [{provider: local, model: x}]}]',
      /kind/,
    ],
    [
      'image sizes on a chat model',
      'models: [{name: m, image_sizes: [256x256], deployments: [{provider: local, model: x}]}]',
      /image_sizes is for image models/,
    ],
    [
      'an image size that is not WxH',
      'models: [{name: m, kind: image, image_sizes: [large], deployments: [{provider: local, model: x}]}]',
      /WIDTHxHEIGHT/,
    ],
    [
      'an image size over 4096',
      'models: [{name: m, kind: image, image_sizes: [8192x8192], deployments: [{provider: local, model: x}]}]',
      /at most 4096/,
    ],
    [
      'a zero image size',
      'models: [{name: m, kind: image, image_sizes: ["0x256"], deployments: [{provider: local, model: x}]}]',
      /WIDTHxHEIGHT/,
    ],
    [
      'no image sizes at all',
      'models: [{name: m, kind: image, image_sizes: [], deployments: [{provider: local, model: x}]}]',
      /image_sizes/,
    ],
    [
      'an Anthropic deployment of an image model',
      'models: [{name: m, kind: image, deployments: [{provider: anthropic, model: claude}]}]',
      /provider anthropic cannot serve image models/,
    ],
    [
      'an Anthropic deployment of a transcription model',
      'models: [{name: m, kind: transcription, deployments: [{provider: anthropic, model: claude}]}]',
      /provider anthropic cannot serve transcription models/,
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

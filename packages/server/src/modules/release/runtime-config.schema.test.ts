import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../errors.js';
import { DEFAULT_DOCUMENT, DOCUMENT_LIMITS, modelSpecsOf, parseDocument } from './runtime-config.schema.js';

function problems(
  input: unknown,
  modelExists?: (name: string) => boolean,
): { path: string; message: string }[] {
  try {
    parseDocument(input, modelExists ? { modelExists } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details as { path: string; message: string }[];
  }
  throw new Error('the document was accepted');
}

describe('parseDocument', () => {
  it('fills every section with its default', () => {
    expect(parseDocument({})).toEqual({
      flags: {},
      prompts: { default_system: null },
      rag: { top_k: null },
      models: { aliases: {}, entries: {} },
    });
    expect(DEFAULT_DOCUMENT).toEqual(parseDocument({}));
  });

  it('accepts a full document', () => {
    const doc = parseDocument({
      flags: {
        'new-composer': {
          enabled: true,
          description: 'the new composer',
          rules: [
            { type: 'percentage', percent: 12.5 },
            { type: 'ip', cidrs: ['10.0.0.0/8', '2001:db8::/32', '203.0.113.7'] },
            { type: 'tenants', tenant_ids: ['ten_1'] },
            { type: 'users', user_ids: ['usr_1'] },
          ],
        },
      },
      prompts: { default_system: 'You are helpful.' },
      rag: { top_k: 8 },
      models: { aliases: { fast: 'local' } },
    });
    expect(doc.flags['new-composer']?.rules).toHaveLength(4);
    expect(doc.models.aliases.fast).toBe('local');
  });

  it.each([
    ['not an object', 'text', 'document'],
    ['an unknown section', { extra: 1 }, 'document'],
    ['a bad flag key', { flags: { 'Bad Key': { enabled: true } } }, 'document.flags.Bad Key'],
    ['a flag without enabled', { flags: { beta: { rules: [] } } }, 'document.flags.beta.enabled'],
    [
      'an unknown rule type',
      { flags: { beta: { enabled: true, rules: [{ type: 'country' }] } } },
      'document.flags.beta.rules.0.type',
    ],
    [
      'percent over 100',
      { flags: { beta: { enabled: true, rules: [{ type: 'percentage', percent: 101 }] } } },
      'document.flags.beta.rules.0.percent',
    ],
    [
      'negative percent',
      { flags: { beta: { enabled: true, rules: [{ type: 'percentage', percent: -1 }] } } },
      'document.flags.beta.rules.0.percent',
    ],
    [
      'a bad CIDR',
      { flags: { beta: { enabled: true, rules: [{ type: 'ip', cidrs: ['10.0.0.0/33'] }] } } },
      'document.flags.beta.rules.0.cidrs.0',
    ],
    [
      'an empty tenant list',
      { flags: { beta: { enabled: true, rules: [{ type: 'tenants', tenant_ids: [] }] } } },
      'document.flags.beta.rules.0.tenant_ids',
    ],
    ['top_k of 0', { rag: { top_k: 0 } }, 'document.rag.top_k'],
    ['top_k not an integer', { rag: { top_k: 2.5 } }, 'document.rag.top_k'],
    ['a non-string prompt', { prompts: { default_system: 7 } }, 'document.prompts.default_system'],
    ['an alias to itself', { models: { aliases: { fast: 'fast' } } }, 'document.models.aliases.fast'],
    ['an alias to an alias', { models: { aliases: { a: 'b', b: 'local' } } }, 'document.models.aliases.a'],
    ['a bad model name', { models: { aliases: { fast: 'has space' } } }, 'document.models.aliases.fast'],
  ])('refuses %s, naming the path', (_name, input, path) => {
    expect(problems(input).map((p) => p.path)).toContain(path);
  });

  it('checks alias targets against the catalog when asked', () => {
    const known = new Set(['local']);
    expect(problems({ models: { aliases: { fast: 'nope' } } }, (n) => known.has(n))).toEqual([
      {
        location: 'body',
        path: 'document.models.aliases.fast',
        message: '"nope" is not a model in the catalog or in models.entries',
      },
    ]);
    expect(
      parseDocument({ models: { aliases: { fast: 'local' } } }, { modelExists: (n) => known.has(n) }).models
        .aliases,
    ).toEqual({ fast: 'local' });
  });
});

describe('models.entries', () => {
  const entry = { deployments: [{ provider: 'local', model: 'local' }] };

  it('fills an entry with the catalog defaults; an alias may point at an entry the catalog lacks', () => {
    const doc = parseDocument(
      { models: { entries: { mine: entry }, aliases: { fast: 'mine' } } },
      { modelExists: () => false },
    );
    expect(doc.models.entries.mine).toMatchObject({
      kind: 'chat',
      context_window: 8192,
      routing: 'weighted',
      fallbacks: [],
      deployments: [{ provider: 'local', model: 'local', weight: 1 }],
    });
    expect(modelSpecsOf(doc)).toEqual([expect.objectContaining({ name: 'mine', kind: 'chat' })]);
    expect(doc.models.aliases).toEqual({ fast: 'mine' });
  });

  it("prefixes the catalog check's paths with the entry's and passes the version's entry names", () => {
    const check = vi.fn(() => [{ path: 'deployments', message: 'no adapter' }]);
    const found = (() => {
      try {
        parseDocument({ models: { entries: { a: entry, b: entry } } }, { checkModelEntry: check });
      } catch (error) {
        return (error as ValidationError).details as { path: string }[];
      }
      throw new Error('the document was accepted');
    })();
    expect(found.map((p) => p.path)).toEqual([
      'document.models.entries.a.deployments',
      'document.models.entries.b.deployments',
    ]);
    expect(check).toHaveBeenCalledWith(expect.objectContaining({ name: 'a' }), new Set(['a', 'b']));
  });

  it('refuses more than the limit of entries', () => {
    const entries = Object.fromEntries(
      Array.from({ length: DOCUMENT_LIMITS.modelEntries + 1 }, (_, i) => [`m${i}`, entry]),
    );
    expect(problems({ models: { entries } }).map((p) => p.path)).toContain('document.models.entries');
  });
});

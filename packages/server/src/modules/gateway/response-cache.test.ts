import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { MemoryCache } from '../../platform/cache/memory-cache.js';
import type { ChatMessage } from '../../providers/llm/language-model.js';
import { lexicalEmbedding } from '../../providers/llm/lexical-embedder.js';
import {
  type CachedCompletion,
  type CacheRequest,
  cacheKeys,
  canonicalJson,
  type Embedder,
  ResponseCache,
} from './response-cache.js';

const logger = createLogger({ level: 'silent' });
const signal = new AbortController().signal;
/** The built-in lexical embedder, wide enough that the few words of these questions never collide. */
const lexical: Embedder = async (text) => lexicalEmbedding(text, 4096);

const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const base: CacheRequest = {
  tenantId: 'ten_a',
  model: 'local',
  messages: [{ role: 'system', content: 'Be brief.' }, user('What is the capital of France?')],
  params: { temperature: 0, max_tokens: 50 },
  mode: 'semantic',
  ttlSeconds: 60,
};
const answer = (text: string): CachedCompletion => ({
  text,
  finishReason: 'stop',
  usage: { inputTokens: 12, outputTokens: 3 },
});

function newCache(
  options: { threshold?: number; maxEntries?: number; embed?: Embedder; store?: MemoryCache } = {},
) {
  const store = options.store ?? new MemoryCache();
  const cache = new ResponseCache({
    cache: store,
    embed: options.embed ?? lexical,
    logger,
    settings: { threshold: options.threshold ?? 0.95, maxEntries: options.maxEntries ?? 200 },
  });
  return { store, cache };
}

/** Looks `request` up; on a miss stores `text` as its answer. Returns what the lookup found. */
async function ask(cache: ResponseCache, request: CacheRequest, text = 'Paris.') {
  const found = await cache.lookup(request, signal);
  if (found.hit) return { hit: found.hit, text: found.completion.text };
  await found.store(answer(text));
  return { hit: false as const, text };
}

describe('cacheKeys', () => {
  const key = (changes: Partial<CacheRequest>) => cacheKeys({ ...base, ...changes });

  it.each([
    ['another tenant', { tenantId: 'ten_b' }],
    ['another model', { model: 'gpt-4o' }],
    ['another temperature', { params: { temperature: 0.7, max_tokens: 50 } }],
    ['another max_tokens', { params: { temperature: 0, max_tokens: 51 } }],
    ['a parameter more (tools)', { params: { ...base.params, tools: [{ type: 'function' }] } }],
    ['a vendor extension', { params: { ...base.params, enable_thinking: true } }],
    ['another question', { messages: [base.messages[0]!, user('What is the capital of Spain?')] }],
    ['another system message', { messages: [{ role: 'system', content: 'Be long.' }, base.messages[1]!] }],
  ] as [string, Partial<CacheRequest>][])('never shares the exact entry with %s', (_label, changes) => {
    const a = key({});
    const b = key(changes);
    expect(`${b.prefix}${b.hash}`).not.toBe(`${a.prefix}${a.hash}`);
  });

  it.each([
    ['parameters in another order', { params: { max_tokens: 50, temperature: 0 } }],
    ['another `user`', { params: { ...base.params, user: 'someone-else' } }],
    ['`stream` and `stream_options`', { params: { ...base.params, stream: true, stream_options: {} } }],
  ] as [string, Partial<CacheRequest>][])('shares the exact entry across %s', (_label, changes) => {
    expect(key(changes)).toEqual(key({}));
  });

  it('starts every key with the tenant', () => {
    const keys = key({});
    expect(keys.prefix).toBe('gw:cache:ten_a:');
    expect(keys.index?.startsWith('gw:cache:ten_a:s:')).toBe(true);
  });

  it('puts questions asked in the same context in one semantic scope, and other contexts in others', () => {
    const scope = (changes: Partial<CacheRequest>) => key(changes).index;
    expect(scope({ messages: [base.messages[0]!, user('Capital of France?')] })).toBe(scope({}));
    expect(scope({ messages: [{ role: 'system', content: 'Be long.' }, base.messages[1]!] })).not.toBe(
      scope({}),
    );
    expect(scope({ tenantId: 'ten_b' })).not.toBe(scope({}));
    expect(scope({ params: { temperature: 1 } })).not.toBe(scope({}));
  });

  it.each([
    ['the last message is not the user’s', [user('hi'), { role: 'assistant', content: 'Hello!' }]],
    ['the question has an image', [user([{ type: 'image_url', image_url: { url: 'https://x/y.png' } }])]],
    ['the question is blank', [user('   ')]],
  ] as [string, ChatMessage[]][])('has no semantic scope when %s', (_label, messages) => {
    expect(key({ messages }).index).toBeUndefined();
  });

  it('sorts keys at every level of canonical JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('ResponseCache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('misses, stores, then replays the same request exactly', async () => {
    const { cache } = newCache();
    const exact = { ...base, mode: 'exact' as const };
    expect(await ask(cache, exact, 'Paris.')).toEqual({ hit: false, text: 'Paris.' });
    expect(await ask(cache, exact, 'something else')).toEqual({ hit: 'exact', text: 'Paris.' });
    expect(cache.stats()).toEqual({ exact_hits: 1, semantic_hits: 0, misses: 1 });
    expect(await cache.tenantStats('ten_a')).toEqual({ exact_hits: 1, semantic_hits: 0, misses: 1 });
  });

  it('never answers one tenant from another’s entries, exactly or semantically', async () => {
    const { cache } = newCache();
    await ask(cache, base, 'A’s answer');
    expect(await ask(cache, { ...base, tenantId: 'ten_b' }, 'B’s answer')).toEqual({
      hit: false,
      text: 'B’s answer',
    });
    const paraphrase = { ...base, messages: [base.messages[0]!, user('what is the capital of france')] };
    expect(await ask(cache, { ...paraphrase, tenantId: 'ten_c' }, 'C’s answer')).toMatchObject({
      hit: false,
    });
    expect(await ask(cache, paraphrase)).toEqual({ hit: 'semantic', text: 'A’s answer' });
    expect(await cache.tenantStats('ten_a')).toEqual({ exact_hits: 0, semantic_hits: 1, misses: 1 });
    expect(await cache.tenantStats('ten_b')).toEqual({ exact_hits: 0, semantic_hits: 0, misses: 1 });
  });

  // Lexical vectors: cosine = shared words / sqrt(words of one × words of the other).
  it.each([
    ['the same words, other case and order', 'the CAPITAL of France is what', 0.95, 'semantic'],
    ['5 of 6 words (cosine 0.83) at 0.95', 'What is the capital of Spain?', 0.95, false],
    ['5 of 6 words (cosine 0.83) at 0.8', 'What is the capital of Spain?', 0.8, 'semantic'],
    ['another question (cosine 0.18) at 0.5', 'How tall is Mount Everest?', 0.5, false],
    ['another question (cosine 0.18) at 0.1', 'How tall is Mount Everest?', 0.1, 'semantic'],
  ] as const)('semantic lookup: %s', async (_label, question, threshold, expected) => {
    const { cache } = newCache({ threshold });
    await ask(cache, base, 'Paris.');
    const found = await ask(cache, { ...base, messages: [base.messages[0]!, user(question)] }, 'other');
    expect(found.hit).toBe(expected);
  });

  it('answers a semantic hit with the closest stored question', async () => {
    // Stored through a strict cache (the two questions do not match each other at 0.95)...
    const { cache: strict, store } = newCache();
    await ask(strict, { ...base, messages: [base.messages[0]!, user('capital of France')] }, 'France');
    await ask(strict, { ...base, messages: [base.messages[0]!, user('capital of Spain')] }, 'Spain');
    // ...then asked through a loose one, where both match (cosine 0.33 and 0.67): the closer one wins.
    const { cache: loose } = newCache({ threshold: 0.3, store });
    const found = await ask(loose, { ...base, messages: [base.messages[0]!, user('Spain capital city')] });
    expect(found).toEqual({ hit: 'semantic', text: 'Spain' });
  });

  it('does not look semantically when the mode is exact', async () => {
    const { cache } = newCache();
    await ask(cache, base, 'Paris.');
    const paraphrase = {
      ...base,
      mode: 'exact' as const,
      messages: [base.messages[0]!, user('capital of France, what is the')],
    };
    expect((await ask(cache, paraphrase)).hit).toBe(false);
  });

  it('keeps the latest maxEntries questions of a scope', async () => {
    const { cache, store } = newCache({ maxEntries: 3 });
    const topics = ['France', 'Spain', 'Italy', 'Peru', 'Chile'];
    const asked = (topic: string, words: string) => ({
      ...base,
      messages: [base.messages[0]!, user(words.replace('X', topic))],
    });
    for (const topic of topics) await ask(cache, asked(topic, 'What is the capital of X?'), topic);
    const index = cacheKeys(asked('France', 'What is the capital of X?')).index!;
    expect(JSON.parse((await store.get(index))!)).toHaveLength(3);
    // Paraphrases (other exact keys): the two oldest questions are forgotten, the newest remembered.
    expect((await ask(cache, asked('France', 'X capital is what of the'))).hit).toBe(false);
    expect((await ask(cache, asked('Spain', 'X capital is what of the'))).hit).toBe(false);
    expect(await ask(cache, asked('Chile', 'X capital is what of the'))).toEqual({
      hit: 'semantic',
      text: 'Chile',
    });
  });

  it('forgets answers after their TTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { cache } = newCache();
    await ask(cache, { ...base, ttlSeconds: 60 }, 'Paris.');
    vi.setSystemTime(Date.now() + 59_000);
    expect((await ask(cache, base)).hit).toBe('exact');
    vi.setSystemTime(Date.now() + 2_000);
    const paraphrase = { ...base, messages: [base.messages[0]!, user('what is the capital of france')] };
    expect((await ask(cache, paraphrase)).hit).toBe(false);
    // The paraphrase was stored just now; the exact entry of the first question has expired.
    expect((await ask(cache, { ...base, mode: 'exact' }, 'new')).hit).toBe(false);
  });

  it('treats a failing embedding model as a miss and still caches exactly', async () => {
    const { cache } = newCache({
      embed: async () => {
        throw new Error('embedding upstream down');
      },
    });
    expect((await ask(cache, base, 'Paris.')).hit).toBe(false);
    expect(await ask(cache, base)).toEqual({ hit: 'exact', text: 'Paris.' });
  });
});

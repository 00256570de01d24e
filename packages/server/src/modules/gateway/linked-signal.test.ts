import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../platform/cache/memory-cache.js';
import type { CallOptions, LanguageModel, StreamPart } from '../../providers/llm/language-model.js';
import { modelSpecSchema } from './catalog.js';
import { CircuitBreaker, Deadline, linkedSignal, type RoutedModel, Router } from './router.js';

describe('linkedSignal', () => {
  it('follows the source, with its reason, until released', () => {
    const source = new AbortController();
    const link = linkedSignal(source.signal);
    const reason = new Error('client gone');
    source.abort(reason);
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe(reason);

    const later = new AbortController();
    const released = linkedSignal(later.signal);
    released.release();
    later.abort();
    expect(released.signal.aborted).toBe(false);
  });

  it('starts aborted when the source already is', () => {
    const source = new AbortController();
    source.abort('gone');
    expect(linkedSignal(source.signal).signal.reason).toBe('gone');
  });
});

describe('Deadline', () => {
  it('fires with a TimeoutError when the time is up', async () => {
    const deadline = new Deadline(new AbortController().signal, 20);
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve));
    expect((deadline.signal.reason as Error).name).toBe('TimeoutError');
    deadline.dispose();
  });

  it('follows the caller with its reason, and starts aborted when the caller is', () => {
    const caller = new AbortController();
    const deadline = new Deadline(caller.signal, 60_000);
    caller.abort('gone');
    expect(deadline.signal.reason).toBe('gone');
    deadline.dispose();
    const already = new Deadline(caller.signal, 60_000);
    expect(already.signal.aborted).toBe(true);
    already.dispose();
  });

  it('neither fires nor follows once disposed', async () => {
    const caller = new AbortController();
    const deadline = new Deadline(caller.signal, 10);
    deadline.dispose();
    caller.abort('gone');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(deadline.signal.aborted).toBe(false);
  });
});

/**
 * Provider SDKs keep the abort listener they add to their signal; the router must hand them a plain
 * signal of their own that follows the call while the stream runs and is let go when it ends.
 */
describe('the signal a provider gets from Router.streamChat', () => {
  function routerWith(model: LanguageModel): { router: Router; plan: RoutedModel[] } {
    const spec = modelSpecSchema.parse({
      name: 'm',
      deployments: [
        { id: 'd', provider: 'openai-compatible', model: 'm', base_url: 'http://127.0.0.1:1/v1' },
      ],
    });
    const routed: RoutedModel = {
      spec,
      deployments: [
        { id: 'd', spec: spec.deployments[0]!, model, inFlight: 0, breaker: new CircuitBreaker(5, 1000) },
      ],
    };
    const router = new Router({
      cache: new MemoryCache(),
      settings: {
        maxRetries: 0,
        maxRetryWaitMs: 0,
        retryBaseMs: 1,
        firstTokenTimeoutMs: 10_000,
        totalTimeoutMs: 60_000,
      },
      resolve: () => routed,
    });
    return { router, plan: [routed] };
  }

  function recordingModel(seen: AbortSignal[]): LanguageModel {
    return {
      provider: 'openai-compatible',
      async *stream(_request, options: CallOptions): AsyncIterable<StreamPart> {
        seen.push(options.signal);
        yield { type: 'text', text: 'a' };
        yield { type: 'text', text: 'b' };
        yield { type: 'finish', reason: 'stop' };
      },
      embed: async () => ({ vectors: [], inputTokens: 0 }),
    };
  }

  const run = (router: Router, plan: RoutedModel[], signal: AbortSignal) =>
    router.streamChat(plan, () => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], params: {} }), {
      signal,
      estimateTokens: () => 1,
      report: { model: 'm', deployment: undefined, attempts: 0, firstPartAt: undefined },
    });

  it('is aborted when the caller aborts mid-stream', async () => {
    const seen: AbortSignal[] = [];
    const { router, plan } = routerWith(recordingModel(seen));
    const caller = new AbortController();
    for await (const part of run(router, plan, caller.signal)) {
      if (part.type === 'text') {
        caller.abort(new Error('client gone'));
        break;
      }
    }
    expect(seen[0]!.aborted).toBe(true);
    expect(seen[0]).not.toBe(caller.signal);
  });

  it('is let go once the stream has ended', async () => {
    const seen: AbortSignal[] = [];
    const { router, plan } = routerWith(recordingModel(seen));
    const caller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of run(router, plan, caller.signal)) parts.push(part);
    expect(parts.map((p) => p.type)).toEqual(['text', 'text', 'finish']);
    caller.abort();
    expect(seen[0]!.aborted).toBe(false);
  });
});

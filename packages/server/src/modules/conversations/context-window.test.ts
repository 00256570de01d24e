import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens } from '../../providers/llm/token-count.js';
import { ContextLengthExceededError } from '../gateway/gateway.service.js';
import { defaultOutputReserve, fitContext, type HistoryMessage } from './context-window.js';

/** A message of `tokens` content tokens ("word" repeated with spaces: one token per word). */
const words = (n: number) => Array.from({ length: n }, () => 'word').join(' ');
const msg = (id: string, role: HistoryMessage['role'], tokens: number): HistoryMessage => ({
  id,
  role,
  content: words(tokens),
});

describe('fitContext', () => {
  it('counts a word as one token, so the tables below are exact', () => {
    expect(countTokens(words(10))).toBe(10);
  });

  // Each message costs 3 + its tokens; the prompt 3 more. Window 1000, reserve 100, margin 0: budget 900.
  const history = [
    msg('u1', 'user', 100),
    msg('a1', 'assistant', 200),
    msg('u2', 'user', 100),
    msg('a2', 'assistant', 200),
    msg('u3', 'user', 50),
  ];
  it.each([
    { budget: 2000, kept: ['u1', 'a1', 'u2', 'a2', 'u3'], dropped: 0 },
    // 3 + (103 + 203) + (103 + 203) + 53 = 668: everything fits exactly.
    { budget: 668, kept: ['u1', 'a1', 'u2', 'a2', 'u3'], dropped: 0 },
    // One token less and the oldest turn goes, as a whole.
    { budget: 667, kept: ['u2', 'a2', 'u3'], dropped: 2 },
    { budget: 362, kept: ['u2', 'a2', 'u3'], dropped: 2 },
    { budget: 361, kept: ['u3'], dropped: 4 },
    { budget: 56, kept: ['u3'], dropped: 4 },
  ])('a budget of $budget keeps $kept', ({ budget, kept, dropped }) => {
    const fitted = fitContext({
      systemPrompt: null,
      history,
      contextWindow: budget + 100,
      maxOutputTokens: 100,
      marginTokens: 0,
    });
    expect(fitted.choice.included_message_ids).toEqual(kept);
    expect(fitted.choice.dropped_count).toBe(dropped);
    expect(fitted.choice.included_count).toBe(kept.length);
    expect(fitted.choice.budget).toBe(budget);
    expect(fitted.choice.prompt_tokens).toBe(countChatTokens(fitted.messages));
    expect(fitted.choice.prompt_tokens).toBeLessThanOrEqual(budget);
    expect(fitted.messages.map((m) => m.role)).toEqual(
      kept.map((id) => history.find((h) => h.id === id)!.role),
    );
  });

  it('always sends the system prompt first and counts it against the budget', () => {
    const fitted = fitContext({
      systemPrompt: words(300),
      history,
      contextWindow: 1000,
      maxOutputTokens: 100,
      marginTokens: 0,
    });
    expect(fitted.messages[0]).toEqual({ role: 'system', content: words(300) });
    // 3 + 303 for the system prompt, then 53 and 306: 665; the oldest turn's 306 more would be 971 > 900.
    expect(fitted.choice.included_message_ids).toEqual(['u2', 'a2', 'u3']);
    expect(fitted.choice.system_prompt).toBe(true);
    expect(fitted.choice.prompt_tokens).toBe(3 + 303 + 306 + 53);
  });

  it.each([
    { label: 'no system prompt', systemPrompt: null },
    { label: 'an empty system prompt', systemPrompt: '   ' },
  ])('sends no system message for $label', ({ systemPrompt }) => {
    const fitted = fitContext({ systemPrompt, history, contextWindow: 10_000, marginTokens: 0 });
    expect(fitted.messages.every((m) => m.role !== 'system')).toBe(true);
    expect(fitted.choice.system_prompt).toBe(false);
  });

  it.each([
    { window: 100_000, max: undefined, margin: 256, reserve: 1024, budget: 100_000 - 1024 - 256 },
    { window: 2_000, max: undefined, margin: 0, reserve: 500, budget: 1_500 },
    { window: 8_192, max: 4_000, margin: 100, reserve: 4_000, budget: 4_092 },
  ])(
    'window $window, max tokens $max, margin $margin: reserve $reserve, budget $budget',
    ({ window, max, margin, reserve, budget }) => {
      const fitted = fitContext({
        systemPrompt: null,
        history: [msg('u', 'user', 5)],
        contextWindow: window,
        ...(max === undefined ? {} : { maxOutputTokens: max }),
        marginTokens: margin,
      });
      expect(fitted.choice.output_reserve).toBe(reserve);
      expect(fitted.choice.budget).toBe(budget);
      expect(fitted.choice.context_window).toBe(window);
    },
  );

  it('reserves 1024 tokens for the reply by default, at most a quarter of the window', () => {
    expect(defaultOutputReserve(128_000)).toBe(1024);
    expect(defaultOutputReserve(2_000)).toBe(500);
  });

  it.each([
    { label: 'the new message alone', system: null, newest: 1_000 },
    { label: 'the system prompt plus the new message', system: words(600), newest: 400 },
  ])('refuses $label over the budget with context_length_exceeded and the limit', ({ system, newest }) => {
    let caught: unknown;
    try {
      fitContext({
        systemPrompt: system,
        history: [msg('old', 'user', 10), msg('new', 'user', newest)],
        contextWindow: 1_000,
        maxOutputTokens: 100,
        marginTokens: 50,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ContextLengthExceededError);
    const error = caught as ContextLengthExceededError;
    expect(error.code).toBe('context_length_exceeded');
    expect(error.status).toBe(400);
    expect(error.details).toMatchObject({ limit: 1_000, budget: 850, output_reserve: 100 });
    expect((error.details as { requested: number }).requested).toBeGreaterThan(850);
  });

  it('keeps replies with their question: a turn is a user message and what follows it', () => {
    const branch = [
      msg('note', 'assistant', 5), // an imported conversation may start with a reply
      msg('u1', 'user', 5),
      msg('a1', 'assistant', 5),
      msg('a1b', 'tool', 5),
      msg('u2', 'user', 5),
    ];
    const all = fitContext({ systemPrompt: null, history: branch, contextWindow: 10_000, marginTokens: 0 });
    expect(all.choice.included_message_ids).toEqual(['note', 'u1', 'a1', 'a1b', 'u2']);
    // Room for u2 (8) and u1's turn (24) plus the prompt's 3, not the leading note: 35.
    const some = fitContext({
      systemPrompt: null,
      history: branch,
      contextWindow: 35,
      maxOutputTokens: 0,
      marginTokens: 0,
    });
    expect(some.choice.included_message_ids).toEqual(['u1', 'a1', 'a1b', 'u2']);
    const fewer = fitContext({
      systemPrompt: null,
      history: branch,
      contextWindow: 34,
      maxOutputTokens: 0,
      marginTokens: 0,
    });
    expect(fewer.choice.included_message_ids).toEqual(['u2']);
  });
});

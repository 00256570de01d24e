import { describe, expect, it } from 'vitest';
import { DocumentParseError, NotFoundError, ProviderUnavailableError } from '../../errors.js';
import { classify, embeddingText, IngestionFailure } from './ingestion-worker.js';

describe('ingestion failures', () => {
  it.each([
    [new IngestionFailure('url_blocked', 'private address'), { code: 'url_blocked', retryable: false }],
    [new IngestionFailure('url_timeout', 'slow', true), { code: 'url_timeout', retryable: true }],
    [
      new DocumentParseError('document_corrupt', 'broken PDF'),
      { code: 'document_corrupt', retryable: false },
    ],
    [new ProviderUnavailableError('upstream down'), { code: 'provider_unavailable', retryable: true }],
    [new NotFoundError('gone'), { code: 'not_found', retryable: false }],
    [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      { code: 'database_unavailable', retryable: true },
    ],
    [new TypeError('x is undefined'), { code: 'internal_error', retryable: false }],
  ])('%s → %j', (error, expected) => {
    expect(classify(error)).toMatchObject(expected);
  });

  it('never shows an unexpected error’s message', () => {
    expect(classify(new Error('secret internals')).message).toBe('Ingestion failed unexpectedly');
  });
});

describe('embeddingText', () => {
  it('puts the title and heading path in front of the chunk', () => {
    expect(embeddingText('Handbook', { headings: ['Leave', 'Holidays'], text: '25 days.' })).toBe(
      'Handbook › Leave › Holidays\n25 days.',
    );
    expect(embeddingText('', { headings: [], text: 'Just text.' })).toBe('Just text.');
    expect(embeddingText('  ', { headings: [' '], text: 'Blank context.' })).toBe('Blank context.');
  });
});

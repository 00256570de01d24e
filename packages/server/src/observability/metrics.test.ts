import { describe, expect, it } from 'vitest';
import { Metrics, operationOf, resourceLimits } from './metrics.js';

const sample = (text: string, line: string) => text.split('\n').find((l) => l.startsWith(line));

describe('operationOf', () => {
  it.each([
    ['select 1', 'select'],
    ['  SELECT * from users', 'select'],
    ['insert into llm_calls values ($1)', 'insert'],
    ['update tasks set status = $1', 'update'],
    ['delete from sessions where id = $1', 'delete'],
    ['with picked as (select id from tasks) update tasks set x = 1', 'update'],
    ['with recursive t as (select 1) select * from t', 'select'],
    ['(select 1) union (select 2)', 'select'],
    ['begin', 'other'],
    ['create index foo on bar (baz)', 'other'],
    ['', 'other'],
  ])('%j → %s', (sql, operation) => {
    expect(operationOf(sql)).toBe(operation);
  });
});

describe('Metrics', () => {
  it('keeps free-form label values bounded: odd ones and those past the limit are "other"', async () => {
    const metrics = new Metrics({ enabled: true, processMetrics: false });
    for (let i = 0; i < 150; i++) metrics.onQuotaRejected(`scope_${i}`);
    metrics.onQuotaRejected('has spaces');
    metrics.onQuotaRejected('x'.repeat(101));
    const text = await metrics.render();
    const scopes = text.split('\n').filter((l) => l.startsWith('nexus_quota_rejections_total{'));
    expect(scopes).toHaveLength(101);
    expect(sample(text, 'nexus_quota_rejections_total{scope="other"}')).toBe(
      'nexus_quota_rejections_total{scope="other"} 52',
    );
  });

  it('does nothing when disabled', async () => {
    const metrics = new Metrics({ enabled: false });
    metrics.observeHttp('GET', '/healthz', 200, 0.001);
    metrics.onRateLimited('ip');
    metrics.observeDbQuery('select 1', 0.001, true);
    metrics.observeLlmCall({
      endpoint: 'chat',
      model: 'm',
      provider: 'p',
      input_tokens: 1,
      output_tokens: 1,
      latency_ms: 5,
      ttft_ms: 1,
      status: 'success',
    });
    metrics.streamOpened('sse');
    const text = await metrics.render();
    expect(text).not.toMatch(/route="\/healthz"|scope="ip"|model="m"|operation="select"/);
    expect(text).not.toContain('process_cpu_seconds_total');
    expect(sample(text, 'nexus_open_streams{kind="sse"}')).toBe('nexus_open_streams{kind="sse"} 0');
  });

  it('closes a stream once however often its close function is called', async () => {
    const metrics = new Metrics({ enabled: true, processMetrics: false });
    const a = metrics.streamOpened('websocket');
    metrics.streamOpened('websocket');
    a();
    a();
    expect(sample(await metrics.render(), 'nexus_open_streams{kind="websocket"}')).toBe(
      'nexus_open_streams{kind="websocket"} 1',
    );
  });

  it('leaves cached calls out of provider metrics, and labels calls without a provider "none"', async () => {
    const metrics = new Metrics({ enabled: true, processMetrics: false });
    const call = {
      endpoint: 'chat',
      model: 'gpt',
      input_tokens: 10,
      output_tokens: 3,
      latency_ms: 1500,
      status: 'success',
    };
    metrics.observeLlmCall({ ...call, provider: 'openai-compatible', cached: true });
    metrics.observeLlmCall({ ...call, provider: null, status: 'error', ttft_ms: null });
    const text = await metrics.render();
    expect(text).not.toContain('provider="openai-compatible"');
    expect(
      sample(
        text,
        'nexus_llm_request_duration_seconds_count{model="gpt",provider="none",endpoint="chat",status="error"}',
      ),
    ).toMatch(/ 1$/);
    expect(sample(text, 'nexus_llm_tokens_total{model="gpt",provider="none",type="input"}')).toMatch(/ 10$/);
    expect(text).not.toContain('nexus_llm_time_to_first_token_seconds_count{');
  });

  it('mirrors the response cache counts and survives a failing queue-depth query', async () => {
    const metrics = new Metrics({ enabled: true, processMetrics: false });
    metrics.setCacheCountsSource(() => ({ exact_hits: 3, semantic_hits: 1, misses: 4 }));
    metrics.setQueueDepthSource(async () => {
      throw new Error('database away');
    });
    const text = await metrics.render();
    expect(sample(text, 'nexus_response_cache_lookups_total{mode="exact",result="hit"}')).toMatch(/ 3$/);
    expect(sample(text, 'nexus_response_cache_lookups_total{mode="any",result="miss"}')).toMatch(/ 4$/);
    expect(text).toContain('# TYPE nexus_job_queue_depth gauge');
  });

  it('reports positive resource limits', () => {
    const limits = resourceLimits();
    expect(limits.cpuCores).toBeGreaterThan(0);
    expect(limits.memoryBytes).toBeGreaterThan(0);
  });
});

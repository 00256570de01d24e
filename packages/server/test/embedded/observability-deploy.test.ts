import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createTestApp, type TestApp } from '../support/app.js';
import { registerUser } from '../support/identity.js';
import { exportedNames, parseExposition } from '../support/prometheus.js';

/**
 * deploy/grafana/nexus-dashboard.json and deploy/prometheus/alerts.yaml against a running app: every
 * metric they name is one `/metrics` exports, and the rollback triggers exist with their thresholds.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const dashboard = JSON.parse(readFileSync(path.join(repo, 'deploy/grafana/nexus-dashboard.json'), 'utf8'));
const rules = parseYaml(readFileSync(path.join(repo, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
  groups: {
    name: string;
    rules: { alert: string; expr: string; for?: string; labels?: Record<string, string> }[];
  }[];
};

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: label matchers, strings, ranges, grouping clauses,
 * variables and function names removed, what is left are metric names.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = stripped.slice(match.index! + match[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

function dashboardExpressions(): string[] {
  const exprs: string[] = [];
  const visit = (panels: { targets?: { expr?: string }[]; panels?: unknown[] }[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) exprs.push(target.expr);
      if (panel.panels) visit(panel.panels as typeof panels);
    }
  };
  visit(dashboard.panels);
  return exprs;
}

describe('metricNamesIn', () => {
  it.each([
    [
      'rate(process_cpu_seconds_total[5m]) / on (instance, job) nexus_cpu_limit_cores > 0.9',
      ['process_cpu_seconds_total', 'nexus_cpu_limit_cores'],
    ],
    ['histogram_quantile(0.95, sum by (le) (rate(x_bucket{route!="/metrics"}[5m]))) > 5', ['x_bucket']],
    ['sum(rate(a_total{job=~"$job"}[$__rate_interval])) / sum(rate(b_total[1m]))', ['a_total', 'b_total']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });
});

describe('dashboard and alert rules against /metrics', () => {
  let t: TestApp;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await createTestApp({ env: { LOCAL_MODEL_WORDS_PER_S: '0' } });
    const s = await registerUser(t.app);
    const chat = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: s.auth,
      payload: { model: 'local', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(chat.statusCode).toBe(200);
    exported = exportedNames(parseExposition((await t.app.inject({ method: 'GET', url: '/metrics' })).body));
  });
  afterAll(() => t.close());

  it('the dashboard is a Grafana dashboard whose every query names exported metrics', () => {
    expect(dashboard).toMatchObject({
      uid: expect.any(String),
      title: 'Nexus',
      schemaVersion: expect.any(Number),
    });
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const used = new Set(exprs.flatMap(metricNamesIn));
    for (const template of dashboard.templating.list as { query?: { query?: string } }[]) {
      const metric = /label_values\((\w+)/.exec(template.query?.query ?? '')?.[1];
      if (metric) used.add(metric);
    }
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    // What the dashboard is for: each of these is charted.
    for (const name of [
      'nexus_http_request_duration_seconds_count',
      'nexus_http_request_duration_seconds_bucket',
      'nexus_llm_time_to_first_token_seconds_bucket',
      'nexus_llm_tokens_total',
      'nexus_response_cache_lookups_total',
      'nexus_db_query_duration_seconds_bucket',
      'nexus_job_queue_depth',
      'nexus_open_streams',
      'nexus_quota_rejections_total',
      'nexus_rate_limit_rejections_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ])
      expect(used, name).toContain(name);
  });

  it('every alert rule names exported metrics only', () => {
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const rule of all) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        rule.alert,
      ).toEqual([]);
    }
  });

  it.each([
    ['NexusHighErrorRate', /status_code=~"5\.\."/, 0.01],
    ['NexusHighLatency', /histogram_quantile\(0\.95,.*nexus_http_request_duration_seconds_bucket/, 5],
    ['NexusHighCpu', /process_cpu_seconds_total.*\/.*nexus_cpu_limit_cores/, 0.9],
    ['NexusHighMemory', /process_resident_memory_bytes.*\/.*nexus_memory_limit_bytes/, 0.9],
  ])('rollback trigger %s: for 5m, threshold %s', (alert, shape, threshold) => {
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
    expect(rule, alert).toBeDefined();
    expect(rule!.for).toBe('5m');
    expect(rule!.labels?.rollback).toBe('true');
    const expr = rule!.expr.replace(/\s+/g, ' ').trim();
    expect(expr).toMatch(shape);
    const compared = /> (\d+(?:\.\d+)?)$/.exec(expr);
    expect(compared, expr).not.toBeNull();
    expect(Number(compared![1])).toBe(threshold);
  });
});

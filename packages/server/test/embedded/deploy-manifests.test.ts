import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ConfigError, configSchema, loadConfig } from '../../src/config.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { HelmRenderError, renderChart, renderString } from '../support/helm-render.js';

/**
 * deploy/ checked without helm, kubeconform or docker: the chart is rendered by a small Go-template subset
 * renderer, every document is parsed with a YAML parser, and the invariants that tie the manifests to the
 * application (routes, port, config schema, shutdown timing, non-root) are asserted. Each invariant is a
 * checker that returns problems; a table of broken variants proves every checker can fail.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const chartDir = path.join(repo, 'deploy/helm/nexus');
const dockerfileText = readFileSync(path.join(repo, 'deploy/Dockerfile'), 'utf8');
const composeText = readFileSync(path.join(repo, 'deploy/compose.yaml'), 'utf8');

/** Names a container may carry that are not Nexus settings. Listed explicitly, nothing else is allowed. */
const SYSTEM_ENV = new Set(['NODE_ENV', 'NODE_OPTIONS', 'PATH', 'TZ', 'HOME']);
const CONFIG_NAMES = new Set(Object.keys(configSchema.shape));

/** The values a real install must pass (`--set secrets.DATABASE_URL=…`). */
const REQUIRED_SECRETS = {
  secrets: {
    DATABASE_URL: 'postgres://nexus:pw@db.internal:5432/nexus',
    REDIS_URL: 'redis://:pw@redis.internal:6379/0',
    OPENAI_API_KEY: 'sk-test',
    S3_SECRET_ACCESS_KEY: 'minio-secret',
  },
};

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes objects are checked field by field below.
  spec?: any;
  data?: Record<string, string>;
};

function render(values: Record<string, unknown> = {}, releaseName?: string): Manifest[] {
  const merged = { ...values, secrets: { ...REQUIRED_SECRETS.secrets, ...(values.secrets as object) } };
  const docs: Manifest[] = [];
  for (const t of renderChart(chartDir, { values: merged, ...(releaseName ? { releaseName } : {}) })) {
    for (const doc of parseAllDocuments(t.text)) {
      if (doc.errors.length > 0) throw new Error(`${t.template}: ${doc.errors[0]!.message}`);
      const value = doc.toJS();
      if (value !== null && value !== undefined) docs.push(value as Manifest);
    }
  }
  return docs;
}

const one = (docs: Manifest[], kind: string, nameSuffix = ''): Manifest => {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind}*${nameSuffix}, found ${found.length}`);
  return found[0]!;
};

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );

// ---------------------------------------------------------------- invariants (each returns problems)

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Job: 'batch/v1',
};

function structureProblems(docs: Manifest[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    if (API_VERSIONS[d.kind] === undefined) problems.push(`unexpected kind ${d.kind}`);
    else if (d.apiVersion !== API_VERSIONS[d.kind]) problems.push(`${d.kind} apiVersion ${d.apiVersion}`);
    if (
      !d.metadata?.name ||
      !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(d.metadata.name) ||
      d.metadata.name.length > 63
    )
      problems.push(`${d.kind} has a bad metadata.name ${d.metadata?.name}`);
    const key = `${d.kind}/${d.metadata?.name}`;
    if (seen.has(key)) problems.push(`duplicate ${key}`);
    seen.add(key);
  }
  return problems;
}

function podSpecProblems(docs: Manifest[]): string[] {
  const problems: string[] = [];
  const deployment = one(docs, 'Deployment');
  const pod = deployment.spec.template;
  if (!matches(deployment.spec.selector.matchLabels, pod.metadata.labels))
    problems.push('Deployment selector does not match its pod labels');
  for (const kind of ['Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
    const d = docs.find((x) => x.kind === kind);
    if (!d) continue;
    const selector =
      kind === 'Service' ? d.spec.selector : (d.spec.selector ?? d.spec.podSelector).matchLabels;
    if (!matches(selector, pod.metadata.labels)) problems.push(`${kind} does not select the Nexus pods`);
  }
  const hpa = docs.find((x) => x.kind === 'HorizontalPodAutoscaler');
  if (hpa) {
    const ref = hpa.spec.scaleTargetRef;
    if (ref.kind !== 'Deployment' || ref.name !== deployment.metadata.name || ref.apiVersion !== 'apps/v1')
      problems.push('HPA does not target the Deployment');
    if (!hpa.spec.metrics.some((m: { resource?: { name: string } }) => m.resource?.name === 'cpu'))
      problems.push('HPA does not scale on CPU');
    if (hpa.spec.minReplicas > hpa.spec.maxReplicas) problems.push('HPA minReplicas > maxReplicas');
    if (deployment.spec.replicas !== undefined)
      problems.push('Deployment sets replicas although an HPA owns them');
  }
  const securityContexts = [deployment, ...docs.filter((d) => d.kind === 'Job')].map((d) => ({
    name: `${d.kind}/${d.metadata.name}`,
    pod: d.spec.template.spec.securityContext ?? {},
    containers: d.spec.template.spec.containers as { securityContext?: Record<string, unknown> }[],
  }));
  for (const s of securityContexts) {
    if (s.pod.runAsNonRoot !== true || !(s.pod.runAsUser > 0)) problems.push(`${s.name} may run as root`);
    for (const c of s.containers) {
      if (c.securityContext?.readOnlyRootFilesystem !== true)
        problems.push(`${s.name} has a writable root filesystem`);
      if (c.securityContext?.allowPrivilegeEscalation !== false)
        problems.push(`${s.name} allows privilege escalation`);
    }
  }
  const container = pod.spec.containers[0];
  const mounts = new Set((container.volumeMounts ?? []).map((m: { mountPath: string }) => m.mountPath));
  for (const dir of ['/tmp', '/data'])
    if (!mounts.has(dir)) problems.push(`nothing writable mounted at ${dir}`);
  return problems;
}

/** The port the container listens on, resolved from a number or a port name. */
function resolvePort(container: { ports: { name?: string; containerPort: number }[] }, port: unknown) {
  return typeof port === 'number' ? port : container.ports.find((p) => p.name === port)?.containerPort;
}

function portProblems(docs: Manifest[]): string[] {
  const problems: string[] = [];
  const deployment = one(docs, 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const configMap = one(docs, 'ConfigMap');
  const containerPort = container.ports[0].containerPort;
  if (String(containerPort) !== configMap.data?.PORT)
    problems.push(`containerPort ${containerPort} != PORT ${configMap.data?.PORT}`);
  const service = one(docs, 'Service');
  for (const p of service.spec.ports)
    if (resolvePort(container, p.targetPort) !== containerPort)
      problems.push(`Service targetPort ${p.targetPort}`);
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
    if (resolvePort(container, container[probe]?.httpGet?.port) !== containerPort)
      problems.push(`${probe} port ${container[probe]?.httpGet?.port}`);
  const policy = docs.find((d) => d.kind === 'NetworkPolicy');
  if (
    policy &&
    !policy.spec.ingress.some((r: { ports: { port: unknown }[] }) =>
      r.ports.some((p) => resolvePort(container, p.port) === containerPort),
    )
  )
    problems.push('NetworkPolicy does not open the HTTP port');
  return problems;
}

/** Every environment variable name the chart gives Nexus, with the values that would reach loadConfig. */
function chartEnvironment(docs: Manifest[]): { names: string[]; env: Record<string, string> } {
  const configMap = one(docs, 'ConfigMap');
  const secrets = docs.filter((d) => d.kind === 'Secret');
  const containers = [one(docs, 'Deployment'), ...docs.filter((d) => d.kind === 'Job')].flatMap(
    (d) => d.spec.template.spec.containers as { env?: { name: string; value?: string }[] }[],
  );
  const explicit = containers.flatMap((c) => c.env ?? []);
  const env = { ...configMap.data, ...Object.assign({}, ...secrets.map((s) => decode(s.data))) };
  for (const e of explicit) if (e.value !== undefined) env[e.name] = e.value;
  return { names: [...Object.keys(env), ...explicit.map((e) => e.name)], env };
}

function envProblems(names: string[], env: Record<string, string>): string[] {
  const problems = names
    .filter((n) => !CONFIG_NAMES.has(n) && !SYSTEM_ENV.has(n))
    .map((n) => `${n} is not in the config schema`);
  const known = Object.fromEntries(Object.entries(env).filter(([k]) => CONFIG_NAMES.has(k)));
  try {
    loadConfig(known);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => `${p.variable}: ${p.message}`));
  }
  return problems;
}

/** The parsed config, or the defaults when the values are bad (envProblems reports those). */
function configOf(env: Record<string, string> = {}) {
  try {
    return loadConfig(Object.fromEntries(Object.entries(env).filter(([k]) => CONFIG_NAMES.has(k))));
  } catch (error) {
    if (error instanceof ConfigError) return loadConfig({});
    throw error;
  }
}

function shutdownProblems(docs: Manifest[]): string[] {
  const deployment = one(docs, 'Deployment');
  const spec = deployment.spec.template.spec;
  const shutdownMs = configOf(one(docs, 'ConfigMap').data).SHUTDOWN_TIMEOUT_MS;
  const preStop: string[] = spec.containers[0].lifecycle?.preStop?.exec?.command ?? [];
  const preStopMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
  const problems: string[] = [];
  if (!(spec.terminationGracePeriodSeconds * 1000 > shutdownMs + preStopMs))
    problems.push(
      `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} s <= SHUTDOWN_TIMEOUT_MS ${shutdownMs} ms + preStop ${preStopMs} ms`,
    );
  if (preStopMs === 0) problems.push('no preStop sleep');
  return problems;
}

function migrationProblems(docs: Manifest[]): string[] {
  const problems: string[] = [];
  const jobs = docs.filter((d) => d.kind === 'Job');
  const migrateOnStart = configOf(one(docs, 'ConfigMap').data).NEXUS_MIGRATE_ON_START;
  if (jobs.length > 0 && migrateOnStart)
    problems.push('a migration Job runs, yet the pods also migrate on start');
  if (jobs.length === 0 && !migrateOnStart) problems.push('nothing migrates the database');
  const cli = readFileSync(path.join(repo, 'packages/server/src/cli.ts'), 'utf8');
  for (const job of jobs) {
    const hooks = (job.metadata.annotations?.['helm.sh/hook'] ?? '').split(',');
    if (!hooks.includes('pre-install') || !hooks.includes('pre-upgrade'))
      problems.push('Job is not a pre-install/pre-upgrade hook');
    const command: string[] = job.spec.template.spec.containers[0].command;
    if (command.join(' ') !== 'node packages/server/dist/cli.js migrate up')
      problems.push(`Job runs ${command.join(' ')}`);
    if (!/^ {2}migrate up\b/m.test(cli)) problems.push('the CLI has no `migrate up`');
    const ref = job.spec.template.spec.containers[0].env?.find(
      (e: { name: string }) => e.name === 'DATABASE_URL',
    )?.valueFrom?.secretKeyRef;
    const hookSecret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === ref?.name);
    // The Job runs before the release's own objects exist: its Secret must be a hook too (or external).
    if (hookSecret && !(hookSecret.metadata.annotations?.['helm.sh/hook'] ?? '').includes('pre-install'))
      problems.push(`Job reads Secret ${ref?.name}, which does not exist yet at pre-install`);
    if (hookSecret && decode(hookSecret.data)[ref.key] === undefined)
      problems.push(`Secret lacks ${ref.key}`);
  }
  return problems;
}

/** Each probe must name a real route, and be served by the entry point the image runs. */
async function probeProblems(docs: Manifest[], app: TestApp['app']): Promise<string[]> {
  const container = one(docs, 'Deployment').spec.template.spec.containers[0];
  const problems: string[] = [];
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const url = container[probe]?.httpGet?.path;
    if (typeof url !== 'string') {
      problems.push(`${probe} has no httpGet path`);
      continue;
    }
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) problems.push(`${probe} ${url} answers ${res.statusCode}`);
  }
  if (probes(container).liveness === probes(container).readiness)
    problems.push('liveness and readiness use the same endpoint (a dependency outage would restart pods)');
  return problems;
}
const probes = (c: Record<string, { httpGet?: { path?: string } }>) => ({
  liveness: c.livenessProbe?.httpGet?.path,
  readiness: c.readinessProbe?.httpGet?.path,
});

// ---------------------------------------------------------------- Dockerfile and compose

interface Dockerfile {
  froms: string[];
  users: string[];
  env: Record<string, string>;
  expose: number[];
  cmd: string[];
  healthcheck: string;
  stopSignal: string;
}

function parseDockerfile(text: string): Dockerfile {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const result: Dockerfile = {
    froms: [],
    users: [],
    env: {},
    expose: [],
    cmd: [],
    healthcheck: '',
    stopSignal: '',
  };
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction!.toUpperCase()) {
      case 'FROM':
        result.froms.push(args);
        break;
      case 'USER':
        result.users.push(args);
        break;
      case 'ENV': {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)[= ](.*)$/.exec(args);
        if (!m) throw new Error(`unsupported ENV: ${line}`);
        result.env[m[1]!] = m[2]!;
        break;
      }
      case 'EXPOSE':
        result.expose.push(...rest.map((p) => Number.parseInt(p, 10)));
        break;
      case 'CMD':
        result.cmd = JSON.parse(args);
        break;
      case 'HEALTHCHECK':
        result.healthcheck = args;
        break;
      case 'STOPSIGNAL':
        result.stopSignal = args;
        break;
    }
  }
  return result;
}

function dockerfileProblems(d: Dockerfile): string[] {
  const problems: string[] = [];
  if (d.froms.length < 2) problems.push('not a multi-stage build');
  const user = d.users.at(-1)?.split(':')[0];
  if (user === undefined || user === 'root' || user === '0')
    problems.push(`final USER is ${user ?? 'unset (root)'}`);
  problems.push(...envProblems(Object.keys(d.env), d.env));
  const port = configOf(d.env).PORT;
  if (!d.expose.includes(port)) problems.push(`EXPOSE ${d.expose.join(',')} does not include PORT ${port}`);
  if (d.cmd.join(' ') !== 'node packages/server/dist/main.js') problems.push(`CMD is ${d.cmd.join(' ')}`);
  if (!d.healthcheck.includes('/healthz')) problems.push('HEALTHCHECK does not probe /healthz');
  if (d.stopSignal !== 'SIGTERM') problems.push(`STOPSIGNAL ${d.stopSignal}`);
  return problems;
}

// biome-ignore lint/suspicious/noExplicitAny: compose files are checked field by field.
type Compose = { services: Record<string, any> };

function composeProblems(c: Compose): string[] {
  const problems: string[] = [];
  const s = c.services;
  if (!String(s.postgres?.image ?? '').startsWith('pgvector/pgvector:'))
    problems.push('postgres is not a pgvector image');
  if (!String(s.redis?.image ?? '').startsWith('redis:')) problems.push('no redis service');
  if (!String(s.minio?.image ?? '').startsWith('minio/minio')) problems.push('no minio service');
  const nexus = s.nexus;
  if (!nexus) return [...problems, 'no nexus service'];
  if (nexus.build?.dockerfile !== 'deploy/Dockerfile')
    problems.push('nexus is not built from deploy/Dockerfile');
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(nexus.environment ?? {}).map(([k, v]) => [k, String(v)]),
  );
  problems.push(...envProblems(Object.keys(env), env));
  const hostOf = (name: string) => (env[name] ? new URL(env[name]).hostname : undefined);
  for (const [variable, service] of [
    ['DATABASE_URL', 'postgres'],
    ['REDIS_URL', 'redis'],
    ['S3_ENDPOINT', 'minio'],
  ] as const) {
    if (hostOf(variable) !== service) problems.push(`${variable} does not point at the ${service} service`);
    const dependency = service === 'minio' ? 'minio-init' : service;
    if (nexus.depends_on?.[dependency]?.condition === undefined)
      problems.push(`nexus does not wait for ${dependency}`);
  }
  const init = JSON.stringify(s['minio-init']?.entrypoint ?? '');
  if (!env.S3_BUCKET || !init.includes(`mc mb --ignore-existing local/${env.S3_BUCKET}`))
    problems.push(`minio-init does not create bucket ${env.S3_BUCKET}`);
  const db = new URL(env.DATABASE_URL ?? 'postgres://x');
  if (decodeURIComponent(db.password) !== String(s.postgres?.environment?.POSTGRES_PASSWORD))
    problems.push('DATABASE_URL password differs from POSTGRES_PASSWORD');
  if (env.S3_SECRET_ACCESS_KEY !== String(s.minio?.environment?.MINIO_ROOT_PASSWORD))
    problems.push('S3_SECRET_ACCESS_KEY differs from MINIO_ROOT_PASSWORD');
  const config = configOf(env);
  const grace = /^(\d+)s$/.exec(String(nexus.stop_grace_period ?? ''));
  if (!grace || Number(grace[1]) * 1000 <= config.SHUTDOWN_TIMEOUT_MS)
    problems.push(`stop_grace_period ${nexus.stop_grace_period} is not above SHUTDOWN_TIMEOUT_MS`);
  if (!(nexus.ports ?? []).some((p: string) => p.endsWith(`:${config.PORT}`)))
    problems.push(`port ${config.PORT} is not published`);
  if (!JSON.stringify(nexus.healthcheck?.test ?? '').includes(`:${config.PORT}/readyz`))
    problems.push('nexus healthcheck does not probe /readyz on PORT');
  for (const [name, service] of Object.entries(s))
    if (name !== 'minio-init' && !service.healthcheck) problems.push(`${name} has no healthcheck`);
  return problems;
}

// ---------------------------------------------------------------- tests

describe('helm-render (the Go-template subset the chart uses)', () => {
  const root = {
    Values: {
      a: { b: 'x' },
      n: 8080,
      on: true,
      off: false,
      empty: '',
      map: { z: 1, a: 2 },
      list: ['p', 'q'],
    },
    Release: { Name: 'rel' },
  };
  it.each([
    ['{{ .Values.a.b }}', 'x'],
    ['{{ .Values.n | quote }}', '"8080"'],
    ['{{ .Values.a.b | b64enc }}', 'eA=='],
    ['a {{- " b " -}} c', 'a b c'],
    ['{{ if .Values.on }}yes{{ else }}no{{ end }}', 'yes'],
    ['{{ if .Values.off }}yes{{ else }}no{{ end }}', 'no'],
    ['{{ if .Values.empty }}yes{{ end }}', ''],
    ['{{ if not .Values.missing }}absent{{ end }}', 'absent'],
    ['{{ range $k, $v := .Values.map }}{{ $k }}={{ $v }};{{ end }}', 'a=2;z=1;'],
    ['{{ range $v := .Values.list }}{{ $v }}{{ end }}', 'pq'],
    ['{{ range .Values.list }}[{{ . }}]{{ end }}', '[p][q]'],
    ['{{ with .Values.a }}{{ .b }}{{ end }}', 'x'],
    ['{{ toYaml .Values.map | nindent 2 }}', '\n  z: 1\n  a: 2'],
    ['{{ include "t" . }}', 'rel-x'],
    ['{{ printf "%s-%d" .Release.Name .Values.n }}', 'rel-8080'],
    ['{{ .Values.missing | default "d" }}', 'd'],
    ['{{ if and .Values.on (ne .Release.Name "other") }}ok{{ end }}', 'ok'],
    ['{{/* a comment */}}x', 'x'],
    ['{{ "abcdef-" | trunc 7 | trimSuffix "-" }}', 'abcdef'],
  ])('%s → %j', (template, expected) => {
    expect(
      renderString(template, root, '{{- define "t" -}}{{ .Release.Name }}-{{ .Values.a.b }}{{- end -}}'),
    ).toBe(expected);
  });

  it.each([
    ['{{ .Values.a | lower }}', /unsupported function lower/],
    ['{{ .Values.a }}', /cannot print a map/],
    ['{{ if .Values.on }}x', /missing \{\{ end \}\}/],
    ['{{ end }}', /unexpected/],
    ['{{ include "nope" . }}', /no template named nope/],
    ['{{ required "value x is required" .Values.missing }}', /value x is required/],
    ['{{ $undefined }}', /undefined variable/],
    ['{{ .Values.a.b.c }}', /cannot read \.c/],
    ['{{ .Values.a.b', /unclosed action/],
  ])('%s throws HelmRenderError %s', (template, message) => {
    expect(() => renderString(template, root)).toThrow(HelmRenderError);
    expect(() => renderString(template, root)).toThrow(message);
  });
});

describe('deploy/helm/nexus', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const variants: [string, Record<string, unknown>, string[]][] = [
    [
      'defaults',
      {},
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Secret',
        'Secret',
        'Service',
      ],
    ],
    [
      'HPA, PDB and NetworkPolicy off',
      {
        autoscaling: { enabled: false },
        podDisruptionBudget: { enabled: false },
        networkPolicy: { enabled: false },
      },
      ['ConfigMap', 'Deployment', 'Job', 'Secret', 'Secret', 'Service'],
    ],
    [
      'migrate on start instead of a Job',
      { migration: { enabled: false } },
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Secret',
        'Service',
      ],
    ],
    [
      'an existing Secret',
      { existingSecret: 'my-nexus-env', secrets: { DATABASE_URL: '', REDIS_URL: '' } },
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
      ],
    ],
    [
      'network peers listed',
      { networkPolicy: { ingressFrom: [{ namespaceSelector: { matchLabels: { team: 'edge' } } }] } },
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Secret',
        'Secret',
        'Service',
      ],
    ],
  ];

  it.each(variants)(
    '%s: renders the expected objects and every invariant holds',
    async (_name, values, kinds) => {
      const docs = render(values);
      expect(docs.map((d) => d.kind).sort()).toEqual(kinds);
      expect(structureProblems(docs)).toEqual([]);
      expect(podSpecProblems(docs)).toEqual([]);
      expect(portProblems(docs)).toEqual([]);
      const { names, env } = chartEnvironment(docs);
      expect(names.length).toBeGreaterThan(5);
      expect(envProblems(names, env)).toEqual([]);
      expect(shutdownProblems(docs)).toEqual([]);
      expect(migrationProblems(docs)).toEqual([]);
      expect(await probeProblems(docs, t.app)).toEqual([]);
    },
  );

  it('the Deployment reads the right Secret and the probes hit /healthz and /readyz', () => {
    const own = one(render(), 'Deployment').spec.template.spec.containers[0];
    expect(own.envFrom.map((e: Record<string, { name: string }>) => Object.values(e)[0]!.name)).toEqual([
      'nexus',
      'nexus',
    ]);
    expect(probes(own)).toEqual({ liveness: '/healthz', readiness: '/readyz' });
    const external = render({ existingSecret: 'my-nexus-env' });
    expect(one(external, 'Deployment').spec.template.spec.containers[0].envFrom[1].secretRef.name).toBe(
      'my-nexus-env',
    );
    expect(one(external, 'Job').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe(
      'my-nexus-env',
    );
  });

  it('passes pod annotations, node selectors, tolerations and network peers through as YAML', () => {
    const peers = [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ];
    const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'ai', effect: 'NoSchedule' }];
    const docs = render({
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      nodeSelector: { pool: 'cpu' },
      tolerations,
      networkPolicy: { ingressFrom: peers },
    });
    const pod = one(docs, 'Deployment').spec.template;
    expect(pod.metadata.annotations['prometheus.io/scrape']).toBe('true');
    expect(pod.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.spec.nodeSelector).toEqual({ pool: 'cpu' });
    expect(pod.spec.tolerations).toEqual(tolerations);
    expect(one(docs, 'NetworkPolicy').spec.ingress[0].from).toEqual(peers);
    // A changed setting changes the checksum, which rolls the pods.
    const changed = one(render({ config: { LOG_LEVEL: 'debug' } }), 'Deployment').spec.template.metadata
      .annotations;
    expect(changed['checksum/config']).not.toBe(pod.metadata.annotations['checksum/config']);
  });

  it('names objects after the release, and secret values round-trip through base64', () => {
    const docs = render({}, 'prod');
    expect(
      new Set(docs.filter((d) => d.kind !== 'Job' && d.kind !== 'Secret').map((d) => d.metadata.name)),
    ).toEqual(new Set(['prod-nexus']));
    expect(one(docs, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe('prod-nexus');
    const secret = decode(docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'prod-nexus')!.data);
    expect(secret).toEqual(REQUIRED_SECRETS.secrets);
  });

  it.each([
    [{ secrets: { DATABASE_URL: '' } }, /secrets\.DATABASE_URL is required/],
    [{ secrets: { REDIS_URL: '' } }, /secrets\.REDIS_URL is required/],
  ])('refuses to render without required secrets: %j', (values, message) => {
    expect(() => render(values)).toThrow(message);
  });

  // Each row breaks one thing; the matching checker must report it. This is what keeps the checks honest.
  const breakages: [string, (docs: Manifest[]) => Promise<string[]> | string[], RegExp][] = [
    [
      'an unknown setting in config',
      () => {
        const e = chartEnvironment(render({ config: { NEXUS_BOGUS: 'x' } }));
        return envProblems(e.names, e.env);
      },
      /NEXUS_BOGUS is not in the config schema/,
    ],
    [
      'a bad setting value',
      () => {
        const e = chartEnvironment(render({ config: { LOG_LEVEL: 'loud' } }));
        return envProblems(e.names, e.env);
      },
      /LOG_LEVEL/,
    ],
    [
      'a secret that is not a setting',
      () => {
        const e = chartEnvironment(render({ secrets: { AWS_TOKEN: 'x' } }));
        return envProblems(e.names, e.env);
      },
      /AWS_TOKEN is not in the config schema/,
    ],
    [
      'a grace period shorter than the drain',
      () => shutdownProblems(render({ terminationGracePeriodSeconds: 20 })),
      /terminationGracePeriodSeconds 20/,
    ],
    [
      'a longer drain than the grace period',
      () => shutdownProblems(render({ config: { SHUTDOWN_TIMEOUT_MS: '60000' } })),
      /SHUTDOWN_TIMEOUT_MS 60000/,
    ],
    [
      'an HPA aimed elsewhere',
      (docs) => {
        one(docs, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'other';
        return podSpecProblems(docs);
      },
      /HPA does not target the Deployment/,
    ],
    [
      'a PDB selecting other pods',
      (docs) => {
        one(docs, 'PodDisruptionBudget').spec.selector.matchLabels = { app: 'x' };
        return podSpecProblems(docs);
      },
      /PodDisruptionBudget does not select/,
    ],
    [
      'a Service selecting other pods',
      (docs) => {
        one(docs, 'Service').spec.selector = { app: 'x' };
        return podSpecProblems(docs);
      },
      /Service does not select/,
    ],
    [
      'root pods',
      (docs) => {
        one(docs, 'Deployment').spec.template.spec.securityContext.runAsNonRoot = false;
        return podSpecProblems(docs);
      },
      /may run as root/,
    ],
    [
      'a writable root filesystem',
      (docs) => {
        one(docs, 'Job').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
        return podSpecProblems(docs);
      },
      /writable root filesystem/,
    ],
    [
      'a probe on a route that does not exist',
      async (docs) => {
        one(docs, 'Deployment').spec.template.spec.containers[0].livenessProbe.httpGet.path = '/health';
        return probeProblems(docs, t.app);
      },
      /livenessProbe \/health answers 404/,
    ],
    [
      'liveness on /readyz',
      async (docs) => {
        one(docs, 'Deployment').spec.template.spec.containers[0].livenessProbe.httpGet.path = '/readyz';
        return probeProblems(docs, t.app);
      },
      /same endpoint/,
    ],
    [
      'a container port that differs from PORT',
      () =>
        portProblems(
          render({ containerPort: 9000, config: {} }).map((d) =>
            d.kind === 'ConfigMap' ? { ...d, data: { ...d.data, PORT: '8080' } } : d,
          ),
        ),
      /containerPort 9000 != PORT 8080/,
    ],
    [
      'a Service aimed at another port',
      (docs) => {
        one(docs, 'Service').spec.ports[0].targetPort = 9090;
        return portProblems(docs);
      },
      /Service targetPort 9090/,
    ],
    [
      'a probe on an unnamed port',
      (docs) => {
        one(docs, 'Deployment').spec.template.spec.containers[0].readinessProbe.httpGet.port = 'web';
        return portProblems(docs);
      },
      /readinessProbe port web/,
    ],
    [
      'migrations both ways',
      (docs) =>
        migrationProblems(
          docs.map((d) =>
            d.kind === 'ConfigMap' ? { ...d, data: { ...d.data, NEXUS_MIGRATE_ON_START: 'true' } } : d,
          ),
        ),
      /also migrate on start/,
    ],
    [
      'a Job running another command',
      (docs) => {
        one(docs, 'Job').spec.template.spec.containers[0].command = [
          'node',
          'packages/server/dist/cli.js',
          'migrate',
          'latest',
        ];
        return migrationProblems(docs);
      },
      /Job runs .*migrate latest/,
    ],
    [
      'a Job reading the release Secret at pre-install',
      (docs) => {
        one(docs, 'Job').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name = 'nexus';
        return migrationProblems(docs);
      },
      /does not exist yet at pre-install/,
    ],
    [
      'a wrong apiVersion',
      (docs) => {
        one(docs, 'HorizontalPodAutoscaler').apiVersion = 'autoscaling/v1';
        return structureProblems(docs);
      },
      /HorizontalPodAutoscaler apiVersion autoscaling\/v1/,
    ],
    [
      'a bad object name',
      (docs) => {
        one(docs, 'Service').metadata.name = 'Nexus_Svc';
        return structureProblems(docs);
      },
      /bad metadata.name Nexus_Svc/,
    ],
  ];

  it.each(breakages)('detects %s', async (_name, check, problem) => {
    const problems = await check(render());
    expect(problems.join('\n')).toMatch(problem);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = parseDockerfile(dockerfileText);

  it('is multi-stage, non-root, and in step with the config schema and the chart', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
    expect(dockerfile.froms.map((f) => f.split(' ')[0])).toEqual([
      'node:20-bookworm-slim',
      'node:20-bookworm-slim',
    ]);
    expect(dockerfile.users.at(-1)).toBe('10001:10001');
    // The chart's pods run as the image's user.
    expect(one(render(), 'Deployment').spec.template.spec.securityContext.runAsUser).toBe(10001);
    expect(dockerfile.env.NEXUS_DATA_DIR).toBe('/data');
    expect(existsSync(path.join(repo, 'packages/server/src/main.ts'))).toBe(true);
  });

  it('copies every node_modules folder the lockfile installs into the runtime stage', () => {
    const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    const folders = new Set<string>();
    for (const key of Object.keys(lock.packages)) {
      const m = /^(.*?)node_modules\//.exec(key);
      if (m && !m[1]!.includes('node_modules')) folders.add(`${m[1]}node_modules`);
    }
    expect(folders).toContain('node_modules');
    expect(folders.size).toBeGreaterThan(1);
    const runtime = dockerfileText.slice(dockerfileText.lastIndexOf('\nFROM '));
    for (const folder of folders)
      expect(runtime).toContain(`COPY --from=build --chown=root:root /app/${folder} `);
  });

  it.each([
    [
      'a single stage',
      (t: string) => t.replace(/^FROM node:20-bookworm-slim AS runtime$/m, ''),
      /not a multi-stage build/,
    ],
    ['no USER', (t: string) => t.replace(/^USER .*$/m, ''), /final USER is unset/],
    ['USER root', (t: string) => t.replace(/^USER .*$/m, 'USER root'), /final USER is root/],
    [
      'an unknown ENV',
      (t: string) => t.replace('ENV PORT=8080', 'ENV PORT=8080\nENV NEXUS_PORT=1'),
      /NEXUS_PORT is not in the config schema/,
    ],
    [
      'EXPOSE on another port',
      (t: string) => t.replace('EXPOSE 8080', 'EXPOSE 3000'),
      /does not include PORT 8080/,
    ],
    [
      'another entry point',
      (t: string) => t.replace('dist/main.js"]', 'dist/cli.js"]'),
      /CMD is node packages\/server\/dist\/cli.js/,
    ],
    [
      'a HEALTHCHECK elsewhere',
      (t: string) => t.replace("/healthz'", "/health'"),
      /HEALTHCHECK does not probe/,
    ],
  ])('detects %s', (_name, mutate, problem) => {
    const mutated = mutate(dockerfileText);
    expect(mutated).not.toBe(dockerfileText);
    expect(dockerfileProblems(parseDockerfile(mutated)).join('\n')).toMatch(problem);
  });

  it('.dockerignore keeps node_modules, dist and local data out of the build context', () => {
    const ignore = readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', 'data', '.env', '.git'])
      expect(ignore).toContain(entry);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(composeText) as Compose;

  it('runs Nexus with PostgreSQL (pgvector), Redis and MinIO, wired and health-checked', () => {
    expect(composeProblems(compose)).toEqual([]);
    expect(Object.keys(compose.services).sort()).toEqual([
      'minio',
      'minio-init',
      'nexus',
      'postgres',
      'redis',
    ]);
    expect(compose.services.nexus.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'minio-init': { condition: 'service_completed_successfully' },
    });
  });

  const clone = (): Compose => structuredClone(compose);
  it.each([
    [
      'postgres without pgvector',
      (c: Compose) => {
        c.services.postgres.image = 'postgres:16';
      },
      /not a pgvector image/,
    ],
    [
      'no redis',
      (c: Compose) => {
        delete c.services.redis;
      },
      /no redis service/,
    ],
    [
      'an unknown variable',
      (c: Compose) => {
        c.services.nexus.environment.NEXUS_BUCKET = 'x';
      },
      /NEXUS_BUCKET is not in the config schema/,
    ],
    [
      'a bad value',
      (c: Compose) => {
        c.services.nexus.environment.REDIS_URL = 'http://redis:6379';
      },
      /REDIS_URL: must be a URL starting with redis/,
    ],
    [
      'DATABASE_URL on localhost',
      (c: Compose) => {
        c.services.nexus.environment.DATABASE_URL = 'postgres://nexus:change-me-postgres@localhost/nexus';
      },
      /DATABASE_URL does not point at the postgres service/,
    ],
    [
      'a missing depends_on',
      (c: Compose) => {
        delete c.services.nexus.depends_on.redis;
      },
      /does not wait for redis/,
    ],
    [
      'a bucket nobody creates',
      (c: Compose) => {
        c.services.nexus.environment.S3_BUCKET = 'other';
      },
      /does not create bucket other/,
    ],
    [
      'mismatched passwords',
      (c: Compose) => {
        c.services.postgres.environment.POSTGRES_PASSWORD = 'x';
      },
      /POSTGRES_PASSWORD/,
    ],
    [
      'a short stop grace period',
      (c: Compose) => {
        c.services.nexus.stop_grace_period = '10s';
      },
      /stop_grace_period 10s/,
    ],
    [
      'a missing healthcheck',
      (c: Compose) => {
        delete c.services.minio.healthcheck;
      },
      /minio has no healthcheck/,
    ],
  ])('detects %s', (_name, mutate, problem) => {
    const c = clone();
    mutate(c);
    expect(composeProblems(c).join('\n')).toMatch(problem);
  });
});

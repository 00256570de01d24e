import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/**
 * A small renderer for the subset of Helm's Go templates that deploy/helm/nexus uses, so tests can check
 * the chart's rendered manifests where `helm` is not installed. It is not Helm: it supports
 *
 * - `{{ pipeline }}` with `{{-` / `-}}` whitespace trimming and `{{/* comments *\/}}`;
 * - operands `.Values.a.b`, `.Release.Name`, `.Chart.Version`, `.`, `$`, `$var`, `$var.field`, "strings",
 *   numbers, `true`/`false`, `(sub pipelines)`;
 * - `if` / `else` / `end`, `range $k, $v := …` (maps in sorted key order, like Go) / `range $v := …`,
 *   `with`, `define` and `include`;
 * - functions `quote`, `b64enc`, `sha256sum`, `required`, `default`, `not`, `and`, `or`, `eq`, `ne`, `toYaml`, `indent`,
 *   `nindent`, `trunc`, `trimSuffix`, `printf` (`%s`, `%d`, `%v`), `int`, `mul`, `add`.
 *
 * Anything else throws {@link HelmRenderError}, so an unsupported construct fails the test instead of
 * rendering wrongly.
 * @example const docs = renderChart('deploy/helm/nexus', { values: { replicaCount: 3 } });
 */
export class HelmRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmRenderError';
  }
}

type Value = unknown;
type Scope = { dot: Value; root: Value; vars: Map<string, Value> };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipe: string }
  | { kind: 'if'; pipe: string; whenTrue: Node[]; else: Node[] }
  | { kind: 'with'; pipe: string; body: Node[]; else: Node[] }
  | { kind: 'range'; pipe: string; keyVar?: string; valueVar?: string; body: Node[] };

interface Action {
  kind: 'action';
  body: string;
}

/** Splits a template into text and actions, applying `{{-` and `-}}` trimming. */
function lex(source: string, name: string): (string | Action)[] {
  const out: (string | Action)[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = open === -1 ? source.slice(pos) : source.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      out.push(text);
      break;
    }
    const close = source.indexOf('}}', open);
    if (close === -1) throw new HelmRenderError(`${name}: unclosed action at offset ${open}`);
    let body = source.slice(open + 2, close);
    if (body.startsWith('- ') || body === '-' || body.startsWith('-\n')) {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    trimNext = body.endsWith(' -') || body.endsWith('\n-');
    if (trimNext) body = body.slice(0, -1);
    out.push(text);
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) out.push({ kind: 'action', body: trimmed });
    pos = close + 2;
  }
  return out;
}

interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

function parseTemplate(source: string, name: string): Parsed {
  const tokens = lex(source, name);
  const defines = new Map<string, Node[]>();
  let i = 0;
  const parseList = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const token = tokens[i++]!;
      if (typeof token === 'string') {
        if (token) nodes.push({ kind: 'text', text: token });
        continue;
      }
      const body = token.body;
      const word = body.split(/\s+/, 1)[0]!;
      if (terminators.includes(word)) return { nodes, end: word };
      if (word === 'if' || word === 'with') {
        const pipe = body.slice(word.length).trim();
        const first = parseList(['else', 'end']);
        const second = first.end === 'else' ? parseList(['end']).nodes : [];
        nodes.push(
          word === 'if'
            ? { kind: 'if', pipe, whenTrue: first.nodes, else: second }
            : { kind: 'with', pipe, body: first.nodes, else: second },
        );
      } else if (word === 'range') {
        const rest = body.slice(5).trim();
        const m = /^(\$\w+)\s*(?:,\s*(\$\w+)\s*)?:=\s*(.+)$/.exec(rest);
        const inner = parseList(['end']);
        if (inner.end !== 'end') throw new HelmRenderError(`${name}: range without end`);
        if (m) {
          nodes.push(
            m[2]
              ? { kind: 'range', pipe: m[3]!, keyVar: m[1]!, valueVar: m[2], body: inner.nodes }
              : { kind: 'range', pipe: m[3]!, valueVar: m[1]!, body: inner.nodes },
          );
        } else {
          nodes.push({ kind: 'range', pipe: rest, body: inner.nodes });
        }
      } else if (word === 'define') {
        const m = /^define\s+"([^"]+)"$/.exec(body);
        if (!m) throw new HelmRenderError(`${name}: bad define: ${body}`);
        defines.set(m[1]!, parseList(['end']).nodes);
      } else if (word === 'else' || word === 'end') {
        throw new HelmRenderError(`${name}: unexpected {{ ${body} }}`);
      } else {
        nodes.push({ kind: 'output', pipe: body });
      }
    }
    if (terminators.length > 0) throw new HelmRenderError(`${name}: missing {{ end }}`);
    return { nodes, end: '' };
  };
  const { nodes } = parseList([]);
  return { nodes, defines };
}

/** Go template truthiness: false, 0, nil and empty strings, lists and maps are false. */
function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function toText(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') throw new HelmRenderError(`cannot print a map or list; pipe it through toYaml`);
  return String(v);
}

function field(v: Value, names: string[], expr: string): Value {
  let current = v;
  for (const n of names) {
    if (current === undefined || current === null) return undefined;
    if (typeof current !== 'object')
      throw new HelmRenderError(`${expr}: cannot read .${n} of a ${typeof current}`);
    current = (current as Record<string, Value>)[n];
  }
  return current;
}

/** Splits on a separator outside quotes and parentheses. */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && (sep === ' ' ? /\s/.test(c) : c === sep)) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();

  constructor(private readonly root: Value) {}

  addDefines(defines: Map<string, Node[]>): void {
    for (const [k, v] of defines) this.defines.set(k, v);
  }

  render(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'output') out += toText(this.pipeline(node.pipe, scope));
      else if (node.kind === 'if')
        out += this.render(truthy(this.pipeline(node.pipe, scope)) ? node.whenTrue : node.else, scope);
      else if (node.kind === 'with') {
        const v = this.pipeline(node.pipe, scope);
        out += truthy(v) ? this.render(node.body, { ...scope, dot: v }) : this.render(node.else, scope);
      } else {
        const collection = this.pipeline(node.pipe, scope);
        if (collection === undefined || collection === null) continue;
        if (typeof collection !== 'object') throw new HelmRenderError(`range over a ${typeof collection}`);
        const entries: [Value, Value][] = Array.isArray(collection)
          ? collection.map((v, idx) => [idx, v])
          : Object.keys(collection as object)
              .sort()
              .map((k) => [k, (collection as Record<string, Value>)[k]]);
        for (const [k, v] of entries) {
          const vars = new Map(scope.vars);
          if (node.keyVar) vars.set(node.keyVar, k);
          if (node.valueVar) vars.set(node.valueVar, v);
          out += this.render(node.body, { dot: v, root: scope.root, vars });
        }
      }
    }
    return out;
  }

  private pipeline(expr: string, scope: Scope): Value {
    const commands = splitTop(expr, '|');
    if (commands.length === 0) throw new HelmRenderError(`empty pipeline`);
    let value: Value;
    commands.forEach((command, index) => {
      const words = splitTop(command, ' ');
      const extra = index === 0 ? [] : [value];
      value = this.command(words, extra, scope, expr);
    });
    return value;
  }

  private command(words: string[], piped: Value[], scope: Scope, expr: string): Value {
    const head = words[0]!;
    if (/^[a-zA-Z]\w*$/.test(head) && head !== 'true' && head !== 'false' && head !== 'nil') {
      const args = [...words.slice(1).map((w) => this.operand(w, scope, expr)), ...piped];
      return this.call(head, args, scope, expr);
    }
    if (words.length !== 1 || piped.length > 0)
      throw new HelmRenderError(`${expr}: ${head} is not a function`);
    return this.operand(head, scope, expr);
  }

  private operand(word: string, scope: Scope, expr: string): Value {
    if (word.startsWith('"')) return JSON.parse(word);
    if (word.startsWith('(') && word.endsWith(')')) return this.pipeline(word.slice(1, -1), scope);
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'nil') return undefined;
    if (word === '.') return scope.dot;
    if (word.startsWith('.')) return field(scope.dot, word.slice(1).split('.'), expr);
    if (word.startsWith('$')) {
      const [name, ...rest] = word.split('.');
      const base = name === '$' ? scope.root : scope.vars.get(name!);
      if (name !== '$' && !scope.vars.has(name!))
        throw new HelmRenderError(`${expr}: undefined variable ${name}`);
      return field(base, rest, expr);
    }
    throw new HelmRenderError(`${expr}: unsupported operand ${word}`);
  }

  private call(name: string, args: Value[], scope: Scope, expr: string): Value {
    const arity = (n: number) => {
      if (args.length !== n)
        throw new HelmRenderError(`${expr}: ${name} takes ${n} argument(s), got ${args.length}`);
    };
    switch (name) {
      case 'include': {
        arity(2);
        const body = this.defines.get(String(args[0]));
        if (!body) throw new HelmRenderError(`${expr}: no template named ${String(args[0])}`);
        return this.render(body, { dot: args[1], root: scope.root, vars: new Map() });
      }
      case 'quote':
        arity(1);
        return JSON.stringify(toText(args[0]));
      case 'sha256sum':
        arity(1);
        return createHash('sha256').update(toText(args[0]), 'utf8').digest('hex');
      case 'b64enc':
        arity(1);
        return Buffer.from(toText(args[0]), 'utf8').toString('base64');
      case 'required':
        arity(2);
        if (!truthy(args[1])) throw new HelmRenderError(String(args[0]));
        return args[1];
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'and':
        return args.every(truthy) ? args[args.length - 1] : args.find((a) => !truthy(a));
      case 'or':
        return args.find(truthy) ?? args[args.length - 1];
      case 'eq':
        arity(2);
        return args[0] === args[1];
      case 'ne':
        arity(2);
        return args[0] !== args[1];
      case 'toYaml':
        arity(1);
        return args[0] === undefined || args[0] === null ? 'null' : stringifyYaml(args[0]).replace(/\n$/, '');
      case 'indent':
      case 'nindent': {
        arity(2);
        const pad = ' '.repeat(Number(args[0]));
        const body = toText(args[1])
          .split('\n')
          .map((line) => pad + line)
          .join('\n');
        return name === 'nindent' ? `\n${body}` : body;
      }
      case 'trunc':
        arity(2);
        return toText(args[1]).slice(0, Number(args[0]));
      case 'trimSuffix': {
        arity(2);
        const s = toText(args[1]);
        const suffix = toText(args[0]);
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'printf': {
        const [format, ...rest] = args;
        let k = 0;
        return toText(format).replace(/%[sdv]/g, () => toText(rest[k++]));
      }
      case 'int':
        arity(1);
        return Math.trunc(Number(args[0]));
      case 'mul':
        arity(2);
        return Number(args[0]) * Number(args[1]);
      case 'add':
        arity(2);
        return Number(args[0]) + Number(args[1]);
      default:
        throw new HelmRenderError(`${expr}: unsupported function ${name}`);
    }
  }
}

function isPlainObject(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's value merge: maps merge key by key, anything else (lists included) replaces. */
export function mergeValues(base: Value, override: Value): Value {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, Value> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    // null deletes a key, as with `helm --set key=null`.
    if (v === null) delete out[k];
    else out[k] = mergeValues(base[k], v);
  }
  return out;
}

export interface RenderedTemplate {
  /** Template file name, e.g. `deployment.yaml`. */
  template: string;
  /** The rendered text (possibly empty when an `if` removed everything). */
  text: string;
}

export interface RenderOptions {
  values?: Record<string, unknown>;
  releaseName?: string;
  namespace?: string;
}

/**
 * Renders every `templates/*.yaml` of a chart directory with `values.yaml` merged with `options.values`.
 * Files starting with `_` only contribute `define`s, as in Helm.
 */
export function renderChart(chartDir: string, options: RenderOptions = {}): RenderedTemplate[] {
  const chart = parseYaml(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, Value>;
  const defaults = parseYaml(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) ?? {};
  const values = mergeValues(defaults, options.values ?? {});
  const root = {
    Values: values,
    Release: {
      Name: options.releaseName ?? 'nexus',
      Namespace: options.namespace ?? 'default',
      Service: 'Helm',
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const renderer = new ChartRenderer(root);
  const templatesDir = path.join(chartDir, 'templates');
  const files = readdirSync(templatesDir).sort();
  const parsed = files
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.tpl'))
    .map((f) => ({ file: f, ...parseTemplate(readFileSync(path.join(templatesDir, f), 'utf8'), f) }));
  for (const p of parsed) renderer.addDefines(p.defines);
  return parsed
    .filter((p) => !p.file.startsWith('_'))
    .map((p) => {
      try {
        return { template: p.file, text: renderer.render(p.nodes, { dot: root, root, vars: new Map() }) };
      } catch (error) {
        if (error instanceof HelmRenderError) throw new HelmRenderError(`${p.file}: ${error.message}`);
        throw error;
      }
    });
}

/** Renders a single template string against `root` (for the renderer's own tests). */
export function renderString(source: string, root: Record<string, unknown>, defines = ''): string {
  const renderer = new ChartRenderer(root);
  renderer.addDefines(parseTemplate(defines, 'defines').defines);
  return renderer.render(parseTemplate(source, 'inline').nodes, { dot: root, root, vars: new Map() });
}

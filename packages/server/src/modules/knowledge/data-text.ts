import type { RawBlock } from './document-parser.js';

/**
 * Structured data (JSON, CSV) to text blocks a reader and a search index can use: every value on a line
 * with the name it has — `path: value` for JSON, `header: value` for CSV.
 */

/**
 * JSON flattened to `path: value` lines (`users[0].name: Ada`). One block per element of a top-level
 * array or per key of a top-level object, so records stay together in a chunk. Empty arrays, objects and
 * strings are left out. Iterative: a document nested a million levels deep does not overflow the stack.
 * @example jsonToBlocks({ name: 'Ada', tags: ['x'] }) // blocks "name: Ada", "tags[0]: x"
 */
export function jsonToBlocks(value: unknown): RawBlock[] {
  const blocks: RawBlock[] = [];
  const roots: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((element, i) => [`[${i}]`, element])
    : isObject(value)
      ? Object.entries(value).map(([key, element]) => [keyPath('', key), element])
      : [['', value]];
  for (const [rootPath, rootValue] of roots) {
    const lines: string[] = [];
    const stack: Array<[string, unknown]> = [[rootPath, rootValue]];
    while (stack.length > 0) {
      const [path, current] = stack.pop()!;
      if (Array.isArray(current)) {
        for (let i = current.length - 1; i >= 0; i--) stack.push([`${path}[${i}]`, current[i]]);
      } else if (isObject(current)) {
        const entries = Object.entries(current);
        for (let i = entries.length - 1; i >= 0; i--)
          stack.push([keyPath(path, entries[i]![0]), entries[i]![1]]);
      } else {
        const text = scalarText(current);
        if (text === '') continue;
        lines.push(path === '' ? text : `${path}: ${text}`);
      }
    }
    if (lines.length > 0) blocks.push({ kind: 'paragraph', text: lines.join('\n') });
  }
  return blocks;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function keyPath(parent: string, key: string): string {
  const safe = /^[\p{L}\p{N}_$-]+$/u.test(key) ? key : JSON.stringify(key);
  return parent === '' ? safe : `${parent}.${safe}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (value === null) return 'null';
  return String(value);
}

/**
 * CSV (RFC 4180: quoted fields with commas, quotes `""` and line breaks) to one block per data row, each
 * non-empty cell on a line `header: value`. The delimiter is the one of `,` `;` tab `|` that occurs most
 * in the first line outside quotes. The first row is the header; unnamed or extra columns are called
 * `column N`. An unterminated quote runs to the end of the file rather than failing.
 * @example csvToBlocks('name,age\nAda,36') // one block "name: Ada\nage: 36"
 */
export function csvToBlocks(csv: string): RawBlock[] {
  const delimiter = sniffDelimiter(csv);
  const blocks: RawBlock[] = [];
  let header: string[] | undefined;
  for (const row of csvRows(csv, delimiter)) {
    if (row.every((cell) => cell.trim() === '')) continue;
    if (!header) {
      header = row.map((cell, i) => cell.trim() || `column ${i + 1}`);
      continue;
    }
    const lines: string[] = [];
    row.forEach((cell, i) => {
      const value = cell.trim();
      if (value !== '') lines.push(`${header![i] ?? `column ${i + 1}`}: ${value}`);
    });
    if (lines.length > 0) blocks.push({ kind: 'table', text: lines.join('\n') });
  }
  // A file with only a header still says something.
  if (blocks.length === 0 && header) blocks.push({ kind: 'table', text: header.join(' | ') });
  return blocks;
}

function sniffDelimiter(csv: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (let i = 0; i < csv.length && i < 65_536; i++) {
    const c = csv[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '\n') break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [candidate, count] of counts) if (count > counts.get(best)!) best = candidate;
  return best;
}

function* csvRows(csv: string, delimiter: string): Generator<string[]> {
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const length = csv.length;
  while (i < length) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"') {
        if (csv[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      // Copy the run up to the next quote at once: fields can be long.
      const next = csv.indexOf('"', i);
      const end = next === -1 ? length : next;
      field += csv.slice(i, end);
      i = end;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      field = '';
      quoted = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n') {
      row.push(field);
      yield row;
      row = [];
      field = '';
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    yield row;
  }
}

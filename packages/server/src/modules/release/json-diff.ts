/** One change between two JSON documents: a JSON Pointer (RFC 6901) and the values before and after. */
export interface DiffEntry {
  op: 'add' | 'remove' | 'replace';
  /** RFC 6901 pointer into the document, e.g. `/flags/beta/rules/0/percent`. */
  path: string;
  /** The value before (absent for `add`). */
  from?: unknown;
  /** The value after (absent for `remove`). */
  value?: unknown;
}

const escapeSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The structural difference of two JSON values, as the list of changes from `before` to `after`: objects
 * compare key by key (sorted, so the output is stable), arrays index by index (extra elements are adds
 * or removes at the end), anything else by value. Equal documents answer `[]`.
 * @example jsonDiff({ rag: { top_k: 5 } }, { rag: { top_k: 8 } }) // [{ op: 'replace', path: '/rag/top_k', from: 5, value: 8 }]
 */
export function jsonDiff(before: unknown, after: unknown, path = ''): DiffEntry[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const child = `${path}/${escapeSegment(key)}`;
      if (!(key in after)) return [{ op: 'remove' as const, path: child, from: before[key] }];
      if (!(key in before)) return [{ op: 'add' as const, path: child, value: after[key] }];
      return jsonDiff(before[key], after[key], child);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: DiffEntry[] = [];
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) changes.push(...jsonDiff(before[i], after[i], `${path}/${i}`));
    for (let i = common; i < after.length; i++)
      changes.push({ op: 'add', path: `${path}/${i}`, value: after[i] });
    // Removed from the end backwards, so applying the entries in order keeps the indexes right.
    for (let i = before.length - 1; i >= common; i--)
      changes.push({ op: 'remove', path: `${path}/${i}`, from: before[i] });
    return changes;
  }
  if (Object.is(before, after)) return [];
  return [{ op: 'replace', path: path === '' ? '' : path, from: before, value: after }];
}

/**
 * Applies `diff` (from {@link jsonDiff}) to a copy of `document`: the inverse check the tests use to
 * show a diff is complete.
 */
export function applyDiff(document: unknown, diff: readonly DiffEntry[]): unknown {
  let root: unknown = structuredClone(document);
  for (const change of diff) {
    if (change.path === '') {
      root = structuredClone(change.value);
      continue;
    }
    const segments = change.path
      .slice(1)
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = segments.pop() as string;
    let parent = root as Record<string, unknown> | unknown[];
    for (const segment of segments)
      parent = (parent as Record<string, unknown>)[segment] as Record<string, unknown> | unknown[];
    if (Array.isArray(parent)) {
      const index = Number(last);
      if (change.op === 'remove') parent.splice(index, 1);
      else parent[index] = structuredClone(change.value);
    } else if (change.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(change.value);
  }
  return root;
}

import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.js';

/**
 * PostgreSQL cannot store the NUL character in text, and no field of ours means one, so a NUL in a JSON
 * body or the URL is refused at the edge as `validation_failed` (naming where it was) instead of failing
 * deep in a query as a 500. JSON cannot carry a raw NUL inside a string, only the `\u0000` escape, so the
 * body check is one substring search; the walk that names the field runs only when that escape appears.
 */
export function installTextGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      if ((body as string).includes('\\u0000')) {
        const path = pathOfNul(value, []);
        if (path) return done(nulError('body', path.join('.')), undefined);
      }
      done(null, value);
    });
  });
}

/** Where a raw URL carries a percent-encoded NUL (`params` for the path, `querystring`), or null. */
export function nulInUrl(url: string): 'params' | 'querystring' | null {
  const at = url.indexOf('%00');
  if (at === -1) return null;
  const query = url.indexOf('?');
  return query !== -1 && at > query ? 'querystring' : 'params';
}

export function nulError(location: string, path: string): ValidationError {
  return new ValidationError(`${path || location}: the NUL character is not allowed`, {
    details: [{ location, path, message: 'the NUL character is not allowed', issue: 'nul_character' }],
  });
}

function pathOfNul(value: unknown, path: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = pathOfNul(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\u0000') ? [...path, key] : pathOfNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

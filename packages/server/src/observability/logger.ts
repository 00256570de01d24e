import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, at the top level or one level down. */
const SECRET_FIELDS = [
  'password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apiKey',
  'secret',
  'client_secret',
  'authorization',
  'cookie',
  'code',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
];

const SECRET_QUERY_PARAMS =
  /^(token|access_token|refresh_token|api_key|key|signature|sig|code|password|secret)$/i;

/** Masks secret query parameters (`?token=...`) so URLs can be logged safely. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SECRET_QUERY_PARAMS.test(key)) {
      params.set(key, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}

export interface LoggerOptions {
  level: string;
  destination?: DestinationStream;
}

export function createLogger({ level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service: 'nexus' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      serializers: {
        err: pino.stdSerializers.err,
        req: (req: { method?: string; url?: unknown; ip?: string; headers?: Record<string, unknown> }) =>
          typeof req?.url === 'string'
            ? {
                method: req.method,
                url: redactUrl(req.url),
                remote_address: req.ip,
                user_agent: req.headers?.['user-agent'],
              }
            : req,
        res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
      },
    },
    destination,
  );
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  type AppError,
  BadRequestError,
  InternalError,
  InvalidIdError,
  InvalidJsonError,
  isAppError,
  PayloadTooLargeError,
  RouteNotFoundError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { isDatabaseUnavailable } from '../platform/db/db-errors.js';

export interface ErrorBody {
  error: { code: string; message: string; request_id: string; details?: unknown };
}

class UnknownParameterError extends BadRequestError {
  override readonly code = 'unknown_parameter';
}

interface ValidationIssue {
  location: string;
  path: string;
  message: string;
  issue?: string;
}

/** Maps anything thrown on a request to an AppError. Unknown errors become `internal_error`. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) return fromValidation(error);
  if (isDatabaseUnavailable(error)) {
    return new ServiceUnavailableError('The database is unavailable; try again shortly', {
      cause: error,
      details: { dependency: 'database' },
    });
  }
  const e = error as Partial<FastifyError> & { type?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidJsonError(
        e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? 'The request body is empty but declared as JSON'
          : 'The request body is not valid JSON',
        { cause: error },
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('The request body is larger than the configured limit', {
        cause: error,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError('This content type is not accepted here; send application/json', {
        cause: error,
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BadRequestError('Content-Length does not match the body', { cause: error });
  }
  if (error instanceof SyntaxError && e.statusCode === 400)
    return new InvalidJsonError('The request body is not valid JSON', { cause: error });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 404) return new RouteNotFoundError(e.message ?? 'Not found', { cause: error });
    if (e.statusCode === 413)
      return new PayloadTooLargeError(e.message ?? 'Payload too large', { cause: error });
    if (e.statusCode === 415)
      return new UnsupportedMediaTypeError(e.message ?? 'Unsupported media type', { cause: error });
    return new BadRequestError(e.message ?? 'Bad request', { cause: error });
  }
  return new InternalError('Something went wrong on our side; the request id identifies it in our logs', {
    cause: error,
  });
}

interface ZodValidationItem {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: { keys?: string[] };
}

function fromValidation(error: { validation: unknown[]; validationContext?: string }): AppError {
  const location = error.validationContext ?? 'body';
  const issues: ValidationIssue[] = (error.validation as ZodValidationItem[]).flatMap((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (v.keyword === 'unrecognized_keys' && v.params?.keys) {
      return v.params.keys.map((key) => ({
        location,
        path: path ? `${path}.${key}` : key,
        message: 'unknown parameter',
        issue: 'unrecognized_keys',
      }));
    }
    return [{ location, path, message: v.message ?? 'invalid', issue: v.keyword }];
  });
  const summary = issues.map((i) => `${i.path || location}: ${i.message}`).join('; ');
  if (location === 'params')
    return new InvalidIdError(`Invalid id in the path (${summary})`, { details: issues });
  if (location === 'querystring' && issues.every((i) => i.issue === 'unrecognized_keys')) {
    return new UnknownParameterError(`Unknown query parameter(s): ${issues.map((i) => i.path).join(', ')}`, {
      details: issues,
    });
  }
  return new ValidationError(`The request is invalid: ${summary}`, { details: issues });
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** The one edge error handler: logs once, never leaks internals, always answers the JSON error shape. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(error, request, reply, (appError) => errorBody(appError, request.id));
}

/**
 * Maps, logs (once: 5xx at error with the cause, 4xx at info) and answers an error; `render` picks the
 * body shape (Nexus's, or OpenAI's on the OpenAI-compatible routes).
 */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  render: (appError: AppError) => unknown,
): FastifyReply {
  const appError = isResponseSerializationError(error)
    ? new InternalError('The server produced a response that does not match its schema', { cause: error })
    : toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, appError.message);
  else request.log.info({ code: appError.code, status: appError.status }, appError.message);
  if (appError.headers) reply.headers(appError.headers);
  if (appError.status === 503 && !appError.headers?.['retry-after']) reply.header('retry-after', '5');
  return reply.status(appError.status).send(render(appError));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = new RouteNotFoundError(`No route ${request.method} ${request.url.split('?')[0]}`);
  return reply.status(404).send(errorBody(error, request.id));
}

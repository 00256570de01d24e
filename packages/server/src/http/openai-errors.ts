import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isResponseSerializationError } from 'fastify-type-provider-zod';
import { type AppError, InternalError } from '../errors.js';
import { toAppError } from './error-handler.js';

/** OpenAI's error body: what OpenAI clients parse (`error.message`, `type`, `param`, `code`). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error `type` for an HTTP status. */
export function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return status === 503 ? 'service_unavailable_error' : 'api_error';
  return 'invalid_request_error';
}

/** The parameter an error is about: `details.param`, or the first field of a validation error. */
function paramOf(error: AppError): string | null {
  const details = error.details as { param?: unknown } | readonly { path?: unknown }[] | undefined;
  if (Array.isArray(details)) {
    const path = details[0]?.path;
    return typeof path === 'string' && path !== '' ? path : null;
  }
  const param = (details as { param?: unknown } | undefined)?.param;
  return typeof param === 'string' ? param : null;
}

export function openAIErrorBody(error: AppError): OpenAIErrorBody {
  return {
    error: {
      message: error.message,
      type: openAIErrorType(error.status),
      param: paramOf(error),
      code: error.code,
    },
  };
}

/** The error handler of the OpenAI-compatible routes: the same mapping as everywhere, OpenAI's shape. */
export function handleOpenAIError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const appError = isResponseSerializationError(error)
    ? new InternalError('The server produced a response that does not match its schema', { cause: error })
    : toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, appError.message);
  else request.log.info({ code: appError.code, status: appError.status }, appError.message);
  if (appError.headers) reply.headers(appError.headers);
  if (appError.status === 503 && !appError.headers?.['retry-after']) reply.header('retry-after', '5');
  return reply.status(appError.status).send(openAIErrorBody(appError));
}

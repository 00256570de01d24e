import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../errors.js';
import { sendError } from './error-handler.js';

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
  return sendError(error, request, reply, openAIErrorBody);
}

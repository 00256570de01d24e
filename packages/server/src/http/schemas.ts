import { z } from 'zod';

/** The error body every non-OpenAI route answers with; referenced by each route's response schemas. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({
        description: 'Stable machine-readable code; see docs/errors.md',
        example: 'validation_failed',
      }),
      message: z.string(),
      request_id: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Standard error responses to spread into a route's `response` map. */
export const errorResponses = {
  400: errorResponseSchema,
  404: errorResponseSchema,
  500: errorResponseSchema,
  503: errorResponseSchema,
} as const;

/** Error responses of routes that need credentials. */
export const authErrorResponses = {
  ...errorResponses,
  401: errorResponseSchema,
  403: errorResponseSchema,
  409: errorResponseSchema,
  429: errorResponseSchema,
} as const;

/** Timestamps go out as ISO 8601 strings. */
export const timestamp = z.string().meta({ format: 'date-time', example: '2026-11-24T18:00:00.000Z' });
export const iso = (value: Date | string | null | undefined): string | null =>
  value == null ? null : new Date(value).toISOString();

/** `{ data, next_cursor }`: every list. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

export const limitQuery = z.coerce.number().int().min(1).max(200).default(50);

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

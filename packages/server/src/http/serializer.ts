import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type SchemaDef = Parameters<typeof zodSerializerCompiler>[0];

/**
 * Response serialiser built from each route's zod response schema: the schema is converted once to JSON
 * Schema and compiled with fast-json-stringify (what Fastify uses natively). Properties the schema does not
 * declare are dropped, so a handler cannot leak internal fields. Several times cheaper per response than
 * validating with zod and then calling JSON.stringify; schemas JSON Schema cannot express fall back to that.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<z.ZodType> = (definition) => {
  const schema = definition.schema as unknown;
  if (schema instanceof z.ZodType) {
    try {
      const jsonSchema = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
      return fastJson(jsonSchema as Parameters<typeof fastJson>[0]);
    } catch {
      // e.g. transforms or custom types: validate and stringify with zod instead.
    }
  }
  return zodSerializerCompiler(definition as SchemaDef);
};

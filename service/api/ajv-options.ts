/**
 * The one Ajv configuration of the API: Fastify's route validation, the multipart routes'
 * own validator and the function metadata check all use it, so that a body is judged the
 * same way wherever it arrives. Unknown fields are refused by the schemas
 * (additionalProperties: false), never silently dropped.
 */
import Ajv from 'ajv';

export const AJV_OPTIONS = { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;

export function createAjv(): Ajv.default {
  return new Ajv.default(AJV_OPTIONS);
}

/**
 * Route validator for multipart routes: the body schema is there for /docs only (the
 * multipart parser hands over files, validated by hand); params and query are validated
 * like everywhere else (the API's one Ajv configuration).
 */
import type { FastifySchemaCompiler } from 'fastify';
import { createAjv } from './ajv-options.js';

const ajv = createAjv();

export const docsOnlyBody: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  if (httpPart === 'body') return () => true;
  return ajv.compile(schema) as unknown as ReturnType<FastifySchemaCompiler<object>>;
};

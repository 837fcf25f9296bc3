/** Every error leaves as `{ code, message, field? }` with a code from the catalog. */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { BODY_LIMITS, describeBytes } from '../body-limits.js';

export default fp(async function errors(app: FastifyInstance) {
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.toBody());
    if (err.validation) {
      const first = err.validation[0];
      const ctx = err.validationContext ?? 'body';
      const path = [ctx === 'body' ? '' : ctx, ...(first?.instancePath ?? '').split('/').filter(Boolean)];
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const field = [...path, ...(missing ? [missing] : [])].filter(Boolean).join('.') || ctx;
      return reply.code(400).send({ code: 'invalid_request', message: `${field}: ${first?.message ?? err.message}`, field });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.routeOptions.bodyLimit ?? BODY_LIMITS.json;
      return reply.code(413).send({ code: 'payload_too_large', message: `the body is over this route's limit of ${describeBytes(limit)}`, field: 'body' });
    }
    if (err.statusCode === 413) return reply.code(413).send({ code: 'payload_too_large', message: err.message, field: 'body' });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ code: 'unsupported_media_type', message: `${err.message}: this route takes application/json`, field: 'headers.content-type' });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err instanceof SyntaxError && err.statusCode === 400)) {
      return reply.code(400).send({ code: 'invalid_request', message: `body is not valid JSON: ${err.message}`, field: 'body' });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: 'invalid_request', message: err.message });
    }
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ code: 'internal', message: 'internal error; see the service log' });
  });
});

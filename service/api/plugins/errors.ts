/**
 * Every error leaves as `{ code, message, field? }` with a code from the catalog. Transient
 * store and queue trouble is 503 `not_ready` with Retry-After on every route (and in every
 * route's documentation): nothing was done, the client may send the same request again.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, RETRY_AFTER_S, notReady } from '../../errors.js';
import { isTransientStoreError } from '../../store/store-errors.js';
import { QueueUnavailableError } from '../../queue/rabbit-support.js';
import { UnavailableResponse } from '../schemas.js';
import { BODY_LIMITS, describeBytes } from '../body-limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: the route answers without the store or the queue, so it never answers 503 `not_ready`. */
    noBackends?: boolean;
  }
}

function sendError(reply: FastifyReply, err: ApiError) {
  const retryAfter = RETRY_AFTER_S[err.code];
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(err.status).send(err.toBody());
}

/** Whether a documented response is the plain error body (and may be replaced by the shared 503). */
const isErrorRef = (r: unknown) => typeof r === 'object' && r !== null && (r as { $ref?: unknown }).$ref === 'Error#';

export default fp(async function errors(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (!schema || schema.hide || route.config?.noBackends) return;
    const response = (schema.response ??= {});
    if (response[503] === undefined || isErrorRef(response[503])) response[503] = UnavailableResponse;
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    if (err instanceof QueueUnavailableError) return sendError(reply, notReady(err.message));
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
    if (isTransientStoreError(err)) {
      // An outage is logged once, by the store's health; a lone deadlock or lock timeout here, without its stack.
      if (app.fnstack.store.health.state === 'up') req.log.warn({ code: err.code, reason: err.message }, 'transient store error; answered 503');
      return sendError(reply, notReady('the store is unreachable or busy for now; nothing was done, try again shortly'));
    }
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ code: 'internal', message: 'internal error; see the service log' });
  });
});

/** POST /v1/functions/{name}/invoke: sync (waits for the result) or async (202 + execution id). */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { executionDetailJson } from '../execution-detail.js';
import { invocationEvent } from '../../listener/invocations.js';
import { Ingest } from '../../listener/ingest.js';
import { mediaTypeOf, STRUCTURED_TYPE, validateEnvelope } from '../../listener/cloudevents.js';
import { jsonBodyParser } from '../json-body.js';

/** Time a sync invoke waits beyond the function's own timeout (provisioning, queueing). */
const SYNC_GRACE_MS = 60_000;

export default async function invokeRoutes(app: FastifyInstance) {
  const { store, queue, events, config } = app.fnstack;
  const ingest = new Ingest(store, queue, config.quotas);
  // This plugin is encapsulated: the structured-mode parser serves the invoke route only.
  app.addContentTypeParser(STRUCTURED_TYPE, { parseAs: 'buffer' }, jsonBodyParser);

  app.post('/v1/functions/:name/invoke', {
    schema: {
      summary: 'Invoke a function with a JSON event',
      description:
        'The body is the event data (any JSON, at most 6 MiB, nested at most 100 levels, each key once per object, no __proto__ key). Headers ce-id, ce-type, ce-source and ce-subject fill the CloudEvent; a repeated ce-id returns the existing execution. A body with Content-Type application/cloudevents+json (structured mode) is the CloudEvent itself, validated and used as sent (its id is the one a repeat is known by). mode=sync (default) waits for the final status; mode=async answers 202 at once.',
      tags: ['executions'],
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 128 } } },
      querystring: { type: 'object', properties: { mode: { type: 'string', enum: ['sync', 'async'], default: 'sync' } } },
      headers: {
        type: 'object',
        properties: { 'ce-id': { type: 'string', maxLength: 255 }, 'ce-type': { type: 'string', maxLength: 255 }, 'ce-source': { type: 'string', maxLength: 1024 }, 'ce-subject': { type: 'string', maxLength: 1024 } },
      },
      response: {
        200: { $ref: 'Execution#' },
        202: { type: 'object', properties: { execution_id: { type: 'string' }, status: { type: 'string' } } },
        ...errorResponses(400, 401, 403, 404, 413, 415, 429),
      },
    },
    handler: async (req, reply) => {
      const { name } = req.params as { name: string };
      const { mode } = req.query as { mode: 'sync' | 'async' };
      const scope = req.project();
      const fn = await scope.functions.get(name);
      if (!fn) throw notFound('function', name);
      const h = req.headers as Record<string, string | undefined>;
      const event =
        mediaTypeOf(h['content-type']) === STRUCTURED_TYPE
          ? validateEnvelope(req.body, 'body')
          : invocationEvent(fn, req.body ?? {}, { id: h['ce-id'], type: h['ce-type'], source: h['ce-source'], subject: h['ce-subject'] });
      const accepted = await ingest.invocation(fn, event);
      if (mode === 'async') return reply.code(202).header('location', `/v1/executions/${accepted.id}`).send({ execution_id: accepted.id, status: accepted.status });

      const waitMs = fn.spec.timeoutS * 1000 + SYNC_GRACE_MS;
      const final = await events.waitFinal(accepted.id, waitMs, () => scope.executions.get(accepted.id), accepted);
      if (!final || !['succeeded', 'failed', 'timed_out'].includes(final.status)) {
        // Still running after the wait: answer like async, the client can poll.
        return reply.code(202).header('location', `/v1/executions/${accepted.id}`).send({ execution_id: accepted.id, status: final?.status ?? 'queued' });
      }
      return executionDetailJson(scope.executions, final);
    },
  });
}

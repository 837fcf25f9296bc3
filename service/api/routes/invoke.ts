/** POST /v1/functions/{name}/invoke: sync (waits for the result) or async (202 + execution id). */
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../errors.js';
import { WorkerPresence } from '../../metrics/readiness.js';
import { errorResponses } from '../schemas.js';
import { executionDetailJson } from '../execution-detail.js';
import { sendRawResult } from '../raw-result.js';
import { invocationEvent } from '../../listener/invocations.js';
import { Ingest } from '../../listener/ingest.js';
import { mediaTypeOf, STRUCTURED_TYPE, validateEnvelope } from '../../listener/cloudevents.js';
import { jsonBodyParser } from '../json-body.js';

/** Time a sync invoke waits beyond the function's own timeout (provisioning, queueing). */
const SYNC_GRACE_MS = 60_000;

export default async function invokeRoutes(app: FastifyInstance) {
  const { store, queue, events, config, directLane } = app.fnstack;
  const ingest = new Ingest(store, queue, config.quotas);
  const workers = new WorkerPresence(queue);
  // This plugin is encapsulated: the structured-mode parser serves the invoke route only.
  app.addContentTypeParser(STRUCTURED_TYPE, { parseAs: 'buffer' }, jsonBodyParser);

  app.post('/v1/functions/:name/invoke', {
    schema: {
      summary: 'Invoke a function with a JSON event',
      description:
        'The body is the event data (any JSON, at most 6 MiB, nested at most 100 levels, each key once per object, no __proto__ key). Headers ce-id, ce-type, ce-source and ce-subject fill the CloudEvent; a repeated ce-id returns the existing execution. A body with Content-Type application/cloudevents+json (structured mode) is the CloudEvent itself, validated and used as sent (its id is the one a repeat is known by). mode=sync (default) waits for the final status; mode=async answers 202 at once.',
      tags: ['executions'],
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 128 } } },
      body: { description: 'The event data: any JSON value ({} when there is no body)', examples: [{ order: 42 }] },
      querystring: {
        type: 'object',
        properties: {
          mode: { type: 'string', enum: ['sync', 'async'], default: 'sync' },
          raw: {
            type: 'boolean',
            default: false,
            description:
              'sync only. true: a succeeded execution answers with its result itself, not an Execution: a binary result as its bytes with its content type, any other result as its JSON text. A failed one answers the Execution as usual. Either way the headers x-fnstack-execution-id and x-fnstack-execution-status say which execution it was and how it ended.',
          },
        },
      },
      headers: {
        type: 'object',
        properties: { 'ce-id': { type: 'string', maxLength: 255 }, 'ce-type': { type: 'string', maxLength: 255 }, 'ce-source': { type: 'string', maxLength: 1024 }, 'ce-subject': { type: 'string', maxLength: 1024 } },
      },
      response: {
        // Only JSON is declared, so that generated clients type the usual answer without a
        // cast; raw=true (bytes in the function's content type) is described, not typed.
        200: {
          description: 'The final Execution (application/json); with raw=true and a succeeded run, the result itself: a binary result as its bytes in its own content type, another as its JSON text',
          content: { 'application/json': { schema: { $ref: 'Execution#' } } },
        },
        202: {
          description: 'Accepted (async), or still running when a sync wait ended: poll the Location',
          type: 'object',
          required: ['execution_id', 'status'],
          properties: { execution_id: { type: 'string' }, status: { type: 'string', enum: ['queued', 'provisioning', 'running'] } },
          examples: [{ execution_id: '0b7e4c2a-2f6d-4a51-9a43-7f1d2c3b4a59', status: 'queued' }],
        },
        ...errorResponses(400, 401, 403, 404, 413, 415, 429, 503),
      },
    },
    handler: async (req, reply) => {
      const { name } = req.params as { name: string };
      const { mode, raw } = req.query as { mode: 'sync' | 'async'; raw: boolean };
      const scope = req.project();
      const fn = await scope.functions.get(name);
      if (!fn) throw notFound('function', name);
      const h = req.headers as Record<string, string | undefined>;
      const event =
        mediaTypeOf(h['content-type']) === STRUCTURED_TYPE
          ? validateEnvelope(req.body, 'body')
          : invocationEvent(fn, req.body ?? {}, { id: h['ce-id'], type: h['ce-type'], source: h['ce-source'], subject: h['ce-subject'] });
      // Nothing would run it: say so now, before anything is accepted, rather than wait out the timeout.
      if (mode === 'sync' && !directLane && (await workers.consumers()) === 0) {
        throw new ApiError('not_ready', 'no worker consumes the work queue, so nothing would run this invocation; start `fnstack server --role worker` (mode=async queues it meanwhile)');
      }
      const accepted = await ingest.invocation(fn, event, req.id, mode === 'sync' ? directLane : null, mode === 'sync');
      if (mode === 'async') return reply.code(202).header('location', `/v1/executions/${accepted.id}`).send({ execution_id: accepted.id, status: accepted.status });

      const waitMs = fn.spec.timeoutS * 1000 + SYNC_GRACE_MS;
      const final = await events.waitFinal(accepted.id, waitMs, () => scope.executions.get(accepted.id), accepted, (f) => (f.projectId === fn.projectId ? f : null));
      if (!final || !['succeeded', 'failed', 'timed_out'].includes(final.status)) {
        // Still running after the wait: answer like async, the client can poll.
        return reply.code(202).header('location', `/v1/executions/${accepted.id}`).send({ execution_id: accepted.id, status: final?.status ?? 'queued' });
      }
      if (raw) {
        void reply.header('x-fnstack-execution-id', final.id).header('x-fnstack-execution-status', final.status);
        if (final.resultBytes !== null) return sendRawResult(reply, scope.executions, final);
      }
      return executionDetailJson(scope.executions, final);
    },
  });
}

/** /v1/dead-letters: work the service gave up on, visible to (and retryable by) its project. */
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import type { DeadLetter } from '../../store/dead-letter-store.js';
import { isWorkMessage, type WorkMessage } from '../../queue/queue.js';
import { Ingest } from '../../listener/ingest.js';

const DeadLetterBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    queue: { type: 'string' },
    reason: { type: 'string' },
    attempts: { type: 'integer' },
    message: { type: 'object', additionalProperties: true },
    created_at: { type: 'string' },
  },
} as const;

const json = (d: DeadLetter) => ({ id: d.id, queue: d.queue, reason: d.reason, attempts: d.attempts, message: d.payload as object, created_at: new Date(d.createdAt).toISOString() });
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export default async function deadLetterRoutes(app: FastifyInstance) {
  const { queue, store, config } = app.fnstack;
  const ingest = new Ingest(store, queue, config.quotas);

  app.get('/v1/dead-letters', {
    config: { access: 'read' },
    schema: {
      summary: 'Work messages given up on after repeated failures, with the reason',
      tags: ['events'],
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: DeadLetterBody } } }, ...errorResponses(400, 401) },
    },
    handler: async (req) => {
      const { limit } = req.query as { limit: number };
      return { items: (await req.project().deadLetters.list(limit)).map(json) };
    },
  });

  app.get('/v1/dead-letters/:id', {
    config: { access: 'read' },
    schema: { summary: 'Show a dead letter', tags: ['events'], params: idParam, response: { 200: DeadLetterBody, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const d = await req.project().deadLetters.get(id);
      if (!d) throw notFound('dead letter', id);
      return json(d);
    },
  });

  app.post('/v1/dead-letters/:id/retry', {
    schema: {
      summary: 'Put a dead letter back on the work queue (its execution, if any, is queued again)',
      tags: ['events'],
      params: idParam,
      response: { 202: { type: 'object', properties: { retried: { type: 'string' } } }, ...errorResponses(401, 403, 404, 422, 429) },
    },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const scope = req.project();
      const d = await scope.deadLetters.get(id);
      if (!d) throw notFound('dead letter', id);
      const msg = d.payload as WorkMessage;
      if (!isWorkMessage({ ...(msg as object), projectId: scope.projectId })) throw new ApiError('unprocessable', 'this dead letter is not a work message (poison); it can only be discarded');
      await ingest.retry(scope.projectId, msg);
      await scope.deadLetters.remove(id);
      return reply.code(202).send({ retried: id });
    },
  });

  app.delete('/v1/dead-letters/:id', {
    schema: { summary: 'Discard a dead letter', tags: ['events'], params: idParam, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!(await req.project().deadLetters.remove(id))) throw notFound('dead letter', id);
      return reply.code(204).send();
    },
  });
}

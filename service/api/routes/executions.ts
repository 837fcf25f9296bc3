/** /v1/executions: list (filters, pages), show, logs. */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors.js';
import { errorResponses, pageOf } from '../schemas.js';
import { executionJson } from '../serialize.js';
import type { ExecutionStatus } from '../../model.js';

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export default async function executionRoutes(app: FastifyInstance) {
  app.get('/v1/executions', {
    config: { access: 'read' },
    schema: {
      summary: 'List executions, newest first',
      tags: ['executions'],
      querystring: {
        type: 'object',
        properties: {
          function: { type: 'string', maxLength: 128 },
          status: { type: 'string', enum: ['queued', 'provisioning', 'running', 'succeeded', 'failed', 'timed_out'] },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string', maxLength: 512 },
        },
      },
      response: { 200: pageOf('Execution'), ...errorResponses(400, 401) },
    },
    handler: async (req) => {
      const q = req.query as { function?: string; status?: ExecutionStatus; limit: number; cursor?: string };
      const page = await req.project().executions.list({ functionName: q.function, status: q.status }, q.limit, q.cursor ?? null);
      return { items: page.items.map(executionJson), next_cursor: page.nextCursor };
    },
  });

  app.get('/v1/executions/:id', {
    config: { access: 'read' },
    schema: { summary: 'Show an execution', tags: ['executions'], params: idParam, response: { 200: { $ref: 'Execution#' }, ...errorResponses(401, 404) } },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const e = await req.project().executions.get(id);
      if (!e) throw notFound('execution', id);
      return executionJson(e);
    },
  });

  app.get('/v1/executions/:id/logs', {
    config: { access: 'read' },
    schema: {
      summary: "An execution's captured stdout and stderr",
      tags: ['executions'],
      params: idParam,
      response: {
        200: { type: 'object', properties: { execution_id: { type: 'string' }, status: { type: 'string' }, logs: { type: 'string' }, truncated: { type: 'boolean' } } },
        ...errorResponses(401, 404),
      },
    },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const l = await req.project().executions.logs(id);
      if (!l) throw notFound('execution', id);
      return { execution_id: id, status: l.status, logs: l.logs, truncated: l.truncated };
    },
  });
}

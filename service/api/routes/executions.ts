/** /v1/executions: list (filters, pages), show, result, logs. */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../errors.js';
import { errorResponses, pageOf } from '../schemas.js';
import { executionSummaryJson } from '../serialize.js';
import { executionDetailJson, RESULT_INLINE_MAX_BYTES } from '../execution-detail.js';
import { sendRawResult } from '../raw-result.js';
import type { ExecutionStatus } from '../../model.js';

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export default async function executionRoutes(app: FastifyInstance) {
  app.get('/v1/executions', {
    config: { access: 'read' },
    schema: {
      summary: 'List executions, newest first',
      description: 'Items carry result_bytes and a result_preview of at most 1 KiB, never the result: GET /v1/executions/{id}/result has it.',
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
      response: { 200: pageOf('ExecutionSummary'), ...errorResponses(400, 401) },
    },
    handler: async (req) => {
      const q = req.query as { function?: string; status?: ExecutionStatus; limit: number; cursor?: string };
      const page = await req.project().executions.list({ functionName: q.function, status: q.status }, q.limit, q.cursor ?? null);
      return { items: page.items.map(executionSummaryJson), next_cursor: page.nextCursor };
    },
  });

  app.get('/v1/executions/:id', {
    config: { access: 'read' },
    schema: {
      summary: 'Show an execution',
      description: `The result comes inline when its JSON text is at most ${RESULT_INLINE_MAX_BYTES} bytes; a larger one has result: null, result_truncated: true, and comes whole from result_url.`,
      tags: ['executions'],
      params: idParam,
      response: { 200: { $ref: 'Execution#' }, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const executions = req.project().executions;
      const e = await executions.get(id);
      if (!e) throw notFound('execution', id);
      return executionDetailJson(executions, e);
    },
  });

  app.get('/v1/executions/:id/result', {
    config: { access: 'read' },
    schema: {
      summary: "An execution's whole result, streamed",
      description:
        'The JSON text of the result exactly as stored (application/json), whatever its size. With raw=true a binary result ({"$binary": base64, "content_type": …}, what a handler returning a Buffer or Uint8Array gets) comes as its bytes with its content type. 409 while the execution has no result (not succeeded).',
      tags: ['executions'],
      params: idParam,
      querystring: { type: 'object', properties: { raw: { type: 'boolean', default: false, description: 'true: a binary result as its bytes with its content type' } } },
      response: {
        200: { description: 'The result (any JSON); with raw=true a binary result as bytes', content: { 'application/json': { schema: {} }, 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        ...errorResponses(401, 404, 409),
      },
    },
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const { raw } = req.query as { raw: boolean };
      const executions = req.project().executions;
      const e = await executions.get(id);
      if (!e) throw notFound('execution', id);
      if (e.resultBytes === null) throw new ApiError('conflict', `execution '${id}' has no result: it is ${e.status}${e.status === 'failed' ? ' (see its error)' : ''}`);
      if (raw) return sendRawResult(reply, executions, e);
      // Streamed a stored chunk at a time: the result is never whole in this process.
      return reply.type('application/json; charset=utf-8').header('content-length', e.resultBytes).send(Readable.from(executions.resultChunks(id)));
    },
  });

  app.get('/v1/executions/:id/logs', {
    config: { access: 'read' },
    schema: {
      summary: "An execution's captured stdout and stderr, live while it runs",
      description:
        'The logs grow while the execution runs (batched, a few times a second) and are final once its status is. ' +
        '`cursor` marks how far this answer went: pass it back as `after` to get only what came since. ' +
        'A cursor beyond the logs (a retried execution starts its logs afresh) gives them from the start, with `reset: true`.',
      tags: ['executions'],
      params: idParam,
      querystring: { type: 'object', properties: { after: { type: 'string', pattern: '^[0-9]{1,12}$', description: 'A `cursor` from an earlier answer' } } },
      response: {
        200: {
          type: 'object',
          required: ['execution_id', 'status', 'logs', 'truncated', 'cursor', 'reset'],
          properties: {
            execution_id: { type: 'string' },
            status: { type: 'string' },
            logs: { type: 'string', description: 'The logs after `after` (all of them without it)' },
            truncated: { type: 'boolean' },
            cursor: { type: 'string', description: 'Pass as `after` to get what comes next' },
            reset: { type: 'boolean', description: '`after` was beyond the logs: these are the logs from the start' },
          },
        },
        ...errorResponses(400, 401, 404),
      },
    },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const { after } = req.query as { after?: string };
      const l = await req.project().executions.logs(id);
      if (!l) throw notFound('execution', id);
      const from = after === undefined ? 0 : Number(after);
      const reset = from > l.logs.length;
      const start = reset ? 0 : from;
      return { execution_id: id, status: l.status, logs: l.logs.slice(start), truncated: l.truncated, cursor: String(l.logs.length), reset };
    },
  });
}

/** Liveness, readiness and the runtime list. */
import type { FastifyInstance } from 'fastify';
import { RUNTIMES } from '../../runtimes.js';
import { errorResponses } from '../schemas.js';
import { VERSION } from '../../version.js';

export default async function healthRoutes(app: FastifyInstance) {
  const { store, queue } = app.fnstack;

  app.get('/health', {
    config: { access: 'public', noBackends: true },
    schema: { summary: 'Liveness', tags: ['service'], response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } } },
    handler: async () => ({ status: 'ok', version: VERSION }),
  });

  app.get('/ready', {
    config: { access: 'public' },
    schema: {
      summary: 'Readiness: the store and the queue answer',
      tags: ['service'],
      response: {
        200: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
        503: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
      },
    },
    handler: async (_req, reply) => {
      const [s, q] = await Promise.all([store.ping(), queue.ping()]);
      const checks = { store: s ? 'ok' : 'unreachable', queue: q ? 'ok' : 'unreachable' };
      return reply.code(s && q ? 200 : 503).send({ status: s && q ? 'ready' : 'not_ready', checks });
    },
  });

  app.get('/v1/runtimes', {
    config: { access: 'read' },
    schema: {
      summary: 'Runtimes functions can use',
      tags: ['functions'],
      response: {
        200: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: { type: 'object', properties: { name: { type: 'string' }, language: { type: 'string' }, version: { type: 'string' }, default: { type: 'boolean' } } },
            },
          },
        },
        ...errorResponses(401),
      },
    },
    handler: async () => ({ items: RUNTIMES.map(({ name, language, version, default: d }) => ({ name, language, version, default: d })) }),
  });
}

/** Liveness, readiness and the runtime list. */
import type { FastifyInstance } from 'fastify';
import { RUNTIMES } from '../../runtimes.js';
import { errorResponses } from '../schemas.js';
import { VERSION } from '../../version.js';
import { readinessOf } from '../../metrics/readiness.js';
import { ServiceMetrics } from '../../metrics/service-metrics.js';

export default async function healthRoutes(app: FastifyInstance) {
  const { store, queue } = app.fnstack;

  app.get('/health', {
    config: { access: 'public', noBackends: true },
    schema: { summary: 'Liveness', tags: ['service'], response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } } },
    handler: async () => ({ status: 'ok', version: VERSION }),
  });

  const readinessBody = { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } } as const;
  app.get('/ready', {
    config: { access: 'public' },
    schema: {
      summary: 'Readiness: the store and the queue answer, and a worker consumes the work queue',
      description: 'checks.workers names the consumers of the work queue (any process); with none, 503: a sync invoke would wait for nobody.',
      tags: ['service'],
      response: { 200: readinessBody, 503: readinessBody },
    },
    handler: async (_req, reply) => {
      const r = await readinessOf(store, queue, true);
      return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks });
    },
  });

  const metrics = app.fnstack.metrics ?? new ServiceMetrics().observe({ store, queue, provider: app.fnstack.provider });
  app.get('/metrics', {
    config: { access: 'read', requires: 'service_admin' },
    schema: {
      summary: 'Prometheus metrics of this process (service admins)',
      description:
        'The Prometheus text format. Labels name every project\'s functions, so only a service admin may read it here; ' +
        'Prometheus scrapes the operator listener instead (operator_port: no authentication, loopback by default).',
      tags: ['service'],
      response: { 200: { type: 'string', description: 'text/plain; version=0.0.4' }, ...errorResponses(401, 403) },
    },
    handler: async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()),
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

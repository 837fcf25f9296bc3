/**
 * The HTTP API as a Fastify app. Route schemas are the single source for validation,
 * serialization and the OpenAPI document at /docs.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { ApiDeps } from './deps.js';
import errors from './plugins/errors.js';
import requestGuards from './plugins/request-guards.js';
import { BODY_LIMITS } from './body-limits.js';
import { clientErrorHandler } from './client-error.js';
import { jsonBodyParser } from './json-body.js';
import auth from './plugins/auth.js';
import operationIds from './plugins/operation-ids.js';
import { SHARED_SCHEMAS } from './schemas.js';
import healthRoutes from './routes/health.js';
import functionRoutes from './routes/functions.js';
import invokeRoutes from './routes/invoke.js';
import executionRoutes from './routes/executions.js';
import accountRoutes from './routes/accounts.js';
import projectRoutes from './routes/projects.js';
import keyRoutes from './routes/keys.js';
import quotaRoutes from './routes/quotas.js';
import auditRoutes from './routes/audit.js';
import eventRoutes from '../listener/events-route.js';
import deadLetterRoutes from './routes/dead-letters.js';
import { VERSION } from '../version.js';
import { AJV_OPTIONS } from './ajv-options.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

export async function buildApi(deps: ApiDeps, logger: Logger | false): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger === false ? undefined : logger,
    logger: logger === false ? false : undefined,
    // Invoke bodies are event data; code uploads go through multipart with their own cap.
    bodyLimit: BODY_LIMITS.json,
    clientErrorHandler,
    ajv: { customOptions: AJV_OPTIONS },
    requestIdHeader: false,
    genReqId: requestIdOf,
  } as never) as unknown as FastifyInstance;
  app.addHook('onRequest', async (req, reply) => {
    void reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser);
  app.decorate('fnstack', deps);
  for (const s of SHARED_SCHEMAS) app.addSchema(s);

  await app.register(errors);
  await app.register(requestGuards);
  // Before any route, so that its route table sees every route (the /docs ones too).
  await app.register(auth);
  // Before swagger, whose own onRoute hook reads the schema.
  await app.register(operationIds);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'fnstack API',
        version: VERSION,
        description: 'Function-as-a-Service for OpenStack clouds',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the document is served by the API it describes, whatever its public URL.
      servers: [{ url: '/', description: 'The fnstack service that serves this document' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Built-in accounts: an API key' },
          keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'Keystone mode: a Keystone token' },
        },
      },
      security: [{ apiKey: [] }, { keystone: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes);
  // Only the function routes take multipart (their own reader sets the limits); anywhere
  // else a multipart body is 415, never silently dropped.
  await app.register(async (scope) => {
    await scope.register(multipart);
    await scope.register(functionRoutes);
  });
  await app.register(invokeRoutes);
  await app.register(import('./routes/destinations.js'));
  await app.register(executionRoutes);
  if (deps.config.provider === 'openstack') await app.register(import('../provisioner/openstack/runner-routes.js'));
  await app.register(accountRoutes);
  await app.register(projectRoutes);
  await app.register(keyRoutes);
  await app.register(quotaRoutes);
  await app.register(auditRoutes);
  await app.register(eventRoutes);
  await app.register(import('./routes/triggers.js'));
  await app.register(import('./routes/hooks.js'));
  await app.register(deadLetterRoutes);
  return app;
}

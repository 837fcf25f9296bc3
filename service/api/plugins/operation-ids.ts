/**
 * The operationId of every public route, in one table, so that generated clients get stable
 * method names (`listFunctions`, `invokeFunction`, …) and the names read as one vocabulary.
 * A route may set `schema.operationId` itself; one that has neither fails the OpenAPI lint
 * test (test/api/openapi-lint.test.ts). Hidden routes (`schema.hide`) need none.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /health': 'getHealth',
  'GET /ready': 'getReadiness',
  'GET /metrics': 'getMetrics',
  'GET /v1/runtimes': 'listRuntimes',
  'POST /v1/functions': 'createFunction',
  'GET /v1/functions': 'listFunctions',
  'GET /v1/functions/:name': 'getFunction',
  'PATCH /v1/functions/:name': 'updateFunction',
  'DELETE /v1/functions/:name': 'deleteFunction',
  'GET /v1/functions/:name/versions': 'listFunctionVersions',
  'POST /v1/functions/:name/invoke': 'invokeFunction',
  'GET /v1/functions/:name/destinations': 'getFunctionDestinations',
  'PUT /v1/functions/:name/destinations': 'setFunctionDestinations',
  'DELETE /v1/functions/:name/destinations': 'deleteFunctionDestinations',
  'GET /v1/executions': 'listExecutions',
  'GET /v1/executions/:id': 'getExecution',
  'GET /v1/executions/:id/result': 'getExecutionResult',
  'GET /v1/executions/:id/logs': 'getExecutionLogs',
  'GET /v1/accounts/me': 'getOwnAccount',
  'GET /v1/accounts': 'listAccounts',
  'POST /v1/accounts': 'createAccount',
  'GET /v1/accounts/:id': 'getAccount',
  'DELETE /v1/accounts/:id': 'deleteAccount',
  'GET /v1/projects': 'listProjects',
  'POST /v1/projects': 'createProject',
  'GET /v1/projects/:id': 'getProject',
  'DELETE /v1/projects/:id': 'deleteProject',
  'POST /v1/keys': 'createKey',
  'GET /v1/keys': 'listKeys',
  'GET /v1/keys/:id': 'getKey',
  'DELETE /v1/keys/:id': 'deleteKey',
  'GET /v1/projects/:id/quotas': 'getProjectQuotas',
  'PUT /v1/projects/:id/quotas': 'setProjectQuotas',
  'DELETE /v1/projects/:id/quotas': 'resetProjectQuotas',
  'GET /v1/audit': 'listAuditRecords',
  'POST /v1/events': 'publishEvents',
  'POST /v1/triggers': 'createTrigger',
  'GET /v1/triggers': 'listTriggers',
  'GET /v1/triggers/:name': 'getTrigger',
  'PATCH /v1/triggers/:name': 'updateTrigger',
  'DELETE /v1/triggers/:name': 'deleteTrigger',
  'POST /v1/triggers/:name/enable': 'enableTrigger',
  'POST /v1/triggers/:name/disable': 'disableTrigger',
  'POST /v1/hooks/:id': 'deliverWebhook',
  'GET /v1/dead-letters': 'listDeadLetters',
  'GET /v1/dead-letters/:id': 'getDeadLetter',
  'DELETE /v1/dead-letters/:id': 'deleteDeadLetter',
  'POST /v1/dead-letters/:id/retry': 'retryDeadLetter',
};

export default fp(async function operationIds(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; operationId?: string } | undefined;
    if (!schema || schema.hide || schema.operationId) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.length !== 1) return;
    const id = OPERATION_IDS[`${methods[0]} ${route.url}`];
    if (id) schema.operationId = id;
  });
});

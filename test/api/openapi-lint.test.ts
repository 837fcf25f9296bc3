/**
 * The public OpenAPI document (/docs/json) passes Redocly's linter with its `recommended`
 * ruleset (the engine of `redocly lint`, @redocly/openapi-core), and leaves the OpenStack
 * runner's internal routes out.
 */
import test from 'ava';
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import runnerRoutes from '../../service/provisioner/openstack/runner-routes.js';
import { SHARED_SCHEMAS } from '../../service/api/schemas.js';
import { startTestService, type TestService } from '../_helpers/service.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
});
test.after.always(async () => {
  await svc?.close();
});

async function docs(): Promise<Record<string, any>> {
  const res = await fetch(`${svc.url}/docs/json`);
  return (await res.json()) as Record<string, any>;
}

/**
 * What `redocly lint` would be told to ignore (its .redocly.lint-ignore.yaml), each with why:
 * the health probes answer no client error (GET /health is 200, GET /ready 200 or 503).
 */
const IGNORED = new Set(['operation-4xx-response #/paths/~1health/get/responses', 'operation-4xx-response #/paths/~1ready/get/responses']);

test('redocly lint (recommended) finds no problem, warnings included', async (t) => {
  const doc = await docs();
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: '/docs.json', config });
  const shown = problems
    .filter((p) => !IGNORED.has(`${p.ruleId} ${p.location[0]?.pointer}`))
    .map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
  t.deepEqual(shown, []);
});

test('every operation has an operationId, unique; invoke, events and hooks declare a request body', async (t) => {
  const doc = await docs();
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  t.false(ids.includes(undefined));
  t.is(new Set(ids).size, ids.length);
  t.truthy(doc.paths['/v1/functions/{name}/invoke'].post.requestBody.content['application/json']);
  t.truthy(doc.paths['/v1/events'].post.requestBody.content['application/cloudevents+json']);
  t.truthy(doc.paths['/v1/hooks/{id}'].post.requestBody.content['application/octet-stream']);
  t.deepEqual(doc.servers, [{ url: '/', description: 'The fnstack service that serves this document' }]);
  t.true(doc.components.schemas.Error.properties.code.enum.includes('not_found'));
  t.true(doc.components.schemas.Execution.required.includes('status'));
  t.truthy(doc.components.schemas.Execution.examples?.[0]?.id);
});

test("the OpenStack runner's routes stay out of the public document", async (t) => {
  // The embedded default has no runner routes: register them alone, as the openstack provider does.
  const app = Fastify();
  app.decorate('fnstack', { store: { db: null }, codeCache: null, config: {} } as never);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
  await app.register(runnerRoutes);
  await app.ready();
  t.true(app.hasRoute({ method: 'POST', url: '/v1/runner/outcome' }), 'the routes exist');
  const paths = Object.keys((app.swagger() as { paths?: Record<string, unknown> }).paths ?? {});
  t.deepEqual(paths.filter((p) => p.startsWith('/v1/runner')), []);
  await app.close();
});

/** Every route that reaches the store or the queue documents its 503 `not_ready` with Retry-After. */
import test from 'ava';
import { startTestService, type TestService } from '../_helpers/service.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
});
test.after.always(async () => {
  await svc?.close();
});

test('the OpenAPI document has the shared 503 response, with its Retry-After header, on every route but /health', async (t) => {
  const doc = (await (await fetch(`${svc.url}/docs/json`)).json()) as { paths: Record<string, Record<string, { responses?: Record<string, any> }>> };
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
  t.true(operations.length > 40);
  const without = operations.filter(({ op }) => !op.responses?.['503']).map(({ route }) => route);
  t.deepEqual(without, ['GET /health'], 'only liveness answers without the back ends');
  const events = doc.paths['/v1/events']!.post!.responses!['503'];
  t.truthy(events.headers?.['retry-after'], 'Retry-After is documented');
  t.regex(events.description, /not_ready/);
  t.deepEqual(events.content['application/json'].schema.properties.code.enum, ['not_ready']);
});

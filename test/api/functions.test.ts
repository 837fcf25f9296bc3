import test from 'ava';
import { startTestService, functionForm, createFunction, RUNTIME, type TestService } from '../_helpers/service.js';
import { makeZip } from '../_helpers/archives.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
});
test.after.always(async () => {
  await svc?.close();
});

const hello = 'exports.handler = async (event) => ({ hello: event.name ?? "world" });';

test('health answers without credentials; other routes need them', async (t) => {
  const h = await fetch(`${svc.url}/health`);
  t.is(h.status, 200);
  t.is(((await h.json()) as { status: string }).status, 'ok');
  const r = await fetch(`${svc.url}/ready`);
  t.is(r.status, 200);
  for (const path of ['/v1/functions', '/v1/executions', '/v1/runtimes']) {
    const res = await fetch(svc.url + path);
    t.is(res.status, 401, path);
    t.is(((await res.json()) as { code: string }).code, 'unauthorized');
  }
  const bad = await fetch(`${svc.url}/v1/functions`, { headers: { authorization: 'Bearer fsk_0123456789abcdef_notthesecretnotthesecret' } });
  t.is(bad.status, 401);
});

test('runtimes list the exact node version', async (t) => {
  const r = await svc.api('GET', '/v1/runtimes');
  t.is(r.status, 200);
  t.deepEqual(r.body.items[0], { name: RUNTIME, language: 'nodejs', version: process.versions.node, default: true });
});

test('the OpenAPI document is served at /docs/json and lists every route', async (t) => {
  const r = await fetch(`${svc.url}/docs/json`);
  t.is(r.status, 200);
  const doc = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
  t.is(doc.openapi, '3.1.0');
  for (const p of ['/v1/functions', '/v1/functions/{name}', '/v1/functions/{name}/invoke', '/v1/functions/{name}/versions', '/v1/executions', '/v1/executions/{id}', '/v1/executions/{id}/logs', '/v1/runtimes', '/health']) {
    t.truthy(doc.paths[p], p);
  }
  t.is((await fetch(`${svc.url}/docs`)).status, 200);
});

test('create, show, list, update (new version), versions, delete', async (t) => {
  const created = await createFunction(svc, 'crud', hello, { memory_mb: 192, env: { GREETING: 'hi' } });
  t.is(created.name, 'crud');
  t.is(created.version, 1);
  t.is(created.memory_mb, 192);
  t.is(created.timeout_s, 30);
  t.is(created.network, true);
  t.deepEqual(created.env, { GREETING: 'hi' });
  t.is(created.code.format, 'js');
  t.regex(created.code.sha256, /^[0-9a-f]{64}$/);

  t.is((await svc.api('GET', '/v1/functions/crud')).body.handler, 'index.handler');
  const list = await svc.api('GET', '/v1/functions?limit=500');
  t.true(list.body.items.some((f: { name: string }) => f.name === 'crud'));

  const json = await svc.api('PATCH', '/v1/functions/crud', { timeout_s: 10 });
  t.is(json.status, 200, JSON.stringify(json.body));
  t.is(json.body.version, 2);
  t.is(json.body.timeout_s, 10);
  t.is(json.body.memory_mb, 192, 'unchanged fields carry over');

  const form = functionForm({ handler: 'main.run' }, { name: 'main.js', content: 'exports.run = () => 2' });
  const withCode = await svc.api('PATCH', '/v1/functions/crud', form);
  t.is(withCode.status, 200, JSON.stringify(withCode.body));
  t.is(withCode.body.version, 3);
  t.is(withCode.body.handler, 'main.run');
  t.not(withCode.body.code.sha256, created.code.sha256);

  const versions = await svc.api('GET', '/v1/functions/crud/versions');
  t.deepEqual(versions.body.items.map((v: { version: number }) => v.version), [3, 2, 1]);
  t.is(versions.body.items[2].code.sha256, created.code.sha256, 'old versions keep their code');

  t.is((await svc.api('DELETE', '/v1/functions/crud')).status, 204);
  t.is((await svc.api('GET', '/v1/functions/crud')).status, 404);
  t.is((await svc.api('DELETE', '/v1/functions/crud')).status, 404);
});

test('a zip with node_modules is accepted', async (t) => {
  const zip = makeZip([
    { name: 'package.json', data: '{"name":"z","version":"1.0.0"}' },
    { name: 'index.js', data: 'const pad = require("left-pad"); exports.handler = () => pad("x", 3);' },
    { name: 'node_modules/left-pad/index.js', data: 'module.exports = (s, n) => String(s).padStart(n)' },
  ]);
  const r = await svc.api('POST', '/v1/functions', functionForm({ name: 'zipped', runtime: RUNTIME, handler: 'index.handler' }, { name: 'fn.zip', content: zip }));
  t.is(r.status, 201, JSON.stringify(r.body));
  t.is(r.body.code.format, 'zip');
});

const badCreates: Array<[string, unknown, { name: string; content: string | Buffer } | undefined, number, string, RegExp?]> = [
  ['missing metadata', undefined, { name: 'index.js', content: hello }, 400, 'metadata'],
  ['metadata not JSON', '{nope', { name: 'index.js', content: hello }, 400, 'metadata', /not valid JSON/],
  ['missing name', { runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: hello }, 400, 'name'],
  ['bad name', { name: 'Bad Name', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: hello }, 400, 'name'],
  ['unknown runtime', { name: 'x1', runtime: 'python3', handler: 'index.handler' }, { name: 'index.js', content: hello }, 400, 'runtime', /available: nodejs/],
  ['bad handler', { name: 'x2', runtime: RUNTIME, handler: 'index' }, { name: 'index.js', content: hello }, 400, 'handler', /FILE.EXPORT/],
  ['memory too small', { name: 'x3', runtime: RUNTIME, handler: 'index.handler', memory_mb: 1 }, { name: 'index.js', content: hello }, 400, 'memory_mb'],
  ['memory over the limit', { name: 'x4', runtime: RUNTIME, handler: 'index.handler', memory_mb: 999999 }, { name: 'index.js', content: hello }, 400, 'memory_mb', /limit/],
  ['memory not a number', { name: 'x5', runtime: RUNTIME, handler: 'index.handler', memory_mb: 'lots' }, { name: 'index.js', content: hello }, 400, 'memory_mb'],
  ['timeout over the limit', { name: 'x6', runtime: RUNTIME, handler: 'index.handler', timeout_s: 100000 }, { name: 'index.js', content: hello }, 400, 'timeout_s'],
  ['bad env name', { name: 'x7', runtime: RUNTIME, handler: 'index.handler', env: { 'no-dash': 'x' } }, { name: 'index.js', content: hello }, 400, 'env.no-dash'],
  ['unknown field', { name: 'x8', runtime: RUNTIME, handler: 'index.handler', colour: 'red' }, { name: 'index.js', content: hello }, 400, 'colour', /unknown field/],
  ['missing code', { name: 'x9', runtime: RUNTIME, handler: 'index.handler' }, undefined, 400, 'code'],
  ['empty code', { name: 'x10', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: '' }, 422, 'code', /empty/],
  ['handler file missing', { name: 'x11', runtime: RUNTIME, handler: 'main.handler' }, { name: 'index.js', content: hello }, 422, 'code', /not found/],
  ['traversal in zip', { name: 'x12', runtime: RUNTIME, handler: 'index.handler' }, { name: 'a.zip', content: makeZip([{ name: 'index.js', data: '' }, { name: '../x', data: '' }]) }, 422, 'code', /outside/],
  ['unknown file type', { name: 'x13', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.py', content: 'print(1)' }, 422, 'code', /format/],
];

for (const [title, metadata, code, status, field, message] of badCreates) {
  test(`create rejects ${title} with ${status} naming '${field}'`, async (t) => {
    const form = new FormData();
    if (metadata !== undefined) form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
    if (code) form.append('code', new Blob([code.content]), code.name);
    const r = await svc.api('POST', '/v1/functions', form);
    t.is(r.status, status, JSON.stringify(r.body));
    t.is(r.body.field, field, JSON.stringify(r.body));
    t.is(typeof r.body.message, 'string');
    if (message) t.regex(r.body.message, message);
    const name = (metadata as { name?: string } | undefined)?.name;
    if (typeof name === 'string') t.is((await svc.api('GET', `/v1/functions/${name}`)).status, 404, 'nothing was created');
  });
}

test('create rejects a JSON body (needs multipart) and a duplicate name', async (t) => {
  const r = await svc.api('POST', '/v1/functions', { name: 'json', runtime: RUNTIME, handler: 'index.handler' });
  t.is(r.status, 415);
  await createFunction(svc, 'dup', hello);
  const again = await svc.api('POST', '/v1/functions', functionForm({ name: 'dup', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: hello }));
  t.is(again.status, 409);
  t.is(again.body.field, 'name');
});

test('an upload over the size cap is refused with 413', async (t) => {
  const small = await startTestService({ env: { FNSTACK_CODE_MAX_BYTES: '2048' } });
  try {
    const r = await small.api('POST', '/v1/functions', functionForm({ name: 'big', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: 'x'.repeat(10_000) }));
    t.is(r.status, 413, JSON.stringify(r.body));
    t.is(r.body.code, 'payload_too_large');
    t.is((await small.api('GET', '/v1/functions/big')).status, 404);
  } finally {
    await small.close();
  }
});

test('update rejects bad input and unknown functions', async (t) => {
  await createFunction(svc, 'upd', hello);
  t.is((await svc.api('PATCH', '/v1/functions/nope', { timeout_s: 5 })).status, 404);
  const bad = await svc.api('PATCH', '/v1/functions/upd', { timeout_s: -1 });
  t.is(bad.status, 400);
  t.is(bad.body.field, 'timeout_s');
  const handler = await svc.api('PATCH', '/v1/functions/upd', { handler: 'other.handler' });
  t.is(handler.status, 422, 'a handler the current code lacks');
  t.is((await svc.api('GET', '/v1/functions/upd')).body.version, 1, 'nothing changed');
});

/**
 * Writing functions as users of Lambda do: binary results, module init apart from the
 * timeout, packages uploaded without node_modules, and load errors that say what to fix.
 */
import test from 'ava';
import { startTestService, createFunction, functionForm, RUNTIME, type TestService } from '../_helpers/service.js';
import { makeTarGz } from '../_helpers/archives.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
  await createFunction(svc, 'png', "exports.handler = () => ({ $binary: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]), content_type: 'image/png' });");
  await createFunction(svc, 'bytes', "exports.handler = () => new Uint8Array([1, 2, 3]);");
  await createFunction(svc, 'sly', "exports.handler = () => ({ $binary: Buffer.from('<script>'), content_type: 'text/html\\r\\nx-evil: 1' });");
  await createFunction(svc, 'slow-init', 'const end = Date.now() + 1200; while (Date.now() < end) {} exports.handler = (e, ctx) => ({ left: ctx.getRemainingTimeMs() });', { timeout_s: 2 });
  await createFunction(svc, 'misnamed', 'exports.main = () => 1; exports.helper = () => 2;');
});
test.after.always(async () => {
  await svc?.close();
});

const raw = (path: string, init: RequestInit = {}) =>
  fetch(svc.url + path, { ...init, headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

test('a binary result is recorded as base64 with its content type', async (t) => {
  const r = await svc.api('POST', '/v1/functions/png/invoke', {});
  t.is(r.body.status, 'succeeded', JSON.stringify(r.body));
  t.deepEqual(r.body.result, { $binary: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]).toString('base64'), content_type: 'image/png' });
});

test('a sync invoke with raw=true answers the bytes with their content type', async (t) => {
  const res = await raw('/v1/functions/png/invoke?raw=true', { method: 'POST', body: '{}' });
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'image/png');
  t.is(res.headers.get('x-fnstack-execution-status'), 'succeeded');
  t.truthy(res.headers.get('x-fnstack-execution-id'));
  t.is(res.headers.get('x-content-type-options'), 'nosniff');
  t.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]));
});

test('GET result?raw=true answers a returned Uint8Array as application/octet-stream bytes', async (t) => {
  const e = (await svc.api('POST', '/v1/functions/bytes/invoke', {})).body;
  const res = await raw(`/v1/executions/${e.id}/result?raw=true`);
  t.is(res.headers.get('content-type'), 'application/octet-stream');
  t.deepEqual([...new Uint8Array(await res.arrayBuffer())], [1, 2, 3]);
  const json = await raw(`/v1/executions/${e.id}/result`);
  t.regex(json.headers.get('content-type') ?? '', /application\/json/);
  t.deepEqual(await json.json(), { $binary: 'AQID', content_type: 'application/octet-stream' });
});

test('a malformed content type from the function is not used', async (t) => {
  const res = await raw('/v1/functions/sly/invoke?raw=true', { method: 'POST', body: '{}' });
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/octet-stream');
  t.is(res.headers.get('x-evil'), null);
});

test('raw=true with a JSON result answers its JSON text; a failed run answers the Execution', async (t) => {
  await createFunction(svc, 'plain', 'exports.handler = () => ({ a: 1 });');
  const ok = await raw('/v1/functions/plain/invoke?raw=true', { method: 'POST', body: '{}' });
  t.deepEqual(await ok.json(), { a: 1 });
  const bad = await raw('/v1/functions/misnamed/invoke?raw=true', { method: 'POST', body: '{}' });
  t.is(bad.headers.get('x-fnstack-execution-status'), 'failed');
  t.is(((await bad.json()) as { status: string }).status, 'failed');
});

test('module init has its own time: recorded as init_ms, not taken from the timeout', async (t) => {
  const r = await svc.api('POST', '/v1/functions/slow-init/invoke', {});
  t.is(r.body.status, 'succeeded', JSON.stringify(r.body));
  t.true(r.body.timings.init_ms >= 1000, JSON.stringify(r.body.timings));
  t.true(r.body.result.left > 1200, `the handler had ${r.body.result.left} ms of its 2000 left`);
  const shown = await svc.api('GET', `/v1/executions/${r.body.id}`);
  t.is(shown.body.timings.init_ms, r.body.timings.init_ms);
  const listed = await svc.api('GET', '/v1/executions?function=slow-init');
  t.is(listed.body.items[0].timings.init_ms, r.body.timings.init_ms);
});

test('a missing export: the load error lists what the module exports', async (t) => {
  const r = await svc.api('POST', '/v1/functions/misnamed/invoke', {});
  t.is(r.body.error.kind, 'load_error');
  t.is(r.body.error.message, "handler 'handler' not found in index.js; the module exports: helper, main");
});

test('a package.json with dependencies and no node_modules is accepted with a warning', async (t) => {
  const pkg = { name: 'x', dependencies: { lodash: '^4', '@scope/there': '1' }, devDependencies: { ava: '1' } };
  const archive = await makeTarGz([
    { name: 'package.json', data: JSON.stringify(pkg) },
    { name: 'index.js', data: 'exports.handler = () => 1;' },
    { name: 'node_modules/@scope/there/index.js', data: '' },
  ]);
  const r = await svc.api('POST', '/v1/functions', functionForm({ name: 'nodeps', runtime: RUNTIME, handler: 'index.handler' }, { name: 'code.tar.gz', content: archive }));
  t.is(r.status, 201, JSON.stringify(r.body));
  t.is(r.body.warnings.length, 1);
  t.regex(r.body.warnings[0], /no node_modules\/ for lodash\)/);
  t.notRegex(r.body.warnings[0], /ava|@scope/);
  t.regex(r.body.warnings[0], /npm install --omit=dev/);
  t.is(r.body.name, 'nodeps', 'the rest of the Function is still there');

  const complete = await makeTarGz([
    { name: 'package.json', data: JSON.stringify({ name: 'x', dependencies: { lodash: '^4' } }) },
    { name: 'index.js', data: 'exports.handler = () => 1;' },
    { name: 'node_modules/lodash/index.js', data: '' },
  ]);
  const form = new FormData();
  form.append('code', new Blob([complete]), 'code.tar.gz');
  const u = await svc.api('PATCH', '/v1/functions/nodeps', form);
  t.is(u.status, 200, JSON.stringify(u.body));
  t.deepEqual(u.body.warnings, []);
});

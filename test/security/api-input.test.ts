/**
 * Hostile input at the API: function variables that steer the loader, libc or the runtime,
 * and request bodies built to break the parsers. Each answer is a 4xx naming the field or
 * the limit, and nothing is stored.
 */
import net from 'node:net';
import test from 'ava';
import { startTestService, createFunction, functionForm, RUNTIME, type TestService } from '../_helpers/service.js';
import { Store } from '../../service/store/store.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
  await createFunction(svc, 'echo', 'exports.handler = async (event) => ({ data: event.data, v: process.env.GREETING });', { env: { GREETING: 'hi' } });
});
test.after.always(async () => {
  await svc?.close();
});

const REFUSED = [
  'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'ld_preload', 'GCONV_PATH', 'GETCONF_DIR', 'GLIBC_TUNABLES', 'HOSTALIASES',
  'LOCALDOMAIN', 'LOCPATH', 'MALLOC_CHECK_', 'MALLOC_ARENA_MAX', 'NIS_PATH', 'NLSPATH', 'RESOLV_HOST_CONF', 'RES_OPTIONS',
  'TMPDIR', 'TZDIR', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'UV_THREADPOOL_SIZE', 'OPENSSL_CONF', 'SSL_CERT_FILE',
  'BASH_ENV', 'ENV', 'IFS', 'PATH', 'HOME', 'FNSTACK_EXECUTION_ID', 'FNSTACK_ANYTHING',
];

for (const name of REFUSED) {
  test(`env ${name} is refused at create and at update, naming it`, async (t) => {
    const fnName = `f-${name.toLowerCase().replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, '');
    const create = await svc.api('POST', '/v1/functions', functionForm({ name: fnName, runtime: RUNTIME, handler: 'index.handler', env: { OK: '1', [name]: './x.so' } }, { name: 'index.js', content: 'exports.handler = () => 1;' }));
    t.is(create.status, 400, JSON.stringify(create.body));
    t.is(create.body.code, 'invalid_request');
    t.is(create.body.field, `env.${name}`);
    t.true(create.body.message.includes(name));
    t.is((await svc.api('GET', `/v1/functions/${fnName}`)).status, 404, 'nothing was created');

    const update = await svc.api('PATCH', '/v1/functions/echo', { env: { [name]: '/tmp' } });
    t.is(update.status, 400, JSON.stringify(update.body));
    t.is(update.body.field, `env.${name}`);
    const form = new FormData();
    form.append('metadata', JSON.stringify({ env: { [name]: 'x' } }));
    const multipartUpdate = await svc.api('PATCH', '/v1/functions/echo', form);
    t.is(multipartUpdate.status, 400);
    t.is(multipartUpdate.body.field, `env.${name}`);
    const fn = await svc.api('GET', '/v1/functions/echo');
    t.is(fn.body.version, 1, 'no new version');
    t.deepEqual(fn.body.env, { GREETING: 'hi' });
  });
}

test('a variable stored before the check is not carried into a new version', async (t) => {
  await createFunction(svc, 'legacy', 'exports.handler = async () => 1;', { env: { KEEP: '1' } });
  const store = await Store.open(svc.databaseUrl, { migrate: false });
  try {
    await store.db
      .updateTable('function_versions')
      .set({ env_json: JSON.stringify({ KEEP: '1', LD_PRELOAD: './x.so' }) })
      .where('function_id', 'in', store.db.selectFrom('functions').select('id').where('name', '=', 'legacy'))
      .execute();
  } finally {
    await store.close();
  }
  const r = await svc.api('PATCH', '/v1/functions/legacy', { timeout_s: 5 });
  t.is(r.status, 400, JSON.stringify(r.body));
  t.is(r.body.field, 'env.LD_PRELOAD');
  t.regex(r.body.message, /stored before this check/);
  const cleaned = await svc.api('PATCH', '/v1/functions/legacy', { timeout_s: 5, env: { KEEP: '1' } });
  t.is(cleaned.status, 200);
  t.deepEqual(cleaned.body.env, { KEEP: '1' });
});

test('env bounds: name syntax and length, NUL in a value, the total size', async (t) => {
  const cases: Array<[Record<string, string> | string, string, RegExp]> = [
    [{ 'A-B': 'x' }, 'env.A-B', /letters, digits and _/],
    [{ '1A': 'x' }, 'env.1A', /does not start with a digit/],
    [{ ['A'.repeat(129)]: 'x' }, `env.${'A'.repeat(129)}`, /at most 128/],
    [{ A: 'x\u0000y' }, 'env.A', /NUL/],
    [{ A: 'a'.repeat(3000), B: 'b'.repeat(1100) }, 'env.B', /limit of 4096 bytes/],
    [{ A: 'é'.repeat(2048) }, 'env.A', /limit of 4096 bytes/],
    [{ __Proto__: 'x' }, 'env.__Proto__', /reserved/],
  ];
  for (const [env, field, message] of cases) {
    const body = typeof env === 'string' ? env : JSON.stringify({ env });
    const r = await fetch(`${svc.url}/v1/functions/echo`, { method: 'PATCH', headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' }, body });
    const b = (await r.json()) as { field: string; message: string };
    t.is(r.status, 400, `${field}: ${JSON.stringify(b)}`);
    t.is(b.field, field);
    t.regex(b.message, message);
  }
  // (another function: the other tests expect echo to stay at version 1)
  await createFunction(svc, 'bounds', 'exports.handler = async () => process.env.GREETING;');
  const ok = await svc.api('PATCH', '/v1/functions/bounds', { env: { GREETING: 'hello', A: 'a'.repeat(4000) } });
  t.is(ok.status, 200, 'just under the total limit is accepted');
  const run = await svc.api('POST', '/v1/functions/bounds/invoke', { n: 1 });
  t.is(run.body.result, 'hello');
});

type Body = RequestInit['body'];
const parsed = (text: string): any => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
async function send(path: string, init: { method?: string; body?: Body; headers?: Record<string, string> } = {}) {
  const r = await fetch(svc.url + path, { method: init.method ?? 'POST', headers: { authorization: `Bearer ${svc.apiKey}`, ...init.headers }, body: init.body ?? null });
  return { status: r.status, body: parsed(await r.text()) };
}
/** A request written byte for byte (fetch merges repeated headers into one). */
function rawRequest(head: string[], body = ''): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.end([...head, `content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body].join('\r\n'));
    });
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(answer.split(' ')[1]), body: parsed(answer.slice(answer.indexOf('\r\n\r\n') + 4)) }));
  });
}
const json = (path: string, body: Body, method = 'POST') => send(path, { method, body, headers: { 'content-type': 'application/json' } });
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObjects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const form = (metadata: string) => {
  const f = new FormData();
  f.append('metadata', metadata);
  f.append('code', new Blob(['exports.handler = () => 1;']), 'index.js');
  return f;
};

test('a JSON depth bomb is 400 naming the depth limit, at invoke, update, create and the events route', async (t) => {
  for (const [what, r] of [
    ['invoke', await json('/v1/functions/echo/invoke', deepArrays(100_000))],
    ['invoke (objects)', await json('/v1/functions/echo/invoke', deepObjects(100_000))],
    ['update', await json('/v1/functions/echo', `{"env":${deepObjects(100_000)}}`, 'PATCH')],
    ['events', await send('/v1/events', { body: deepArrays(100_000), headers: { 'content-type': 'application/cloudevents+json' } })],
  ] as const) {
    t.is(r.status, 400, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
    t.is(r.body.code, 'invalid_request');
    t.is(r.body.field, 'body');
    t.regex(r.body.message, /nested deeper than 100 levels/);
  }
  const create = await send('/v1/functions', { body: form(`{"name":"deep","runtime":"${RUNTIME}","handler":"index.handler","env":${deepObjects(10_000)}}`) });
  t.is(create.status, 400);
  t.is(create.body.field, 'metadata');
  t.regex(create.body.message, /nested deeper than 100 levels/);
  const ok = await json('/v1/functions/echo/invoke', deepArrays(100));
  t.is(ok.status, 200, '100 levels are fine');
  t.is((await send('/health', { method: 'GET' })).status, 200);
});

test('a webhook delivery with a depth bomb is 400, not 500', async (t) => {
  const trig = await svc.api('POST', '/v1/triggers', { name: 'hook', function: 'echo', kind: 'http' });
  t.is(trig.status, 201, JSON.stringify(trig.body));
  const r = await fetch(`${svc.url}/v1/hooks/${trig.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-secret': trig.body.secret }, body: deepArrays(100_000) });
  t.is(r.status, 400);
  t.regex(((await r.json()) as { message: string }).message, /nested deeper than 100 levels/);
});

test('multipart without a boundary, cut off in the middle, or malformed is 400; anywhere else multipart is 415', async (t) => {
  const noBoundary = await send('/v1/functions', { body: 'abc', headers: { 'content-type': 'multipart/form-data' } });
  t.is(noBoundary.status, 400, JSON.stringify(noBoundary.body));
  t.is(noBoundary.body.field, 'body');
  t.regex(noBoundary.body.message, /multipart body is malformed/);
  const cut = await send('/v1/functions', { body: '--XX\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"name":"q"', headers: { 'content-type': 'multipart/form-data; boundary=XX' } });
  t.is(cut.status, 400, JSON.stringify(cut.body));
  t.regex(cut.body.message, /multipart body is malformed/);
  const badHeader = await send('/v1/functions', { body: '--XX\r\nno header here\r\n\r\nx\r\n--XX--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=XX' } });
  t.true(badHeader.status >= 400 && badHeader.status < 500, JSON.stringify(badHeader.body));
  const patchCut = await send('/v1/functions/echo', { method: 'PATCH', body: '--XX\r\nContent-Disposition: form-data; name="code"; filename="a.js"\r\n\r\nexports', headers: { 'content-type': 'multipart/form-data; boundary=XX' } });
  t.is(patchCut.status, 400, JSON.stringify(patchCut.body));
  t.is((await svc.api('GET', '/v1/functions/echo')).body.version, 1, 'nothing changed');
  const extra = new FormData();
  extra.append('metadata', '{}');
  extra.append('other', 'x');
  const unknown = await send('/v1/functions/echo', { method: 'PATCH', body: extra });
  t.is(unknown.status, 400);
  const toInvoke = new FormData();
  toInvoke.append('a', 'b');
  const invoke = await send('/v1/functions/echo/invoke', { body: toInvoke });
  t.is(invoke.status, 415, JSON.stringify(invoke.body));
  t.is(invoke.body.code, 'unsupported_media_type');
});

test('oversize bodies are 413 naming the real limit of the route', async (t) => {
  const big = await json('/v1/functions/echo/invoke', JSON.stringify('x'.repeat(7 * 1024 * 1024)));
  t.is(big.status, 413);
  t.is(big.body.code, 'payload_too_large');
  t.is(big.body.field, 'body');
  t.regex(big.body.message, /6 MiB \(6291456 bytes\)/);
  t.notRegex(big.body.message, /50 MiB|52428800/);
  const meta = await send('/v1/functions', { body: form(JSON.stringify({ name: 'm', runtime: RUNTIME, handler: 'index.handler', env: { A: 'x'.repeat(70_000) } })) });
  t.is(meta.status, 413, JSON.stringify(meta.body));
  t.is(meta.body.field, 'metadata');
  t.regex(meta.body.message, /64 KiB \(65536 bytes\)/);

  const small = await startTestService({ env: { FNSTACK_CODE_MAX_BYTES: '4096' } });
  try {
    const f = new FormData();
    f.append('metadata', JSON.stringify({ name: 'c', runtime: RUNTIME, handler: 'index.handler' }));
    f.append('code', new Blob([`exports.handler = () => 1; // ${'x'.repeat(5000)}`]), 'index.js');
    const code = await small.api('POST', '/v1/functions', f);
    t.is(code.status, 413, JSON.stringify(code.body));
    t.is(code.body.field, 'code');
    t.regex(code.body.message, /4 KiB \(4096 bytes\)/);
  } finally {
    await small.close();
  }
});

test('invalid UTF-8, duplicate keys, __proto__ and constructor.prototype are 400 and nothing runs', async (t) => {
  await createFunction(svc, 'quiet', 'exports.handler = async (event) => event.data;');
  const cases: Array<[string, Body, RegExp]> = [
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /not valid UTF-8/],
    ['duplicate keys', '{"a":1,"b":{"c":1,"c":2}}', /"c" appears twice/],
    ['escaped duplicate', '{"a":1,"\\u0061":2}', /"a" appears twice/],
    ['__proto__', '{"x":{"__proto__":{"admin":true}}}', /__proto__/],
    ['escaped __proto__', '{"\\u005f_proto__":{}}', /__proto__/],
    ['constructor.prototype', '{"constructor":{"prototype":{"x":1}}}', /constructor\.prototype/],
    ['not JSON', '{"a":', /not valid JSON/],
  ];
  for (const [what, body, message] of cases) {
    const r = await json('/v1/functions/quiet/invoke', body);
    t.is(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
    t.is(r.body.field, 'body', what);
    t.regex(r.body.message, message, what);
  }
  const meta = await send('/v1/functions', { body: form(`{"name":"pp","runtime":"${RUNTIME}","handler":"index.handler","env":{"__proto__":"x"}}`) });
  t.is(meta.status, 400);
  t.is(meta.body.field, 'metadata');
  t.is((await svc.api('GET', '/v1/functions/pp')).status, 404);
  t.deepEqual((await svc.api('GET', '/v1/executions?function=quiet')).body.items, [], 'no execution was made');
  const fine = await json('/v1/functions/quiet/invoke', '{"constructor":"ok","prototype":1,"a":{"b":1},"c":{"b":2}}');
  t.is(fine.status, 200, 'the same key in different objects, and those words as plain keys, are fine');
});

test('a body with 300k keys is accepted and the service keeps answering', async (t) => {
  const many = `{${Array.from({ length: 300_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
  const r = await json('/v1/functions/echo/invoke?mode=async', many);
  t.is(r.status, 202);
  t.is((await send('/health', { method: 'GET' })).status, 200);
});

test('URLs and headers: an overlong URL or query is 431 naming the limit; repeated parameters and headers are 400; compressed bodies 415', async (t) => {
  const params = await send(`/v1/executions?${Array.from({ length: 10_000 }, (_, i) => `p${i}=1`).join('&')}`, { method: 'GET' });
  t.is(params.status, 431);
  t.is(params.body.code, 'headers_too_large');
  t.regex(params.body.message, /16 KiB \(16384 bytes\)/);
  const url = await send(`/v1/functions/${'a'.repeat(100_000)}`, { method: 'GET' });
  t.is(url.status, 431);
  t.is(url.body.code, 'headers_too_large');
  const twice = await send('/v1/executions?limit=1&limit=2', { method: 'GET' });
  t.is(twice.status, 400);
  t.is(twice.body.field, 'querystring.limit');
  const auth = `authorization: Bearer ${svc.apiKey}`;
  const ceId = await rawRequest(['POST /v1/functions/echo/invoke HTTP/1.1', 'host: x', auth, 'content-type: application/json', 'ce-id: a', 'ce-id: b'], '{}');
  t.is(ceId.status, 400, JSON.stringify(ceId.body));
  t.is(ceId.body.field, 'headers.ce-id');
  const twoKeys = await rawRequest(['GET /v1/functions HTTP/1.1', 'host: x', auth, 'authorization: Bearer nope']);
  t.is(twoKeys.status, 400);
  t.is(twoKeys.body.field, 'headers.authorization');
  const twoTypes = await rawRequest(['POST /v1/functions/echo/invoke HTTP/1.1', 'host: x', auth, 'content-type: application/json', 'content-type: text/plain'], '{}');
  t.is(twoTypes.status, 400);
  const gzip = await send('/v1/functions/echo/invoke', { body: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
  t.is(gzip.status, 415);
  t.is(gzip.body.field, 'headers.content-encoding');
});

test('NODE_ENV, which libraries read and Node does not, is a variable like any other', async (t) => {
  const name = `node-env-${Date.now()}`;
  const create = await svc.api('POST', '/v1/functions', functionForm({ name, runtime: RUNTIME, handler: 'index.handler', env: { NODE_ENV: 'production' } }, { name: 'index.js', content: 'exports.handler = () => process.env.NODE_ENV;' }));
  t.is(create.status, 201, JSON.stringify(create.body));
  const run = await svc.api('POST', `/v1/functions/${name}/invoke`, {});
  t.is(run.body?.result, 'production', JSON.stringify(run.body));
});

/**
 * Hostile input at the API: function variables that steer the loader, libc or the runtime,
 * and request bodies built to break the parsers. Each answer is a 4xx naming the field or
 * the limit, and nothing is stored.
 */
import test from 'ava';
import { startTestService, createFunction, functionForm, RUNTIME, type TestService } from '../_helpers/service.js';

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
  const ok = await svc.api('PATCH', '/v1/functions/echo', { env: { GREETING: 'hello', A: 'a'.repeat(4000) } });
  t.is(ok.status, 200, 'just under the total limit is accepted');
  const run = await svc.api('POST', '/v1/functions/echo/invoke', { n: 1 });
  t.is(run.body.result.v, 'hello');
  t.is((await svc.api('PATCH', '/v1/functions/echo', { env: { GREETING: 'hi' } })).status, 200);
});

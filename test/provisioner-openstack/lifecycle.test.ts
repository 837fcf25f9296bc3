/**
 * One event, one Nova server, end to end through the service: create a function, invoke
 * it, the server boots (real Nova, fake driver), the guest harness runs its user_data, the
 * runner pulls the assignment and the code, runs it, posts the outcome; result and logs
 * come back, and Nova's own API shows the server gone afterwards.
 */
import test from 'ava';
import { startService } from '../../service/main.js';
import { makeZip } from '../_helpers/archives.js';
import { cleanupPrefix, computeAs, functionForm, invokeAsync, RUNTIME, startOpenStackService, waitFinal, waitGone, withOpenStack, type OsService } from './_fixtures.js';
import { parseUserData, USER_DATA_MARKER } from '../../service/provisioner/openstack/user-data.js';

withOpenStack((cloud) => {
  let svc: OsService;
  test.before(async () => {
    svc = await startOpenStackService(cloud);
  });
  test.after.always(async () => {
    await svc?.close();
    if (svc) await cleanupPrefix(cloud, svc.prefix);
  });

  test.serial('a single-file function runs in its own server; result, logs and placement come back; the server is deleted', async (t) => {
    const source = `exports.handler = async (event, ctx) => { console.log('hello from the VM', ctx.functionName); console.error('to stderr'); return { got: event.data, fn: ctx.functionName, node: process.version }; };`;
    const created = await svc.api('POST', '/v1/functions', functionForm({ name: 'hello', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: source }));
    t.is(created.status, 201, JSON.stringify(created.body));

    const t0 = Date.now();
    const id = await invokeAsync(svc, 'hello', { n: 42 });
    const ex = await waitFinal(svc, id);
    t.log(`event → result ${Date.now() - t0} ms; placement ${JSON.stringify(ex.placement)}`);
    t.is(ex.status, 'succeeded', JSON.stringify(ex));
    t.deepEqual(ex.result, { got: { n: 42 }, fn: 'hello', node: process.version });
    const logs = await svc.api('GET', `/v1/executions/${id}/logs`);
    t.is(logs.status, 200);
    t.regex(JSON.stringify(logs.body), /hello from the VM hello/);
    t.regex(JSON.stringify(logs.body), /to stderr/);

    const d = ex.placement.details;
    t.is(ex.placement.provider, 'openstack');
    t.is(d.flavor, 'fn.tiny');
    t.is(d.image, cloud.image.name);
    t.regex(d.reason, /^smallest of 5 flavors with ≥ 192 MiB, ≥ 1 vCPU, ≥ 1 GB disk/);
    t.is(d.pool, 'off');
    t.is(typeof d.provisioningMs, 'number');
    t.is(d.serverName, `${svc.prefix}${id}`);

    // What Nova was asked for: metadata tying the server to the service and the execution, the user_data.
    const guest = svc.harness.guests.get(d.server);
    t.truthy(guest, 'the harness saw the server ACTIVE');
    t.true(guest!.userData!.includes(USER_DATA_MARKER));
    t.true(Buffer.from(guest!.userData!).toString('base64').length < 4096, 'user_data stays small');

    t.true(await waitGone(computeAs(cloud), d.server), 'Nova answers 404 for the server afterwards');

    // One server, one event: the server's token is dead once it is released.
    const { token } = parseUserData(guest!.userData!)!;
    const again = await fetch(`${svc.url}/v1/runner/assignment?wait=0`, { headers: { authorization: `Bearer ${token}` } });
    t.is(again.status, 401);
    t.is(guest!.exitCode, 0, 'the runner exited after reporting');
  });

  test.serial('a zip package with subdirectories is unpacked by the service and untarred by the runner', async (t) => {
    const zip = makeZip([
      { name: 'package.json', data: JSON.stringify({ name: 'z', type: 'module' }) },
      { name: 'src/main.js', data: `import { twice } from '../lib/util/math.js'; export async function run(e) { return { twice: twice(e.data.x) }; }` },
      { name: 'lib/util/math.js', data: `export const twice = (x) => x * 2;` },
    ]);
    const created = await svc.api('POST', '/v1/functions', functionForm({ name: 'zipped', runtime: RUNTIME, handler: 'src/main.run' }, { name: 'code.zip', content: zip }));
    t.is(created.status, 201, JSON.stringify(created.body));
    const ex = await waitFinal(svc, await invokeAsync(svc, 'zipped', { x: 21 }));
    t.is(ex.status, 'succeeded', JSON.stringify(ex));
    t.deepEqual(ex.result, { twice: 42 });
    t.true(await waitGone(computeAs(cloud), ex.placement.details.server));
  });

  test.serial('a handler that throws fails with handler_error and its logs; the server is still deleted', async (t) => {
    const created = await svc.api('POST', '/v1/functions', functionForm({ name: 'thrower', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: `exports.handler = async () => { console.log('about to throw'); throw new Error('boom in the VM'); };` }));
    t.is(created.status, 201);
    const ex = await waitFinal(svc, await invokeAsync(svc, 'thrower', {}));
    t.is(ex.status, 'failed');
    t.is(ex.error.kind, 'handler_error');
    t.regex(ex.error.message, /boom in the VM/);
    t.true(await waitGone(computeAs(cloud), ex.placement.details.server));
  });

  test.serial('what the provider cannot honour yet is refused at create, naming the field', async (t) => {
    const source = 'exports.handler = () => 1;';
    for (const [extra, field] of [[{ isolation: 'reuse' }, 'isolation'], [{ network: false }, 'network']] as const) {
      const r = await svc.api('POST', '/v1/functions', functionForm({ name: `refused-${field}`, runtime: RUNTIME, handler: 'index.handler', ...extra }, { name: 'index.js', content: source }));
      t.is(r.status, 422, JSON.stringify(r.body));
      t.is(r.body.field, field);
    }
  });

  test.serial('the runner routes refuse a wrong token', async (t) => {
    for (const path of ['/v1/runner/program', '/v1/runner/assignment?wait=0', '/v1/runner/code']) {
      const res = await fetch(svc.url + path, { headers: { authorization: 'Bearer not-a-token' } });
      t.is(res.status, 401, path);
      t.is(((await res.json()) as { code: string }).code, 'unauthorized');
    }
    const post = await fetch(svc.url + '/v1/runner/outcome', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'succeeded', logs: '', logsTruncated: false, startedAt: 0, finishedAt: 0 }) });
    t.is(post.status, 401);
  });

  test('API and worker as separate service instances sharing only the store: the runner talks to the API, the worker waiting in run() gets the outcome through the store', async (t) => {
    const api = await startOpenStackService(cloud, { env: { FNSTACK_ROLE: 'api' } });
    t.teardown(async () => {
      await api.close();
      await cleanupPrefix(cloud, api.prefix);
    });
    // The worker shares the store and the public URL (the API's), and listens nowhere.
    const worker = await startService({ env: { ...api.env, FNSTACK_ROLE: 'worker' }, role: 'worker', log: false });
    t.teardown(() => worker.close());
    t.is(worker.url, null);
    const created = await api.api('POST', '/v1/functions', functionForm({ name: 'split', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: `exports.handler = async (e) => ({ pid: process.pid, e: e.data });` }));
    t.is(created.status, 201);
    const ex = await waitFinal(api, await invokeAsync(api, 'split', 'x'));
    t.is(ex.status, 'succeeded', JSON.stringify(ex));
    t.is(ex.result.e, 'x');
    t.not(ex.result.pid, process.pid);
    t.true(await waitGone(computeAs(cloud), ex.placement.details.server));
  });
});

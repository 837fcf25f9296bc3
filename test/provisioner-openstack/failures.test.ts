/**
 * Sizing on the real cloud, and every way provisioning fails, each through the service:
 * no fitting flavor (422 at create), Nova's quota, a boot that ends in ERROR (Nova's fault
 * message), and the provisioning deadline — and in every failure path no server is left.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { throwawayProject, uploadImage } from './_cloud-admin.js';
import { cleanupPrefix, computeAs, functionForm, invokeAsync, RUNTIME, serversWithPrefix, startOpenStackService, uniquePrefix, waitFinal, waitGone, withOpenStack, type OsService } from './_fixtures.js';

const SOURCE = `exports.handler = async (event) => ({ ok: true, data: event.data });`;

async function createFn(svc: OsService, name: string, extra: Record<string, unknown> = {}) {
  return svc.api('POST', '/v1/functions', functionForm({ name, runtime: RUNTIME, handler: 'index.handler', ...extra }, { name: 'index.js', content: SOURCE }));
}

/** Waits until Nova lists no server with the prefix any more. */
async function noServersLeft(cloud: Parameters<typeof computeAs>[0], prefix: string, timeoutMs = 60_000): Promise<boolean> {
  const compute = computeAs(cloud);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await serversWithPrefix(compute, prefix)).length === 0) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

withOpenStack((cloud) => {
  const services: OsService[] = [];
  const undo: Array<() => Promise<void>> = [];
  test.after.always(async () => {
    for (const s of services) await s.close().catch(() => undefined);
    for (const u of undo) await u();
    for (const s of services) await cleanupPrefix(cloud, s.prefix);
  });
  async function service(o: Parameters<typeof startOpenStackService>[1] = {}): Promise<OsService> {
    const svc = await startOpenStackService(cloud, o);
    services.push(svc);
    return svc;
  }

  test('sizing on the real cloud: 600 MiB gets fn.medium, 2 vCPUs fn.large; nothing fits → 422 at create naming the largest flavor', async (t) => {
    const svc = await service();
    t.is((await createFn(svc, 'medium', { memory_mb: 600 })).status, 201);
    t.is((await createFn(svc, 'twocpu', { vcpus: 2 })).status, 201);
    const tooBig = await createFn(svc, 'toobig', { vcpus: 8 });
    t.is(tooBig.status, 422, JSON.stringify(tooBig.body));
    t.is(tooBig.body.code, 'unprocessable');
    t.regex(tooBig.body.message, /no flavor has ≥ 192 MiB, ≥ 8 vCPU.*the largest flavor available is fn\.xlarge \(4096 MiB, 4 vCPU, 20 GB disk\)/);
    t.is((await svc.api('GET', '/v1/functions/toobig')).status, 404, 'nothing was created');

    const [medium, twocpu] = await Promise.all([waitFinal(svc, await invokeAsync(svc, 'medium', 1)), waitFinal(svc, await invokeAsync(svc, 'twocpu', 2))]);
    t.is(medium.status, 'succeeded', JSON.stringify(medium));
    t.is(medium.placement.details.flavor, 'fn.medium');
    t.is(medium.placement.details.reason, 'smallest of 3 flavors with ≥ 664 MiB, ≥ 1 vCPU, ≥ 1 GB disk');
    t.is(twocpu.status, 'succeeded', JSON.stringify(twocpu));
    t.is(twocpu.placement.details.flavor, 'fn.large');
    // Nova built them with those flavors.
    const compute = computeAs(cloud);
    t.true(await waitGone(compute, medium.placement.details.server));
    t.true(await waitGone(compute, twocpu.placement.details.server));
  });

  test('network: false is refused at create time (the runner needs the network)', async (t) => {
    const svc = await service();
    const r = await createFn(svc, 'offline', { network: false });
    t.is(r.status, 422);
    t.regex(r.body.message, /network: false cannot be honoured/);
  });

  test("Nova's quota exceeded → the execution fails with Nova's message, no server left", async (t) => {
    const project = await throwawayProject(cloud, { instances: 0 });
    undo.push(project.remove);
    const svc = await service({ user: project.user });
    t.is((await createFn(svc, 'q')).status, 201);
    const ex = await waitFinal(svc, await invokeAsync(svc, 'q', {}));
    t.is(ex.status, 'failed');
    t.is(ex.error.kind, 'runner_error');
    t.regex(ex.error.message, /^provisioning failed \(quota_exceeded\): Quota exceeded for instances: Requested 1, but already used 0 of 0 instances/);
    t.true(await noServersLeft(cloud, svc.prefix));
  });

  test("a boot that ends in ERROR → failed with Nova's fault, and the server is deleted", async (t) => {
    // An image of our own runtime whose required trait no compute host has: the scheduler
    // finds no host, Nova puts the server in ERROR with the fault "No valid host was found".
    const property = `fnstack_test_rt_${randomBytes(3).toString('hex')}`;
    const image = await uploadImage(cloud, cloud.fnstack_service, { [property]: RUNTIME, 'trait:CUSTOM_FNSTACK_NO_SUCH_HOST': 'required' });
    undo.push(image.remove);
    const svc = await service({ env: { FNSTACK_OS_IMAGE_PROPERTY: property } });
    t.is((await createFn(svc, 'err')).status, 201);
    const ex = await waitFinal(svc, await invokeAsync(svc, 'err', {}));
    t.is(ex.status, 'failed');
    t.regex(ex.error.message, /^provisioning failed \(boot_failed\): server [0-9a-f-]+ failed to boot: No valid host was found/);
    t.true(await noServersLeft(cloud, svc.prefix));
  });

  test('the provisioning deadline (runner never calls in) → provision_timeout, and the server is deleted', async (t) => {
    const prefix = uniquePrefix('late');
    const svc = await service({ prefix, env: { FNSTACK_OS_PROVISION_TIMEOUT_S: '6' }, harness: { bootDelayMs: () => 60_000 } });
    t.is((await createFn(svc, 'late')).status, 201);
    const ex = await waitFinal(svc, await invokeAsync(svc, 'late', {}));
    t.is(ex.status, 'failed');
    // the provisioning deadline, not the function timeout, ended it
    t.regex(ex.error.message, /^provisioning failed \(provision_timeout\): the runner in server [0-9a-f-]+ did not call in within 6 s/);
    const serverId = /server ([0-9a-f-]+)/.exec(ex.error.message)![1]!;
    t.true(await waitGone(computeAs(cloud), serverId));
    t.truthy(svc.harness.guests.get(serverId), 'the server did become ACTIVE');
    t.is(svc.harness.guests.get(serverId)!.startedAt, null, 'its runner never started');
  });

  test("a runner that dies mid-run never reports: timed out after timeout + grace, the server's console log as the logs", async (t) => {
    const svc = await service();
    const sleeper = `exports.handler = async () => { console.log('going to sleep'); await new Promise((r) => setTimeout(r, 60_000)); };`;
    t.is((await svc.api('POST', '/v1/functions', functionForm({ name: 'lost', runtime: RUNTIME, handler: 'index.handler', timeout_s: 2 }, { name: 'index.js', content: sleeper }))).status, 201);
    const id = await invokeAsync(svc, 'lost', {});
    let server: string | undefined;
    for (const until = Date.now() + 60_000; !server && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const ex = (await svc.api('GET', `/v1/executions/${id}`)).body;
      const s: string | undefined = ex.placement?.details?.server;
      if (ex.status === 'running' && s && svc.harness.guests.get(s)?.console.includes('assignment for execution')) server = s;
    }
    t.truthy(server, 'the runner picked up its assignment');
    await new Promise((r) => setTimeout(r, 1000));
    t.true(svc.harness.crash(server!));
    const ex = await waitFinal(svc, id, 60_000);
    t.is(ex.status, 'timed_out', JSON.stringify(ex));
    t.is(ex.error.kind, 'timeout');
    t.regex(ex.error.message, /the runner did not report within the function's timeout of 2 s/);
    const logs = JSON.stringify((await svc.api('GET', `/v1/executions/${id}/logs`)).body);
    t.regex(logs, /console log of server/);
    t.regex(logs, /FAKE CONSOLE OUTPUT/, "the fake driver's console, read through os-getConsoleOutput");
    t.true(await waitGone(computeAs(cloud), server!));
  });
});

/**
 * Nova contract: flavors, limits, and a server's whole life (create with user_data and
 * metadata and no network → ACTIVE → user_data as admin → console → list → delete → 404).
 * Every response is checked against openapi/nova-v2.1.yaml.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { ComputeClient, OpenStackError, UserDataTooLargeError, userDataOf, type Server } from '../../service/openstack/index.js';
import { withCloud } from './_helpers/cloud.js';

const POLL_MS = 500;
const ACTIVE_WITHIN_MS = 90_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

withCloud(({ cloud, validator, session }) => {
  const demo = new ComputeClient(session(cloud.demo));
  const admin = new ComputeClient(session(cloud.admin));
  const created: string[] = [];
  const run = randomUUID().slice(0, 8);
  const tiny = cloud.flavors.find((f) => f.name === 'fn.tiny') ?? cloud.flavors[0]!;

  test.after.always('delete what the tests created', async () => {
    await Promise.all(created.map((id) => admin.deleteServer(id).catch(() => false)));
  });

  test('flavors: the cloud’s fn.* flavors with their sizes', async (t) => {
    const flavors = await demo.listFlavors();
    for (const want of cloud.flavors) {
      const f = flavors.find((x) => x.id === want.id);
      t.truthy(f, want.id);
      t.like(f, { name: want.name, ram: want.ram, vcpus: want.vcpus, disk: want.disk });
      t.is(typeof f?.swap, 'number');
    }
  });

  test('limits: absolute quotas and usage', async (t) => {
    const limits = await demo.getLimits();
    t.true(Number.isInteger(limits.maxTotalInstances));
    t.true(limits.totalInstancesUsed >= 0);
  });

  test('a server’s life: create, ACTIVE, user_data, console, list, delete, 404', async (t) => {
    const name = `fnstack-ct-${run}-life`;
    const mine = `^${name}$`; // other tests of this file run at the same time
    const userData = `#cloud-config\n# fnstack contract test ${run}\nruncmd:\n  - echo hello\n`;
    const metadata = { fnstack_execution: `exec-${run}`, fnstack_test: run };
    const { id, adminPass } = await demo.createServer({
      name,
      flavorRef: tiny.id,
      imageRef: cloud.image.id,
      networks: 'none',
      metadata,
      userData,
    });
    created.push(id);
    t.regex(id, /^[0-9a-f-]{36}$/);
    t.log(`server ${id}, adminPass ${adminPass === undefined ? 'absent' : 'present'}`);

    const active = await waitFor(
      'ACTIVE',
      async () => {
        const s = await demo.getServer(id);
        if (s?.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
        return s?.status === 'ACTIVE' ? s : undefined;
      },
      ACTIVE_WITHIN_MS,
    );
    t.is(active.name, name);
    t.deepEqual(active.metadata, metadata);
    t.deepEqual(active.addresses, {}, 'networks none → no addresses');
    t.is(active.tenant_id, cloud.project_ids.demo);
    t.is(active.flavor.original_name, tiny.name);
    t.is(active['OS-EXT-SRV-ATTR:user_data'], undefined, 'a member does not see user_data');
    t.is(userDataOf(active), null);

    const asAdmin = await admin.getServer(id);
    t.is(asAdmin && userDataOf(asAdmin), userData, 'an admin reads user_data back (microversion ≥ 2.3)');

    const console = await demo.getConsoleOutput(id);
    t.is(typeof console, 'string');
    t.is(typeof (await demo.getConsoleOutput(id, 1)), 'string');

    // Listing: by name regex for everyone; metadata is matched by the client.
    const byName = await demo.listServers({ name: mine });
    t.deepEqual(byName.map((s: Server) => s.id), [id]);
    t.is((await demo.listServers({ name: mine, metadata: { fnstack_execution: `exec-${run}` } })).length, 1);
    t.is((await demo.listServers({ name: mine, metadata: { fnstack_execution: 'other' } })).length, 0);
    t.true((await demo.listServers({ metadata })).some((s) => s.id === id));
    // Admins see it across projects; members may not ask (403).
    const all = await admin.listServers({ allTenants: true, name: mine });
    t.deepEqual(all.map((s) => s.id), [id]);
    const forbidden = await t.throwsAsync(demo.listServers({ allTenants: true }), { instanceOf: OpenStackError });
    t.is(forbidden?.status, 403);
    // Another project does not see it.
    t.deepEqual(await new ComputeClient(session(cloud.demo2)).listServers({ name: mine }), []);

    t.true(await demo.deleteServer(id));
    await waitFor('404 after delete', async () => ((await demo.getServer(id)) === null ? true : undefined), 60_000);
    t.false(await demo.deleteServer(id), 'deleting again: already gone');
    const gone = await t.throwsAsync(demo.getConsoleOutput(id), { instanceOf: OpenStackError });
    t.is(gone?.status, 404);
    t.is(gone?.fault, 'itemNotFound');
    t.truthy(gone?.requestId);
  });

  test('Nova has no metadata filter: dropped for a member, 400 for an admin (so the client filters)', async (t) => {
    // Raw call: `metadata` is not in the spec, because Nova drops it for non-admins.
    const name = `^fnstack-ct-${run}-nofilter`;
    const { id } = await demo.createServer({ name: name.slice(1), flavorRef: tiny.id, imageRef: cloud.image.id, networks: 'none', metadata: { k: 'v' } });
    created.push(id);
    const { data, response } = await demo.http.GET('/servers/detail', {
      params: { query: { name, ...({ metadata: JSON.stringify({ k: 'not-v' }) } as object) } },
    });
    t.is(response.status, 200);
    t.deepEqual(
      data?.servers.map((s) => s.id),
      [id],
      'the server is listed although its metadata does not match',
    );
    t.deepEqual(await demo.listServers({ name, metadata: { k: 'not-v' } }), []);
    const asAdmin = await admin.http.GET('/servers/detail', {
      params: { query: { name, all_tenants: true, ...({ metadata: JSON.stringify({ k: 'v' }) } as object) } },
    });
    t.is(asAdmin.response.status, 400);
    t.like(asAdmin.error, { badRequest: { code: 400 } });
    t.true(await demo.deleteServer(id));
  });

  test('refused requests are typed errors', async (t) => {
    const tooBig = 'x'.repeat(49_200); // 65 600 characters once base64-encoded
    const big = await t.throwsAsync(
      demo.createServer({ name: `fnstack-ct-${run}-big`, flavorRef: tiny.id, imageRef: cloud.image.id, networks: 'none', userData: tooBig }),
      { instanceOf: UserDataTooLargeError },
    );
    t.true((big?.encodedLength ?? 0) > 65535);

    const badFlavor = await t.throwsAsync(
      demo.createServer({ name: `fnstack-ct-${run}-bad`, flavorRef: 'no-such-flavor', imageRef: cloud.image.id, networks: 'none' }),
      { instanceOf: OpenStackError },
    );
    t.is(badFlavor?.status, 400);
    t.is(badFlavor?.service, 'compute');
    t.is(badFlavor?.fault, 'badRequest');
    t.false(badFlavor?.retryable);

    t.is(await demo.getServer(randomUUID()), null);
  });

  test.after('every Nova operation was checked against the spec', (t) => {
    const seen = new Set(validator.checked.filter((c) => c.spec === 'nova-v2.1.yaml').map((c) => `${c.method} ${c.path} ${c.status}`));
    for (const want of [
      'GET /flavors/detail 200',
      'POST /servers 202',
      'POST /servers 400',
      'GET /servers/{id} 200',
      'GET /servers/{id} 404',
      'GET /servers/detail 200',
      'GET /servers/detail 400',
      'GET /servers/detail 403',
      'DELETE /servers/{id} 204',
      'DELETE /servers/{id} 404',
      'POST /servers/{id}/action 200',
      'POST /servers/{id}/action 404',
      'GET /limits 200',
    ]) {
      t.true(seen.has(want), `${want} not exercised (saw ${[...seen].join(', ')})`);
    }
  });
});

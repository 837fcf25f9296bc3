/**
 * One function event inside a really booted guest, on the path an operator's cloud takes:
 * images/build.sh builds the nodejs20 image (cached by its inputs) and uploads it to Glance
 * (private to a throwaway project); the openstack provider picks it by its runtime property
 * and min_ram/min_disk, creates the server with its user_data; QEMU boots that image for the
 * fake driver's ACTIVE server with a NoCloud seed holding that user_data; the guest's
 * cloud-init runs it, the runner fetches its assignment and code from the service, runs the
 * function and posts result and logs; they come back through the REST API, the service
 * deletes the server and the VM goes off with it. One boot per run: ~3 min under TCG.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startService, type RunningService } from '../../service/main.js';
import { OpenStackSession } from '../../service/openstack/index.js';
import { loadCloud, passwordCredentials } from '../provisioner-openstack/_cloud.js';
import { throwawayProject, type ThrowawayProject } from '../provisioner-openstack/_cloud-admin.js';
import { cleanupPrefix, computeAs, freePort, functionForm, invokeAsync, openstackEnv, uniquePrefix, waitFinal, waitGone } from '../provisioner-openstack/_os-service.js';
import { requireService } from '../_helpers/requirements.js';
import { buildImage, openrc, type BuiltImage } from './_image.js';
import { HOST_FROM_GUEST, missingTools, QemuGuest } from './_qemu-guest.js';

const RUNTIME = 'nodejs20';

const HANDLER = `
const os = require('node:os');
const fs = require('node:fs');
exports.handler = async (event, ctx) => {
  console.log('hello from a real guest', ctx.functionName);
  return {
    got: event.data,
    node: process.version,
    kernel: os.release(),
    hostname: os.hostname(),
    debian: fs.readFileSync('/etc/debian_version', 'utf8').trim(),
    memMiB: Math.round(os.totalmem() / 1048576),
  };
};`;

test('one event runs in a really booted guest: image → Glance → server → cloud-init → runner → result and logs; the server is deleted', async (t) => {
  t.timeout(45 * 60_000, 'image build + one boot under TCG');
  const cloud = loadCloud();
  if (!requireService(t, 'the OpenStack test cloud (test/cloud/setup.sh)', cloud !== null)) return;
  const missing = missingTools();
  if (!requireService(t, `QEMU and genisoimage (missing: ${missing.join(', ')}; test/services/tools.sh installs them)`, missing.length === 0)) return;
  if (!requireService(t, 'root (images/build.sh runs mmdebstrap)', process.getuid?.() === 0)) return;

  let project: ThrowawayProject | null = null;
  let image: BuiltImage | null = null;
  let service: RunningService | null = null;
  let guest: QemuGuest | null = null;
  const prefix = uniquePrefix('guest');
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-guest-svc-'));
  t.teardown(async () => {
    await service?.close();
    await guest?.stop();
    await cleanupPrefix(cloud!, prefix);
    if (image?.glance && project) await deleteImage(cloud!.auth_url, project, image.glance.id);
    await project?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  // 1. The image: built (or cached) and uploaded by the operator's script, as the tenant.
  project = await throwawayProject(cloud!, { instances: 2, cores: 4, ram: 8192 });
  const name = `fnstack-guest-test-${randomBytes(3).toString('hex')}`;
  const buildStarted = Date.now();
  image = await buildImage(['--runtime', RUNTIME, '--upload', '--name', name], openrc(cloud!, project.user), (line) => t.log(line));
  t.log(`image: ${image.cached ? 'cached' : 'built'} in ${Math.round((Date.now() - buildStarted) / 1000)} s (build + upload); ${image.path}`);
  t.truthy(image.glance, 'uploaded to Glance');
  t.true(image.glance!.uploaded);
  t.is(image.glance!.property, 'fnstack_runtime');
  t.regex(image.node_version, /^v20\./);

  // 2. The service, as the tenant; runners reach it from inside QEMU at 10.0.2.2.
  const port = await freePort();
  const env = {
    FNSTACK_DATA_DIR: dataDir,
    ...openstackEnv(cloud!, prefix, { FNSTACK_PUBLIC_URL: `http://${HOST_FROM_GUEST}:${port}`, FNSTACK_OS_PROVISION_TIMEOUT_S: '1800' }, project.user),
  };
  service = await startService({ port, host: '127.0.0.1', env, log: process.env.FNSTACK_TEST_LOG === '1' });
  const { api_key: apiKey } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { api_key: string };
  const api = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${apiKey}` } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  };
  guest = new QemuGuest({ cloud: cloud!, prefix, image: image.path }).start();

  // 3. One event.
  const created = await api('POST', '/v1/functions', functionForm({ name: 'in-guest', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: HANDLER }));
  t.is(created.status, 201, JSON.stringify(created.body));
  const invoked = Date.now();
  const id = await invokeAsync({ api }, 'in-guest', { n: 42 });
  const booted = await guest.guest();
  t.log(`server ${booted.server.id} ACTIVE after ${Date.now() - invoked} ms: QEMU started (${booted.server.flavor?.original_name})`);
  const ex = await waitFinal({ api }, id, 40 * 60_000).catch((err: Error) => {
    t.log(`guest console (tail):\n${guest!.console().slice(-6000)}`);
    throw err;
  });
  const done = Date.now();
  t.log(`QEMU start → result ${Math.round((done - booted.startedAt) / 1000)} s; invoke → result ${Math.round((done - invoked) / 1000)} s; placement ${JSON.stringify(ex.placement)}`);

  if (ex.status !== 'succeeded') t.log(`guest console (tail):\n${guest.console().slice(-6000)}`);
  t.is(ex.status, 'succeeded', JSON.stringify(ex));
  t.like(ex.result, { got: { n: 42 }, node: image.node_version, hostname: booted.server.name });
  t.regex(ex.result.kernel, /cloud-amd64$/, 'the guest kernel, not the host one');
  t.regex(ex.result.debian, /^13\./);
  const logs = await api('GET', `/v1/executions/${id}/logs`);
  t.is(logs.status, 200);
  t.regex(JSON.stringify(logs.body), /hello from a real guest in-guest/);

  // The provider chose this image, and a flavor that honours its min_ram/min_disk.
  const d = ex.placement.details;
  t.is(d.image, name);
  t.is(d.server, booted.server.id);
  const flavor = cloud!.flavors.find((f) => f.name === d.flavor)!;
  t.true(flavor.ram >= image.min_ram && flavor.disk >= image.min_disk, `flavor ${d.flavor} fits min_ram ${image.min_ram} / min_disk ${image.min_disk}`);

  // The runner that did it ran inside the guest: cloud-init put its lines on the serial console.
  t.regex(guest.console(), new RegExp(`\\[fnstack agent [^\\]]+\\] assignment for execution ${id}`));

  // The service deleted the server; the VM went off with it.
  t.true(await waitGone(computeAs(cloud!), booted.server.id, 120_000), 'Nova answers 404 for the server');
  const exit = await Promise.race([booted.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 60_000))]);
  t.not(exit, 'still running', 'QEMU was stopped once the server was deleted');
});

async function deleteImage(authUrl: string, project: ThrowawayProject, id: string): Promise<void> {
  const session = new OpenStackSession({ authUrl, credentials: passwordCredentials(project.user) });
  const glance = (await session.endpoint('image')).replace(/\/+$/, '');
  const { value } = await session.token();
  await fetch(`${glance}/v2/images/${id}`, { method: 'DELETE', headers: { 'x-auth-token': value } }).catch(() => undefined);
}

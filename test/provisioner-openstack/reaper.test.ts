/**
 * Nothing leaks when a process dies: a service process is killed with SIGKILL while its
 * function runs in a Nova server; a new process on the same store takes the execution over
 * (new server), and its reaper deletes the orphan once the dead owner's lease has run out —
 * without touching the server the execution now runs in. Also: the reaper on its own,
 * against servers with and without owners.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GuestHarness } from './_guest-harness.js';
import { Reaper } from '../../service/provisioner/openstack/reaper.js';
import { serviceTagOf } from '../../service/provisioner/openstack/server-factory.js';
import { RunnerSessionStore } from '../../service/store/runner-session-store.js';
import { Store } from '../../service/store/store.js';
import { cleanupPrefix, computeAs, freePort, functionForm, invokeAsync, openstackEnv, RUNTIME, startOpenStackService, uniquePrefix, waitFinal, waitGone, withOpenStack } from './_fixtures.js';

const SLEEPER = `exports.handler = async (event) => { console.log('sleeping', event.data.s); await new Promise((r) => setTimeout(r, event.data.s * 1000)); return { slept: event.data.s }; };`;

withOpenStack((cloud) => {
  test('kill -9 of the service mid-run: a new process reaps the orphaned server and finishes the execution elsewhere', async (t) => {
    const prefix = uniquePrefix('kill');
    const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-os-kill-'));
    const harness = new GuestHarness({ cloud, prefix }).start();
    const leaseEnv = { FNSTACK_LEASE_MS: '2000', FNSTACK_OS_REAPER_INTERVAL_S: '1' };
    t.teardown(async () => {
      await harness.stop();
      await cleanupPrefix(cloud, prefix);
      await rm(dataDir, { recursive: true, force: true });
    });

    // Process 1, in a child process so that it can be killed for real.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { ...process.env, FNSTACK_DATA_DIR: dataDir, FNSTACK_PUBLIC_URL: url, ...openstackEnv(cloud, prefix, leaseEnv) };
    const child = spawn(process.execPath, [join(import.meta.dirname, '_service-process.js'), String(port)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    const ready = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (l) => l.startsWith('READY ') && resolve(l.slice(6)));
      child.once('exit', (code) => reject(new Error(`service process exited with ${code}`)));
    });
    t.is(ready, url);
    const { api_key: key } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { api_key: string };
    const api1 = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    };
    t.is((await api1('POST', '/v1/functions', functionForm({ name: 'sleeper', runtime: RUNTIME, handler: 'index.handler', timeout_s: 120 }, { name: 'index.js', content: SLEEPER }))).status, 201);
    const id = await invokeAsync({ api: api1 }, 'sleeper', { s: 20 });

    // Wait until the function runs in its server, then kill the process that owns it.
    let first: any;
    for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      first = (await api1('GET', `/v1/executions/${id}`)).body;
      if (first?.status === 'running' && harness.guests.get(first.placement.details.server)?.startedAt) break;
    }
    t.is(first.status, 'running');
    const orphan: string = first.placement.details.server;
    await new Promise((r) => setTimeout(r, 1500)); // the function is sleeping inside the "VM"
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const compute = computeAs(cloud);
    t.not(await compute.getServer(orphan), null, 'the orphan is still there right after the kill');

    // Process 2: same store, same prefix. Its reaper deletes the orphan, its orchestrator re-runs the execution.
    const svc2 = await startOpenStackService(cloud, { prefix, dataDir, sharedHarness: harness, env: leaseEnv });
    t.teardown(() => svc2.close());
    const killedAt = Date.now();
    t.true(await waitGone(compute, orphan, 45_000), 'the reaper of the new process deleted the orphaned server');
    t.log(`orphan deleted ${Date.now() - killedAt} ms after the new process started`);
    const final = await waitFinal(svc2, id, 120_000);
    t.is(final.status, 'succeeded', JSON.stringify(final));
    t.deepEqual(final.result, { slept: 20 });
    t.not(final.placement.details.server, orphan, 'it ran again in a new server, which the reaper left alone');
    t.true(final.attempts >= 2);
    t.true(await waitGone(compute, final.placement.details.server));
  });

  test('the reaper deletes servers of this deployment that nobody owns, and only those', async (t) => {
    const prefix = uniquePrefix('reap');
    const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-os-reap-'));
    const databaseUrl = `sqlite:${join(dataDir, 'fnstack.db')}`;
    const store = await Store.open(databaseUrl);
    t.teardown(async () => {
      await store.close();
      await cleanupPrefix(cloud, prefix);
      await rm(dataDir, { recursive: true, force: true });
    });
    const tag = serviceTagOf(databaseUrl);
    const sessions = new RunnerSessionStore(store.db);
    const compute = computeAs(cloud, cloud.fnstack_service);
    const boot = (name: string, execution: string, service = tag) =>
      compute.createServer({ name, flavorRef: cloud.flavors[0]!.id, imageRef: cloud.image.id, networks: 'none', metadata: { 'fnstack:service': service, 'fnstack:execution': execution, 'fnstack:pool': 'no' } });

    // A live execution (queued) with no session row, and a session row whose owner is alive.
    await store.ledger.createOnce({ id: 'live-exec', projectId: 'p', functionId: 'f', functionName: 'f', functionVersion: 1, event: { specversion: '1.0', id: 'e1', source: 's', type: 't' }, limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 1, network: true } });
    const ownedByLiveExecution = await boot(`${prefix}live-exec`, 'live-exec');
    await sessions.create({ id: 'row-live', token: 'tok-live', serverName: `${prefix}owned`, executionId: null, poolKey: 'k', owner: 'someone-alive', leaseMs: 600_000 });
    const ownedByRow = await boot(`${prefix}owned`, '-');
    await sessions.setServer('row-live', ownedByRow.id);
    await sessions.create({ id: 'row-dead', token: 'tok-dead', serverName: `${prefix}dead-owner`, executionId: 'live-exec', poolKey: null, owner: 'someone-dead', leaseMs: -1000 });
    const deadOwner = await boot(`${prefix}dead-owner`, 'live-exec');
    await sessions.setServer('row-dead', deadOwner.id);
    const noExecution = await boot(`${prefix}orphan-a`, '-');
    const deadExecution = await boot(`${prefix}orphan-b`, 'no-such-execution');
    const otherDeployment = await boot(`${prefix}other`, '-', 'someone-else');

    const reaper = new Reaper({ compute, sessions, serverNamePrefix: prefix, serviceTag: tag, intervalMs: 3_600_000 });
    const swept = await reaper.sweep();
    t.is(swept.checked, 5, 'the other deployment is not even considered');
    t.deepEqual(swept.deleted.map((d) => d.id).sort(), [deadOwner.id, noExecution.id, deadExecution.id].sort());
    const why = (id: string) => swept.deleted.find((d) => d.id === id)!.why;
    t.regex(why(deadOwner.id), /lease of its owner \(someone-dead\) ran out/, 'its row decides, even though its execution is live');
    t.regex(why(deadExecution.id), /execution no-such-execution is not live/);
    t.regex(why(noExecution.id), /no runner session and no execution/);
    for (const s of [deadOwner, noExecution, deadExecution]) t.true(await waitGone(compute, s.id));
    for (const s of [ownedByLiveExecution, ownedByRow, otherDeployment]) t.not(await compute.getServer(s.id), null);
    // A second sweep (another process) finds nothing more to do.
    t.deepEqual((await reaper.sweep()).deleted, []);
  });
});

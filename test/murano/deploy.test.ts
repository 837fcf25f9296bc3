/**
 * The two install paths deployed for real on the test cloud (test/cloud/setup.sh --with-heat
 * --with-murano): the Murano package through murano-api → murano-engine → Heat → Nova →
 * murano agent, and heat/fnstack.yaml through heat-api. Both install the run's prebuilt
 * release (murano-package/build-release.sh), served over HTTP from this machine.
 *
 * Nova's fake driver boots nothing: test/_helpers/guest-standin.ts plays each server's guest
 * (its own network namespace holding the server's fixed IP, its own mount namespace, the
 * server's real user_data; the murano agent for Murano's). Everything else is the real thing.
 *
 * Each test works in the cloud's `deploy` project on a network of its own and checks that a
 * delete leaves no server, stack, port or security group there.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GuestStandin } from '../_helpers/guest-standin.js';
import { prebuiltRelease } from '../_helpers/release.js';
import { requireService } from '../_helpers/requirements.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PKG = join(ROOT, 'murano-package');
const CLOUD_JSON = '/var/lib/fnstack-test-cloud/cloud.json';
const sfx = () => randomBytes(3).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (since: number) => Math.round((Date.now() - since) / 1000);

interface Ctx {
  cloud: any;
  standin: GuestStandin;
  releaseUrl: string;
  files: Server;
  network: { id: string; subnetId: string; name: string };
  token: () => Promise<string>;
  adminToken: () => Promise<string>;
}
let ctx: Ctx | undefined;
let setupError: string | undefined;

async function login(c: any, who: string): Promise<string> {
  const u = c[who];
  const res = await fetch(`${c.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: u.username, password: u.password, domain: { name: u.user_domain_name } } } }, scope: { project: { name: u.project_name, domain: { name: u.project_domain_name } } } } }),
  });
  if (res.status !== 201) throw new Error(`Keystone login as ${who}: HTTP ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

function cached(fn: () => Promise<string>): () => Promise<string> {
  let v: string | undefined;
  let at = 0;
  return async () => {
    if (!v || Date.now() - at > 30 * 60_000) { v = await fn(); at = Date.now(); }
    return v;
  };
}

async function call(token: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

test.before(async (t) => {
  t.timeout(10 * 60_000); // a cold release cache: npm prune of the modules
  if (!existsSync(CLOUD_JSON)) { setupError = `the OpenStack test cloud (${CLOUD_JSON})`; return; }
  const cloud = JSON.parse(readFileSync(CLOUD_JSON, 'utf8'));
  if (!cloud.heat || !cloud.murano || !cloud.heat.murano_engine || !cloud.deploy) {
    setupError = 'Heat and murano-engine on the test cloud (test/cloud/setup.sh --with-murano --with-heat)';
    return;
  }
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v socat && command -v unshare && command -v ip']).status !== 0) {
    setupError = 'root with ip, unshare and socat (the guest stand-in makes namespaces)';
    return;
  }
  const t0 = Date.now();
  const token = cached(() => login(cloud, 'deploy'));
  const adminToken = cached(() => login(cloud, 'admin'));
  const release = await prebuiltRelease(ROOT);
  const files = createServer((req, res) => {
    if (req.url !== '/fnstack-release.tgz') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': statSync(release).size });
    createReadStream(release).pipe(res);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  const port = (files.address() as { port: number }).port;

  const name = `fn-deploy-${sfx()}`;
  const tok = await token();
  const net = await call(tok, 'POST', `${cloud.endpoints.network}/v2.0/networks`, { network: { name } });
  if (net.status !== 201) throw new Error(`network create: ${net.status} ${JSON.stringify(net.body)}`);
  const octet = 16 + Math.floor(Math.random() * 200);
  const sub = await call(tok, 'POST', `${cloud.endpoints.network}/v2.0/subnets`, { subnet: { network_id: net.body.network.id, name, ip_version: 4, cidr: `10.250.${octet}.0/24`, enable_dhcp: false } });
  if (sub.status !== 201) throw new Error(`subnet create: ${sub.status} ${JSON.stringify(sub.body)}`);

  const standin = new GuestStandin({
    computeUrl: cloud.endpoints.compute,
    networkUrl: cloud.endpoints.network,
    adminToken,
    projectId: cloud.project_ids.deploy,
    hostPorts: [cloud.rabbit.port, 8004, port],
    log: (l) => console.log(l),
  }).start();
  ctx = { cloud, standin, releaseUrl: `http://127.0.0.1:${port}/fnstack-release.tgz`, files, network: { id: net.body.network.id, subnetId: sub.body.subnet.id, name }, token, adminToken };
  console.log(`deploy tests: release ${release}, network ${name} 10.250.${octet}.0/24, set up in ${secs(t0)} s`);
});

test.after.always(async () => {
  if (!ctx) return;
  await ctx.standin.stop();
  ctx.files.close();
  const tok = await ctx.token();
  await call(tok, 'DELETE', `${ctx.cloud.endpoints.network}/v2.0/networks/${ctx.network.id}`);
});

function ready(t: ExecutionContext): Ctx | undefined {
  if (!requireService(t, setupError ?? 'the deploy fixtures', !setupError && ctx !== undefined)) return undefined;
  return ctx;
}

/** What the deploy project holds: nothing after a delete. */
async function leftovers(c: Ctx): Promise<{ servers: string[]; stacks: string[]; ports: string[]; securityGroups: string[] }> {
  const tok = await c.token();
  const admin = await c.adminToken();
  const pid = c.cloud.project_ids.deploy;
  const servers = (await call(admin, 'GET', `${c.cloud.endpoints.compute}/servers?all_tenants=1&project_id=${pid}`)).body.servers.map((s: any) => s.id);
  const stacks = (await call(tok, 'GET', `${c.cloud.heat.url}/v1/${pid}/stacks`)).body.stacks.map((s: any) => `${s.stack_name} ${s.stack_status}`);
  const ports = (await call(admin, 'GET', `${c.cloud.endpoints.network}/v2.0/ports?project_id=${pid}`)).body.ports.map((p: any) => `${p.id} ${p.device_owner}`);
  const securityGroups = (await call(admin, 'GET', `${c.cloud.endpoints.network}/v2.0/security-groups?project_id=${pid}`)).body.security_groups
    .filter((g: any) => g.name !== 'default').map((g: any) => g.name);
  return { servers, stacks, ports, securityGroups };
}

async function health(url: string): Promise<any> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

// ---- Murano ------------------------------------------------------------------------------------

test.serial('Murano: import, deploy an environment (ready, reports, /health), redeploy, delete leaves nothing', async (t) => {
  t.timeout(30 * 60_000);
  const c = ready(t);
  if (!c) return;
  const murano = c.cloud.murano.url;
  const tok = await c.token();
  const dir = await mkdtemp('/tmp/fnstack-murano-deploy-');
  let pkgId: string | undefined;
  let envId: string | undefined;
  const timings: Record<string, number> = {};
  try {
    // -- import (private to the deploy project)
    spawnSync('bash', [join(PKG, 'build.sh'), join(dir, 'pkg.zip')]);
    const form = new FormData();
    form.append('__metadata__', JSON.stringify({ is_public: false }));
    form.append('file', new Blob([await readFile(join(dir, 'pkg.zip'))], { type: 'application/zip' }), 'io.fnstack.Fnstack.zip');
    const imp = await fetch(`${murano}/v1/catalog/packages`, { method: 'POST', headers: { 'x-auth-token': tok }, body: form });
    const pkg = await imp.json() as any;
    t.is(imp.status, 200, JSON.stringify(pkg));
    pkgId = pkg.id;

    // -- environment on the test network, one fnstack application
    const env = await call(tok, 'POST', `${murano}/v1/environments`, {
      name: `fnstack-${sfx()}`,
      defaultNetworks: { environment: { '?': { id: randomUUID(), type: 'io.murano.resources.ExistingNeutronNetwork' }, internalNetworkName: c.network.id, internalSubnetworkName: c.network.subnetId }, flat: null },
    });
    t.is(env.status, 200, JSON.stringify(env.body));
    envId = env.body.id as string;
    const port1 = 7701;
    const appId = randomUUID();
    const app = {
      '?': { type: 'io.fnstack.Fnstack', id: appId },
      name: 'fnstack',
      packageSource: c.releaseUrl,
      port: port1,
      provider: 'local',
      authMode: 'builtin',
      sandboxEgressDeny: '10.99.0.0/16, 172.31.0.0/16',
      registerEndpoint: false,
      serviceName: 'fnstack',
      databaseMode: 'embedded',
      queueMode: 'store',
      instance: {
        '?': { type: 'io.murano.resources.LinuxMuranoInstance', id: randomUUID() },
        name: `fnstack-${sfx()}`,
        flavor: 'fn.large',
        image: c.cloud.image.id,
        keyname: '',
        assignFloatingIp: false,
        networks: { useEnvironmentNetwork: true, useFlatNetwork: false, customNetworks: [] },
      },
    };
    const deploy = async (change: (session: string) => Promise<void>): Promise<{ status: string; reports: string[]; seconds: number }> => {
      const session = await call(tok, 'POST', `${murano}/v1/environments/${envId}/configure`);
      t.is(session.status, 200, JSON.stringify(session.body));
      const sid = session.body.id as string;
      await change(sid);
      const started = Date.now();
      const d = await call(tok, 'POST', `${murano}/v1/environments/${envId}/sessions/${sid}/deploy`);
      t.is(d.status, 200, JSON.stringify(d.body));
      const status = await until('the environment to leave deploying', async () => {
        const e = await call(tok, 'GET', `${murano}/v1/environments/${envId}`);
        return ['ready', 'deploy failure'].includes(e.body.status) ? e.body.status as string : null;
      }, 20 * 60_000);
      const deps = (await call(tok, 'GET', `${murano}/v1/environments/${envId}/deployments`)).body.deployments;
      const last = deps.sort((a: any, b: any) => String(b.started).localeCompare(String(a.started)))[0];
      const reports = (await call(tok, 'GET', `${murano}/v1/environments/${envId}/deployments/${last.id}`)).body.reports.map((r: any) => r.text as string);
      return { status, reports, seconds: secs(started) };
    };

    const first = await deploy(async (sid) => {
      const r = await call(tok, 'POST', `${murano}/v1/environments/${envId}/services`, app, { 'x-configuration-session': sid });
      t.is(r.status, 200, JSON.stringify(r.body));
    });
    timings.deploy = first.seconds;
    const guest = c.standin.seen.find((g) => g.kind === 'murano-agent');
    t.is(first.status, 'ready', `${first.reports.join('\n')}\n--- guest console:\n${guest ? c.standin.console(guest.serverId) : '(no guest)'}`);
    for (const line of ['Creating the server for fnstack', `Installing fnstack from ${c.releaseUrl}`, 'fnstack is running and answers /health']) {
      t.true(first.reports.includes(line), `report "${line}" in ${JSON.stringify(first.reports)}`);
    }
    t.truthy(guest, 'the server booted (stand-in) with Murano user_data');
    const svc = (await call(tok, 'GET', `${murano}/v1/environments/${envId}/services`)).body[0];
    const endpoint = svc.endpointUrl as string;
    t.is(endpoint, `http://${guest!.ip}:${port1}`, 'endpointUrl is the server fixed IP and the port');
    t.true(first.reports.includes(`fnstack is available at ${endpoint}`));
    t.is((await health(endpoint))?.status, 'ok', `${endpoint}/health answers`);
    // the settings reached the service intact (issue 10: FNSTACK_DATABASE_URL was "switch($.databaseMode …")
    const config = parseYaml(readFileSync(join(guest!.root, 'var/lib/fnstack/config.yaml'), 'utf8')) as Record<string, string>;
    t.is(config.database_url, undefined, 'embedded store: no database URL at all');
    t.is(config.queue_url, undefined);
    t.is(config.provider, 'local');
    t.is(config.public_url, endpoint);
    t.is(config.sandbox_egress_deny, '10.99.0.0/16, 172.31.0.0/16', 'the denied ranges reach the service');

    // -- redeploy with another port: same server, the service moves
    const port2 = 7702;
    const second = await deploy(async (sid) => {
      const r = await call(tok, 'PATCH', `${murano}/v1/environments/${envId}/model/`, [{ op: 'replace', path: `/services/0/port`, value: port2 }], { 'x-configuration-session': sid, 'content-type': 'application/env-model-json-patch' });
      t.is(r.status, 200, JSON.stringify(r.body));
    });
    timings.redeploy = second.seconds;
    t.is(second.status, 'ready', second.reports.join('\n'));
    const endpoint2 = `http://${guest!.ip}:${port2}`;
    t.true(second.reports.includes(`fnstack is available at ${endpoint2}`), JSON.stringify(second.reports));
    t.is((await health(endpoint2))?.status, 'ok');
    t.is(await health(endpoint), null, 'the old port is closed');
    t.is(c.standin.seen.filter((g) => g.kind === 'murano-agent').length, 1, 'a redeploy keeps the server');

    // -- delete: the engine deletes the stack; nothing of it is left
    const started = Date.now();
    t.is((await call(tok, 'DELETE', `${murano}/v1/environments/${envId}`)).status, 200);
    await until('the environment to be gone', async () => (await call(tok, 'GET', `${murano}/v1/environments/${envId}`)).status === 404, 10 * 60_000);
    envId = undefined;
    const left = await until('nothing left in the deploy project', async () => {
      const l = await leftovers(c);
      return l.servers.length + l.stacks.length + l.ports.length + l.securityGroups.length === 0 ? l : null;
    }, 3 * 60_000).catch(async () => leftovers(c));
    timings.delete = secs(started);
    t.deepEqual(left, { servers: [], stacks: [], ports: [], securityGroups: [] });
    await until('the guest to be shut down', async () => !c.standin.guests.has(guest!.serverId), 30_000, 1000);
    t.is(await health(endpoint2), null, 'the service went with the server');
    t.log(`Murano: deploy ${timings.deploy} s, redeploy ${timings.redeploy} s, delete ${timings.delete} s`);
  } finally {
    if (envId) {
      // the engine needs the package to tear the environment down: delete it only afterwards
      await call(tok, 'DELETE', `${murano}/v1/environments/${envId}`);
      await until('the environment to be gone', async () => (await call(tok, 'GET', `${murano}/v1/environments/${envId}`)).status === 404, 5 * 60_000)
        .catch(async () => call(tok, 'DELETE', `${murano}/v1/environments/${envId}?abandon=true`));
    }
    if (pkgId) await call(tok, 'DELETE', `${murano}/v1/catalog/packages/${pkgId}`);
    await rm(dir, { recursive: true, force: true });
  }
});

// ---- Heat --------------------------------------------------------------------------------------

/** heat/fnstack.yaml with the files its get_file calls name, as heatclient sends them. */
function heatTemplate(): { template: string; files: Record<string, string> } {
  const template = readFileSync(join(ROOT, 'heat/fnstack.yaml'), 'utf8');
  const files: Record<string, string> = {};
  for (const m of template.matchAll(/get_file: ([^}\s]+)/g)) files[m[1]!] = readFileSync(join(ROOT, 'heat', m[1]!), 'utf8');
  return { template, files };
}

test.serial('Heat: stack create → CREATE_COMPLETE → /health → stack delete leaves nothing', async (t) => {
  t.timeout(20 * 60_000);
  const c = ready(t);
  if (!c) return;
  const tok = await c.token();
  const heat = `${c.cloud.heat.url}/v1/${c.cloud.project_ids.deploy}`;
  const name = `fnstack-${sfx()}`;
  const { template, files } = heatTemplate();
  let stackUrl: string | undefined;
  try {
    const started = Date.now();
    const r = await call(tok, 'POST', `${heat}/stacks`, {
      stack_name: name, template: parseYaml(template), files, timeout_mins: 20,
      parameters: { image: c.cloud.image.id, flavor: 'fn.large', network: c.network.id, package_source: c.releaseUrl, port: 7703 },
    });
    t.is(r.status, 201, JSON.stringify(r.body));
    stackUrl = `${heat}/stacks/${name}/${r.body.stack.id}`;
    const stack = await until('the stack to finish', async () => {
      const s = (await call(tok, 'GET', stackUrl!)).body.stack;
      return s.stack_status.endsWith('_IN_PROGRESS') ? null : s;
    }, 20 * 60_000);
    const createSeconds = secs(started);
    const guest = c.standin.seen.find((g) => g.kind === 'script');
    t.is(stack.stack_status, 'CREATE_COMPLETE', `${stack.stack_status_reason}\n--- guest console:\n${guest ? c.standin.console(guest.serverId) : '(no guest)'}`);
    const out = Object.fromEntries((stack.outputs as any[]).map((o) => [o.output_key, o.output_value]));
    t.truthy(guest, 'the server booted (stand-in) with the template user_data');
    t.is(out.endpoint_url, `http://${guest!.ip}:7703`);
    t.regex(String(out.install_log), new RegExp(String(out.endpoint_url).replace(/\./g, '\\.')), 'the wait condition got the endpoint from the server');
    t.is((await health(out.endpoint_url))?.status, 'ok', `${out.endpoint_url}/health answers`);
    const config = parseYaml(readFileSync(join(guest!.root, 'var/lib/fnstack/config.yaml'), 'utf8')) as Record<string, string>;
    t.is(config.database_url, undefined);
    t.is(config.public_url, out.endpoint_url);

    const deleting = Date.now();
    t.is((await call(tok, 'DELETE', stackUrl)).status, 204);
    await until('the stack to be deleted', async () => {
      const s = await call(tok, 'GET', stackUrl!);
      return s.status === 404 || s.body?.stack?.stack_status === 'DELETE_COMPLETE';
    }, 10 * 60_000);
    stackUrl = undefined;
    const left = await until('nothing left in the deploy project', async () => {
      const l = await leftovers(c);
      return l.servers.length + l.stacks.length + l.ports.length + l.securityGroups.length === 0 ? l : null;
    }, 3 * 60_000).catch(async () => leftovers(c));
    t.deepEqual(left, { servers: [], stacks: [], ports: [], securityGroups: [] });
    await until('the guest to be shut down', async () => !c.standin.guests.has(guest!.serverId), 30_000, 1000);
    t.is(await health(out.endpoint_url), null);
    t.log(`Heat: create ${createSeconds} s, delete ${secs(deleting)} s`);
  } finally {
    if (stackUrl) await call(tok, 'DELETE', stackUrl);
  }
});

/**
 * Provisioning on the real test cloud (Nova with the fake driver + the guest harness):
 * event → result latency per stage (queue, provision, run, total, from the execution's own
 * timings, plus the client's view), N events with a cold server each (no pool), then N
 * with a warm pool, then N with a warm pool and the API and the worker in two processes on
 * MariaDB + RabbitMQ (the runner calls the API; the run waits in the worker); next to a bare
 * curl loop create-server → ACTIVE → delete → 404 against the same Nova as the same user, in
 * the same run.
 *
 *   npm run build && node dist/bench/provision.js [N]      (default 20)
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeAs, freePort, functionForm, openstackEnv, RUNTIME, serversWithPrefix, startOpenStackService, uniquePrefix, cleanupPrefix, type OsService } from '../test/provisioner-openstack/_os-service.js';
import { GuestHarness } from '../test/provisioner-openstack/_guest-harness.js';
import { apiClient } from '../test/_helpers/api-client.js';
import { loadCloud } from '../test/provisioner-openstack/_cloud.js';
import { createTestDatabase } from '../test/_helpers/mariadb.js';
import { createTestVhost } from '../test/_helpers/rabbitmq.js';
import { startService } from '../service/main.js';
import type { TestCloud } from '../test/openstack/_helpers/cloud.js';

const N = Number(process.argv[2] ?? 20);
const HANDLER = 'exports.handler = async (event) => ({ ok: true, n: event.data });\n';

interface Sample {
  queue: number;
  provision: number;
  run: number;
  total: number;
  client: number;
  pool: string;
  /** Cold only: create → ACTIVE as the provider saw it, and ACTIVE → runner called in (the guest's "boot"). */
  active: number;
  guest: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const f = (ms: number) => `${Math.round(ms)}`;

async function invokeSync(svc: BenchService, n: number): Promise<Sample> {
  const t0 = performance.now();
  const r = await svc.api('POST', '/v1/functions/bench/invoke', n);
  const client = performance.now() - t0;
  if (r.status !== 200 || r.body.status !== 'succeeded') throw new Error(`invoke ${n}: ${r.status} ${JSON.stringify(r.body)}`);
  const t = r.body.timings;
  const d = r.body.placement.details;
  return { queue: t.queue_ms, provision: t.provision_ms, run: t.run_ms, total: t.total_ms, client, pool: d.pool, active: d.activeMs, guest: d.bootMs - d.activeMs };
}

async function waitPoolReady(cloud: TestCloud, svc: BenchService, count: number): Promise<void> {
  const compute = computeAs(cloud);
  for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    const servers = await serversWithPrefix(compute, `${svc.prefix}pool-`);
    const up = servers.filter((s) => s.status === 'ACTIVE' && s.metadata['fnstack:pool'] === 'ready' && (svc.harness.guests.get(s.id)?.startedAt ?? Infinity) < Date.now() - 1500);
    if (up.length >= count) return;
  }
  throw new Error('the warm pool did not fill');
}

type BenchService = Pick<OsService, 'api' | 'prefix' | 'harness' | 'close'>;

const SERVICE_PROCESS = fileURLToPath(new URL('../test/provisioner-openstack/_service-process.js', import.meta.url));

/**
 * The API in this process and the worker in a child process, on a MariaDB database and a
 * RabbitMQ vhost of their own: the runner in the server calls the API (the public URL), while
 * env.run() waits in the worker, so every exchange between them crosses processes.
 */
async function startSplit(cloud: TestCloud, poolSize: number): Promise<BenchService> {
  const prefix = uniquePrefix('bs');
  const [db, vhost] = [await createTestDatabase(), await createTestVhost()];
  const [apiDir, workerDir] = [await mkdtemp(join(tmpdir(), 'fnstack-bs-api-')), await mkdtemp(join(tmpdir(), 'fnstack-bs-worker-'))];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...openstackEnv(cloud, prefix, { FNSTACK_OS_POOL_SIZE: String(poolSize), FNSTACK_LOG_LEVEL: 'error' }), FNSTACK_DATABASE_URL: db.url, FNSTACK_QUEUE_URL: vhost.url, FNSTACK_PUBLIC_URL: url };
  const harness = new GuestHarness({ cloud, prefix }).start();
  const api = await startService({ port, host: '127.0.0.1', role: 'api', env: { ...env, FNSTACK_DATA_DIR: apiDir }, log: false });
  const worker = spawn(process.execPath, [SERVICE_PROCESS, '0'], { env: { ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', FNSTACK_ROLE: 'worker', FNSTACK_DATA_DIR: workerDir }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    worker.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`the worker exited with ${code}: ${out}`)));
  });
  const key = (JSON.parse(await readFile(join(apiDir, 'credentials.json'), 'utf8')) as { api_key: string }).api_key;
  return {
    prefix,
    harness,
    api: apiClient(url, key),
    close: async () => {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
      await api.close();
      await harness.stop();
      await Promise.all([rm(apiDir, { recursive: true, force: true }), rm(workerDir, { recursive: true, force: true }), db.drop(), vhost.drop()]);
    },
  };
}

async function runService(cloud: TestCloud, poolSize: number, split = false): Promise<Sample[]> {
  const svc: BenchService = split ? await startSplit(cloud, poolSize) : await startOpenStackService(cloud, { prefix: uniquePrefix(poolSize ? 'bw' : 'bc'), env: { FNSTACK_OS_POOL_SIZE: String(poolSize), FNSTACK_LOG_LEVEL: 'error' } });
  try {
    const created = await svc.api('POST', '/v1/functions', functionForm({ name: 'bench', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: HANDLER }));
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    await invokeSync(svc, -1); // warm-up: token, catalog, flavor and image lists
    const samples: Sample[] = [];
    for (let i = 0; i < N; i++) {
      if (poolSize > 0) await waitPoolReady(cloud, svc, poolSize);
      samples.push(await invokeSync(svc, i));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    return samples;
  } finally {
    await svc.close();
    await cleanupPrefix(cloud, svc.prefix);
  }
}

/** The same lifecycle with nothing but curl: token, then N × (POST server, poll until ACTIVE, DELETE, poll until 404). */
async function bareCurl(cloud: TestCloud): Promise<{ active: number[]; deleted: number[] }> {
  const u = cloud.fnstack_service;
  const script = String.raw`
set -eu
auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"'"$OS_USER"'","password":"'"$OS_PASS"'","domain":{"name":"Default"}}}},"scope":{"project":{"name":"'"$OS_PROJECT"'","domain":{"name":"Default"}}}}}'
TOKEN=$(curl -sS -D - -o /dev/null -H 'content-type: application/json' -d "$auth" "$OS_AUTH/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
H="X-Auth-Token: $TOKEN"
V="OpenStack-API-Version: compute 2.79"
now() { date +%s%3N; }
for i in $(seq 1 "$N"); do
  t0=$(now)
  id=$(curl -sS -H "$H" -H "$V" -H 'content-type: application/json' -d '{"server":{"name":"fnb-bare-'"$i"'","flavorRef":"'"$FLAVOR"'","imageRef":"'"$IMAGE"'","networks":"none"}}' "$NOVA/servers" | sed -E 's/.*"id": ?"([^"]+)".*/\1/')
  while :; do
    st=$(curl -sS -H "$H" -H "$V" "$NOVA/servers/$id" | sed -E 's/.*"status": ?"([A-Z_]+)".*/\1/')
    [ "$st" = ACTIVE ] && break
    [ "$st" = ERROR ] && { echo "ERROR $id" >&2; exit 1; }
    sleep 0.1
  done
  t1=$(now)
  curl -sS -o /dev/null -X DELETE -H "$H" -H "$V" "$NOVA/servers/$id"
  while [ "$(curl -sS -o /dev/null -w '%{http_code}' -H "$H" -H "$V" "$NOVA/servers/$id")" != 404 ]; do sleep 0.1; done
  t2=$(now)
  echo "$((t1 - t0)) $((t2 - t1))"
done
`;
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    env: {
      PATH: '/usr/bin:/bin',
      N: String(N),
      OS_AUTH: cloud.auth_url.replace(/\/+$/, ''),
      OS_USER: u.username,
      OS_PASS: u.password,
      OS_PROJECT: u.project_name,
      NOVA: cloud.endpoints.compute.replace(/\/+$/, ''),
      FLAVOR: cloud.flavors[0]!.id,
      IMAGE: cloud.image.id,
    },
    maxBuffer: 1 << 20,
  });
  const rows = stdout.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
  return { active: rows.map((r) => r[0]), deleted: rows.map((r) => r[1]) };
}

function line(name: string, xs: number[]): string {
  return `${name.padEnd(32)} p50 ${f(pct(xs, 50)).padStart(6)} ms   p99 ${f(pct(xs, 99)).padStart(6)} ms`;
}

async function main() {
  const cloud = loadCloud();
  if (!cloud) throw new Error('no test cloud (cloud.json): run test/cloud/setup.sh');
  console.log(`provision bench: N=${N} per series, Nova fake driver + guest harness, ${new Date().toISOString()}`);
  const bare = await bareCurl(cloud);
  const cold = await runService(cloud, 0);
  const warm = await runService(cloud, 2);
  const split = await runService(cloud, 2, true);
  const bare2 = await bareCurl(cloud); // once more after, to see drift of the cloud itself
  const active = [...bare.active, ...bare2.active];
  const deleted = [...bare.deleted, ...bare2.deleted];

  for (const [name, s] of [['cold (no pool)', cold], ['warm pool (size 2)', warm], ['warm pool, API and worker in two processes (MariaDB + RabbitMQ)', split]] as const) {
    console.log(`\n${name}: pool ${[...new Set(s.map((x) => x.pool))].join('/')} (${s.filter((x) => x.pool === 'hit').length}/${s.length} hits)`);
    console.log(line('  queue', s.map((x) => x.queue)));
    console.log(line('  provision', s.map((x) => x.provision)));
    if (s === cold) {
      console.log(line('    of which create → ACTIVE', s.map((x) => x.active)));
      console.log(line('    of which ACTIVE → runner up', s.map((x) => x.guest)));
    }
    console.log(line('  run', s.map((x) => x.run)));
    console.log(line('  total (queued → recorded)', s.map((x) => x.total)));
    console.log(line('  client (sync invoke)', s.map((x) => x.client)));
  }
  console.log(`\nbare curl (same Nova, same user, ${active.length} servers)`);
  console.log(line('  create → ACTIVE', active));
  console.log(line('  delete → 404', deleted));
  const r = (a: number[], b: number[], p: number) => (pct(a, p) / pct(b, p)).toFixed(2);
  console.log('\nratios (p50 / p99)');
  console.log(`  cold provision / bare create→ACTIVE   ${r(cold.map((x) => x.provision), active, 50)} / ${r(cold.map((x) => x.provision), active, 99)}`);
  console.log(`  cold total / bare create→ACTIVE       ${r(cold.map((x) => x.total), active, 50)} / ${r(cold.map((x) => x.total), active, 99)}`);
  console.log(`  warm total / cold total               ${r(warm.map((x) => x.total), cold.map((x) => x.total), 50)} / ${r(warm.map((x) => x.total), cold.map((x) => x.total), 99)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

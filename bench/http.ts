/**
 * HTTP throughput and latency of a trivial handler returning {ok:true}, in ONE run on this
 * machine: fnstack sync invoke with `isolation: reuse` and with per-event isolation (pre-started
 * sandboxes), next to Google's functions-framework and Knative's faas-js-runtime serving the
 * same handler. autocannon, `C` connections for `D` seconds per target, `R` rounds interleaved;
 * plus fnstack at 1 connection (latency at low concurrency). Each server runs in its own
 * process; fnstack on the embedded default (SQLite + store queue + local sandboxes), and
 * every fnstack execution is counted in its store at the end (recorded, succeeded). Also the
 * machine's bare spawn rate (a plain `node` running the handler once, as many at a time as
 * there are cores, for `D` seconds): the ceiling per-event isolation is held to. Each row also
 * gives the whole machine's busy CPU per request served (/proc/stat over the window): what a
 * request costs, next to what the peers' cost and what a bare spawn costs.
 * Run: `npm run build && node dist/bench/http.js [D=10] [C=16] [R=2]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { machineCpuMs } from '../test/_helpers/machine-cpu.js';

const [D, C, R] = [Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 16), Number(process.argv[4] ?? 2)];
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;
const POOL = 4;

interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

interface Row {
  name: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  /** The whole machine's busy CPU during the window, per request served (every process and the kernel). */
  cpuMs: number;
}

const children: ChildProcess[] = [];

/** Starts `argv` and waits until `url` answers something (any status). */
async function serve(argv: string[], url: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}`);
    try {
      await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${argv.join(' ')} did not answer at ${url}`);
}

async function fnstack(dataDir: string, port: number): Promise<{ url: string; key: string }> {
  const url = `http://127.0.0.1:${port}`;
  const env = {
    FNSTACK_DATA_DIR: dataDir,
    BENCH_PORT: String(port),
    FNSTACK_SANDBOX_POOL_SIZE: String(POOL),
    FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE: '100000000',
  };
  await serve([process.execPath, join(ROOT, 'dist', 'bench', 'fnstack-server.js')], `${url}/health`, env);
  const key = await apiKeyOf(dataDir);
  for (const isolation of ['reuse', 'per-event']) {
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: `ok-${isolation}`, runtime: RUNTIME, handler: 'index.handler', isolation }));
    form.append('code', new Blob(['exports.handler = async () => ({ ok: true });\n']), 'index.js');
    const r = await fetch(`${url}/v1/functions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${await r.text()}`);
    // Warm up, and check that an invoke succeeds.
    for (let i = 0; i < 5; i++) {
      const inv = await fetch(`${url}/v1/functions/ok-${isolation}/invoke`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
      const body = (await inv.json()) as { status: string; result: unknown };
      if (body.status !== 'succeeded') throw new Error(`invoke ok-${isolation}: ${JSON.stringify(body)}`);
    }
  }
  return { url, key };
}

/** The admin key the service writes on first start, just after it starts answering. */
async function apiKeyOf(dataDir: string): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return (JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { api_key: string }).api_key;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || i >= 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let dbFile: string | null = null;

/**
 * Waits until fnstack has no execution left that is not final: requests autocannon gave up on
 * at the end of a window still run, and would otherwise weigh on the next target.
 */
async function drained(): Promise<void> {
  if (!dbFile) return;
  const db = new Database(dbFile, { readonly: true });
  try {
    for (let i = 0; i < 600; i++) {
      const { n } = db.prepare("select count(*) as n from executions where status not in ('succeeded', 'failed', 'timed_out')").get() as { n: number };
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    db.close();
  }
}

async function measure(t: Target, connections: number): Promise<Row> {
  await drained();
  const busy0 = machineCpuMs();
  const r = await autocannon({ url: t.url, connections, duration: D, method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: '{}' });
  const cpuMs = (machineCpuMs() - busy0) / Math.max(1, r.requests.total);
  return { name: t.name, connections, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts, cpuMs };
}

/** Bare `node` starts per second running the handler once, `availableParallelism()` at a time, for `D` s. */
async function bareSpawnRate(dir: string): Promise<{ rate: number; cpuMs: number }> {
  const end = Date.now() + D * 1000;
  let done = 0;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', "require('./faas.js')()"], { cwd: dir, stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bare node exited with ${code}`))));
    });
  const start = Date.now();
  const busy0 = machineCpuMs();
  await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      while (Date.now() < end) {
        await once();
        done++;
      }
    }),
  );
  return { rate: done / ((Date.now() - start) / 1000), cpuMs: (machineCpuMs() - busy0) / Math.max(1, done) };
}


async function main() {
  const work = await mkdtemp(join(tmpdir(), 'fnstack-bench-http-'));
  const dataDir = join(work, 'data');
  try {
    await writeFile(join(work, 'ff.js'), 'exports.handler = (req, res) => { res.json({ ok: true }); };\n');
    await writeFile(join(work, 'faas.js'), 'module.exports = function handle() { return { ok: true }; };\n');
    const load0 = loadavg();
    await serve([join(BIN, 'functions-framework'), '--target=handler', `--source=${join(work, 'ff.js')}`, '--port=18081'], 'http://127.0.0.1:18081/');
    await serve([join(BIN, 'faas-js-runtime'), join(work, 'faas.js'), '--port', '18082', '--log-level', 'error'], 'http://127.0.0.1:18082/');
    const fs = await fnstack(dataDir, 18083);
    dbFile = join(dataDir, 'fnstack.db');
    const auth = { authorization: `Bearer ${fs.key}` };
    const targets: Target[] = [
      { name: 'functions-framework', url: 'http://127.0.0.1:18081/' },
      { name: 'faas-js-runtime', url: 'http://127.0.0.1:18082/' },
      { name: 'fnstack reuse', url: `${fs.url}/v1/functions/ok-reuse/invoke`, headers: auth },
      { name: 'fnstack per-event (pooled)', url: `${fs.url}/v1/functions/ok-per-event/invoke`, headers: auth },
    ];
    const rows: Row[] = [];
    for (let round = 0; round < R; round++) for (const t of targets) rows.push(await measure(t, C));
    for (const t of targets.slice(2)) rows.push(await measure(t, 1));
    await drained();
    const spawn1 = await bareSpawnRate(work);
    const load1 = loadavg();

    const db = new Database(join(dataDir, 'fnstack.db'), { readonly: true });
    const counts = db.prepare('select function_name as fn, status, count(*) as n from executions group by function_name, status').all() as Array<{ fn: string; status: string; n: number }>;
    db.close();

    console.log(`bench/http ${new Date().toISOString()} node ${process.version}, ${D} s per target, load ${load0.map((l) => l.toFixed(1)).join(' ')} -> ${load1.map((l) => l.toFixed(1)).join(' ')}, fnstack pool ${POOL}/shape`);
    for (const r of rows) console.log(`${r.name.padEnd(28)} c=${String(r.connections).padStart(2)}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(5)} ms  p99 ${String(r.p99).padStart(5)} ms  bad ${r.bad}  machine CPU ${r.cpuMs.toFixed(2)} ms/req`);
    const best = (name: string, c = C) => rows.filter((r) => r.name === name && r.connections === c).reduce((a, b) => (b.rps > a.rps ? b : a));
    const ff = best('functions-framework');
    const faas = best('faas-js-runtime');
    for (const name of ['fnstack reuse', 'fnstack per-event (pooled)']) {
      const f = best(name);
      console.log(`ratio ${name} (best round) / functions-framework: ${(f.rps / ff.rps).toFixed(3)}x   / faas-js-runtime: ${(f.rps / faas.rps).toFixed(3)}x`);
    }
    const perEvent = best('fnstack per-event (pooled)');
    console.log(`bare node spawn rate (${availableParallelism()} at a time): ${spawn1.rate.toFixed(1)}/s (machine CPU ${spawn1.cpuMs.toFixed(1)} ms each); per-event (pooled) / bare spawn rate: ${(perEvent.rps / spawn1.rate).toFixed(2)}x`);
    const reuse = best('fnstack reuse');
    console.log(`machine CPU per request / functions-framework's: reuse ${(reuse.cpuMs / ff.cpuMs).toFixed(1)}x; per-event / a bare spawn's: ${(perEvent.cpuMs / spawn1.cpuMs).toFixed(1)}x`);
    console.log(`fnstack executions recorded: ${counts.map((c) => `${c.fn} ${c.status} ${c.n}`).join(', ')}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  }
}

await main();

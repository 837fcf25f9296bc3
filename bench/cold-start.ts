/**
 * Cold start: invoke → result for a trivial function with a NEW sandbox per invocation
 * (embedded default: SQLite store + queue, local provider), next to a bare `node` spawn of
 * the same handler measured in the same run, and next to the per-event pooled path (a second
 * service whose sandboxes are started before their event: FNSTACK_SANDBOX_POOL_SIZE=2).
 * Run: `npm run bench:cold-start [-- N]`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../service/main.js';

const N = Number(process.argv[2] ?? 200);
const HANDLER = 'exports.handler = async (event) => ({ ok: true, n: event.data.n });\n';
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function bareNode(dir: string): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    // The same handler, run by a plain node with an explicitly minimal environment.
    const child = spawn(process.execPath, ['-e', "require('./index.js').handler({data:{n:1}}).then(r=>process.stdout.write(JSON.stringify(r)))"], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && out.includes('"ok":true') ? resolve() : reject(new Error(`bare node exited ${code}: ${out}`))));
  });
  return performance.now() - t0;
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-bench-'));
  const codeDir = await mkdtemp(join(tmpdir(), 'fnstack-bench-code-'));
  await writeFile(join(codeDir, 'index.js'), HANDLER);
  const pooledDir = await mkdtemp(join(tmpdir(), 'fnstack-bench-pooled-'));
  const quota = { FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE: '1000000' };
  const svc = await startService({ port: 0, env: { FNSTACK_DATA_DIR: dataDir, FNSTACK_SANDBOX_POOL_SIZE: '0', ...quota }, log: false });
  const pooledSvc = await startService({ port: 0, env: { FNSTACK_DATA_DIR: pooledDir, FNSTACK_SANDBOX_POOL_SIZE: '2', ...quota }, log: false });
  try {
    const client = async (url: string, data: string) => {
      const { api_key: key } = JSON.parse(await readFile(join(data, 'credentials.json'), 'utf8')) as { api_key: string };
      const auth = { authorization: `Bearer ${key}` };
      const form = new FormData();
      form.append('metadata', JSON.stringify({ name: 'trivial', runtime: RUNTIME, handler: 'index.handler' }));
      form.append('code', new Blob([HANDLER]), 'index.js');
      const created = await fetch(`${url}/v1/functions`, { method: 'POST', headers: auth, body: form });
      if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
      return async (n: number) => {
        const t0 = performance.now();
        const r = await fetch(`${url}/v1/functions/trivial/invoke`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
        const body = (await r.json()) as { id: string; status: string; error: unknown; timings: { queue_ms: number; provision_ms: number; run_ms: number }; placement: { details: { preStarted?: boolean } } };
        if (body.status !== 'succeeded') {
          const logs = (await (await fetch(`${url}/v1/executions/${body.id}/logs`, { headers: auth })).json()) as { logs: string };
          failures.push(`invoke ${n}: ${body.status} ${JSON.stringify(body.error)} logs=${JSON.stringify(logs.logs)}`);
          return null;
        }
        return { ms: performance.now() - t0, t: body.timings, preStarted: body.placement.details.preStarted === true };
      };
    };
    const invoke = await client(svc.url!, dataDir);
    const invokePooled = await client(pooledSvc.url!, pooledDir);

    const failures: string[] = [];
    for (let i = 0; i < 10; i++) {
      await invoke(-1);
      await invokePooled(-1);
      await bareNode(codeDir);
    }
    const fn: number[] = [];
    const bare: number[] = [];
    const pooled: number[] = [];
    const pooledRun: number[] = [];
    let hits = 0;
    const stages = { queue: [] as number[], provision: [] as number[], run: [] as number[] };
    // Interleaved so that both see the same machine state.
    for (let i = 0; i < N; i++) {
      const r = await invoke(i);
      if (!r) continue;
      fn.push(r.ms);
      stages.queue.push(r.t.queue_ms);
      stages.provision.push(r.t.provision_ms);
      stages.run.push(r.t.run_ms);
      bare.push(await bareNode(codeDir));
      const p = await invokePooled(i);
      if (!p) continue;
      pooled.push(p.ms);
      pooledRun.push(p.t.run_ms);
      if (p.preStarted) hits++;
    }
    const row = (name: string, xs: number[]) => `${name.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms`;
    console.log(`cold start, ${N} invocations, node ${process.version}, ${new Date().toISOString()}`);
    console.log(row('fnstack invoke → result (HTTP)', fn));
    console.log(row('  of which queue', stages.queue));
    console.log(row('  of which provision (sandbox)', stages.provision));
    console.log(row('  of which run (node + handler)', stages.run));
    console.log(row('fnstack per-event, pre-started', pooled));
    console.log(row('  of which run (handler)', pooledRun));
    console.log(`  pre-started sandbox hits: ${hits} of ${pooled.length}`);
    console.log(row('bare node spawn of the handler', bare));
    console.log(`failed invocations: ${failures.length} of ${N}`);
    for (const f of failures.slice(0, 5)) console.log(`  ${f}`);
    console.log(`ratio fnstack/bare: p50 ${(pct(fn, 50) / pct(bare, 50)).toFixed(2)}x   p99 ${(pct(fn, 99) / pct(bare, 99)).toFixed(2)}x`);
    console.log(`ratio pre-started/bare: p50 ${(pct(pooled, 50) / pct(bare, 50)).toFixed(2)}x   pre-started/fresh: p50 ${(pct(pooled, 50) / pct(fn, 50)).toFixed(2)}x`);
  } finally {
    await svc.close();
    await pooledSvc.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(pooledDir, { recursive: true, force: true });
    await rm(codeDir, { recursive: true, force: true });
  }
}

await main();

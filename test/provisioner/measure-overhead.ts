/**
 * Measures what each sandbox layer adds to an invocation (not a test; run it by hand):
 *
 *   node dist/test/provisioner/measure-overhead.js [rounds]
 *
 * Every variant runs the same trivial handler, round-robin so that load from other work on
 * the machine spreads evenly, and reports p50/p90 of invoke→result (acquire + run + release
 * for the provider variants) in ms (p10 approximates an idle machine), and the CPU time
 * each invocation cost. The baseline is
 * a bare `node` spawn that requires the handler and prints its result.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTOR_PATH, supervise } from '../../service/runner/supervisor.js';
import type { LocalProviderOptions } from '../../service/provisioner/local/local-options.js';
import { assignment, params, sandbox, type Sandbox } from './_fixtures.js';
import { machineCpuMs } from '../_helpers/machine-cpu.js';

const HANDLER = { 'index.js': 'exports.handler = async (event) => ({ ok: true, id: event.id });' };
const rounds = Number(process.argv[2] ?? 30);

async function main(): Promise<void> {
  const boxes: Record<string, Sandbox> = {};
  const variants: Record<string, () => Promise<void>> = {};
  const plainDir = await (boxes.plain = await sandbox({ isolateUsers: false, cgroup: 'off', permissionModel: false })).code(HANDLER);

  variants['bare node spawn'] = () => bare(plainDir);
  variants['supervisor + executor, no sandbox'] = async () => {
    const p = params();
    const o = await supervise(assignment(p, 'index.handler', plainDir), { argv: [process.execPath, EXECUTOR_PATH], cwd: plainDir, env: { PATH: '/usr/bin:/bin' } });
    if (o.status !== 'succeeded') throw new Error(JSON.stringify(o));
  };
  const configs: Array<[string, Partial<LocalProviderOptions>, boolean]> = [
    // Without own uids nothing guards the host's own services, so those variants have no network.
    ['local: bwrap + fresh dir, no network', { isolateUsers: false, cgroup: 'off', permissionModel: false }, false],
    ['local: + permission model', { isolateUsers: false, cgroup: 'off' }, false],
    ['local: + cgroups', { isolateUsers: false }, false],
    ['local: + own uid (everything)', {}, false],
    ['local: everything, network: true', {}, true],
    ['local: everything but the disk limit', { diskLimit: 'off' }, false],
  ];
  for (const [name, options, network] of configs) {
    const sb = (boxes[name] = await sandbox(options));
    variants[name] = async () => {
      const { outcome } = await sb.invoke(HANDLER, 'index.handler', { network });
      if (outcome.status !== 'succeeded') throw new Error(`${name}: ${JSON.stringify(outcome)}`);
    };
  }

  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const cpu: Record<string, number> = Object.fromEntries(Object.keys(variants).map((k) => [k, 0]));
  const sys: Record<string, number> = Object.fromEntries(Object.keys(variants).map((k) => [k, 0]));
  for (const run of Object.values(variants)) await run(); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const c0 = cpuMs();
      const s0 = machineCpuMs();
      const t0 = process.hrtime.bigint();
      await run();
      sys[name]! += machineCpuMs() - s0;
      times[name]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      cpu[name]! += cpuMs() - c0;
    }
  }
  // On a busy machine wall time mostly measures the queue for a CPU; CPU time (this process
  // plus every reaped child: node, sh, bwrap …) is the steadier figure.
  const base = p(times['bare node spawn']!, 0.5);
  const baseCpu = cpu['bare node spawn']! / rounds;
  const base10 = p(times['bare node spawn']!, 0.1);
  const baseSys = sys['bare node spawn']! / rounds;
  const cols = ['wall p10', '+p10', 'p50', '+p50', 'p90', 'cpu/run', '+cpu', 'machine', '+machine'];
  console.log(''.padEnd(38) + cols.map((c) => c.padStart(9)).join(''));
  for (const [name, ts] of Object.entries(times)) {
    const c = cpu[name]! / rounds;
    const m = sys[name]! / rounds;
    const row = [p(ts, 0.1), p(ts, 0.1) - base10, p(ts, 0.5), p(ts, 0.5) - base, p(ts, 0.9), c, c - baseCpu, m, m - baseSys];
    console.log(name.padEnd(38) + row.map((v) => v.toFixed(1).padStart(9)).join(''));
  }
  for (const sb of Object.values(boxes)) await sb.close();
}

function bare(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const js = `Promise.resolve(require(${JSON.stringify(join(dir, 'index.js'))}).handler({ id: '1' }, {})).then((v) => process.stdout.write(JSON.stringify(v)))`;
    const c = spawn(process.execPath, ['-e', js], { env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d));
    c.once('close', () => (out.includes('"ok":true') ? resolve() : reject(new Error(out))));
  });
}

/** CPU ms used so far by this process and its reaped children (utime+stime+cutime+cstime). */
function cpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}


function p(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

await main();

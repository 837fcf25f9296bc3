/**
 * What the disk and CPU guards cost per execution: DiskQuota.prepare (first, on a new image
 * dir, and warm), limit + usage + clear for 1 and 10 GiB disks, and a sandbox's cgroups
 * with and without the cpu/cpuacct hierarchies (create, join from a shell, remove). Needs
 * root. Run: `npm run build && node dist/bench/sandbox-limits.js [N]`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { detectCgroups } from '../service/provisioner/local/cgroups.js';
import { DiskQuota, GiB } from '../service/provisioner/local/disk-quota.js';
import { machineCpuMs } from '../test/_helpers/machine-cpu.js';

const N = Number(process.argv[2] ?? 30);
const UID = 200_990;

function pct(xs: number[], p: number): string {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!.toFixed(1);
}

/** CPU time of this process and its reaped children, ms (the steadiest figure on a busy machine). */
function cpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) * 10; // utime stime cutime cstime, 100 Hz
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function joinFrom(procsFiles: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', 'for f in "$@"; do echo $$ > "$f"; done', 'sh', ...procsFiles], { stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`join exited ${code}`))));
  });
}

async function main() {
  await mkdir('/var/lib/fnstack-bench', { recursive: true, mode: 0o711 });
  const base = await mkdtemp('/var/lib/fnstack-bench/limits-');
  const imageDir = join(base, 'images');
  try {
    console.log(`prepare, first (new image dir): ${(await time(() => new DiskQuota({ imageDir }).prepare())).toFixed(1)} ms`);
    const warm = [];
    for (let i = 0; i < 5; i++) warm.push(await time(() => new DiskQuota({ imageDir }).prepare()));
    console.log(`prepare, warm: p50 ${pct(warm, 50)} ms (5 runs)`);
    const disk = new DiskQuota({ imageDir, reserveBytes: 0 });
    for (const gib of [1, 10]) {
      // a new filesystem each time, then one lent again (its holder left nothing)
      for (const reusable of [false, true]) {
        const limit: number[] = [];
        const clear: number[] = [];
        const cpu0 = cpuMs();
        const machine0 = machineCpuMs();
        for (let i = 0; i < N; i++) {
          limit.push(await time(() => disk.limit(UID, gib * GiB)));
          await disk.usage(UID);
          clear.push(await time(() => disk.clear(UID, reusable)));
        }
        const cpu = (cpuMs() - cpu0) / N;
        const machine = (machineCpuMs() - machine0) / N;
        const how = reusable ? 'lent again' : 'new each time';
        console.log(`${gib} GiB disk, ${how}: limit p50 ${pct(limit, 50)} / p90 ${pct(limit, 90)} ms, clear p50 ${pct(clear, 50)} / p90 ${pct(clear, 90)} ms wall; ${cpu.toFixed(1)} ms CPU (this process + children), ${machine.toFixed(1)} ms of the machine's CPU per limit + usage + clear`);
      }
    }
    await disk.close();
    const driver = await detectCgroups('auto', 'fnstack-bench');
    if (!driver) return console.log('no cgroups: nothing more to measure');
    for (const cpu of [false, true]) {
      const times: number[] = [];
      for (let i = 0; i < N; i++) {
        times.push(
          await time(async () => {
            const g = await driver.create(`b-${randomBytes(4).toString('hex')}`, { memoryBytes: 256 << 20, pidsMax: 64, cpuQuota: cpu ? 1 : null });
            const files = cpu ? g.procsFiles : g.procsFiles.filter((f) => !/\/cpu(acct)?\//.test(f));
            await joinFrom(files);
            await g.remove();
          }),
        );
      }
      console.log(`cgroups ${cpu ? 'with' : 'without'} cpu+cpuacct: create + join + remove p50 ${pct(times, 50)} / p90 ${pct(times, 90)} ms`);
    }
  } finally {
    await new DiskQuota({ imageDir }).clear(UID);
    await rm(base, { recursive: true, force: true });
  }
}

await main();


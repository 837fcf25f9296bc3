/**
 * cgroup v2: one group per execution with `memory.max` (+ `memory.swap.max` 0), peak from
 * `memory.peak` (Linux ≥ 5.19), OOM kills from `memory.events`, `pids.max`, `cpu.max`
 * (vcpus × period) with CPU time and throttling from `cpu.stat`, and `cgroup.kill`
 * (Linux ≥ 5.14). v2 only lets a group hand controllers to its children when it has no
 * processes of its own, so this needs the service's own group to already delegate memory,
 * pids and cpu (e.g. the container's namespace root, or a systemd unit with
 * `Delegate=yes`); otherwise detection reports the controllers as unusable.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupDriver, CgroupLimits, CgroupMount, CgroupStats, CpuPriority, ExecutionCgroup, OwnCgroup } from './cgroups.js';
import { CPU_PERIOD_US, cpuQuotaUs, dirUnder } from './cgroups.js';
import { killListed, readKeyed, readNumber, removeDir, usableParent, writeValue } from './cgroup-fs.js';

export async function detectV2(own: OwnCgroup[], mounts: CgroupMount[], parent: string): Promise<CgroupDriver | null> {
  const mine = own.find((c) => c.controllers.length === 0);
  const mount = mounts.find((m) => m.type === 'cgroup2');
  const dir = mine && mount ? dirUnder(mount, mine.path) : null;
  if (!dir) return null;
  const offered = (await readFile(join(dir, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/);
  if (!offered.includes('memory') && !offered.includes('pids')) return null;
  const parentDir = join(dir, parent);
  if (!(await usableParent(parentDir))) return null;
  const enabled = await delegate(dir, parentDir, ['memory', 'pids', 'cpu']);
  if (enabled.length === 0) return null;
  const memory = enabled.includes('memory');
  const pids = enabled.includes('pids');
  const cpu = enabled.includes('cpu');
  return {
    version: 'v2',
    memory,
    pids,
    cpu,
    create: (name, limits) => createGroup(join(parentDir, name), limits, { memory, pids, cpu }),
    adopt: (name) => new V2Group(join(parentDir, name), false),
  };
}

/**
 * Enables the controllers for the parent's children; returns those that are available there.
 * One write per controller: a write naming one the kernel cannot enable fails as a whole.
 */
async function delegate(own: string, parentDir: string, wanted: string[]): Promise<string[]> {
  for (const dir of [own, parentDir]) {
    for (const c of wanted) await writeFile(join(dir, 'cgroup.subtree_control'), `+${c}`).catch(() => undefined);
  }
  const text = await readFile(join(parentDir, 'cgroup.subtree_control'), 'utf8').catch(() => '');
  const on = text.trim().split(/\s+/);
  return wanted.filter((c) => on.includes(c));
}

async function createGroup(dir: string, limits: CgroupLimits, on: { memory: boolean; pids: boolean; cpu: boolean }): Promise<ExecutionCgroup> {
  const group = new V2Group(dir, on.cpu);
  try {
    await mkdir(dir);
    if (on.memory) {
      await writeValue(dir, 'memory.max', limits.memoryBytes);
      await writeValue(dir, 'memory.swap.max', 0).catch(() => undefined);
    }
    if (on.pids) await writeValue(dir, 'pids.max', limits.pidsMax);
    if (on.cpu && limits.cpuQuota != null) await writeValue(dir, 'cpu.max', `${cpuQuotaUs(limits.cpuQuota)} ${CPU_PERIOD_US}`);
  } catch (err) {
    await group.remove().catch(() => undefined);
    throw err;
  }
  return group;
}

/** `cpu.weight` (the kernel's default is 100). */
const CPU_WEIGHT: Record<CpuPriority, number> = { background: 6, normal: 100 };

class V2Group implements ExecutionCgroup {
  readonly dirs: string[];
  readonly procsFiles: string[];

  constructor(
    private readonly dir: string,
    private readonly cpu: boolean,
  ) {
    this.dirs = [dir];
    this.procsFiles = [join(dir, 'cgroup.procs')];
  }

  async stats(): Promise<CgroupStats> {
    const stats: CgroupStats = {
      outOfMemory: ((await readKeyed(join(this.dir, 'memory.events'), 'oom_kill')) ?? 0) > 0,
      pidsLimitHit: ((await readKeyed(join(this.dir, 'pids.events'), 'max')) ?? 0) > 0,
    };
    const peak = await readNumber(join(this.dir, 'memory.peak'));
    if (peak !== undefined) stats.peakMemoryBytes = peak;
    const cpuTime = await readKeyed(join(this.dir, 'cpu.stat'), 'usage_usec');
    if (cpuTime !== undefined) stats.cpuTimeUs = cpuTime;
    const throttled = await readKeyed(join(this.dir, 'cpu.stat'), 'nr_throttled');
    if (throttled !== undefined) stats.cpuThrottledPeriods = throttled;
    return stats;
  }

  async setCpuPriority(priority: CpuPriority): Promise<void> {
    if (this.cpu) await writeValue(this.dir, 'cpu.weight', CPU_WEIGHT[priority]);
  }

  async kill(): Promise<void> {
    const killFile = join(this.dir, 'cgroup.kill');
    const hasKill = await access(killFile).then(
      () => true,
      () => false,
    );
    if (hasKill) await writeFile(killFile, '1').catch(() => undefined);
    await killListed(this.procsFiles[0]!);
  }

  async remove(): Promise<void> {
    await this.kill();
    await removeDir(this.dir);
  }
}

/**
 * cgroup v1: one group per execution in each hierarchy it uses (memory, pids, cpu,
 * cpuacct; co-mounted controllers share one group). Memory: `memory.limit_in_bytes`
 * (+ `memory.memsw.limit_in_bytes` so swap is no way out), peak from
 * `memory.max_usage_in_bytes`, OOM kills from `memory.oom_control`. CPU: a CFS quota of
 * vcpus × `cpu.cfs_period_us`, throttling from `cpu.stat`, time used from `cpuacct.usage`.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupDriver, CgroupLimits, CgroupMount, CgroupStats, CpuPriority, ExecutionCgroup, OwnCgroup } from './cgroups.js';
import { CPU_PERIOD_US, cpuQuotaUs, dirUnder } from './cgroups.js';
import { killListed, readKeyed, readNumber, removeDir, usableParent, writeValue } from './cgroup-fs.js';

/** The parent directory per controller; co-mounted controllers have the same one. */
interface Parents {
  memory: string | null;
  pids: string | null;
  cpu: string | null;
  cpuacct: string | null;
}

type Dirs = Parents;

export async function detectV1(own: OwnCgroup[], mounts: CgroupMount[], parent: string): Promise<CgroupDriver | null> {
  const parents: Parents = {
    memory: await parentFor('memory', own, mounts, parent),
    pids: await parentFor('pids', own, mounts, parent),
    cpu: await parentFor('cpu', own, mounts, parent),
    cpuacct: await parentFor('cpuacct', own, mounts, parent),
  };
  if (!parents.memory && !parents.pids && !parents.cpu) return null;
  return {
    version: 'v1',
    memory: parents.memory !== null,
    pids: parents.pids !== null,
    cpu: parents.cpu !== null,
    create: (name, limits) => createGroup(dirsOf(parents, name), limits),
    adopt: (name) => new V1Group(dirsOf(parents, name)),
  };
}

async function parentFor(controller: string, own: OwnCgroup[], mounts: CgroupMount[], parent: string): Promise<string | null> {
  const mine = own.find((c) => c.controllers.includes(controller));
  const mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
  const dir = mine && mount ? dirUnder(mount, mine.path) : null;
  if (!dir) return null;
  const parentDir = join(dir, parent);
  return (await usableParent(parentDir)) ? parentDir : null;
}

function dirsOf(parents: Parents, name: string): Dirs {
  const at = (p: string | null) => (p ? join(p, name) : null);
  return { memory: at(parents.memory), pids: at(parents.pids), cpu: at(parents.cpu), cpuacct: at(parents.cpuacct) };
}

async function createGroup(d: Dirs, limits: CgroupLimits): Promise<ExecutionCgroup> {
  const group = new V1Group(d);
  try {
    for (const dir of group.dirs) await mkdir(dir);
    if (d.memory) {
      await writeValue(d.memory, 'memory.limit_in_bytes', limits.memoryBytes);
      if (await exists(join(d.memory, 'memory.memsw.limit_in_bytes'))) {
        await writeValue(d.memory, 'memory.memsw.limit_in_bytes', limits.memoryBytes);
      }
    }
    if (d.pids) await writeValue(d.pids, 'pids.max', limits.pidsMax);
    if (d.cpu && limits.cpuQuota != null) {
      await writeValue(d.cpu, 'cpu.cfs_period_us', CPU_PERIOD_US);
      await writeValue(d.cpu, 'cpu.cfs_quota_us', cpuQuotaUs(limits.cpuQuota));
    }
  } catch (err) {
    await group.remove().catch(() => undefined);
    throw err;
  }
  return group;
}

/** `cpu.shares` (the kernel's default is 1024). */
const CPU_SHARES: Record<CpuPriority, number> = { background: 64, normal: 1024 };

class V1Group implements ExecutionCgroup {
  readonly dirs: string[];
  readonly procsFiles: string[];

  constructor(private readonly d: Dirs) {
    this.dirs = [...new Set([d.memory, d.pids, d.cpu, d.cpuacct].filter((x): x is string => x !== null))];
    this.procsFiles = this.dirs.map((dir) => join(dir, 'cgroup.procs'));
  }

  async stats(): Promise<CgroupStats> {
    const { memory, pids, cpu, cpuacct } = this.d;
    const stats: CgroupStats = { outOfMemory: false, pidsLimitHit: false };
    if (memory) {
      stats.outOfMemory = ((await readKeyed(join(memory, 'memory.oom_control'), 'oom_kill')) ?? 0) > 0;
      const peak = await readNumber(join(memory, 'memory.max_usage_in_bytes'));
      if (peak !== undefined) stats.peakMemoryBytes = peak;
    }
    if (pids) stats.pidsLimitHit = ((await readKeyed(join(pids, 'pids.events'), 'max')) ?? 0) > 0;
    const usageNs = cpuacct ? await readNumber(join(cpuacct, 'cpuacct.usage')) : undefined;
    if (usageNs !== undefined) stats.cpuTimeUs = Math.round(usageNs / 1000);
    const throttled = cpu ? await readKeyed(join(cpu, 'cpu.stat'), 'nr_throttled') : undefined;
    if (throttled !== undefined) stats.cpuThrottledPeriods = throttled;
    return stats;
  }

  async setCpuPriority(priority: CpuPriority): Promise<void> {
    if (this.d.cpu) await writeValue(this.d.cpu, 'cpu.shares', CPU_SHARES[priority]);
  }

  async kill(): Promise<void> {
    for (const file of this.procsFiles) await killListed(file);
  }

  async remove(): Promise<void> {
    await this.kill();
    for (const dir of this.dirs) await removeDir(dir);
  }
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

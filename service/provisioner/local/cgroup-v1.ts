/**
 * cgroup v1: one group per execution in the memory hierarchy and one in the pids
 * hierarchy. Memory: `memory.limit_in_bytes` (+ `memory.memsw.limit_in_bytes` so swap is
 * no way out), peak from `memory.max_usage_in_bytes`, OOM kills from `memory.oom_control`.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupDriver, CgroupLimits, CgroupMount, CgroupStats, ExecutionCgroup, OwnCgroup } from './cgroups.js';
import { dirUnder } from './cgroups.js';
import { killListed, readKeyed, readNumber, removeDir, usableParent, writeValue } from './cgroup-fs.js';

export async function detectV1(own: OwnCgroup[], mounts: CgroupMount[], parent: string): Promise<CgroupDriver | null> {
  const memory = await parentFor('memory', own, mounts, parent);
  const pids = await parentFor('pids', own, mounts, parent);
  if (!memory && !pids) return null;
  return {
    version: 'v1',
    memory: memory !== null,
    pids: pids !== null,
    create: (name, limits) => createGroup(memory, pids, name, limits),
    adopt: (name) => {
      const dirs = [memory, pids].map((p) => (p ? join(p, name) : null));
      return new V1Group(dirs[0]!, dirs[1]!, dirs.filter((d): d is string => d !== null));
    },
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

async function createGroup(memoryParent: string | null, pidsParent: string | null, name: string, limits: CgroupLimits): Promise<ExecutionCgroup> {
  const memory = memoryParent ? join(memoryParent, name) : null;
  const pids = pidsParent ? join(pidsParent, name) : null;
  const dirs = [memory, pids].filter((d): d is string => d !== null);
  const group = new V1Group(memory, pids, dirs);
  try {
    if (memory) {
      await mkdir(memory);
      await writeValue(memory, 'memory.limit_in_bytes', limits.memoryBytes);
      if (await exists(join(memory, 'memory.memsw.limit_in_bytes'))) {
        await writeValue(memory, 'memory.memsw.limit_in_bytes', limits.memoryBytes);
      }
    }
    if (pids) {
      await mkdir(pids);
      await writeValue(pids, 'pids.max', limits.pidsMax);
    }
  } catch (err) {
    await group.remove().catch(() => undefined);
    throw err;
  }
  return group;
}

class V1Group implements ExecutionCgroup {
  readonly procsFiles: string[];

  constructor(
    private readonly memory: string | null,
    private readonly pids: string | null,
    readonly dirs: string[],
  ) {
    this.procsFiles = dirs.map((d) => join(d, 'cgroup.procs'));
  }

  async stats(): Promise<CgroupStats> {
    const stats: CgroupStats = { outOfMemory: false, pidsLimitHit: false };
    if (this.memory) {
      stats.outOfMemory = ((await readKeyed(join(this.memory, 'memory.oom_control'), 'oom_kill')) ?? 0) > 0;
      const peak = await readNumber(join(this.memory, 'memory.max_usage_in_bytes'));
      if (peak !== undefined) stats.peakMemoryBytes = peak;
    }
    if (this.pids) stats.pidsLimitHit = ((await readKeyed(join(this.pids, 'pids.events'), 'max')) ?? 0) > 0;
    return stats;
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

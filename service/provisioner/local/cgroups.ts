/**
 * Per-execution control groups: the memory, pids and CPU limits, the OOM, peak-memory and
 * CPU-time readings, and "kill everything in it". Groups are always created below this process's
 * own cgroup (`<own path>/<parent>/<executionId>`), never at a hierarchy's root, so that
 * a service confined to a cgroup keeps its sandboxes inside its own budget.
 */
import { readFile } from 'node:fs/promises';
import { detectV1 } from './cgroup-v1.js';
import { detectV2 } from './cgroup-v2.js';

export type CgroupMode = 'auto' | 'v1' | 'v2' | 'off';

export interface CgroupLimits {
  memoryBytes: number;
  pidsMax: number;
  /**
   * CPUs' worth of time the group may use, fractions allowed (the function's vcpus: 0.25 is
   * a quarter of one CPU, 2 is two full CPUs); absent: no CPU cap.
   */
  cpuQuota?: number | null;
}

export type CpuPriority = 'background' | 'normal';

/** The CFS period used for CPU quotas, µs (the kernel's default). */
export const CPU_PERIOD_US = 100_000;

/** The CFS quota for `vcpus` CPUs per `periodUs` (the kernel accepts no less than 1 ms). */
export function cpuQuotaUs(vcpus: number, periodUs = CPU_PERIOD_US): number {
  if (!Number.isFinite(vcpus) || vcpus <= 0) throw new RangeError(`the CPU quota must be a positive number of CPUs, not ${vcpus}`);
  return Math.max(1000, Math.round(vcpus * periodUs));
}

export interface CgroupStats {
  /** The kernel OOM-killed a process of the group. */
  outOfMemory: boolean;
  /** Peak memory use of the whole group, when the kernel tracks it. */
  peakMemoryBytes?: number;
  /** A fork/clone failed because of pids.max. */
  pidsLimitHit: boolean;
  /** CPU time used by the whole group, µs (v1 `cpuacct.usage`, v2 `cpu.stat` usage_usec). */
  cpuTimeUs?: number;
  /** Periods in which the CPU quota stopped the group (it wanted more than its vcpus). */
  cpuThrottledPeriods?: number;
}

export interface ExecutionCgroup {
  /** The cgroup directories (one per v1 hierarchy, one in v2). */
  readonly dirs: string[];
  /** The `cgroup.procs` files the sandbox's first process writes its own pid into. */
  readonly procsFiles: string[];
  stats(): Promise<CgroupStats>;
  /**
   * The group's share of contended CPU against its siblings: `background` (1/16 of the
   * default) for a pre-started sandbox still starting, so that making spare sandboxes yields
   * to the events running next to it; `normal` once it serves an event. A no-op without the
   * cpu controller; the CPU quota (vcpus) applies either way.
   */
  setCpuPriority(priority: CpuPriority): Promise<void>;
  /** SIGKILLs every process in the group until it is empty. */
  kill(): Promise<void>;
  /** Kills what is left and removes the directories; idempotent. */
  remove(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  /** Whether the memory (resp. pids) controller is usable; otherwise rlimits stand in. */
  readonly memory: boolean;
  readonly pids: boolean;
  /** Whether CPU quotas can be set (and CPU time read); nothing stands in otherwise. */
  readonly cpu: boolean;
  create(name: string, limits: CgroupLimits): Promise<ExecutionCgroup>;
  /** The group `name` left behind by a dead service process (to kill and remove it). */
  adopt(name: string): ExecutionCgroup;
}

/** How `vcpus` is enforced: `cgroup` (required: refuse to run without it) or `off` (only recorded). */
export type CpuLimitMode = 'cgroup' | 'off';

/**
 * Fails closed: with `cgroup`, a host whose cgroups cannot cap CPU time cannot host
 * functions. Returns a reason to refuse them, or null when the mode is satisfied.
 */
export function cpuLimitProblem(driver: CgroupDriver | null, mode: CpuLimitMode): string | null {
  if (mode === 'off' || driver?.cpu) return null;
  const why = driver ? `the cpu controller is not usable in cgroup ${driver.version} here` : 'no usable cgroups here';
  return `vcpus cannot be enforced: ${why} (run as root with the cpu controller, or set cpuLimit: 'off' to run functions without a CPU cap)`;
}

/** One line of /proc/self/cgroup: `id:controllers:path`. */
export interface OwnCgroup {
  controllers: string[];
  path: string;
}

/** A cgroup filesystem mount from /proc/self/mountinfo. */
export interface CgroupMount {
  type: 'cgroup' | 'cgroup2';
  /** The mount's root inside the hierarchy (not `/` for bind-mounted sub-trees). */
  root: string;
  mountPoint: string;
  options: string[];
}

/** Picks the usable cgroup version, or null when none is (no root, read-only, mode off). */
export async function detectCgroups(mode: CgroupMode, parent: string): Promise<CgroupDriver | null> {
  if (mode === 'off') return null;
  const [own, mounts] = await Promise.all([readOwnCgroups(), readCgroupMounts()]);
  if (mode === 'v1') return detectV1(own, mounts, parent);
  if (mode === 'v2') return detectV2(own, mounts, parent);
  const v2 = await detectV2(own, mounts, parent);
  if (v2?.memory && v2.pids) return v2;
  return (await detectV1(own, mounts, parent)) ?? v2;
}

export async function readOwnCgroups(): Promise<OwnCgroup[]> {
  const text = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, controllers = '', ...path] = line.split(':');
      return { controllers: controllers ? controllers.split(',') : [], path: path.join(':') };
    });
}

export async function readCgroupMounts(): Promise<CgroupMount[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounts: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [type, , superOptions = ''] = right.split(' ');
    if ((type === 'cgroup' || type === 'cgroup2') && f[3] && f[4]) {
      mounts.push({ type, root: unescape(f[3]), mountPoint: unescape(f[4]), options: superOptions.split(',') });
    }
  }
  return mounts;
}

/** The directory of `ownPath` under `mount`, or null when the mount does not show it. */
export function dirUnder(mount: CgroupMount, ownPath: string): string | null {
  const root = mount.root === '/' ? '' : mount.root;
  if (root && ownPath !== root && !ownPath.startsWith(root + '/')) return null;
  return mount.mountPoint + ownPath.slice(root.length);
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

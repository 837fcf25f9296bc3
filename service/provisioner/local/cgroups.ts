/**
 * Per-execution control groups: the memory and pids limits, the OOM and peak-memory
 * readings, and "kill everything in it". Groups are always created below this process's
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
}

export interface CgroupStats {
  /** The kernel OOM-killed a process of the group. */
  outOfMemory: boolean;
  /** Peak memory use of the whole group, when the kernel tracks it. */
  peakMemoryBytes?: number;
  /** A fork/clone failed because of pids.max. */
  pidsLimitHit: boolean;
}

export interface ExecutionCgroup {
  /** The cgroup directories (one per v1 hierarchy, one in v2). */
  readonly dirs: string[];
  /** The `cgroup.procs` files the sandbox's first process writes its own pid into. */
  readonly procsFiles: string[];
  stats(): Promise<CgroupStats>;
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
  create(name: string, limits: CgroupLimits): Promise<ExecutionCgroup>;
  /** The group `name` left behind by a dead service process (to kill and remove it). */
  adopt(name: string): ExecutionCgroup;
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

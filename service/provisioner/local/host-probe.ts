/**
 * What this machine offers the sandbox, found once when the provider starts: cgroups,
 * a way to give a run no network, and whether an unprivileged uid can reach the node
 * binary and the runner at all.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { detectCgroups, type CgroupDriver } from './cgroups.js';
import type { ResolvedOptions } from './local-options.js';

export interface Host {
  isRoot: boolean;
  cgroups: CgroupDriver | null;
  /** How `network: false` is honoured, or null when it cannot be (then such runs are refused). */
  noNetwork: 'netns' | 'userns' | null;
}

export async function probeHost(o: ResolvedOptions, runnerDir: string): Promise<Host> {
  const isRoot = process.getuid?.() === 0;
  if (o.isolateUsers) {
    for (const [what, path, bits] of [
      ['the node binary', o.nodeBinary, 0o005],
      ['the runner', runnerDir, 0o005],
    ] as const) {
      const problem = await othersCannotReach(path, bits);
      if (problem) throw new Error(`sandbox uids cannot use ${what} ${path}: ${problem}; install it where every user can read it`);
    }
  }
  const cgroups = await detectCgroups(o.cgroup, o.cgroupParent);
  if ((o.cgroup === 'v1' || o.cgroup === 'v2') && !cgroups) throw new Error(`cgroup ${o.cgroup} was asked for but is not usable here`);
  const noNetwork = isRoot ? 'netns' : (await succeeds(o.tools.unshare, ['--user', '--map-current-user', '--net', '--', 'true'])) ? 'userns' : null;
  return { isRoot, cgroups, noNetwork };
}

/** Why `path` is not readable (`bits` on the file, x on every ancestor) by others, or null. */
async function othersCannotReach(path: string, bits: number): Promise<string | null> {
  const parts = dirname(path).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = sep + parts.slice(0, i).join(sep);
    const st = await stat(dir).catch(() => null);
    if (!st) return `${dir} does not exist`;
    if ((st.mode & 0o001) === 0) return `${dir} is not searchable by others`;
  }
  const st = await stat(path).catch(() => null);
  if (!st) return 'it does not exist';
  return (st.mode & bits) === bits ? null : 'it is not readable by others';
}

function succeeds(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
}

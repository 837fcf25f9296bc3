/**
 * What this machine offers the sandbox, found once when the provider starts, failing closed:
 * bubblewrap must be installed and able to make its namespaces, and with per-execution uids
 * every path the sandbox reads (node, the sandbox root, the runner copy) must be reachable
 * by an unprivileged uid. What cannot be guarded is refused here with the reason, never run
 * unguarded.
 */
import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { detectCgroups, type CgroupDriver } from './cgroups.js';
import type { ResolvedOptions } from './local-options.js';
import { run } from './scratch-fs.js';
import { seccompProblem } from './seccomp.js';

export interface Host {
  isRoot: boolean;
  cgroups: CgroupDriver | null;
  /** The host's top-level directories that are links into /usr (merged /usr), e.g. /bin → usr/bin. */
  usrLinks: Record<string, string>;
}

const TOP_LEVEL = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export async function probeHost(o: ResolvedOptions): Promise<Host> {
  const isRoot = process.getuid?.() === 0;
  if (o.isolateUsers) {
    for (const [what, path, bits] of [
      ['the node binary', o.nodeBinary, 0o005],
      ['the sandbox root', o.sandboxRoot, 0o001],
    ] as const) {
      const problem = await othersCannotReach(path, bits);
      if (problem) throw new Error(`sandbox uids cannot use ${what} ${path}: ${problem}; choose a location every user can traverse`);
    }
  }
  const usrLinks: Record<string, string> = {};
  for (const dir of TOP_LEVEL) {
    const st = await lstat(dir).catch(() => null);
    if (st?.isSymbolicLink()) usrLinks[dir] = await readlink(dir);
    else if (st?.isDirectory()) throw new Error(`${dir} is a directory of its own: the sandbox expects a merged /usr (Debian 12 and later)`);
  }
  const links = Object.entries(usrLinks).flatMap(([link, target]) => ['--symlink', target, link]);
  const probe = await run(o.tools.bwrap, ['--unshare-user', '--unshare-pid', '--unshare-net', '--ro-bind', '/usr', '/usr', ...links, '--', '/usr/bin/true']).then(
    () => null,
    (err: Error) => err.message,
  );
  if (probe !== null) throw new Error(`bubblewrap (${o.tools.bwrap}) cannot make a sandbox here: ${probe}; install it (Debian: apt-get install bubblewrap) and allow unprivileged user namespaces`);
  const noFilter = seccompProblem();
  if (noFilter) throw new Error(noFilter);
  const cgroups = await detectCgroups(o.cgroup, o.cgroupParent);
  if ((o.cgroup === 'v1' || o.cgroup === 'v2') && !cgroups) throw new Error(`cgroup ${o.cgroup} was asked for but is not usable here`);
  return { isRoot, cgroups, usrLinks };
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

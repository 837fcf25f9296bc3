/**
 * Finishes what a dead service process left in the sandbox root. Each acquired sandbox has
 * an owner file, `<sandboxRoot>/.owners/<name>`, holding the pid of the service process that
 * owns it; several service processes may share one data dir, so only sandboxes whose owner
 * is gone are touched: their processes are killed (cgroup, else uid), then the cgroups and
 * the working directory are removed.
 */
import { mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupDriver } from './cgroups.js';
import { ownerAlive, removeDeadTemps, writePidFile } from './pid-file.js';
import { run } from './scratch-fs.js';
import { killUid } from './uid-reaper.js';

const OWNERS = '.owners';

export async function claim(sandboxRoot: string, name: string): Promise<void> {
  await mkdir(join(sandboxRoot, OWNERS), { recursive: true, mode: 0o700 });
  writePidFile(join(sandboxRoot, OWNERS, name));
}

export async function unclaim(sandboxRoot: string, name: string): Promise<void> {
  await unlink(join(sandboxRoot, OWNERS, name)).catch(() => undefined);
}

/** Removes every sandbox whose owner died; returns their names. */
export async function sweepStale(sandboxRoot: string, cgroups: CgroupDriver | null, setpriv: string): Promise<string[]> {
  const swept: string[] = [];
  removeDeadTemps(join(sandboxRoot, OWNERS));
  const names = new Set([...(await list(sandboxRoot)), ...(await list(join(sandboxRoot, OWNERS)))]);
  for (const name of names) {
    if (name.startsWith('.')) continue; // .owners, .runner: the provider's own, never a sandbox
    if (ownerAlive(join(sandboxRoot, OWNERS, name))) continue;
    const workdir = join(sandboxRoot, name);
    const uid = await stat(workdir).then(
      (s) => s.uid,
      () => null,
    );
    if (cgroups) await cgroups.adopt(name).remove().catch(() => undefined);
    else if (uid !== null && uid !== process.getuid?.()) await killUid(setpriv, uid);
    // Its tmp/ may still be the dead run's disk (disk-quota.ts removes the image itself).
    await detach(join(workdir, 'tmp'));
    await rm(workdir, { recursive: true, force: true });
    await unclaim(sandboxRoot, name);
    swept.push(name);
  }
  return swept;
}

function detach(mountPoint: string): Promise<void> {
  return run('umount', ['--lazy', mountPoint]).catch(() => undefined); // not mounted: nothing to do
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

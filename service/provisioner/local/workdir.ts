/**
 * An execution's fresh working directory, `<sandboxRoot>/<name>/`, which the sandbox sees
 * as /var/task (code/, read-only) and /tmp (tmp/):
 *
 *   code/          the function's files, hard-linked from the read-only code cache
 *                  (copied when linking fails), directories owned by the service
 *   tmp/           the only writable place: HOME and TMPDIR
 *   passwd, group  the sandbox's /etc/passwd and /etc/group: its own uid only
 *
 * With uid isolation the top directory and tmp/ belong to the execution's uid, mode 0700:
 * no other execution can enter them, and the function cannot change its own code. With a disk
 * limit, /tmp is the uid's directory on its own disk instead (`tmpDir`), and no tmp/ is made.
 *
 * passwd and group are written, and the directories given to the uid, with synchronous calls
 * (a few bytes in the page cache, an inode's owner: ~0.1 ms, against ~190 µs of CPU for a
 * promise writeFile, cgroup-fs.ts). Making and removing directories, which can wait on the
 * filesystem's journal for milliseconds, stays off the event loop, as does the code tree.
 */
import { chownSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface Workdir {
  root: string;
  codeDir: string;
  tmpDir: string;
  passwd: string;
  group: string;
}

export interface Owner {
  uid: number;
  gid: number;
}

export async function createWorkdir(sandboxRoot: string, name: string, owner: Owner | null, tmpDir?: string): Promise<Workdir> {
  const root = join(sandboxRoot, name);
  const wd: Workdir = { root, codeDir: join(root, 'code'), tmpDir: tmpDir ?? join(root, 'tmp'), passwd: join(root, 'passwd'), group: join(root, 'group') };
  const id = owner ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  await mkdir(root, { mode: 0o700 });
  await Promise.all([mkdir(wd.codeDir, { mode: 0o755 }), ...(tmpDir ? [] : [mkdir(wd.tmpDir, { mode: 0o700 })])]);
  writeFileSync(wd.passwd, `sandbox:x:${id.uid}:${id.gid}:fnstack sandbox:/tmp:/usr/sbin/nologin\n`, { mode: 0o444 });
  writeFileSync(wd.group, `sandbox:x:${id.gid}:\n`, { mode: 0o444 });
  if (owner) {
    if (!tmpDir) chownSync(wd.tmpDir, owner.uid, owner.gid);
    chownSync(root, owner.uid, owner.gid);
  }
  return wd;
}

/** Links (or copies) every file of the code cache tree `from` into the empty `to`. */
export async function populateCode(from: string, to: string): Promise<{ files: number; copied: number }> {
  const counts = { files: 0, copied: 0 };
  await linkTree(from, to, counts);
  return counts;
}

async function linkTree(from: string, to: string, counts: { files: number; copied: number }): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true });
  const subdirs: string[] = [];
  const files: string[] = [];
  const links: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) subdirs.push(e.name);
    else if (e.isFile()) files.push(e.name);
    else if (e.isSymbolicLink()) links.push(e.name);
    // no devices or fifos: unpacking refuses them
  }
  // Links stay links (e.g. node_modules/.bin): unpacking proved each resolves inside the
  // package, and inside the sandbox nothing else is there to point at anyway.
  for (const l of links) await symlink(await readlink(join(from, l)), join(to, l));
  await parallel(files, 32, async (f) => {
    counts.files++;
    try {
      await link(join(from, f), join(to, f));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
      await copyFile(join(from, f), join(to, f));
      await chmod(join(to, f), 0o444);
      counts.copied++;
    }
  });
  for (const d of subdirs) {
    await mkdir(join(to, d), { mode: 0o755 });
    await linkTree(join(from, d), join(to, d), counts);
  }
}

async function parallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

export async function removeWorkdir(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
}

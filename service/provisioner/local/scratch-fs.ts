/**
 * A scratch filesystem: an image file allocated for real (so the host's disk cannot run out
 * under it), formatted ext4 and loop-mounted; its root belongs to root, mode 0711, and the
 * sandbox's writable directory is made inside it (disk-quota.ts). Its size is the limit: a
 * write beyond it fails with ENOSPC. The only state is the image file itself; what is mounted
 * from it is found again through the loop devices' backing files, so a process that did not
 * make the mount can still undo it.
 */
import { spawn } from 'node:child_process';
import { chmod, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ScratchTools {
  sh: string;
  fallocate: string;
  mkfs: string;
  mount: string;
  umount: string;
  losetup: string;
}

export const DEFAULT_SCRATCH_TOOLS: ScratchTools = {
  sh: '/bin/sh',
  fallocate: '/usr/bin/fallocate',
  mkfs: '/usr/sbin/mkfs.ext4',
  mount: '/usr/bin/mount',
  umount: '/usr/bin/umount',
  losetup: '/usr/sbin/losetup',
};

/** Bytes of disk per inode: the inode cap grows with the size (64 Ki inodes per GiB). */
const BYTES_PER_INODE = 16384;

/**
 * No journal (the contents die with the run), no blocks reserved for root, no resize
 * reserve; inode tables are neither zeroed by mkfs nor later by the kernel (`noinit_itable`):
 * the image reads as zeros anyway, being freshly allocated.
 */
const MAKE = `set -e
"$1" -l "$5" "$4"
"$2" -q -F -b 4096 -i ${BYTES_PER_INODE} -m 0 -O ^has_journal,^resize_inode -E nodiscard,lazy_itable_init=1,root_owner=0:0 "$4"
"$3" -o loop,nosuid,nodev,noatime,noinit_itable "$4" "$6"`;

/**
 * Allocates `image` (`bytes`), makes the filesystem and mounts it at `target` (an existing
 * directory); its root is root's, mode 0711, and empty. Undo with `dropScratch`, also on failure.
 */
export async function makeScratch(tools: ScratchTools, image: string, bytes: number, target: string): Promise<void> {
  await run(tools.sh, ['-c', MAKE, 'make-scratch', tools.fallocate, tools.mkfs, tools.mount, image, String(bytes), target]);
  await rmdir(join(target, 'lost+found'));
  await chmod(target, 0o711);
}

/** Unmounts everything mounted from `image`, detaches its loop devices and deletes it. Idempotent. */
export async function dropScratch(tools: ScratchTools, image: string): Promise<void> {
  for (const loop of await loopsOf(image)) {
    // deepest first, should anything have been mounted below a scratch mount
    const targets = (await mountPointsOf(loop.dev)).sort((a, b) => b.length - a.length);
    for (const target of targets) {
      // A process that survived its run (and holds a file open) makes it busy: detach it
      // lazily then; the filesystem, and the image's space, go when that process does.
      await run(tools.umount, [target]).catch(() => run(tools.umount, ['-l', target]));
    }
    // mount's loop devices clear themselves on the last unmount; one left by a crash does not
    if ((await loopsOf(image)).some((l) => l.name === loop.name)) await run(tools.losetup, ['-d', `/dev/${loop.name}`]).catch(() => undefined);
  }
  await rm(image, { force: true });
}

/** Mount points of `image` (in this mount namespace). */
export async function scratchMounts(image: string): Promise<string[]> {
  const found: string[] = [];
  for (const loop of await loopsOf(image)) found.push(...(await mountPointsOf(loop.dev)));
  return found;
}

interface Loop {
  name: string;
  /** `major:minor` */
  dev: string;
}

async function loopsOf(image: string): Promise<Loop[]> {
  const names = (await readdir('/sys/block').catch(() => [] as string[])).filter((n) => /^loop\d+$/.test(n));
  const loops: Loop[] = [];
  for (const name of names) {
    const backing = await readFile(`/sys/block/${name}/loop/backing_file`, 'utf8').catch(() => '');
    if (backing.trim().replace(/ \(deleted\)$/, '') !== image) continue;
    const dev = (await readFile(`/sys/block/${name}/dev`, 'utf8').catch(() => '')).trim();
    loops.push({ name, dev });
  }
  return loops;
}

async function mountPointsOf(dev: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[2] === dev && f[4])
    .map((f) => f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Runs a helper program; rejects with its stderr when it fails. */
export function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 4096 - stderr.length)));
    p.once('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    p.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(stderr.trim() || `${cmd} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`))));
  });
}

/**
 * Enforces `disk_gb`: every execution's writable directory lives on a filesystem of exactly
 * its declared size (scratch-fs), lent to the execution's uid. A write beyond it fails with
 * ENOSPC; `usage` says how much was written and whether the limit was reached. (A shared
 * filesystem with per-uid quotas was the first design; the development machine's kernel has
 * no quota support at all (no CONFIG_QFMT_V2): README.md, "Disk".)
 *
 * Making a filesystem (allocate, mkfs, mount) and removing it (umount, delete) cost about as
 * much of the machine's CPU as a Node start (37–50 ms here, bench/README.md), so a filesystem
 * that comes back provably untouched is lent again. The holder's directory is `<mount>/t`
 * (its own, 0700) in a root that is root's (0711): the holder can create nothing anywhere
 * else on it. `clear(uid, true)` removes that directory with `rmdir`, which succeeds only when
 * it is empty — then nothing of the holder is left (no file, no link, no attribute: they went
 * with the directory) and the filesystem waits, idle, for the next holder of the same size.
 * Anything else (a file left behind, a process of the holder that may have survived) and it
 * is unmounted and deleted. Idle filesystems are few (IDLE_MAX) and short-lived (IDLE_MS).
 *
 * State lives in one directory shared by every service process on the machine (0711: a
 * sandbox uid traverses it to its own directory; nobody can list it):
 * `<imageDir>/<random>.img`, its mount point `.mnt/`, and `.owner`, the pid of the process
 * that made it (written first, removed last). `prepare` and every new filesystem remove what
 * dead processes left. The caller must hold the uid (UidPool).
 *
 *   const disk = new DiskQuota({ imageDir: '/var/lib/fnstack/scratch' });
 *   await disk.prepare();                                // once; throws ProvisioningError when it cannot work here
 *   const tmpDir = await disk.limit(uid, diskGb * GiB);  // the uid's own empty directory on a disk of that size
 *   …run…  const used = await disk.usage(uid);
 *   await disk.clear(uid, nothingSurvived);              // before the uid is given back
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs';
import { access, constants, chmod, mkdir, readdir, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProvisioningError } from '../provider.js';
import { DEFAULT_SCRATCH_TOOLS, dropScratch, makeScratch, type ScratchTools } from './scratch-fs.js';
import { ownerAlive, removeDeadTemps, writePidFile } from './pid-file.js';

export const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The holder's directory, inside the filesystem's root. */
const HOLDER_DIR = 't';
/** Idle filesystems kept per process, at most, and for at most this long. */
const IDLE_MAX = 8;
const IDLE_MS = 60_000;

export interface DiskQuotaOptions {
  /** Directory of the images: created 0711 (traversable, not listable), must belong to root. Required. */
  imageDir: string;
  /**
   * Disk space kept free on the images' filesystem for everything else (the store, logs):
   * a limit that would eat into it is refused (retryable). Default 2 GiB.
   */
  reserveBytes?: number;
  tools?: Partial<ScratchTools>;
}

export interface DiskUsage {
  /** Bytes the function's files take (filesystem blocks in use). */
  usedBytes: number;
  /** The declared limit, bytes. */
  limitBytes: number;
  usedInodes: number;
  inodeLimit: number;
  /** No room left (for data or for files): a write failed or would fail with ENOSPC. */
  full: boolean;
}

interface Scratch {
  base: string;
  /** The mount point (`<base>.mnt`). */
  mount: string;
  bytes: number;
  idleSince: number;
}

export class DiskQuota {
  private readonly tools: ScratchTools;
  private readonly reserveBytes: number;
  /** The filesystem lent to each uid. */
  private readonly live = new Map<number, Scratch>();
  /** Filesystems back from a holder that left nothing, oldest first. */
  private idle: Scratch[] = [];
  private ready: Promise<void> | null = null;
  private sweeping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The device of the image dir: a mount point on the same device is not mounted. */
  private hostDev = -1;
  private closed = false;

  constructor(private readonly options: DiskQuotaOptions) {
    if (!options.imageDir?.startsWith('/')) throw new TypeError('DiskQuotaOptions.imageDir must be an absolute path');
    this.tools = { ...DEFAULT_SCRATCH_TOOLS, ...options.tools };
    this.reserveBytes = options.reserveBytes ?? 2 * GiB;
  }

  /**
   * Checks that disk limits work on this machine (root, the tools, a real scratch
   * filesystem made, mounted and removed) and removes images whose owner died. Runs once;
   * throws ProvisioningError('provider_unavailable') naming what is missing.
   */
  prepare(): Promise<void> {
    this.ready ??= this.prepareOnce().catch((err: unknown) => {
      this.ready = null; // the operator may fix it without a restart
      throw new ProvisioningError('provider_unavailable', `disk_gb cannot be enforced: ${(err as Error).message} (set diskLimit: 'off' to run functions without a disk limit)`);
    });
    return this.ready;
  }

  /**
   * Lends `uid` a filesystem of `bytes` (an idle one of that size, else a new one) and returns
   * the uid's directory on it: empty, owned by `uid`:`uid`, mode 0700. Whatever this process
   * lent the uid before is taken back first.
   */
  async limit(uid: number, bytes: number): Promise<string> {
    if (!Number.isInteger(bytes) || bytes < 16 * MiB) throw new RangeError(`a disk limit must be a whole number of bytes, at least 16 MiB (got ${bytes})`);
    if (this.closed) throw new ProvisioningError('provider_unavailable', 'the disk limits are closed', true);
    await this.prepare();
    await this.clear(uid);
    const s = (await this.takeIdle(bytes)) ?? (await this.make(bytes));
    const dir = join(s.mount, HOLDER_DIR);
    try {
      await mkdir(dir, { mode: 0o700 });
      // Synchronous, as the working directory's owner (workdir.ts): an inode's attributes.
      chownSync(dir, uid, uid);
      chmodSync(dir, 0o700);
    } catch (err) {
      await this.drop(s.base);
      throw new ProvisioningError('boot_failed', `cannot make the sandbox's directory on its disk: ${(err as Error).message}`, true);
    }
    this.live.set(uid, s);
    return dir;
  }

  /** What the uid's filesystem holds now, or null when this process lent it none. */
  async usage(uid: number): Promise<DiskUsage | null> {
    const s = this.live.get(uid);
    if (!s) return null;
    const fs = await statfs(s.mount);
    const avail = fs.bavail * fs.bsize;
    return {
      usedBytes: (fs.blocks - fs.bfree) * fs.bsize,
      limitBytes: s.bytes,
      usedInodes: fs.files - fs.ffree,
      inodeLimit: fs.files,
      // ext4 keeps some slack for its own metadata and refuses data a little before it is all gone
      full: avail <= Math.max(4 * MiB, s.bytes / 64) || fs.ffree === 0,
    };
  }

  /**
   * Takes back the filesystem lent to `uid`. With `reusable` (nothing of the uid survived its
   * run) and the uid's directory empty, it is kept for another holder; else it is unmounted
   * (lazily, if something still holds it) and deleted. Idempotent.
   */
  async clear(uid: number, reusable = false): Promise<void> {
    const s = this.live.get(uid);
    if (!s) return;
    this.live.delete(uid);
    if (reusable && !this.closed && (await this.leftNothing(s))) {
      s.idleSince = Date.now();
      this.idle.push(s);
      while (this.idle.length > IDLE_MAX) await this.drop(this.idle.shift()!.base);
      return;
    }
    await this.drop(s.base);
  }

  /** Filesystems waiting for a holder (tests, metrics). */
  idleCount(): number {
    return this.idle.length;
  }

  /** Deletes the idle filesystems and stops lending; what is lent is deleted when cleared. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.idle.splice(0)) await this.drop(s.base);
  }

  /** True when the holder's directory was empty (it is gone now) and the root holds nothing else. */
  private async leftNothing(s: Scratch): Promise<boolean> {
    try {
      await rmdir(join(s.mount, HOLDER_DIR));
      return readdirSync(s.mount).length === 0;
    } catch {
      return false;
    }
  }

  /** An idle filesystem of exactly `bytes`, still mounted, or null. */
  private async takeIdle(bytes: number): Promise<Scratch | null> {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const s = this.idle[i]!;
      if (s.bytes !== bytes) continue;
      this.idle.splice(i, 1);
      // Unmounted behind our back, its mount point would be the host's disk: never lend that.
      if (devOf(s.mount) !== this.hostDev) return s;
      await this.drop(s.base);
    }
    return null;
  }

  /** Makes and mounts a new filesystem of `bytes`. */
  private async make(bytes: number): Promise<Scratch> {
    await this.sweepOnce();
    await this.checkRoom(bytes);
    const base = join(this.options.imageDir, randomBytes(8).toString('hex'));
    writePidFile(`${base}.owner`);
    try {
      await mkdir(`${base}.mnt`, { mode: 0o711 });
      await makeScratch(this.tools, `${base}.img`, bytes, `${base}.mnt`);
    } catch (err) {
      await this.drop(base);
      const full = /no space left/i.test((err as Error).message);
      throw new ProvisioningError(full ? 'quota_exceeded' : 'boot_failed', `cannot make the sandbox's disk of ${gib(bytes)}: ${(err as Error).message}`, true);
    }
    return { base, mount: `${base}.mnt`, bytes, idleSince: 0 };
  }

  private async prepareOnce(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('loop-mounted disks need the service to run as root');
    const dir = this.options.imageDir;
    // Only the image dir itself is closed: its parents (say /var/lib/fnstack, which also
    // holds the sandbox root that sandbox uids traverse) are made traversable.
    await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
    await mkdir(dir, { recursive: true, mode: 0o711 });
    const st = await stat(dir);
    if (st.uid !== 0) throw new Error(`${dir} must belong to root`);
    // Traversable, not listable: sandbox uids reach their own directory on their disk through it.
    if ((st.mode & 0o777) !== 0o711) await chmod(dir, 0o711);
    this.hostDev = st.dev;
    for (const [what, path] of Object.entries(this.tools)) {
      await access(path, constants.X_OK).catch(() => {
        throw new Error(`${what} (${path}) is not installed or not executable`);
      });
    }
    await access('/dev/loop-control').catch(() => {
      throw new Error('there are no loop devices (/dev/loop-control is missing)');
    });
    await this.sweep();
    await this.probe();
    this.timer = setInterval(() => void this.expireIdle(), 15_000);
    this.timer.unref();
  }

  /** Deletes what waited longer than IDLE_MS, and what dead processes left. */
  private async expireIdle(): Promise<void> {
    const old = this.idle.filter((s) => Date.now() - s.idleSince > IDLE_MS);
    this.idle = this.idle.filter((s) => !old.includes(s));
    for (const s of old) await this.drop(s.base).catch(() => undefined);
    await this.sweepOnce();
  }

  /** One sweep at a time (a new filesystem and the idle timer both ask for one); never throws. */
  private sweepOnce(): Promise<void> {
    return (this.sweeping ??= this.sweep().finally(() => (this.sweeping = null))).catch(() => undefined);
  }

  /** Removes the images (and probe mount points) of processes that died. */
  private async sweep(): Promise<void> {
    removeDeadTemps(this.options.imageDir);
    for (const base of await this.entries()) {
      if (ownerAlive(join(this.options.imageDir, `${base}.owner`))) continue;
      await this.drop(join(this.options.imageDir, base));
    }
  }

  /** Makes, mounts and removes a small scratch filesystem: the one real proof that limits work here. */
  private async probe(): Promise<void> {
    const base = join(this.options.imageDir, `probe-${randomBytes(6).toString('hex')}`);
    writePidFile(`${base}.owner`);
    try {
      await mkdir(`${base}.mnt`, { mode: 0o700 });
      await makeScratch(this.tools, `${base}.img`, 16 * MiB, `${base}.mnt`);
      const fs = await statfs(`${base}.mnt`);
      if (fs.blocks * fs.bsize > 16 * MiB || fs.bavail * fs.bsize < 8 * MiB) throw new Error(`a 16 MiB scratch disk came out with ${fs.bavail * fs.bsize} bytes free`);
    } finally {
      await this.drop(base);
    }
  }

  /** Refuses a limit the host's disk cannot give while keeping its reserve free (idle filesystems give theirs back first). */
  private async checkRoom(bytes: number): Promise<void> {
    const free = async () => {
      const fs = await statfs(this.options.imageDir);
      return fs.bavail * fs.bsize;
    };
    if ((await free()) - bytes >= this.reserveBytes) return;
    for (const s of this.idle.splice(0)) await this.drop(s.base);
    if ((await free()) - bytes >= this.reserveBytes) return;
    throw new ProvisioningError('quota_exceeded', `not enough disk on this machine for a ${gib(bytes)} sandbox disk: ${gib(await free())} free, ${gib(this.reserveBytes)} kept in reserve`, true);
  }

  /** Distinct base names (`<random>`, `probe-<random>`) found in the image dir. */
  private async entries(): Promise<string[]> {
    const names = await readdir(this.options.imageDir).catch(() => [] as string[]);
    return [...new Set(names.map((n) => /^(.+)\.(img|owner|mnt)$/.exec(n)?.[1]).filter((b): b is string => b !== undefined))];
  }

  /** Removes one image and its mounts, then its probe mount point and owner file (last). */
  private async drop(base: string): Promise<void> {
    await dropScratch(this.tools, `${base}.img`);
    await rmdir(`${base}.mnt`).catch(() => undefined);
    await unlink(`${base}.owner`).catch(() => undefined);
  }
}

function devOf(path: string): number | undefined {
  try {
    return statSync(path).dev;
  } catch {
    return undefined;
  }
}

const gib = (n: number) => `${(n / GiB).toFixed(1)} GiB`;

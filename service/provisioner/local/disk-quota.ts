/**
 * Enforces `disk_gb`: every execution's writable directory is a filesystem of exactly its
 * declared size (scratch-fs), keyed by the execution's uid. A write beyond it fails with
 * ENOSPC; `usage` says how much was written and whether the limit was reached; `clear`
 * deletes it all. (A shared filesystem with per-uid quotas was the first design; the
 * development machine's kernel has no quota support at all (no CONFIG_QFMT_V2), and a
 * per-execution image measured ~15–25 ms: README.md, "Disk".)
 *
 * State lives in one root-only directory, shared by every service process on the machine:
 * `<imageDir>/<uid>-<random>.img` and next to it `.owner`, the pid of the process that made
 * it (written first, removed last). `prepare` removes what dead processes left; `limit`
 * first removes anything left for its uid. The caller must hold the uid (UidPool), which
 * makes it the only process touching that uid's images.
 *
 *   const disk = new DiskQuota({ imageDir: '/var/lib/fnstack/scratch' });
 *   await disk.prepare();                        // once; throws ProvisioningError when it cannot work here
 *   await disk.limit(uid, diskGb * GiB, tmpDir); // tmpDir now holds a fresh filesystem of that size
 *   …run…  const used = await disk.usage(uid);
 *   await disk.clear(uid);                       // before the working directory is removed
 */
import { randomBytes } from 'node:crypto';
import { access, constants, chmod, lstat, mkdir, readdir, readFile, rmdir, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProvisioningError } from '../provider.js';
import { DEFAULT_SCRATCH_TOOLS, dropScratch, makeScratch, type ScratchTools } from './scratch-fs.js';
import { isAlive } from './uid-pool.js';

export const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface DiskQuotaOptions {
  /** Directory of the images: created 0700, must belong to root. Required. */
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
  target: string;
  bytes: number;
}

export class DiskQuota {
  private readonly tools: ScratchTools;
  private readonly reserveBytes: number;
  private readonly live = new Map<number, Scratch>();
  private ready: Promise<void> | null = null;

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
   * Mounts a fresh filesystem of `bytes` at `dir` (an empty directory), owned by `uid`:`uid`,
   * mode 0700. Whatever an earlier holder of the uid left is removed first.
   */
  async limit(uid: number, bytes: number, dir: string): Promise<void> {
    if (!Number.isInteger(bytes) || bytes < 16 * MiB) throw new RangeError(`a disk limit must be a whole number of bytes, at least 16 MiB (got ${bytes})`);
    await this.prepare();
    // the mount follows links: the sandbox's directory must be a plain one
    if (!(await lstat(dir)).isDirectory()) throw new ProvisioningError('boot_failed', `${dir} is not a directory`);
    await this.clear(uid);
    await this.checkRoom(bytes);
    const base = join(this.options.imageDir, `${uid}-${randomBytes(6).toString('hex')}`);
    await writeFile(`${base}.owner`, String(process.pid), { mode: 0o600 });
    try {
      await makeScratch(this.tools, `${base}.img`, bytes, dir, { uid, gid: uid });
    } catch (err) {
      await this.drop(base);
      const full = /no space left/i.test((err as Error).message);
      throw new ProvisioningError(full ? 'quota_exceeded' : 'boot_failed', `cannot make the sandbox's disk of ${gib(bytes)}: ${(err as Error).message}`, true);
    }
    this.live.set(uid, { base, target: dir, bytes });
  }

  /** What the uid's filesystem holds now, or null when this process gave it none. */
  async usage(uid: number): Promise<DiskUsage | null> {
    const s = this.live.get(uid);
    if (!s) return null;
    const fs = await statfs(s.target);
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

  /** Unmounts and deletes every filesystem of the uid (this process's or left by another). Idempotent. */
  async clear(uid: number): Promise<void> {
    const prefix = `${uid}-`;
    const bases = new Set((await this.entries()).filter((b) => b.startsWith(prefix)).map((b) => join(this.options.imageDir, b)));
    const mine = this.live.get(uid);
    if (mine) bases.add(mine.base);
    for (const base of bases) await this.drop(base);
    this.live.delete(uid);
  }

  private async prepareOnce(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('loop-mounted disks need the service to run as root');
    const dir = this.options.imageDir;
    // Only the image dir itself is closed: its parents (say /var/lib/fnstack, which also
    // holds the sandbox root that sandbox uids traverse) are made traversable.
    await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await stat(dir);
    if (st.uid !== 0) throw new Error(`${dir} must belong to root`);
    if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
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
  }

  /** Removes the images (and probe mount points) of processes that died. */
  private async sweep(): Promise<void> {
    for (const base of await this.entries()) {
      const owner = Number(await readFile(join(this.options.imageDir, `${base}.owner`), 'utf8').catch(() => '0'));
      if (owner > 0 && isAlive(owner)) continue;
      await this.drop(join(this.options.imageDir, base));
    }
  }

  /** Makes, mounts and removes a small scratch filesystem: the one real proof that limits work here. */
  private async probe(): Promise<void> {
    const base = join(this.options.imageDir, `probe-${randomBytes(6).toString('hex')}`);
    await writeFile(`${base}.owner`, String(process.pid), { mode: 0o600 });
    try {
      await mkdir(`${base}.mnt`, { mode: 0o700 });
      await makeScratch(this.tools, `${base}.img`, 16 * MiB, `${base}.mnt`, { uid: 0, gid: 0 });
      const fs = await statfs(`${base}.mnt`);
      if (fs.blocks * fs.bsize > 16 * MiB || fs.bavail * fs.bsize < 8 * MiB) throw new Error(`a 16 MiB scratch disk came out with ${fs.bavail * fs.bsize} bytes free`);
    } finally {
      await this.drop(base);
    }
  }

  /** Refuses a limit the host's disk cannot give while keeping its reserve free. */
  private async checkRoom(bytes: number): Promise<void> {
    const fs = await statfs(this.options.imageDir);
    const free = fs.bavail * fs.bsize;
    if (free - bytes >= this.reserveBytes) return;
    throw new ProvisioningError('quota_exceeded', `not enough disk on this machine for a ${gib(bytes)} sandbox disk: ${gib(free)} free, ${gib(this.reserveBytes)} kept in reserve`, true);
  }

  /** Distinct base names (`<uid>-<random>`, `probe-<random>`) found in the image dir. */
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

const gib = (n: number) => `${(n / GiB).toFixed(1)} GiB`;

/**
 * Hands out one uid (and the gid of the same number) per live execution from a fixed
 * range. Several service processes on one machine share the range: a uid is taken by
 * creating `<lockDir>/<uid>` exclusively, whole, with the owner's pid (pid-file.ts), and a
 * lock whose owner died is taken over. Allocation rotates through the range instead of
 * reusing the lowest free id, so that a released id comes back as late as possible. A lock is
 * taken on every sandbox's path with synchronous calls (a few bytes written, linked, the
 * temporary name removed: well under the ~190 µs of CPU one promise call costs, cgroup-fs.ts);
 * removing one, which can wait on the filesystem's journal for milliseconds, stays off the
 * event loop.
 *
 * Taking over a dead owner's lock is read, unlink, create: two processes doing it at once
 * could each unlink and create in turn and both hold the uid — two tenants under one uid.
 * So takeovers are serialised machine-wide by a kernel-held flock (takeover-mutex.ts), which
 * a process that dies lets go of by dying; a plain exclusive create needs none.
 */
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, readPidFile, writePidFile } from './pid-file.js';
import { withTakeoverMutex } from './takeover-mutex.js';

export class UidPool {
  private readonly mine = new Set<number>();
  private next = 0;

  constructor(
    readonly base: number,
    readonly count: number,
    private readonly lockDir: string,
  ) {
    if (!Number.isInteger(base) || base < 1 || !Number.isInteger(count) || count < 1 || base + count > 2 ** 32 - 2) {
      throw new RangeError(`invalid uid range ${base}+${count}`);
    }
  }

  /** A free uid, or null when every id of the range is in use. */
  async take(): Promise<number | null> {
    await mkdir(this.lockDir, { recursive: true, mode: 0o700 });
    for (let i = 0; i < this.count; i++) {
      const slot = (this.next + i) % this.count;
      const uid = this.base + slot;
      if (this.mine.has(uid)) continue;
      this.mine.add(uid);
      if (await this.lock(uid)) {
        this.next = (slot + 1) % this.count;
        return uid;
      }
      this.mine.delete(uid);
    }
    return null;
  }

  /** Returns `uid` to the pool; only once nothing runs under it any more. */
  async give(uid: number): Promise<void> {
    if (!this.mine.delete(uid)) return;
    await unlink(this.lockFile(uid)).catch(() => undefined);
  }

  get inUse(): number {
    return this.mine.size;
  }

  private async lock(uid: number): Promise<boolean> {
    if (this.create(uid)) return true;
    if (!this.ownerDied(uid)) return false;
    // Only under the mutex: re-read (another process may have taken it over), unlink, create.
    return withTakeoverMutex(this.lockDir, async () => {
      if (!this.ownerDied(uid)) return false;
      await unlink(this.lockFile(uid)).catch(() => undefined);
      return this.create(uid);
    });
  }

  /** Creates the lock exclusively; false when it exists. */
  private create(uid: number): boolean {
    try {
      writePidFile(this.lockFile(uid), { exclusive: true });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false;
    }
  }

  /** The lock exists and its owner is neither this process nor alive. */
  private ownerDied(uid: number): boolean {
    const owner = readPidFile(this.lockFile(uid));
    return owner !== process.pid && !(owner !== null && isAlive(owner));
  }

  private lockFile(uid: number): string {
    return join(this.lockDir, String(uid));
  }
}

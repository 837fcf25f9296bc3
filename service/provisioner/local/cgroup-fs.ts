/**
 * Small file operations on cgroup directories, shared by the v1 and v2 drivers.
 *
 * Reads are synchronous: a cgroup file is the kernel's, never a disk's, and a read takes
 * ~10 µs that way, where the promise API's four thread-pool round trips (open, stat, read,
 * close) cost the service ~190 µs of CPU; every run reads half a dozen (stats, process lists).
 * Everything that changes the hierarchy stays off the event loop: creating or removing a
 * group, or writing a controller's setting, can wait on the kernel's cgroup locks for
 * milliseconds (a memory group's rmdir took 7–18 ms here; bench/README.md, http).
 */
import { readFileSync } from 'node:fs';
import { access, constants, mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The file's text, or null when it cannot be read. */
export function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export async function readNumber(file: string): Promise<number | undefined> {
  const text = readText(file);
  const n = text === null ? NaN : Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The value of `key` in a flat keyed file such as memory.events or memory.oom_control. */
export async function readKeyed(file: string, key: string): Promise<number | undefined> {
  const text = readText(file) ?? '';
  const line = text.split('\n').find((l) => l.startsWith(key + ' '));
  const n = line ? Number(line.slice(key.length + 1).trim()) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Creates `dir` (and parents) and checks that this process may manage groups in it. */
export async function usableParent(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function writeValue(dir: string, file: string, value: string | number): Promise<void> {
  await writeFile(join(dir, file), String(value));
}

/**
 * SIGKILLs everything listed in `procsFile` until the list stays empty. A fork bomb can
 * add processes between reads, but only up to pids.max, and killed processes fork no more.
 */
export async function killListed(procsFile: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (let round = 0; Date.now() < end; round++) {
    const text = readText(procsFile) ?? '';
    const pids = text.split('\n').filter(Boolean).map(Number);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    await sleep(round < 5 ? 2 : 20);
  }
}

/** rmdir with retries: a group stays busy until its last killed task has been reaped. */
export async function removeDir(dir: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > end) throw err;
      await sleep(20);
    }
  }
}

/**
 * Owner files: a path holding the pid of the service process that owns something (a uid, a
 * sandbox, a scratch disk). Several service processes share one data dir and sweep what dead
 * processes left, so a reader must never see an owner file half-written: a plain write
 * creates the file empty and fills it a syscall later, and a sweeper reading in between took
 * the empty file for a dead owner and removed what a live process was making. Here the pid
 * is written to a temporary name first and then linked (exclusive) or renamed (replace) into
 * place: the path is absent or whole.
 *
 * Synchronous on purpose: a few bytes on every sandbox's path, cheaper than a trip through
 * libuv's thread pool.
 */
import { linkSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temporary names start with a dot, which every listing of these directories skips. */
const TEMP = /^\..+\.(\d+)\.pid-tmp$/;

/**
 * Writes this process's pid to `path`, whole. With `exclusive`, fails with EEXIST (nothing
 * written) when `path` exists; without, replaces it.
 */
export function writePidFile(path: string, options: { exclusive?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.pid-tmp`);
  writeFileSync(tmp, String(process.pid), { mode: 0o600 });
  try {
    if (options.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    unlinkQuietly(tmp); // after a link, or after a rename that failed
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already (renamed into place)
  }
}

/** The pid in `path`, or null when there is none (no file, or not a pid). */
export function readPidFile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** True when a process of that pid exists (EPERM: it exists, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `path` names a live process: the owner is alive, whatever it owns is in use. */
export function ownerAlive(path: string): boolean {
  const pid = readPidFile(path);
  return pid !== null && isAlive(pid);
}

/** Removes the temporary files of dead processes that stopped between write and link. */
export function removeDeadTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = TEMP.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    unlinkQuietly(join(dir, name));
  }
}

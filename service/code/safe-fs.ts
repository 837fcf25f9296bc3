/**
 * Makes an archive's entries under `base` without ever following a link: every parent
 * component is lstat'ed and must be a real directory (made when missing), and each entry is
 * created exclusively (O_EXCL, O_NOFOLLOW), so an existing name — link or not — is an error,
 * never something written through. EntryTree refuses the same cases from what the archive
 * made; this checks them against the filesystem itself.
 */
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { badPackage } from './package-errors.js';

const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Makes sure every parent directory of `path` is a real directory, creating missing ones. */
export async function ensureParents(base: string, path: string, create = true): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) await realDir(base, parts.slice(0, i).join('/'), path, create);
}

async function realDir(base: string, dir: string, entry: string, create = true): Promise<void> {
  const st = await lstat(join(base, dir)).catch(notFound);
  if (!st && create) return void (await mkdir(join(base, dir), { mode: 0o755 }));
  if (!st) throw badPackage(`archive entry '${entry}' needs '${dir}', which the archive has not made`);
  if (st.isSymbolicLink()) throw badPackage(`archive entry '${entry}' goes through the link '${dir}': links cannot be used as directories`);
  if (!st.isDirectory()) throw badPackage(`archive entry '${entry}' goes through '${dir}', which is not a directory`);
}

/** A directory entry: made, or kept when it already is a real directory. */
export async function makeDir(base: string, path: string): Promise<void> {
  await ensureParents(base, path);
  await realDir(base, path, path);
}

/** A new regular file, opened for writing; fails if anything already has that name. */
export async function openNewFile(base: string, path: string): Promise<FileHandle> {
  await ensureParents(base, path);
  return open(join(base, path), NEW_FILE, 0o644).catch((err: unknown) => {
    throw exists(err) ? badPackage(`archive entry '${path}' appears twice`) : err;
  });
}

export async function makeSymlink(base: string, path: string, target: string): Promise<void> {
  await ensureParents(base, path);
  await symlink(target, join(base, path)).catch((err: unknown) => {
    throw exists(err) ? badPackage(`archive entry '${path}' appears twice`) : err;
  });
}

/** A hard link to `target`, which must be a regular file reached through real directories only. */
export async function makeHardLink(base: string, path: string, target: string): Promise<void> {
  await ensureParents(base, target, false);
  const st = await lstat(join(base, target)).catch(notFound);
  if (!st?.isFile()) throw badPackage(`hard link '${path}' points to '${target}', which is not a file of the package`);
  await ensureParents(base, path);
  // link(2) never follows a final symlink in its first path, and the parents were just checked
  await link(join(base, target), join(base, path)).catch((err: unknown) => {
    throw exists(err) ? badPackage(`archive entry '${path}' appears twice`) : err;
  });
}

function notFound(err: unknown): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw err;
}

const exists = (err: unknown) => (err as NodeJS.ErrnoException).code === 'EEXIST';

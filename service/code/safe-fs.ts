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

export class NoFollowTree {
  /**
   * Directories already found real (or made) under `base`. Only this unpacker writes there,
   * so a directory once checked stays one; this saves an lstat per parent per entry.
   */
  private readonly realDirs = new Set<string>(['']);

  constructor(private readonly base: string) {}

  /** Makes sure every parent directory of `path` is a real directory, creating missing ones when `create`. */
  private async parents(path: string, create: boolean): Promise<void> {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) await this.realDir(parts.slice(0, i).join('/'), path, create);
  }

  private async realDir(dir: string, entry: string, create: boolean): Promise<void> {
    if (this.realDirs.has(dir)) return;
    const st = await lstat(join(this.base, dir)).catch(notFound);
    if (!st && !create) throw badPackage(`archive entry '${entry}' needs '${dir}', which the archive has not made`);
    if (!st) await mkdir(join(this.base, dir), { mode: 0o755 });
    else if (st.isSymbolicLink()) throw badPackage(`archive entry '${entry}' goes through the link '${dir}': links cannot be used as directories`);
    else if (!st.isDirectory()) throw badPackage(`archive entry '${entry}' goes through '${dir}', which is not a directory`);
    this.realDirs.add(dir);
  }

  /** A directory entry: made, or kept when it already is a real directory. */
  async makeDir(path: string): Promise<void> {
    await this.parents(path, true);
    await this.realDir(path, path, true);
  }

  /** A new regular file, opened for writing; fails if anything already has that name. */
  async openNewFile(path: string): Promise<FileHandle> {
    await this.parents(path, true);
    return open(join(this.base, path), NEW_FILE, 0o644).catch(twiceIfExists(path));
  }

  async makeSymlink(path: string, target: string): Promise<void> {
    await this.parents(path, true);
    await symlink(target, join(this.base, path)).catch(twiceIfExists(path));
  }

  /** A hard link to `target`, which must be a regular file reached through real directories only. */
  async makeHardLink(path: string, target: string): Promise<void> {
    await this.parents(target, false);
    const st = await lstat(join(this.base, target)).catch(notFound);
    if (!st?.isFile()) throw badPackage(`hard link '${path}' points to '${target}', which is not a file of the package`);
    await this.parents(path, true);
    // link(2) never follows a final symlink in its first path, and the parents were just checked
    await link(join(this.base, target), join(this.base, path)).catch(twiceIfExists(path));
  }
}

function notFound(err: unknown): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw err;
}

const twiceIfExists = (path: string) => (err: unknown) => {
  throw (err as NodeJS.ErrnoException).code === 'EEXIST' ? badPackage(`archive entry '${path}' appears twice`) : err;
};

/**
 * Takes an unpacked tree over for the service: every entry becomes root's (when it was
 * unpacked by another uid), files read-only (0444), directories 0755. Nothing is followed:
 * each entry is lstat'ed, files and directories are changed through a descriptor opened with
 * O_NOFOLLOW and checked to be the entry lstat'ed, links are only lchown'ed. An entry the
 * unpacker did not make — owned by anyone else, on another device, or neither file,
 * directory nor link — stops the whole package.
 */
import { constants } from 'node:fs';
import { lchown, lstat, open, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';

const OPEN_NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

interface Seal {
  /** Who must own every entry: the unpack uid, or the service itself. */
  madeBy: number;
  /** uid/gid to give everything; null to keep the owner (the service unpacked it itself). */
  owner: { uid: number; gid: number } | null;
  dev: number;
  /** Files already sealed: a hard link's second name finds its inode changed already. */
  sealedFiles: Set<number>;
}

/** Seals `dir`; its top is locked (0700) first so that nothing of the unpack uid can enter any more. */
export async function sealTree(dir: string, madeBy: number, owner: Seal['owner']): Promise<void> {
  const top = await lstat(dir);
  if (!top.isDirectory()) throw new Error(`unpacked tree ${dir} is not a directory`);
  const seal: Seal = { madeBy, owner, dev: top.dev, sealedFiles: new Set() };
  await change(dir, top, seal, 0o700);
  await sealChildren(dir, seal);
  await change(dir, top, seal, 0o755);
}

async function sealChildren(dir: string, seal: Seal): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (st.isFile() && st.dev === seal.dev && seal.sealedFiles.has(st.ino)) continue;
    if (st.uid !== seal.madeBy || st.dev !== seal.dev) throw new Error(`unpacked tree holds '${p}', which the unpacker did not make (uid ${st.uid})`);
    if (st.isSymbolicLink()) {
      if (seal.owner) await lchown(p, seal.owner.uid, seal.owner.gid);
    } else if (st.isDirectory()) {
      await change(p, st, seal, 0o755);
      await sealChildren(p, seal);
    } else if (st.isFile()) {
      await change(p, st, seal, 0o444);
      seal.sealedFiles.add(st.ino);
    } else {
      throw new Error(`unpacked tree holds '${p}', which is neither a file, a directory nor a link`);
    }
  }
}

async function change(p: string, seen: Stats, seal: Seal, mode: number): Promise<void> {
  const fh = await open(p, OPEN_NOFOLLOW | (seen.isDirectory() ? constants.O_DIRECTORY : 0));
  try {
    const st = await fh.stat();
    if (st.ino !== seen.ino || st.dev !== seen.dev) throw new Error(`'${p}' changed while the unpacked tree was sealed`);
    if (seal.owner) await fh.chown(seal.owner.uid, seal.owner.gid);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

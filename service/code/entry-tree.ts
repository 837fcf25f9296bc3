/**
 * What one archive has created so far, as a tree of names (memory grows with the names in
 * the archive, not with their depth). The unpacker asks it before touching the disk, so an
 * entry is judged by what the archive really made, not by how its name reads:
 * - a link (or a file) is never the parent of a later entry;
 * - a path is made once: a second entry of the same name is refused (a directory entry
 *   repeating an existing directory excepted), so nothing is written through an earlier link;
 * - a hard link may only name a regular file this archive already wrote;
 * - every symlink, followed through the links of the finished tree, stays inside it.
 */
import { badPackage } from './package-errors.js';

interface Dir {
  kind: 'dir';
  children: Map<string, Node>;
}
type Node = Dir | { kind: 'file' } | { kind: 'symlink'; target: string };

/** Links a symlink may go through before it counts as a loop (Linux's own limit). */
const MAX_LINK_HOPS = 40;

const newDir = (): Dir => ({ kind: 'dir', children: new Map() });

export class EntryTree {
  private readonly root = newDir();
  private readonly symlinks: Array<{ path: string; target: string }> = [];

  /** Records a directory and its missing parents; false when it already existed. */
  addDir(path: string): boolean {
    if (path === '') return false;
    const { dir, name } = this.parentOf(path);
    const existing = dir.children.get(name);
    if (existing?.kind === 'dir') return false;
    if (existing) throw twice(path);
    dir.children.set(name, newDir());
    return true;
  }

  addFile(path: string): void {
    this.claim(path, { kind: 'file' });
  }

  addSymlink(path: string, target: string): void {
    this.claim(path, { kind: 'symlink', target });
    this.symlinks.push({ path, target });
  }

  /** A hard link: `target` must be a regular file entry already written (not a link, not a directory). */
  addHardLink(path: string, target: string): void {
    const node = this.find(target);
    if (!node) throw badPackage(`hard link '${path}' points to '${target}', which the archive has not written before it`);
    if (node.kind !== 'file') throw badPackage(`hard link '${path}' points to '${target}', which is not a file (a ${node.kind === 'dir' ? 'directory' : 'link'})`);
    this.addFile(path);
  }

  /** Once the archive is finished: every symlink, resolved through the others, stays inside. */
  assertLinksInside(): void {
    for (const { path, target } of this.symlinks) this.resolve(path, target);
  }

  private claim(path: string, node: Node): void {
    const { dir, name } = this.parentOf(path);
    if (dir.children.has(name)) throw twice(path);
    dir.children.set(name, node);
  }

  /** The directory `path` goes in, made (as directories) where missing; refuses a link or file on the way. */
  private parentOf(path: string): { dir: Dir; name: string } {
    const parts = path.split('/');
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      let child = dir.children.get(parts[i]!);
      if (!child) dir.children.set(parts[i]!, (child = newDir()));
      if (child.kind === 'symlink') throw badPackage(`archive entry '${path}' goes through the link '${parts.slice(0, i + 1).join('/')}': links cannot be used as directories`);
      if (child.kind === 'file') throw badPackage(`archive entry '${path}' goes through '${parts.slice(0, i + 1).join('/')}', which is a file`);
      dir = child;
    }
    return { dir, name: parts[parts.length - 1]! };
  }

  /** The node at `path`, reached through directories only. */
  private find(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    for (const part of path.split('/')) node = node?.kind === 'dir' ? node.children.get(part) : undefined;
    return node;
  }

  /** Resolves like the kernel: `..` applies to where the links so far really led. */
  private resolve(link: string, target: string): void {
    const at: Dir[] = [this.root];
    for (const part of link.split('/').slice(0, -1)) at.push(at[at.length - 1]!.children.get(part) as Dir);
    const pending = target.split('/');
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (at.length === 1) throw badPackage(`link '${link}' points outside the package ('${target}' leaves it once the links it goes through are followed)`);
        at.pop();
        continue;
      }
      const node = at[at.length - 1]!.children.get(part);
      if (node?.kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) throw badPackage(`link '${link}' is part of a loop of links`);
        if (node.target.startsWith('/')) throw badPackage(`link '${link}' goes through '${part}', which points outside the package`);
        pending.unshift(...node.target.split('/'));
        continue;
      }
      if (node?.kind !== 'dir') return; // dangling or not a directory: the kernel stops here too
      at.push(node);
    }
  }
}

const twice = (path: string) => badPackage(`archive entry '${path}' appears twice`);

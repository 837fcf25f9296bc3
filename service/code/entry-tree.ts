/**
 * What one archive has created so far, by normalized path ('' is the package root). The
 * unpacker asks it before touching the disk, so an entry is judged by what the archive
 * really made, not by how its name reads:
 * - a link (or a file) is never the parent of a later entry;
 * - a path is made once: a second entry of the same name is refused (a directory entry
 *   repeating an existing directory excepted), so nothing is written through an earlier link;
 * - a hard link may only name a regular file this archive already wrote;
 * - every symlink, followed through the links of the finished tree, stays inside it.
 */
import { posix } from 'node:path';
import { badPackage } from './package-errors.js';

type Node = { kind: 'dir' } | { kind: 'file' } | { kind: 'symlink'; target: string };

/** Links a symlink may go through before it counts as a loop (Linux's own limit). */
const MAX_LINK_HOPS = 40;

export class EntryTree {
  private readonly nodes = new Map<string, Node>([['', { kind: 'dir' }]]);

  /** Refuses `path` unless every parent is a directory (or not made yet) and the name is free. */
  private claim(path: string, kind: Node['kind']): 'new' | 'exists' {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const node = this.nodes.get(parent);
      if (node?.kind === 'symlink') throw badPackage(`archive entry '${path}' goes through the link '${parent}': links cannot be used as directories`);
      if (node?.kind === 'file') throw badPackage(`archive entry '${path}' goes through '${parent}', which is a file`);
    }
    const existing = this.nodes.get(path);
    if (!existing) return 'new';
    if (existing.kind === 'dir' && kind === 'dir') return 'exists';
    throw badPackage(`archive entry '${path}' appears twice`);
  }

  /** Records a directory and its missing parents; false when it already existed. */
  addDir(path: string): boolean {
    if (path === '') return false;
    if (this.claim(path, 'dir') === 'exists') return false;
    this.addParents(path);
    this.nodes.set(path, { kind: 'dir' });
    return true;
  }

  addFile(path: string): void {
    this.claim(path, 'file');
    this.addParents(path);
    this.nodes.set(path, { kind: 'file' });
  }

  addSymlink(path: string, target: string): void {
    this.claim(path, 'symlink');
    this.addParents(path);
    this.nodes.set(path, { kind: 'symlink', target });
  }

  /** A hard link: `target` must be a regular file entry already written (not a link, not a directory). */
  addHardLink(path: string, target: string): void {
    const node = this.nodes.get(target);
    if (!node) throw badPackage(`hard link '${path}' points to '${target}', which the archive has not written before it`);
    if (node.kind !== 'file') throw badPackage(`hard link '${path}' points to '${target}', which is not a file (a ${node.kind === 'dir' ? 'directory' : 'link'})`);
    this.addFile(path);
  }

  private addParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!this.nodes.has(parent)) this.nodes.set(parent, { kind: 'dir' });
    }
  }

  /** Once the archive is finished: every symlink, resolved through the others, stays inside. */
  assertLinksInside(): void {
    for (const [path, node] of this.nodes) {
      if (node.kind === 'symlink') this.resolve(path, node.target);
    }
  }

  /** Resolves like the kernel: `..` applies to where the links so far really led. */
  private resolve(link: string, target: string): void {
    const pending = target.split('/');
    const at = posix.dirname(link) === '.' ? [] : posix.dirname(link).split('/');
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (at.length === 0) throw badPackage(`link '${link}' points outside the package ('${target}' leaves it once the links it goes through are followed)`);
        at.pop();
        continue;
      }
      const here = [...at, part].join('/');
      const node = this.nodes.get(here);
      if (node?.kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) throw badPackage(`link '${link}' is part of a loop of links`);
        if (node.target.startsWith('/')) throw badPackage(`link '${link}' goes through '${here}', which points outside the package`);
        pending.unshift(...node.target.split('/'));
        continue;
      }
      if (!node || node.kind === 'file') return; // dangling or not a directory: the kernel stops here too
      at.push(part);
    }
  }
}

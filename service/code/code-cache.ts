/**
 * This process's cache of unpacked code trees, `<dataDir>/code/<sha256>/`, filled from an
 * upload or, on another machine, from the store. Trees are root's and read-only: sandboxes
 * hard-link their files, and no function may change the code another one runs. Archives are
 * unpacked as `unpackUid` (when the service is root) in a scratch directory, then taken over.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeRef } from '../model.js';
import type { CodeStore } from '../store/code-store.js';
import { unpackIdentity } from './isolated-unpack.js';
import { unpackToScratch } from './unpack-package.js';
import { DEFAULT_UNPACK_UID, type UnpackIdentity } from './unpack-protocol.js';
import type { UnpackLimits } from './unpack.js';

export class CodeCache {
  private readonly pending = new Map<string, Promise<string>>();
  private readonly identity: UnpackIdentity;

  constructor(
    private readonly root: string,
    private readonly store: CodeStore,
    private readonly limits: UnpackLimits,
    unpackUid = DEFAULT_UNPACK_UID,
  ) {
    this.identity = unpackIdentity(unpackUid);
  }

  dirOf(sha256: string): string {
    return join(this.root, sha256);
  }

  /** The unpacked tree of `ref`; unpacks `blob` (or the stored blob) when it is not cached yet. */
  async ensure(ref: CodeRef, blob?: Buffer, limits: UnpackLimits = this.limits): Promise<string> {
    const dir = this.dirOf(ref.sha256);
    // Looked for every time (one stat): a tree removed behind the service's back (an operator
    // clearing the cache) is unpacked again, not handed to a sandbox as a missing directory.
    if (await isDir(dir)) return dir;
    let p = this.pending.get(ref.sha256);
    if (!p) {
      p = this.fill(ref, blob, limits).finally(() => this.pending.delete(ref.sha256));
      this.pending.set(ref.sha256, p);
    }
    return p;
  }

  private async fill(ref: CodeRef, blob: Buffer | undefined, limits: UnpackLimits): Promise<string> {
    const dir = this.dirOf(ref.sha256);
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const data = blob ?? (await this.store.get(ref.sha256));
    if (!data) throw new Error(`code package ${ref.sha256} is missing from the store`);
    const scratch = await unpackToScratch(data, ref, this.root, limits, this.identity);
    try {
      await rename(scratch, dir);
    } catch (err) {
      await rm(scratch, { recursive: true, force: true });
      if (!(await isDir(dir))) throw err; // another process won the race otherwise
    }
    return dir;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

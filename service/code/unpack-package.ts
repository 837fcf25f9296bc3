/**
 * Unpacks any code package into a fresh scratch directory below `scratchRoot` and seals it
 * (root's, read-only), or leaves nothing behind. Archives are unpacked by the unprivileged
 * worker (isolated-unpack.ts); a single-file package is one file the service writes itself.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeRef } from '../model.js';
import { unpackIsolated } from './isolated-unpack.js';
import { badPackage } from './package-errors.js';
import { sealTree } from './seal-tree.js';
import type { UnpackIdentity } from './unpack-protocol.js';
import type { UnpackLimits } from './unpack.js';

export async function unpackToScratch(blob: Buffer, ref: CodeRef, scratchRoot: string, limits: UnpackLimits, identity: UnpackIdentity): Promise<string> {
  const scratch = join(scratchRoot, `.unpack-${randomUUID()}`);
  await mkdir(scratch, { mode: 0o700 });
  const me = process.getuid!();
  try {
    if (ref.format === 'zip' || ref.format === 'tar.gz') {
      if (identity) await chown(scratch, identity.uid, identity.gid);
      await unpackIsolated(blob, ref.format, scratch, limits, identity);
      await sealTree(scratch, identity?.uid ?? me, identity ? { uid: me, gid: process.getgid!() } : null);
    } else {
      if (!ref.fileName) throw new Error('single-file package without a file name');
      if (blob.length > limits.maxUnpackedBytes) throw badPackage(`file exceeds the limit of ${limits.maxUnpackedBytes} bytes`);
      await writeFile(join(scratch, ref.fileName), blob, { flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode: 0o644 });
      await sealTree(scratch, me, null);
    }
    return scratch;
  } catch (err) {
    await rm(scratch, { recursive: true, force: true });
    throw err;
  }
}

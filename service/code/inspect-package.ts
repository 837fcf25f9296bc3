/**
 * Accepts or rejects an uploaded code package: format, limits, safety of every entry, and
 * that the handler's file exists. On success the unpacked tree is left in the code cache.
 */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CodeRef } from '../model.js';
import { detectFormat } from './detect-format.js';
import type { UnpackLimits } from './unpack.js';
import { candidateFiles, parseHandler } from './handler-ref.js';
import { badPackage } from './package-errors.js';
import type { CodeCache } from './code-cache.js';

export async function inspectPackage(blob: Buffer, uploadName: string, handler: string, limits: UnpackLimits, cache: CodeCache): Promise<CodeRef> {
  parseHandler(handler);
  const format = detectFormat(uploadName, blob.subarray(0, 8));
  const ref: CodeRef = {
    sha256: createHash('sha256').update(blob).digest('hex'),
    sizeBytes: blob.length,
    format,
    fileName: format === 'zip' || format === 'tar.gz' ? null : safeFileName(uploadName),
  };
  const dir = await cache.ensure(ref, blob, limits);
  await assertHandlerExists(dir, handler);
  return ref;
}

export async function assertHandlerExists(dir: string, handler: string): Promise<void> {
  const ref = parseHandler(handler);
  for (const f of candidateFiles(ref)) {
    if (await exists(join(dir, f))) return;
  }
  throw badPackage(`handler '${handler}' not found: the package has none of ${candidateFiles(ref).join(', ')}`);
}

function safeFileName(name: string): string {
  const b = basename(name.replace(/\\/g, '/'));
  if (!/^[A-Za-z0-9_@][A-Za-z0-9_@.-]*$/.test(b)) throw badPackage(`file name '${name}' is not allowed (letters, digits, _ @ . - only)`);
  return b;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

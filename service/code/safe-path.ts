/** Archive entry names must stay inside the package: no absolute paths, no `..`, no links out. */
import { posix } from 'node:path';
import { badPackage } from './package-errors.js';

export function safeEntryPath(raw: string): string {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw badPackage(`archive entry '${raw}' has an absolute path`);
  const normal = posix.normalize(name).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../') || normal.split('/').includes('..')) throw badPackage(`archive entry '${raw}' points outside the package (path traversal)`);
  if (normal.includes('\0')) throw badPackage(`archive entry '${raw}' has a NUL byte in its name`);
  return normal === '.' ? '' : normal;
}

/** A link inside the package must resolve to a place inside the package. */
export function checkLinkTarget(entry: string, target: string): void {
  if (target.startsWith('/')) throw badPackage(`link '${entry}' points to the absolute path '${target}' outside the package`);
  const resolved = posix.normalize(posix.join(posix.dirname(entry), target));
  if (resolved === '..' || resolved.startsWith('../')) throw badPackage(`link '${entry}' points outside the package ('${target}')`);
}

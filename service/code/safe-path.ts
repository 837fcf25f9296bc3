/**
 * Textual checks of archive entry names and link targets: no absolute paths, no `..`, no NUL,
 * nothing longer than Linux takes. They judge names only; what links really lead to is
 * judged by EntryTree against what the archive made.
 */
import { posix } from 'node:path';
import { badPackage } from './package-errors.js';

/** Linux's PATH_MAX and NAME_MAX, in bytes. */
const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;
/** Directories an entry may be nested in: deep enough for any node_modules, shallow enough that a deep name cannot cost minutes. */
const MAX_DEPTH = 128;

export function safeEntryPath(raw: string): string {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw badPackage(`archive entry '${raw}' has an absolute path`);
  const normal = posix.normalize(name).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../') || normal.split('/').includes('..')) throw badPackage(`archive entry '${raw}' points outside the package (path traversal)`);
  if (normal.includes('\0')) throw badPackage(`archive entry '${raw}' has a NUL byte in its name`);
  checkLength(`archive entry '${shorten(raw)}'`, normal);
  return normal === '.' ? '' : normal;
}

/** A link inside the package must name a place inside the package. */
export function checkLinkTarget(entry: string, target: string): void {
  if (target === '') throw badPackage(`link '${entry}' has an empty target`);
  if (target.includes('\0')) throw badPackage(`link '${entry}' has a NUL byte in its target`);
  if (target.startsWith('/')) throw badPackage(`link '${entry}' points to the absolute path '${shorten(target)}' outside the package`);
  checkLength(`link '${entry}' target`, target);
  const resolved = posix.normalize(posix.join(posix.dirname(entry), target));
  if (resolved === '..' || resolved.startsWith('../')) throw badPackage(`link '${entry}' points outside the package ('${shorten(target)}')`);
}

function checkLength(what: string, path: string): void {
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw badPackage(`${what} is too long (more than ${MAX_PATH_BYTES} bytes)`);
  const parts = path.split('/');
  if (parts.length > MAX_DEPTH) throw badPackage(`${what} is nested more than ${MAX_DEPTH} directories deep`);
  if (parts.some((part) => Buffer.byteLength(part) > MAX_NAME_BYTES)) throw badPackage(`${what} has a name too long (more than ${MAX_NAME_BYTES} bytes)`);
}

const shorten = (s: string) => (s.length > 120 ? `${s.slice(0, 60)}…${s.slice(-40)}` : s);

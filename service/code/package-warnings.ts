/**
 * What an accepted package may lack without being refused: a package.json that declares
 * dependencies the package does not carry (uploaded without `npm install`), which would only
 * fail at run time with "Cannot find module". The tree is the sealed, unpacked package in the
 * code cache; its package.json is still the tenant's text: read without following a link,
 * size-capped, and only well-formed package names are looked up.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i;
const LISTED = 10;

export async function packageWarnings(dir: string): Promise<string[]> {
  const manifest = await readManifest(join(dir, 'package.json'));
  if (!manifest) return [];
  const deps = manifest.dependencies;
  if (deps === null || typeof deps !== 'object' || Array.isArray(deps)) return [];
  const names = Object.keys(deps).filter((n) => PACKAGE_NAME.test(n) && n.length <= 214);
  const missing: string[] = [];
  for (const name of names) if (!(await exists(join(dir, 'node_modules', name)))) missing.push(name);
  if (missing.length === 0) return [];
  const shown = missing.slice(0, LISTED).join(', ') + (missing.length > LISTED ? ` and ${missing.length - LISTED} more` : '');
  return [
    `package.json lists dependencies the package does not contain (no node_modules/ for ${shown}): the function fails when it requires them. ` +
      'Run `npm install --omit=dev` in the folder before uploading it (or bundle the code into one file).',
  ];
}

async function readManifest(path: string): Promise<Record<string, unknown> | null> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null; // none, or a link: nothing to say
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_PACKAGE_JSON_BYTES) return null;
    const parsed = JSON.parse(await handle.readFile('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null; // not JSON: Node reports it when it loads the package
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What `--code DIR` leaves out besides .git and .fnstack: the paths a `.fnstackignore` in the
 * directory names (gitignore syntax, read by the `ignore` library), and the packages under
 * node_modules that only devDependencies need. Which those are comes from npm's lockfile
 * (package-lock.json, else node_modules/.package-lock.json: entries marked `"dev": true`);
 * without a lockfile, the top-level packages named only in devDependencies.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignoreModule from 'ignore';

// A CommonJS module whose typings declare `export default`: under nodenext the default import
// is module.exports, which the package also exposes as its own `.default`.
const ignore = ignoreModule.default;

export const IGNORE_FILE = '.fnstackignore';

export interface PackFilter {
  /** True when the '/'-separated relative path (a directory when `dir`) stays out of the package. */
  excludes(path: string, dir: boolean): boolean;
  /** node_modules paths left out as devDependencies only. */
  readonly devOnly: ReadonlySet<string>;
}

export async function packFilter(root: string): Promise<PackFilter> {
  const rules = await readText(join(root, IGNORE_FILE));
  const ig = ignore().add(rules ?? '');
  const devOnly = await devOnlyPackages(root);
  return {
    devOnly,
    excludes(path, dir) {
      if (devOnly.has(path)) return true;
      return ig.ignores(dir ? `${path}/` : path);
    },
  };
}

async function devOnlyPackages(root: string): Promise<Set<string>> {
  for (const lock of ['package-lock.json', join('node_modules', '.package-lock.json')]) {
    const parsed = parseJson(await readText(join(root, lock)));
    const packages = parsed?.packages;
    if (packages && typeof packages === 'object') {
      return new Set(
        Object.entries(packages as Record<string, { dev?: unknown }>)
          .filter(([path, entry]) => path.startsWith('node_modules/') && entry?.dev === true)
          .map(([path]) => path),
      );
    }
  }
  const manifest = parseJson(await readText(join(root, 'package.json')));
  const names = (field: string) => Object.keys((manifest?.[field] as Record<string, unknown> | undefined) ?? {});
  const prod = new Set([...names('dependencies'), ...names('optionalDependencies'), ...names('peerDependencies')]);
  return new Set(names('devDependencies').filter((n) => !prod.has(n)).map((n) => `node_modules/${n}`));
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

function parseJson(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
